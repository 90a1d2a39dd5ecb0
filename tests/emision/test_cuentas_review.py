"""Review of accounts, concurrent streams, date listings and the post-run verification (H8).

Each test states the behaviour a user relies on. The first group reproduces defects found in
review (each failed on the code reviewed and passes since its fix; each docstring says what went
wrong). The second group is regression tests of behaviour checked and found sound.

Harnesses: the scripted fake TusFacturas of tests/emision/test_exactly_once_review.py (`Fake`),
one per account behind a dispatcher that routes each request by the credentials it carries (the
API only shows an account its own punto de venta); account streams run through `emitir_flujos`,
in real threads when there are several; the in-process sandbox through the emission service.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pytest
import responses

from importer.cli.simulador import SimuladorIntegrado
from importer.emision import cuentas as cuentas_mod
from importer.emision import flujos as flujos_mod
from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient
from importer.emision.destinos import Destino, cargar
from importer.emision.flujos import Flujo, emitir_flujos
from importer.emision.opciones import Dependencias, OpcionesEmision
from importer.emision.payload import build_payload
from importer.emision.runner import RunOptions
from importer.emision.secrets import Credentials
from importer.emision.servicio import emitir
from tests.conftest import valid_row
from tests.emision.test_exactly_once_review import MARGIN, TIMEOUT, Fake, scripted
from tests.emision.test_runner import BASE, CREDS, Clock, comprobante

PATHS = (
    "facturacion/nuevo",
    "facturacion/consulta_avanzada",
    "facturacion/numeracion",
    "facturacion/consulta",
    "estado_servicios/alertas",
    "facturacion/regenerar_pdf",
)
# Two accounts of one issuer (one triple per punto de venta, interface.md §10).
CREDS_A = Credentials("ut-review-centro-111", "4401", "at-review-centro-111")
CREDS_B = Credentials("ut-review-norte-222", "4402", "at-review-norte-222")
# CUITs with their check digit worked by hand (weights 5 4 3 2 7 6 5 4 3 2; 11 − sum mod 11):
#   3071234567: 15+0+21+2+14+12+20+20+15+12 = 131 → 131 mod 11 = 10 → 1
#   2028765432: 10+0+6+16+49+36+25+16+9+4 = 171 → 171 mod 11 = 6 → 5
CUIT_EMPRESA = "30712345671"
ACC_SCRIPTED = CREDS.account_key()  # the one account of the `scripted` harness
CUIT_OTRO_CLIENTE = "20287654325"


# --- several accounts behind one scripted TusFacturas ---------------------------------------------


class _Collect:
    """Stands in for `responses` while a `Fake` registers its callbacks: keeps them by path."""

    def __init__(self) -> None:
        self.callbacks: dict[str, object] = {}

    def add_callback(self, method: str, url: str, callback: object) -> None:
        self.callbacks[url.removeprefix(BASE + "/")] = callback

    def add(self, *args: object, **kwargs: object) -> None:
        pass


class Cuentas:
    """One `Fake` TusFacturas per credential triple; a request goes to the one of its usertoken."""

    def __init__(self, clock: Clock, rsps: responses.RequestsMock) -> None:
        self.clock = clock
        self.fakes: dict[str, tuple[Fake, dict[str, object]]] = {}
        self.lock = threading.Lock()  # the fakes are not made for threads
        self.before: Callable[[str, str], None] = lambda path, token: None  # runs outside the lock
        for path in PATHS:
            rsps.add_callback(
                responses.POST, f"{BASE}/{path}", callback=functools.partial(self._dispatch, path)
            )
        rsps.add(responses.GET, "https://files.test/pdf", body=b"%PDF-1.4 fake\n%%EOF\n", status=200)

    def cuenta(self, creds: Credentials) -> Fake:
        collect = _Collect()
        fake = Fake(self.clock, collect)  # type: ignore[arg-type]
        self.fakes[creds.usertoken] = (fake, collect.callbacks)
        return fake

    def _dispatch(self, path: str, request):  # noqa: ANN202 - a responses callback
        token = json.loads(request.body)["usertoken"]
        self.before(path, token)
        fake, callbacks = self.fakes[token]
        with self.lock:
            return callbacks[path](request)  # type: ignore[operator]

    def refs(self) -> list[str]:
        return sorted(ref for fake, _ in self.fakes.values() for ref in fake.refs())


@dataclass
class Multi:
    cuentas: Cuentas
    ledger: L.Ledger
    clock: Clock
    tmp_path: object

    def flujo(self, nombre: str, creds: Credentials, comprobantes: list) -> Flujo:
        options = RunOptions(
            account=creds.account_key(),
            timeout=TIMEOUT,
            margin=MARGIN,
            rate=None,
            pdf_dir=self.tmp_path / "pdf",  # type: ignore[operator]
            planilla="mes.xlsx",
            cuit_emisor=CUIT_EMPRESA,  # both accounts belong to one issuer
        )
        return Flujo(nombre, options, TusFacturasClient(BASE, creds, timeout=TIMEOUT), tuple(comprobantes))

    def run(self, flujos: list[Flujo], *, should_stop=lambda: False, limit=None):  # noqa: ANN202
        return emitir_flujos(
            flujos,
            self.ledger,
            progress=lambda ref, estado: None,
            reloj=self.clock.reloj(),
            should_stop=should_stop,
            limit=limit,
        )


@pytest.fixture
def multi(tmp_path) -> Iterator[Multi]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        clock = Clock()
        ledger = L.Ledger(tmp_path / "registro.sqlite")
        try:
            yield Multi(Cuentas(clock, rsps), ledger, clock, tmp_path)
        finally:
            ledger.close()


# --- the emission service against the in-process sandbox ------------------------------------------


def _deps() -> Dependencias:
    @contextmanager
    def emitiendo(total: int) -> Iterator[None]:
        yield

    return Dependencias(
        on_progress=lambda ref, estado: None,
        on_message=lambda line: None,
        on_error=lambda line: None,
        emitiendo=emitiendo,
        simulador=SimuladorIntegrado(),
    )


# ==================================================================================================
# Defects found in review: each test states the correct behaviour and fails on the current code
# ==================================================================================================


def test_a_doubt_is_not_emitted_again_by_another_account_after_its_punto_de_venta_changed(multi):
    """Defect (high): R was sent on punto de venta 1 (account A) and ended in doubt; the user moves
    the row to punto de venta 2 (account B) and runs again. The ledger key is account + referencia,
    so B sees a new referencia, its lookup (B's punto de venta only) finds nothing and B emits R,
    while A's attempt, still unsettled, is committed by the server: two invoices for one sale. With
    one account the same case waits for the doubt (test_a_doubt_whose_punto_venta_changed_in_the_
    sheet_does_not_spin); across accounts nothing looks at the other account's row."""
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)
    # Run 1: the request reaches TusFacturas (committed 5 s after the client gave up); Ctrl-C then.
    fake_a.nuevo_script = [("slow_connect", 0.0, 5.0)]
    reports = multi.run(
        [multi.flujo("Centro", CREDS_A, [comprobante("R", pv=1)])], should_stop=lambda: fake_a.posts >= 1
    )
    assert multi.ledger.get(CREDS_A.account_key(), "R").state == L.IN_DOUBT
    assert reports[CREDS_A.account_key()].interrupted
    # Run 2: the sheet now says punto de venta 2; A has no comprobante in it (the service builds no
    # stream for an account without comprobantes).
    multi.run([multi.flujo("Norte", CREDS_B, [comprobante("R", pv=2)])])
    fake_a.flush(until=float("inf"))  # A's request, received before the client gave up, lands
    assert multi.cuentas.refs().count("R") == 1, "R was emitted on both puntos de venta"
    assert fake_b.posts == 0


def test_a_referencia_emitted_on_one_punto_de_venta_is_not_emitted_again_on_another(write_workbook, tmp_path):
    """Defect (medium): the same sale, emitted from punto de venta 1, is emitted again when its row
    is moved to punto de venta 2 of the same CUIT (the sandbox's demo issuer has pv 1–10). Before
    accounts the ledger key covered every punto de venta and the row was reported ("Ya emitido con
    otros datos… emita una nota de crédito", interface.md §5: "A referencia already emitted is never
    sent again; if its rows changed since, the row is reported")."""
    opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, rate=0, comando_reanudar="X")
    first = write_workbook([valid_row(referencia="V-1", punto_venta=1)], name="mes.xlsx")
    result = emitir(first, opciones, _deps())
    assert result.informe is not None and result.informe.emitted_now == 1
    moved = write_workbook([valid_row(referencia="V-1", punto_venta=2)], name="mes-corregido.xlsx")
    again = emitir(moved, opciones, _deps())
    assert again.informe is not None
    assert again.informe.sent == 0, "V-1 was emitted a second time, on punto de venta 2"


def test_a_comprobante_naming_another_issuer_is_not_emitted_with_the_environment_account(
    tmp_path, monkeypatch
):
    """Defect (medium-high): with no accounts file (say, a new computer where cuentas.toml is not
    yet copied), the environment's triple is the only account and takes every comprobante, also one
    whose `emisor_cuit` names another CUIT: an accountant's sheet for several clients would be
    invoiced by the one CUIT of TUSFACTURAS_CUIT. A comprobante whose emisor_cuit is not the
    environment's issuer has no account (INVALIDO, interface.md §10: "A comprobante with no account
    is INVALIDO with a message that names the missing account")."""
    monkeypatch.setattr(cuentas_mod, "ruta_por_defecto", lambda: tmp_path / "no-existe" / "cuentas.toml")
    settings = {
        "TUSFACTURAS_USERTOKEN": "ut-review-env-333",
        "TUSFACTURAS_APIKEY": "4403",
        "TUSFACTURAS_APITOKEN": "at-review-env-333",
        "TUSFACTURAS_CUIT": CUIT_EMPRESA,
    }
    destinos = cargar(sandbox=False, opcion=None, settings=settings, simulador=None)
    propio = replace(comprobante("PROPIO"), emisor_cuit=CUIT_EMPRESA)
    ajeno = replace(comprobante("AJENO"), emisor_cuit=CUIT_OTRO_CLIENTE)
    assert isinstance(destinos.de(propio), Destino)
    found = destinos.de(ajeno)
    assert isinstance(found, str), "a comprobante of CUIT 20-28765432-5 goes to the account of 30-71234567-1"
    assert "20-28765432-5" in found


class CappedPages(Fake):
    """A TusFacturas whose date listing answers pages of 2 whatever `limite` asked, `total` true."""

    PAGE = 2

    def avanzada(self, request):  # noqa: ANN201 - a responses callback
        body = json.loads(request.body)
        if body["busqueda_tipo"] != "F":
            return super().avanzada(request)
        self.listings.append(body["comprobante"]["fecha"])
        found = [s for s in self.stored if s["comprobante"]["fecha"] == body["comprobante"]["fecha"]]
        page = found[body["pagina"] * self.PAGE : (body["pagina"] + 1) * self.PAGE]
        return 200, {}, json.dumps({"error": "N", "total": len(found), "comprobantes": page})


def test_a_listing_shorter_than_its_total_does_not_vouch_for_the_rest(tmp_path):
    """Defect (low-medium): the listing stops at the first page shorter than 1,000 even when `total`
    says more comprobantes exist, and then vouches that every referencia not seen is absent: a lost
    ledger re-emits the ones on the pages never asked for. The per-referencia lookup it replaces keeps
    paging while `total` says more (api.consultar_referencia); the listing should too, or else not
    vouch for the date."""
    with scripted(tmp_path, CappedPages) as (make, fake, ledger, _, _paths):
        for ref in ("A", "B", "C"):  # emitted earlier (another computer, or a lost ledger)
            fake.pre_store(ref)
        make([comprobante("A"), comprobante("B"), comprobante("C")]).run()
        assert fake.refs() == ["A", "B", "C"], "C was emitted a second time"
        assert fake.posts == 0


def test_limit_is_not_lost_to_a_place_another_stream_gave_back(multi, monkeypatch):
    """Defect (low): with `--limit 1`, account A reserves the place for a referencia that its lookup
    then finds already emitted (nothing is POSTed, the place goes back); account B, which asked for
    the place meanwhile, was told the limit was reached and stopped. The run sends nothing although
    one comprobante was waiting and the limit allowed one, and the summary says the limit was
    reached."""
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)
    a_reserved, b_asked = threading.Event(), threading.Event()

    class Observed(flujos_mod.Cupo):
        def reservar(self, account: str, referencia: str, *rest) -> bool:  # noqa: ANN002
            if account == CREDS_B.account_key():
                assert a_reserved.wait(10)  # B asks while A holds the place
                b_asked.set()
            got = super().reservar(account, referencia, *rest)
            if account == CREDS_A.account_key():
                a_reserved.set()
            return got

    def before(path: str, token: str) -> None:
        if token == CREDS_A.usertoken and path == "facturacion/consulta_avanzada":
            b_asked.wait(10)  # A's lookup answers once B has asked for its place

    monkeypatch.setattr(flujos_mod, "Cupo", Observed)
    multi.cuentas.before = before
    a = comprobante("A-1", pv=1)
    flujo_a = multi.flujo("Centro", CREDS_A, [a])
    fake_a.store(
        build_payload(a, cuit_emisor=CUIT_EMPRESA)
    )  # A-1 is already in TusFacturas: A's lookup adopts it
    flujo_b = multi.flujo("Norte", CREDS_B, [comprobante("B-1", pv=2)])
    reports = multi.run([flujo_a, flujo_b], limit=1)
    assert multi.ledger.get(CREDS_A.account_key(), "A-1").state == L.EMITTED  # adopted, not sent
    assert fake_a.posts == 0
    assert fake_b.posts == 1, "B-1 was not sent although --limit 1 left its place free"
    assert not reports[CREDS_B.account_key()].limit_reached


# ==================================================================================================
# Regression: behaviour checked and found sound
# ==================================================================================================


class Racing(Fake):
    """`Fake` whose other computer acts right after a numeracion or a date listing was answered."""

    def __init__(self, clock, rsps):  # noqa: ANN001
        super().__init__(clock, rsps)
        self.before_numeracion: list[Callable[[], None]] = []
        self.after_numeracion: list[Callable[[], None]] = []
        self.after_listing: list[Callable[[], None]] = []
        self.listing_without: tuple[str, ...] = ()  # fields the date listing leaves out

    def numeracion(self, request):  # noqa: ANN001, ANN201
        if self.before_numeracion:
            self.before_numeracion.pop(0)()
        answer = super().numeracion(request)
        if self.after_numeracion:
            self.after_numeracion.pop(0)()
        return answer

    def avanzada(self, request):  # noqa: ANN001, ANN201
        status, headers, text = super().avanzada(request)
        if json.loads(request.body)["busqueda_tipo"] == "F":
            data = json.loads(text)
            for item in data.get("comprobantes") or []:
                for name in self.listing_without:
                    item["comprobante"].pop(name, None)
            text = json.dumps(data)
            if self.after_listing:
                self.after_listing.pop(0)()
        return status, headers, text

    def other_computer_emits(self, c) -> None:  # noqa: ANN001
        self.store(build_payload(c))


def test_a_listing_adoption_numbered_above_the_learned_number_and_a_race_after_it_emit_nothing_twice(
    tmp_path,
):
    """Between our numeracion (last 0) and our listing another computer emits X (number 1) and our
    A (number 2): the listing shows A, which is adopted and moves our number past it (3). After the
    listing it emits our B under 3: our POST of B with 3 gets 10016, B is found and adopted."""
    with scripted(tmp_path, Racing) as (make, fake, ledger, _, _paths):
        a, b = comprobante("A"), comprobante("B")
        fake.after_numeracion = [
            lambda: (fake.other_computer_emits(comprobante("X")), fake.other_computer_emits(a))
        ]
        fake.after_listing = [lambda: fake.other_computer_emits(b)]
        make([a, b]).run()
        assert sorted(fake.refs()) == ["A", "B", "X"]
        assert fake.posts == 1  # B's, refused with 10016: nothing created
        assert ledger.get(ACC_SCRIPTED, "A").numero == 2
        assert ledger.get(ACC_SCRIPTED, "B").numero == 3
        assert ledger.get(ACC_SCRIPTED, "B").state == L.EMITTED


def test_a_comprobante_emitted_just_before_our_numeracion_is_seen_by_the_listing_taken_after(tmp_path):
    """The order the listing's argument rests on: number, then listing. Another computer emits our A
    just before `numeracion` answers (so the number we learn is already past A's): the listing,
    asked after, shows A and it is adopted. Listing first would have missed A and sent it again
    under a number AFIP accepts."""
    with scripted(tmp_path, Racing) as (make, fake, ledger, _, paths):
        a, b = comprobante("A"), comprobante("B")
        fake.before_numeracion = [lambda: fake.other_computer_emits(a)]
        make([a, b]).run()
        assert fake.refs() == ["A", "B"]
        assert fake.posts == 1
        assert paths()[:2] == ["facturacion/numeracion", "facturacion/consulta_avanzada"]
        assert ledger.get(ACC_SCRIPTED, "A").state == L.EMITTED


def test_listed_items_without_fecha_are_still_recognised(tmp_path):
    """A listing whose items carry no `fecha`: the referencia and the rest of the content still
    identify them (a missing field is not held against a match), so nothing is sent again."""
    with scripted(tmp_path, Racing) as (make, fake, ledger, _, _paths):
        fake.listing_without = ("fecha",)
        for ref in ("A", "B"):
            fake.other_computer_emits(comprobante(ref))
        make([comprobante("A"), comprobante("B")]).run()
        assert fake.refs() == ["A", "B"] and fake.posts == 0
        assert fake.listings[0] == "25/11/2026"
        assert ledger.get(ACC_SCRIPTED, "B").state == L.EMITTED


def test_a_doubt_of_the_last_run_landing_after_the_listing_is_adopted_and_the_rest_sent_once(tmp_path):
    """The last run was killed while POSTing A with number 1. This run learns the number (A has not
    landed: last 0) and lists the date (A absent), then A lands; its reconciliation after the in-flight
    window finds it and moves our number to 2, so B and C (vouched by the listing) go out as 2 and 3."""
    with scripted(tmp_path, Racing) as (make, fake, ledger, clock, _paths):
        a, b, c = comprobante("A"), comprobante("B"), comprobante("C")
        first = make([a, b, c])
        first.prepare()
        t0 = clock.now
        ledger.transition(
            ACC_SCRIPTED,
            "A",
            L.PENDING,
            L.SENDING,
            sent_at=t0,
            inflight_until=t0 + TIMEOUT + MARGIN,
            numero_enviado=1,
        )
        body = first.payload(a)[0]
        fake.landings.append((t0 + 5, {**body, "comprobante": {**body["comprobante"], "numero": 1}}))
        make([a, b, c]).run()
        assert fake.refs() == ["A", "B", "C"]
        assert [ledger.get(ACC_SCRIPTED, r).numero for r in "ABC"] == [1, 2, 3]
        assert fake.posts == 2


def test_a_stream_that_fails_unexpectedly_stops_alone_and_its_request_is_settled_next_run(multi):
    """A bug in one account's stream (here its client raises) stops that stream only; the row it was
    sending stays `sending` (in doubt at the next start) and the next run settles it and sends it
    once."""
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)
    flujo_a = multi.flujo("Centro", CREDS_A, [comprobante("A-1", pv=1)])
    flujo_b = multi.flujo("Norte", CREDS_B, [comprobante("B-1", pv=2), comprobante("B-2", pv=2)])

    def broken(payload: dict) -> None:
        raise RuntimeError("a bug")

    flujo_a.cliente.emitir = broken  # type: ignore[method-assign]
    reports = multi.run([flujo_a, flujo_b])
    assert "error inesperado" in reports[CREDS_A.account_key()].stop_reason
    assert not reports[CREDS_B.account_key()].stop_reason
    assert fake_b.refs() == ["B-1", "B-2"]
    assert multi.ledger.get(CREDS_A.account_key(), "A-1").state == L.SENDING
    multi.run([multi.flujo("Centro", CREDS_A, [comprobante("A-1", pv=1)])])
    assert fake_a.refs() == ["A-1"] and fake_a.posts == 1
    assert multi.ledger.get(CREDS_A.account_key(), "A-1").state == L.EMITTED


def test_ctrl_c_with_several_streams_settles_each_request_in_flight_and_resumes_once(multi):
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)
    refs_a = [f"A-{i}" for i in range(1, 6)]
    refs_b = [f"B-{i}" for i in range(1, 6)]

    def flujos() -> list[Flujo]:
        return [
            multi.flujo("Centro", CREDS_A, [comprobante(r, pv=1) for r in refs_a]),
            multi.flujo("Norte", CREDS_B, [comprobante(r, pv=2) for r in refs_b]),
        ]

    reports = multi.run(flujos(), should_stop=lambda: fake_a.posts + fake_b.posts >= 2)
    assert all(r.interrupted for r in reports.values())
    states = {
        ref: multi.ledger.get(creds.account_key(), ref).state
        for creds, refs in ((CREDS_A, refs_a), (CREDS_B, refs_b))
        for ref in refs
    }
    assert set(states.values()) <= {L.EMITTED, L.PENDING}, states  # nothing left half-sent
    assert fake_a.posts + fake_b.posts < 10
    multi.run(flujos())
    assert multi.cuentas.refs() == sorted(refs_a + refs_b)  # each exactly once


def test_limit_is_shared_by_the_streams_and_the_rest_goes_out_once_later(multi):
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)

    def flujos() -> list[Flujo]:
        return [
            multi.flujo("Centro", CREDS_A, [comprobante(f"A-{i}", pv=1) for i in range(1, 4)]),
            multi.flujo("Norte", CREDS_B, [comprobante(f"B-{i}", pv=2) for i in range(1, 4)]),
        ]

    reports = multi.run(flujos(), limit=3)
    assert fake_a.posts + fake_b.posts == 3
    assert any(r.limit_reached for r in reports.values())
    multi.run(flujos())
    assert multi.cuentas.refs() == ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"]


def test_streams_emitting_and_verifying_at_once_leave_a_consistent_ledger(multi):
    """Real threads on one ledger: one account verifies (writes `verificacion`) while the other is
    still sending; every comprobante ends emitted once, numbered in order, and verified."""
    fakes = {CREDS_A: multi.cuentas.cuenta(CREDS_A), CREDS_B: multi.cuentas.cuenta(CREDS_B)}
    counts = {CREDS_A: 3, CREDS_B: 25}
    flujos = [
        multi.flujo(nombre, creds, [comprobante(f"{nombre}-{i:02d}", pv=pv) for i in range(counts[creds])])
        for nombre, creds, pv in (("Centro", CREDS_A, 1), ("Norte", CREDS_B, 2))
    ]
    reports = multi.run(flujos)
    assert not any(r.stop_reason for r in reports.values())
    for creds, fake in fakes.items():
        records = multi.ledger.all(creds.account_key())
        assert len(records) == counts[creds] == fake.posts
        assert sorted(r.numero for r in records) == list(range(1, counts[creds] + 1))
        assert {(r.state, r.verificacion) for r in records} == {(L.EMITTED, "ok")}
