"""Settling by hand a comprobante awaiting manual resolution ("existe en ARCA pero no en
TusFacturas"), on a real ledger: the states before and after, the events, every refusal, and what
the next run does with it."""

from __future__ import annotations

import json
from datetime import date

import pytest

from importer.dominio.comprobantes import DatosFce
from importer.dominio.errores import UsageError
from importer.emision import ledger as L
from importer.emision.destinos import Destino
from importer.emision.resolver import (
    HallazgoArca,
    elegir_cuenta,
    leer_cae,
    leer_fecha,
    leer_numero,
    resolver_en_registro,
)
from importer.emision.secrets import Credentials
from tests.emision.test_runner import CREDS, comprobante, env  # noqa: F401 - env is a fixture

ACC = "cuenta-a"
CAE = "74123456789012"


def plan(ledger: L.Ledger, ref: str, *, account: str = ACC, pv: int = 3, fecha: str = "2026-11-25") -> None:
    ledger.upsert_pending(
        account,
        ref,
        fingerprint=f"fp-{ref}",
        payload="{}",
        tipo="FACTURA A",
        punto_venta=pv,
        fecha=fecha,
        total="1210.00",
        cliente_documento="30698765433",
        planilla="julio.xlsx",
    )


def make_manual(ledger: L.Ledger, ref: str, *, account: str = ACC, **kw: object) -> L.Record:
    """A comprobante as sending.py leaves it after "existe en ARCA pero no en TusFacturas"."""
    plan(ledger, ref, account=account, **kw)  # type: ignore[arg-type]
    ledger.transition(account, ref, L.PENDING, L.SENDING, "envío con número 7", attempts=1, numero_enviado=7)
    ledger.transition(
        account,
        ref,
        L.SENDING,
        L.IN_DOUBT,
        "existe_en_afip",
        errores=json.dumps(["El comprobante existe en ARCA pero no en TusFacturasAPP."]),
        inflight_until=123.0,
        manual=1,
    )
    record = ledger.get(account, ref)
    assert record is not None
    return record


def events(ledger: L.Ledger, ref: str) -> list[tuple[str | None, str, str]]:
    rows = ledger.con.execute(
        "SELECT from_state, to_state, detail FROM eventos WHERE referencia=? ORDER BY id", (ref,)
    ).fetchall()
    return [tuple(r) for r in rows]


@pytest.fixture
def ledger(tmp_path):
    with L.Ledger(tmp_path / "registro.sqlite") as led:
        yield led


# --- the two findings --------------------------------------------------------------------------


def test_not_emitted_goes_back_to_pending_with_its_event(ledger):
    make_manual(ledger, "FA-7")
    after = resolver_en_registro(ledger, ACC, "FA-7", None)
    assert after.state == L.PENDING and after.manual == 0
    assert after.errores is None and after.absent_checks == 0 and after.inflight_until is None
    assert after.cae is None and after.numero is None
    assert events(ledger, "FA-7")[-1] == (L.IN_DOUBT, L.PENDING, "resuelto a mano: no emitido según ARCA")


def test_emitted_records_the_numero_and_cae_found_in_arca(ledger):
    make_manual(ledger, "FA-7", pv=3)
    hallazgo = HallazgoArca(125, CAE, date(2026, 12, 5))
    after = resolver_en_registro(ledger, ACC, "FA-7", hallazgo)
    assert after.state == L.EMITTED and after.manual == 0 and after.errores is None
    assert after.numero == 125 and after.comprobante_nro == "00003-00000125"  # PPPPP-NNNNNNNN
    assert after.cae == CAE and after.cae_vencimiento == "2026-12-05"
    assert after.emitted_fingerprint == "fp-FA-7"  # a later change of its rows is reported, not sent
    assert "resolver" in (after.observaciones or "")
    assert events(ledger, "FA-7")[-1] == (
        L.IN_DOUBT,
        L.EMITTED,
        f"resuelto a mano: emitido según ARCA, 00003-00000125, CAE {CAE}",
    )
    # the ledger now knows the number and the date for the punto de venta
    assert ledger.max_numero(ACC, 3, "FACTURA A") == 125
    assert ledger.last_emitted_date(ACC, 3) == "2026-11-25"


def test_the_numero_is_only_the_number_the_punto_de_venta_is_the_records(ledger):
    make_manual(ledger, "FA-7", pv=12)
    after = resolver_en_registro(ledger, ACC, "FA-7", HallazgoArca(3, CAE))
    assert after.comprobante_nro == "00012-00000003" and after.cae_vencimiento is None


# --- refusals: nothing changes -------------------------------------------------------------------


def assert_unchanged(ledger, ref, before, n_events):
    assert ledger.get(ACC, ref) == before
    assert len(events(ledger, ref)) == n_events


@pytest.mark.parametrize("hallazgo", [None, HallazgoArca(1, CAE)])
def test_a_pending_emitted_or_rejected_referencia_is_refused(ledger, hallazgo):
    plan(ledger, "P")
    plan(ledger, "E")
    ledger.transition(ACC, "E", L.PENDING, L.EMITTED, "emitido", numero=1, cae="70000000000001")
    plan(ledger, "R")
    ledger.transition(ACC, "R", L.PENDING, L.REJECTED, "datos")
    for ref, estado in (("P", "PENDIENTE"), ("E", "EMITIDO"), ("R", "RECHAZADO")):
        before, n = ledger.get(ACC, ref), len(events(ledger, ref))
        with pytest.raises(UsageError) as info:
            resolver_en_registro(ledger, ACC, ref, hallazgo)
        assert "no espera resolución manual" in str(info.value) and estado in str(info.value)
        assert_unchanged(ledger, ref, before, n)


def test_a_doubt_not_flagged_for_manual_resolution_is_refused(ledger):
    plan(ledger, "D")
    ledger.transition(ACC, "D", L.PENDING, L.SENDING, "envío")
    ledger.transition(ACC, "D", L.SENDING, L.IN_DOUBT, "timeout")
    before, n = ledger.get(ACC, "D"), len(events(ledger, "D"))
    with pytest.raises(UsageError) as info:
        resolver_en_registro(ledger, ACC, "D", None)
    assert "la verifica sola" in str(info.value)
    assert_unchanged(ledger, "D", before, n)


def test_an_unknown_referencia_is_refused(ledger):
    with pytest.raises(UsageError, match="no figura"):
        resolver_en_registro(ledger, ACC, "NADA", None)


def test_a_numero_the_ledger_gives_to_another_comprobante_is_refused(ledger):
    plan(ledger, "OTRA")
    ledger.transition(
        ACC,
        "OTRA",
        L.PENDING,
        L.EMITTED,
        "emitido",
        numero=125,
        comprobante_nro="00003-00000125",
        cae="1" * 14,
    )
    before = make_manual(ledger, "FA-7")
    n = len(events(ledger, "FA-7"))
    with pytest.raises(UsageError, match="OTRA"):
        resolver_en_registro(ledger, ACC, "FA-7", HallazgoArca(125, CAE))
    assert_unchanged(ledger, "FA-7", before, n)
    with pytest.raises(UsageError, match="ese CAE"):
        resolver_en_registro(ledger, ACC, "FA-7", HallazgoArca(126, "1" * 14))
    assert_unchanged(ledger, "FA-7", before, n)
    # the same number in another punto de venta is another comprobante: fine
    assert resolver_en_registro(ledger, ACC, "FA-7", HallazgoArca(124, CAE)).state == L.EMITTED


def test_a_cae_expiring_before_the_comprobante_date_is_refused(ledger):
    before = make_manual(ledger, "FA-7", fecha="2026-11-25")
    with pytest.raises(UsageError, match="anterior a la fecha del comprobante"):
        resolver_en_registro(ledger, ACC, "FA-7", HallazgoArca(1, CAE, date(2026, 11, 24)))
    assert ledger.get(ACC, "FA-7") == before


# --- the shape of what the user types ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"), [("125", 125), (" 7 ", 7), ("00000125", 125), ("99999999", 99999999)]
)
def test_numero_shapes_accepted(text, value):
    assert leer_numero(text) == value


@pytest.mark.parametrize("text", ["", "0", "00000000", "123456789", "12a", "-5", "1.5", "00003-00000125"])
def test_numero_shapes_refused(text):
    with pytest.raises(UsageError, match="--numero"):
        leer_numero(text)


def test_a_full_comprobante_number_is_refused_with_the_number_to_type():
    with pytest.raises(UsageError, match="por ejemplo 125 en lugar de 00003-00000125"):
        leer_numero("00003-00000125")


@pytest.mark.parametrize(
    "text", ["7412345678901", "741234567890123", "7412345678901a", "7412-3456789012", ""]
)
def test_cae_must_be_14_digits(text):
    with pytest.raises(UsageError, match="14 dígitos"):
        leer_cae(text)


def test_cae_of_14_digits_is_kept_as_text():
    assert leer_cae(" 04123456789012 ") == "04123456789012"  # a leading zero is kept


def test_vencimiento_is_dd_mm_aaaa():
    assert leer_fecha("05/12/2026", "--vencimiento-cae") == date(2026, 12, 5)
    with pytest.raises(UsageError, match="--vencimiento-cae"):
        leer_fecha("2026-12-05", "--vencimiento-cae")


# --- which account -----------------------------------------------------------------------------


def destino(nombre: str) -> Destino:
    token = f"token-{nombre}-123456"
    return Destino(nombre, Credentials(token, "9991", token), "30712345678", DatosFce(), None)


def test_the_only_account_whose_rows_have_the_referencia_is_chosen(ledger, tmp_path):
    centro, norte = destino("Centro"), destino("Norte")
    plan(ledger, "FA-7", account=norte.account)
    assert elegir_cuenta(ledger, [centro, norte], "FA-7", None, tmp_path) is norte


def test_a_referencia_in_several_accounts_needs_cuenta(ledger, tmp_path):
    centro, norte = destino("Centro"), destino("Norte")
    plan(ledger, "FA-7", account=centro.account)
    plan(ledger, "FA-7", account=norte.account)
    with pytest.raises(UsageError, match="varias cuentas.*--cuenta"):
        elegir_cuenta(ledger, [centro, norte], "FA-7", None, tmp_path)
    assert elegir_cuenta(ledger, [centro, norte], "FA-7", "norte", tmp_path) is norte  # any case


def test_an_unknown_cuenta_or_a_referencia_in_no_account_is_refused(ledger, tmp_path):
    centro, norte = destino("Centro"), destino("Norte")
    plan(ledger, "FA-7", account=centro.account)
    with pytest.raises(UsageError, match="ninguna cuenta con ese nombre"):
        elegir_cuenta(ledger, [centro, norte], "FA-7", "Sur", tmp_path)
    with pytest.raises(UsageError, match="para la cuenta «Norte»"):
        elegir_cuenta(ledger, [centro, norte], "FA-7", "Norte", tmp_path)
    with pytest.raises(UsageError, match="no figura en el registro"):
        elegir_cuenta(ledger, [centro, norte], "FA-99", None, tmp_path)


# --- what the next run does ----------------------------------------------------------------------


def _manual_in_runner(make, ledger, ref):
    """Plan the sheet as a run does, then leave `ref` as an "existe en ARCA" answer leaves it."""
    runner = make([comprobante(ref), comprobante("B", date(2026, 11, 26))])
    runner.prepare()
    acc = CREDS.account_key()
    ledger.transition(acc, ref, L.PENDING, L.SENDING, "envío con número 1", attempts=1, numero_enviado=1)
    ledger.transition(acc, ref, L.SENDING, L.IN_DOUBT, "existe_en_afip", manual=1, errores='["x"]')


def test_a_manual_doubt_blocks_its_punto_de_venta_until_resolved_not_emitted_then_is_sent_once(env):  # noqa: F811
    make, fake, ledger, _ = env
    acc = CREDS.account_key()
    _manual_in_runner(make, ledger, "A")
    report = make([comprobante("A"), comprobante("B", date(2026, 11, 26))]).run()
    assert fake.posts == 0 and report.unresolved == ["A"]  # nothing goes out while it is in doubt
    resolver_en_registro(ledger, acc, "A", None)
    report = make([comprobante("A"), comprobante("B", date(2026, 11, 26))]).run()
    assert fake.refs() == ["A", "B"] and fake.posts == 2  # A once, in its date order
    assert ledger.get(acc, "A").state == L.EMITTED and ledger.get(acc, "B").state == L.EMITTED


def test_resolved_as_emitted_is_never_sent_and_the_others_go_on(env):  # noqa: F811
    make, fake, ledger, _ = env
    acc = CREDS.account_key()
    _manual_in_runner(make, ledger, "A")
    resolver_en_registro(ledger, acc, "A", HallazgoArca(1, CAE))
    fake.last_number[("FACTURA A", 1)] = 1  # AFIP's numbering has it (TusFacturas' numeración asks AFIP)
    report = make([comprobante("A"), comprobante("B", date(2026, 11, 26))]).run()
    assert fake.refs() == ["B"] and fake.posts == 1 and not report.stop_reason
    assert ledger.get(acc, "A").state == L.EMITTED and ledger.get(acc, "A").cae == CAE
    assert ledger.get(acc, "B").numero == 2
