"""Exactly-once review: crash points, classification, reconciliation, loops and exit codes.

Each test states the correct behaviour. The first group reproduces defects found in review (now
fixed; each docstring says what went wrong); the others are regression tests of behaviour found
sound.

Two harnesses: the scripted fake TusFacturas of `tests/emision/test_runner.py` (extended below with late
landings, blind lookups and more answers) with a fake clock, and the in-process sandbox on
loopback (real HTTP, fake clock for the runner's waits).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import responses

from importer.cli.main import ExitCode, main
from importer.emision import ledger as L
from importer.emision.api import CONNECT_TIMEOUT, Outcome, TusFacturasClient, classify_emission
from importer.emision.desenlace import cierre
from importer.emision.payload import build_payload
from importer.emision.runner import Runner, RunOptions, pdf_name
from importer.emision.secrets import Credentials
from importer.sandbox import FaultPlan, Sandbox
from tests.conftest import valid_row
from tests.emision.test_runner import BASE, CREDS, Clock, FakeTF, comprobante

HOY = date(2026, 11, 25)
ACC = CREDS.account_key()
TIMEOUT = 30.0
MARGIN = 10.0
WINDOW = TIMEOUT + MARGIN

EXISTE_EN_ARCA = "El comprobante existe en ARCA pero no en TusFacturasAPP"
ERROR_10016 = (
    "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10016 - El numero o "
    "fecha del comprobante no se corresponde con el proximo a autorizar"
)
LOOKUP_TRANSIENT = "Se produjo un error al procesar la consulta. Intente nuevamente en unos minutos."


# --- a richer scripted TusFacturas ----------------------------------------------------------------


class Fake(FakeTF):
    """`FakeTF` plus: requests that land later, lookups that miss or fail, stored fields on demand."""

    def __init__(self, clock, rsps):
        super().__init__(clock, rsps)
        self.landings: list[tuple[float, dict]] = []  # (when the server commits, body)
        self.lookups = 0
        self.ext_ref_blind = False  # consulta_avanzada EXT_REF does not see anything (index lag)
        self.blank_refs = False  # stored comprobantes carry no external_reference
        self.total_override: str | None = None  # the total TusFacturas stores
        self.consulta_error = False  # consulta answers a transient error "S"
        self.stringly = False  # lookups return numbers as padded strings

    def flush(self, until: float | None = None) -> None:
        """Commit every landing due by `until` (default: now)."""
        limit = self.clock.now if until is None else until
        due = [body for at, body in self.landings if at <= limit]
        self.landings = [(at, body) for at, body in self.landings if at > limit]
        for body in due:
            self.store(body)

    def store(self, body):
        item = super().store(body)
        item["fecha"] = body["comprobante"]["fecha"]
        if self.blank_refs:
            item["external_reference"] = ""
        if self.total_override is not None:
            item["total"] = self.total_override
        if self.stringly:
            item["tipo"] = f" {item['tipo'].lower()} "
            item["punto_venta"] = f" {item['punto_venta']:05d} "
            item["numero"] = f" {item['numero']:08d} "
            item["total"] = f" {item['total']} "
        return item

    def pre_store(self, ref, *, pv=1, tipo="FACTURA A", fecha="25/11/2026", total="1210.00", cae=None):
        """A comprobante TusFacturas already holds (emitted by anyone, any time)."""
        key = (tipo, pv)
        numero = self.last_number.get(key, 0) + 1
        self.last_number[key] = numero
        item = {
            "external_reference": ref,
            "tipo": tipo,
            "punto_venta": pv,
            "numero": numero,
            "fecha": fecha,
            "total": total,
            "cae": cae or f"9{numero:013d} ",
            "vencimiento_cae": "05/11/2026",
            "status": "EMITIDO",
            "comprobante_pdf_url": "https://files.test/pdf",
            "afip_qr": "https://qr ",
        }
        self.stored.append({"cliente": {"documento_nro": "30698765433 "}, "comprobante": item})
        return item

    def _error(self, *errores):
        return 200, {}, json.dumps({"error": "S", "errores": list(errores), "error_details": []})

    def nuevo(self, request):
        self.flush()
        action = self.nuevo_script[0] if self.nuevo_script else "ok"
        if isinstance(action, tuple) or action in ("existe_en_arca", "10016"):
            self.nuevo_script.pop(0)
            self.posts += 1
            self.post_times.append(self.clock.now)
            if action == "existe_en_arca":
                return self._error(EXISTE_EN_ARCA)
            if action == "10016":
                return self._error(ERROR_10016)
            # ("slow_connect", connect_seconds, commit_after_client_gave_up)
            _, connect, commit_late = action
            self.clock.now += connect + TIMEOUT  # connect retries, then the whole read timeout
            self.landings.append((self.clock.now + commit_late, json.loads(request.body)))
            raise requests.ReadTimeout("read timed out")
        return super().nuevo(request)

    def avanzada(self, request):
        self.lookups += 1
        self.flush()
        if self.ext_ref_blind:
            return self._error("No se han encontrado comprobantes.")
        return super().avanzada(request)

    def numeracion(self, request):
        self.lookups += 1
        self.flush()
        return super().numeracion(request)

    def consulta(self, request):
        self.lookups += 1
        self.flush()
        if self.consulta_error:
            return self._error(LOOKUP_TRANSIENT)
        return super().consulta(request)


def build_runner(comprobantes, base_url, creds, ledger, clock, tmp_path, should_stop=None, **kw):
    """A runner with the review's timings, a fake clock and no pacing."""
    options = RunOptions(
        account=creds.account_key(),
        timeout=TIMEOUT,
        margin=MARGIN,
        rate=None,
        pdf_dir=tmp_path / "pdf",
        planilla="mes.xlsx",
        **kw,
    )
    client = TusFacturasClient(base_url, creds, timeout=TIMEOUT)
    return Runner(
        comprobantes,
        client,
        ledger,
        options,
        reloj=clock.reloj(),
        should_stop=should_stop or (lambda: False),
    )


@contextmanager
def scripted(tmp_path, fake_class):
    """A scripted TusFacturas of `fake_class`, a ledger and a runner builder with the review's timings.

    Yields (make, fake, ledger, clock, paths): `paths()` lists the API paths called, in order."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        clock = Clock()
        fake = fake_class(clock, rsps)
        ledger = L.Ledger(tmp_path / "registro.sqlite")

        def make(comprobantes, *, should_stop=None, **kw):
            return build_runner(comprobantes, BASE, CREDS, ledger, clock, tmp_path, should_stop, **kw)

        def paths():
            return [
                c.request.url.removeprefix(BASE + "/")
                for c in rsps.calls
                if "files.test" not in c.request.url
            ]

        try:
            yield make, fake, ledger, clock, paths
        finally:
            ledger.close()


@pytest.fixture
def env(tmp_path):
    with scripted(tmp_path, Fake) as (make, fake, ledger, clock, _):
        yield make, fake, ledger, clock


def rec(ledger, ref, account=ACC):
    return ledger.get(account, ref)


# --- the in-process sandbox on loopback -----------------------------------------------------------


@pytest.fixture
def sandbox_env(tmp_path):
    sb = Sandbox(hoy=HOY).start()
    clock = Clock()
    ledger = L.Ledger(tmp_path / "registro-sandbox.sqlite")
    creds = Credentials(**sb.credentials)

    def make(comprobantes, faults=None, *, should_stop=None, **kw):
        if faults is not None:
            sb.set_faults(FaultPlan.parse(faults))
        return build_runner(comprobantes, sb.base_url, creds, ledger, clock, tmp_path, should_stop, **kw)

    try:
        yield make, sb, ledger, clock, creds.account_key()
    finally:
        ledger.close()
        sb.stop()


def stored_refs(sb):
    return sorted(c["external_reference"] for c in sb.comprobantes())


# ==================================================================================================
# Defects found in review, now fixed: each test states the correct behaviour
# ==================================================================================================


def test_exists_in_arca_but_not_in_tusfacturas_is_never_resent(env):
    """Regression (found in review): 'existe en ARCA pero no en TusFacturasAPP' is classified IN_DOUBT
    and, once the EXT_REF lookup (which cannot see it) finds nothing, the comprobante is re-sent: a
    second invoice in AFIP. tusfacturas-api.md §7.4.d says stop and resolve manually."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["existe_en_arca", "ok"]
    report = make([comprobante("A")]).run()
    assert fake.posts == 1, "AFIP already authorised it: a second POST is a second invoice"
    assert report.stop_reason or report.unresolved == ["A"]


def test_persistent_10016_after_proven_absence_ends_the_run(sandbox_env):
    """Regression (found in review): A 10016 that persists after the lookup proved absence (here: a
    later-dated comprobante emitted outside this ledger) is re-sent forever, one POST per in-flight
    window, never reported."""
    make, sb, ledger, _, acc = sandbox_env
    # Another sheet / ledger / the web UI already emitted a comprobante dated today on PV 1.
    body = build_payload(comprobante("OTRO", HOY))
    answer = requests.post(f"{sb.base_url}/facturacion/nuevo", json={**sb.credentials, **body}, timeout=5)
    assert answer.json()["error"] == "N"
    posts = lambda: sb.requests_count("nuevo")  # noqa: E731
    runner = make([comprobante("A", HOY - timedelta(days=1))], should_stop=lambda: posts() > 8)
    report = runner.run()
    assert not report.interrupted, f"still looping after {posts() - 1} POSTs"
    assert posts() - 1 <= 2
    assert rec(ledger, "A", acc).state in (L.REJECTED, L.IN_DOUBT)


def test_persistent_5xx_stops_resumably_after_a_few_verified_attempts(env):
    """Regression (found in review): No bound on doubt → lookup → absent → re-send cycles: a server
    that answers 5xx to every emission gets a POST every in-flight window forever (each one a billed
    request), never exit 3."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["500"] * 100
    report = make([comprobante("A")], should_stop=lambda: fake.posts >= 12).run()
    assert not report.interrupted, f"still looping after {fake.posts} POSTs"
    assert fake.posts <= 5 and (report.stop_reason or report.unresolved)
    assert fake.refs() == []


def test_in_flight_window_covers_a_slow_connect(env):
    """Regression (found in review): The in-flight window is counted from before the connect phase
    (sent_at is taken before urllib3's connect retries), so after a slow connect + read timeout the
    window has already elapsed: an early 'not found' leads to a re-send while the first request is
    still processing."""
    make, fake, ledger, clock = env
    # Two connect attempts time out (2 x CONNECT_TIMEOUT), the third connects and the request is
    # sent; the client reads for TIMEOUT and gives up; the server commits 5 s later: well inside
    # "read timeout + margin" counted from when the request really left.
    connect = 2 * CONNECT_TIMEOUT
    fake.nuevo_script = [("slow_connect", connect, 5.0)]
    make([comprobante("A")]).run()
    fake.flush(float("inf"))  # the server finishes its work whatever the client did
    assert fake.refs() == ["A"], "the comprobante was emitted twice"
    assert rec(ledger, "A").state == L.EMITTED


def test_reconciliation_does_not_adopt_a_comprobante_of_another_date(env):
    """Regression (found in review): Reconciliation does not compare the fecha: a comprobante already
    in TusFacturas with the same external_reference, tipo, PV, total and customer but another date
    is adopted, so this month's invoice is never emitted and the results show last month's CAE."""
    make, fake, ledger, _ = env
    old = fake.pre_store("A", fecha="25/10/2026", cae="91111111111111 ")
    fake.nuevo_script = ["timeout"]  # this month's attempt never reached AFIP
    make([comprobante("A")]).run()
    assert rec(ledger, "A").cae != old["cae"].strip()


def test_reconciliation_adopts_the_comprobante_this_attempt_created(env):
    """Regression (found in review): With several matches for the reference, reconciliation adopts the
    lowest number, i.e. the comprobante that existed before this attempt, not the one the attempt
    created."""
    make, fake, ledger, _ = env
    fake.pre_store("A", fecha="25/10/2026", cae="91111111111111 ")  # numero 1
    fake.nuevo_script = ["commit_then_timeout"]  # numero 2, dated 25/11/2026
    make([comprobante("A")], precheck=False).run()  # reconciliation alone (the pre-check would refuse)
    record = rec(ledger, "A")
    assert (record.numero, record.cae) == (2, "00000000000002")


def test_numbering_fallback_finds_a_comprobante_without_reference(env):
    """Regression (found in review): The numbering fallback (§7.4.b) only accepts a number whose
    external_reference equals ours, so it can never find the comprobante in the very case it exists
    for (TusFacturas did not keep the reference): the number advanced, customer and total match, yet
    it is re-sent."""
    make, fake, ledger, _ = env
    fake.blank_refs = True
    fake.nuevo_script = ["commit_then_timeout"]
    make([comprobante("A")]).run()
    assert fake.posts == 1, "a second invoice was emitted"


def test_numbering_fallback_stops_on_our_reference_with_other_content(env):
    """Regression (found in review): In the numbering fallback a comprobante carrying OUR reference but
    another total is skipped and absence is concluded (re-send), while the EXT_REF path rightly
    stops on the same evidence."""
    make, fake, ledger, _ = env
    fake.ext_ref_blind = True  # the EXT_REF index lags behind
    fake.total_override = "1210.01"  # TusFacturas recomputed the total
    fake.nuevo_script = ["commit_then_timeout"]
    report = make([comprobante("A")]).run()
    assert fake.posts == 1, "a second invoice was emitted"
    assert report.unresolved == ["A"]


def test_a_failed_numbered_lookup_is_not_proof_of_absence(env):
    """Regression (found in review): TusFacturasClient.consultar returns None (= 'no comprobante with
    this number') for ANY error 'S' answer, including a transient lookup failure, so a failed lookup
    counts as proof of absence in the numbering fallback and the comprobante is re-sent."""
    make, fake, ledger, _ = env
    fake.ext_ref_blind = True
    fake.consulta_error = True
    fake.nuevo_script = ["commit_then_timeout"]
    report = make([comprobante("A")]).run()
    assert fake.posts == 1, "a second invoice was emitted"
    assert report.unresolved == ["A"]


def test_limit_still_settles_the_doubts_of_this_run(env):
    """Regression (found in review): --limit breaks out of the loop at once: a comprobante left in
    doubt on another punto de venta is never reconciled (not even the immediate EXT_REF lookup), and
    the run exits 3 saying it 'could not be verified'."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["commit_then_timeout"]
    report = make([comprobante("A", pv=1), comprobante("B", pv=2)], limit=1).run()
    assert report.limit_reached and fake.posts == 1
    assert report.unresolved == [] and rec(ledger, "A").state == L.EMITTED


def test_afip_down_answers_are_retried_with_a_growing_back_off(env):
    """Regression (found in review): When nuevo says 'AFIP down' but estado_servicios says OK, every
    pause restarts at 2 s: one billed POST every ~2 s for the whole max pause (hundreds), no growing
    back-off."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["afip_down"] * 10_000
    report = make([comprobante("A")], max_pause=600).run()
    assert "AFIP" in report.stop_reason and rec(ledger, "A").state == L.PENDING
    assert fake.posts <= 30, f"{fake.posts} POSTs in 10 minutes"


@pytest.mark.parametrize("text", ["{}", '{"rta": "Error interno", "status": 502}'])
def test_a_json_answer_without_error_field_is_in_doubt(text):
    """Regression (found in review): An HTTP 200 JSON object without an 'error' field (a gateway or
    proxy answer) proves nothing, but it is classified REJECTED, and a rejected comprobante is re-
    sent by the next run without any lookup."""
    assert classify_emission(200, text).outcome is Outcome.IN_DOUBT


@pytest.mark.parametrize(
    ("text", "acceptable"),
    [
        ('{"error": "N", "errores": 5, "cae": "1"}', {Outcome.EMITTED, Outcome.IN_DOUBT}),
        ('{"error": "S", "errores": [], "error_details": 5}', {Outcome.REJECTED, Outcome.IN_DOUBT}),
    ],
)
def test_a_malformed_answer_is_classified_not_raised(text, acceptable):
    """Regression (found in review): A malformed body ('errores' or 'error_details' not a list) raises
    TypeError out of classify_emission: the run aborts with 'Error inesperado' (exit 2, no results
    workbook) instead of recording an outcome."""
    try:
        outcome = classify_emission(200, text).outcome
    except TypeError as exc:
        raise AssertionError(f"classify_emission raised {exc!r}") from None
    assert outcome in acceptable


def test_a_negative_margin_is_refused(write_workbook, capsys):
    """Regression (found in review): --margen is not validated: a negative margin makes the in-flight
    window end before the read timeout, so 'not found' is trusted while the request may still be
    processing."""
    planilla = write_workbook([valid_row(referencia="FA-1")], name="mes.xlsx")
    code = main(["run", str(planilla), "--sandbox", "--dry-run", "--margen", "-500"])
    assert code == ExitCode.CANNOT_START


def test_a_doubt_whose_punto_venta_changed_in_the_sheet_does_not_spin(env):
    """Regression (found in review): A comprobante in doubt whose punto_venta was changed in the sheet:
    reconcile_pv(new PV) does not see it, send_pv answers 'again' without a wait, and the loop spins
    on EXT_REF lookups without sleeping until the old window ends (with a fake clock: forever)."""
    make, fake, ledger, clock = env
    first = make([comprobante("A", pv=1)])
    first.prepare()
    ledger.transition(
        ACC, "A", L.PENDING, L.SENDING, sent_at=clock.now, inflight_until=clock.now + WINDOW
    )  # the run was killed during the POST
    report = make([comprobante("A", pv=2)], should_stop=lambda: fake.lookups > 200).run()
    assert not report.interrupted, f"{fake.lookups} lookups without sleeping"
    assert fake.posts == 1 and rec(ledger, "A").state == L.EMITTED


# ==================================================================================================
# Regression: behaviour checked and found sound
# ==================================================================================================

# --- crash points ---------------------------------------------------------------------------------


def test_crash_after_sending_was_committed_but_before_the_post(env):
    """`sending` committed, process killed before any byte left: wait the window, then send once."""
    make, fake, ledger, clock = env
    t0 = clock.now
    make([comprobante("A")]).prepare()
    ledger.transition(ACC, "A", L.PENDING, L.SENDING, sent_at=t0, inflight_until=t0 + WINDOW)
    report = make([comprobante("A")]).run()
    assert fake.posts == 1 and fake.post_times[0] >= t0 + WINDOW
    assert rec(ledger, "A").state == L.EMITTED and report.reconciled == 1


def test_crash_after_the_cae_was_recorded_but_before_the_pdf(env, tmp_path, monkeypatch):
    make, fake, ledger, _ = env
    runner = make([comprobante("A")])

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.pdfs, "download", killed)
    with pytest.raises(KeyboardInterrupt):
        runner.run()
    record = rec(ledger, "A")
    assert record.state == L.EMITTED and record.cae == "00000000000001"
    make([comprobante("A")]).run()
    assert fake.posts == 1
    assert (tmp_path / "pdf" / pdf_name("FACTURA A", 1, 1)).read_bytes().startswith(b"%PDF")


def test_crash_during_reconciliation_loses_nothing(env):
    """Killed between the lookups and the ledger write: the next run reconciles again."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["commit_then_timeout"]
    runner = make([comprobante("A")])
    original = runner._adopt

    def die(*args, **kwargs):
        raise KeyboardInterrupt

    runner._adopt = die
    with pytest.raises(KeyboardInterrupt):
        runner.run()
    assert rec(ledger, "A").state == L.IN_DOUBT
    runner._adopt = original
    make([comprobante("A")]).run()
    assert fake.posts == 1 and rec(ledger, "A").state == L.EMITTED


def test_a_late_landing_after_a_live_timeout_is_adopted(env):
    make, fake, ledger, clock = env
    fake.nuevo_script = [("slow_connect", 0.0, MARGIN / 2)]
    make([comprobante("A")]).run()
    fake.flush(float("inf"))
    assert fake.refs() == ["A"] and rec(ledger, "A").state == L.EMITTED


# --- reconciliation -------------------------------------------------------------------------------


def test_lookup_numbers_as_padded_strings_are_understood(env):
    make, fake, ledger, clock = env
    fake.stringly = True
    fake.nuevo_script = ["commit_then_timeout"]
    t0 = clock.now
    make([comprobante("A")]).run()
    record = rec(ledger, "A")
    assert record.state == L.EMITTED and record.numero == 1 and record.comprobante_nro == "00001-00000001"
    assert fake.posts == 1 and clock.now < t0 + WINDOW  # found at once, no wait for the window


def test_a_comprobante_of_another_punto_de_venta_is_not_adopted(env):
    make, fake, ledger, clock = env
    fake.pre_store("A", pv=2, cae="92222222222222 ")
    fake.nuevo_script = ["timeout"]
    make([comprobante("A", pv=1)], precheck=False).run()  # reconciliation alone
    record = rec(ledger, "A")
    assert record.state == L.EMITTED and record.cae == "00000000000001"
    assert fake.posts == 2 and fake.post_times[1] - fake.post_times[0] >= WINDOW


def test_a_nota_de_credito_in_doubt_is_reconciled(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["commit_then_timeout"]
    make([comprobante("NC-1", tipo="NOTA DE CREDITO A")]).run()
    record = rec(ledger, "NC-1")
    assert record.state == L.EMITTED and fake.posts == 1


def test_same_reference_with_other_total_stops_instead_of_resending(env):
    make, fake, ledger, _ = env
    fake.total_override = "9999.00"
    fake.nuevo_script = ["commit_then_timeout"]
    report = make([comprobante("A"), comprobante("B")]).run()
    assert report.unresolved == ["A"] and fake.posts == 1
    assert rec(ledger, "B").state == L.PENDING  # its punto de venta stays blocked


def test_lookups_failing_for_good_leave_the_doubt_and_block_only_its_pv(env):
    make, fake, ledger, _ = env
    fake.fail_after_first_post = {"A"}
    fake.nuevo_script = ["500"]
    report = make([comprobante("A", pv=1), comprobante("C", pv=3)]).run()
    assert report.unresolved == ["A"] and fake.refs() == ["C"]
    code = cierre(report, {}, SimpleNamespace(invalidas=[], problems=[]), Path("r.xlsx"), "cmd").codigo
    assert code == ExitCode.STOPPED


# --- pauses, Ctrl-C, exit codes ---------------------------------------------------------------------


def test_ctrl_c_during_the_in_flight_wait_sends_nothing_and_exits_130(env):
    make, fake, ledger, clock = env
    fake.nuevo_script = ["timeout"]
    t0 = clock.now
    report = make([comprobante("A")], should_stop=lambda: clock.now > t0 + 5).run()
    assert report.interrupted and fake.posts == 1 and rec(ledger, "A").state == L.IN_DOUBT
    code = cierre(report, {}, SimpleNamespace(invalidas=[], problems=[]), Path("r.xlsx"), "cmd").codigo
    assert code == ExitCode.INTERRUPTED


def test_ctrl_c_during_an_afip_down_pause_leaves_the_comprobante_pending(env):
    make, fake, ledger, clock = env
    fake.nuevo_script = ["afip_down"]
    fake.estado_ok_after = 10_000
    t0 = clock.now
    report = make([comprobante("A"), comprobante("B")], should_stop=lambda: clock.now > t0 + 10).run()
    assert report.interrupted and fake.posts == 1
    assert rec(ledger, "A").state == L.PENDING and rec(ledger, "B").state == L.PENDING


def test_429_for_ever_stops_resumably_with_bounded_posts(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["429"] * 1000
    report = make([comprobante("A")], max_pause=120).run()
    assert "429" in report.stop_reason and rec(ledger, "A").state == L.PENDING
    assert fake.posts < 15


def test_a_second_ledger_on_the_same_file_is_refused(tmp_path):
    path = tmp_path / "registro.sqlite"
    with L.Ledger(path), pytest.raises(L.LedgerLocked):
        L.Ledger(path)


# --- end to end on the in-process sandbox ---------------------------------------------------------


@pytest.mark.parametrize("fault", ["corte@1", "sin_cae@1", "524@1"])
def test_sandbox_committed_then_lost_answer_is_adopted_once(sandbox_env, tmp_path, fault):
    make, sb, ledger, clock, acc = sandbox_env
    t0 = clock.now
    report = make([comprobante("A"), comprobante("B")], fault).run()
    assert stored_refs(sb) == ["A", "B"]
    by_ref = {c["external_reference"]: c for c in sb.comprobantes()}
    for ref in ("A", "B"):
        record = rec(ledger, ref, acc)
        assert record.state == L.EMITTED and record.cae == by_ref[ref]["cae"]
        assert Path(record.pdf_path).read_bytes().startswith(b"%PDF")
    assert report.reconciled == 1 and clock.now < t0 + WINDOW  # found at once, no waiting


def test_sandbox_uncommitted_500_is_resent_only_after_the_window(sandbox_env):
    make, sb, ledger, clock, acc = sandbox_env
    runner = make([comprobante("A")], "500@1")
    times = []
    emitir = runner.client.emitir

    def timed(body):
        times.append(clock.now)
        return emitir(body)

    runner.client.emitir = timed
    runner.run()
    assert stored_refs(sb) == ["A"] and len(times) == 2 and times[1] - times[0] >= WINDOW


def test_sandbox_failing_lookups_are_retried_before_deciding(sandbox_env):
    make, sb, ledger, clock, acc = sandbox_env
    report = make([comprobante("A")], "corte@1; consultas:500@1-3").run()
    assert stored_refs(sb) == ["A"] and rec(ledger, "A", acc).state == L.EMITTED
    assert report.unresolved == []


def test_sandbox_doubt_blocks_only_its_punto_de_venta_and_keeps_order(sandbox_env):
    make, sb, ledger, clock, acc = sandbox_env
    cs = [
        comprobante("P1-a", HOY - timedelta(days=1), pv=1),
        comprobante("P1-b", HOY, pv=1),
        comprobante("P2-a", HOY, pv=2),
    ]
    make(cs, "500@1").run()  # P1-a: nothing committed, in doubt for a whole window
    order = [c["external_reference"] for c in sb.comprobantes()]
    assert order == ["P2-a", "P1-a", "P1-b"]
    numbers = {c["external_reference"]: c["numero"] for c in sb.comprobantes()}
    assert numbers["P1-a"] < numbers["P1-b"]


def test_sandbox_afip_outage_pauses_then_resumes_in_order(sandbox_env):
    make, sb, ledger, clock, acc = sandbox_env
    sb.open_afip_outage(3600)
    t0 = clock.now
    runner = make([comprobante("A"), comprobante("B")])
    original = clock.sleep

    def sleep(seconds):
        original(seconds)
        if clock.now > t0 + 60:
            sb.close_outages()

    clock.sleep = sleep  # the runner, its pacer and its lookups all sleep on this clock
    report = runner.run()
    assert not report.stop_reason and stored_refs(sb) == ["A", "B"]
    assert sb.requests_count("nuevo") == 3  # one refused while AFIP was down, then A and B
