"""Second review of exactly-once across accounts (H11, after commit e4e9945).

Each test states the behaviour a user relies on and failed on the code reviewed (its docstring says
what went wrong); the fixed ones pass now. Two remain open, marked xfail(strict=True, raises=...)
with the reason: a referencia under credentials no longer configured (regenerated) is out of reach
of `resolver`, and one emitted under them is not recognised on another punto de venta (as before
accounts existed: the ledger keeps no CUIT per row). Harnesses: the
per-account scripted TusFacturas of test_cuentas_review.py (`multi`), the scripted runner of
test_exactly_once_review.py, and the emission service against the in-process sandbox.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import textwrap
from pathlib import Path

import pytest

from importer.cli.simulador import SimuladorIntegrado
from importer.dominio.errores import ExitCode, UsageError
from importer.emision import api
from importer.emision import cuentas as cuentas_mod
from importer.emision import ledger as L
from importer.emision.api import LookupFailed, TusFacturasClient
from importer.emision.destinos import cargar
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesEstado, OpcionesValidacion
from importer.emision.resolver import OpcionesResolucion, resolver
from importer.emision.secrets import Credentials
from importer.emision.servicio import emitir, estado, validar
from tests.conftest import CUIT_CLIENTE_2, valid_row
from tests.emision.test_cuentas_review import CREDS_A, CREDS_B, CUIT_EMPRESA, _deps
from tests.emision.test_cuentas_review import multi as multi  # noqa: F401 - the fixture
from tests.emision.test_exactly_once_review import Fake, build_runner, scripted
from tests.emision.test_runner import BASE, CREDS, Clock, comprobante

# The triple of punto de venta 1 after the user regenerated it in TusFacturas (same CUIT and
# punto de venta as CREDS_A, so the same comprobantes; another ledger key).
CREDS_A_NUEVAS = Credentials("ut-review-centro-nueva-555", "4401", "at-review-centro-nueva-555")


def _misma_cuenta_en_tusfacturas(multi, vieja: Credentials, nueva: Credentials) -> None:
    """Regenerated credentials see the same punto de venta: both tokens reach one fake."""
    multi.cuentas.fakes[nueva.usertoken] = multi.cuentas.fakes[vieja.usertoken]


def _en_duda_bajo_credenciales_viejas(multi, fake) -> None:
    """R is POSTed with the old triple, the request reaches TusFacturas (committed 5 s after the
    client gave up) and the user presses Ctrl-C: R is in doubt under the old key."""
    fake.nuevo_script = [("slow_connect", 0.0, 5.0)]
    multi.run([multi.flujo("Centro", CREDS_A, [comprobante("R", pv=1)])], should_stop=lambda: fake.posts >= 1)
    assert multi.ledger.get(CREDS_A.account_key(), "R").state == L.IN_DOUBT


# ==================================================================================================
# A record of an account no longer configured (old credentials)
# ==================================================================================================


def test_a_doubt_left_under_regenerated_credentials_does_not_block_its_punto_de_venta_forever(multi):
    """Defect (medium-high): R ended in doubt under the old triple of punto de venta 1; the user
    regenerates the triple in TusFacturas (a leaked token, a new employee) and updates cuentas.toml.
    The stream guard (`_check_other_accounts`) sees R in doubt under the old key and blocks the whole
    punto de venta, telling the user to run again because "la cuenta de origen lo verifica primero";
    but no account of the run has the old key, so nobody ever settles it, every run is blocked
    (exit 3) and `tf-import resolver` cannot reach the row either (next test). The new triple's
    lookups see the same punto de venta: the run can settle R itself (here: it landed, so it is
    adopted) and then send S."""
    fake = multi.cuentas.cuenta(CREDS_A)
    _misma_cuenta_en_tusfacturas(multi, CREDS_A, CREDS_A_NUEVAS)
    _en_duda_bajo_credenciales_viejas(multi, fake)
    multi.clock.now += 3600  # well past any in-flight window; R's request has landed
    fake.flush()

    def flujos():  # noqa: ANN202
        return [multi.flujo("Centro", CREDS_A_NUEVAS, [comprobante("R", pv=1), comprobante("S", pv=1)])]

    multi.run(flujos())
    second = multi.run(flujos())[CREDS_A_NUEVAS.account_key()]
    assert not second.blocked, f"every run is blocked: {second.blocked}"
    assert fake.refs() == ["R", "S"]  # R once (adopted, never re-sent), S sent


@pytest.mark.xfail(
    strict=True,
    raises=UsageError,  # "La referencia R no figura en el registro"
    reason="H11-2, open: resolver only searches the configured accounts' keys; a doubt under credentials no longer configured blocks its punto de venta with a message saying to add that account back",
)
def test_resolver_reaches_a_manual_doubt_left_under_old_credentials(tmp_path, monkeypatch):
    """Defect (medium): a comprobante awaiting manual resolution ("existe en ARCA pero no en
    TusFacturas") under credentials since regenerated. Its message tells the user to record what
    ARCA shows with `tf-import resolver R --no-emitido`, and the new account's stream is blocked by
    it; but `resolver` only searches the accounts configured now and answers "La referencia R no
    figura en el registro": the user has no way out short of deleting the ledger."""
    monkeypatch.setattr(cuentas_mod, "ruta_por_defecto", lambda: tmp_path / "no-existe" / "cuentas.toml")
    path = tmp_path / "registro.sqlite"
    vieja = CREDS_A.account_key()
    with L.Ledger(path) as ledger:
        build_runner([comprobante("R")], BASE, CREDS_A, ledger, Clock(), tmp_path).prepare()
        ledger.transition(vieja, "R", L.PENDING, L.SENDING, "envío", attempts=1, numero_enviado=1)
        ledger.transition(vieja, "R", L.SENDING, L.IN_DOUBT, "existe en ARCA", manual=1)
    settings = {
        "TUSFACTURAS_USERTOKEN": CREDS_A_NUEVAS.usertoken,
        "TUSFACTURAS_APIKEY": CREDS_A_NUEVAS.apikey,
        "TUSFACTURAS_APITOKEN": CREDS_A_NUEVAS.apitoken,
        "TUSFACTURAS_CUIT": CUIT_EMPRESA,
    }
    deps = Dependencias(ajustes=lambda: settings)
    opciones = OpcionesResolucion(datos=tmp_path, referencia="R", hallazgo=None, estado=path)
    resultado = resolver(opciones, deps)
    assert resultado.despues.state == L.PENDING


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="H11-3, open: an emitted row under credentials no longer configured, moved to another punto de venta, is not recognised (the ledger keeps no CUIT per row)",
)
def test_a_referencia_emitted_under_old_credentials_is_not_emitted_again_on_another_punto_de_venta(multi):
    """Defect (low-medium, needs two changes): R was emitted on punto de venta 1 under its old
    triple; the triple is regenerated and, later, R's row is moved to punto de venta 2 (account B,
    same CUIT). The guard refuses an emitted referencia only when its account is a configured one
    of the same issuer (`mismo_emisor`): the old key is neither, B's lookup only sees punto de
    venta 2, and R is invoiced a second time by the same CUIT. The ledger keeps no issuer per row,
    so an unknown key cannot be told apart: it should be refused (or the CUIT recorded)."""
    fake_a = multi.cuentas.cuenta(CREDS_A)
    fake_b = multi.cuentas.cuenta(CREDS_B)
    _misma_cuenta_en_tusfacturas(multi, CREDS_A, CREDS_A_NUEVAS)
    multi.run([multi.flujo("Centro", CREDS_A, [comprobante("R", pv=1)])])
    assert fake_a.refs() == ["R"]
    flujo_b = multi.flujo("Norte", CREDS_B, [comprobante("R", pv=2)])
    # As the service builds it: the run's other account of the same CUIT is the new triple's.
    opciones = dataclasses.replace(flujo_b.opciones, mismo_emisor=frozenset({CREDS_A_NUEVAS.account_key()}))
    multi.run([dataclasses.replace(flujo_b, opciones=opciones)])
    assert fake_b.posts == 0, "R, already invoiced on punto de venta 1, was invoiced again on 2"


# ==================================================================================================
# A doubt that cannot be settled, on the punto de venta the row left (one account)
# ==================================================================================================


def test_a_row_moved_away_from_an_undecidable_doubt_does_not_spin_forever(tmp_path):
    """Defect (medium): one account (the environment's triple, every punto de venta). A awaits
    manual resolution on punto de venta 1 ("existe en ARCA pero no en TusFacturas"); the user moves
    its row to punto de venta 2 and runs again. Punto de venta 1's reconciliation is undecidable, so
    it leaves the loop; punto de venta 2's `send_pv` sees A in doubt on another punto de venta and
    answers 'wait' until its in-flight window, long past: `_wait_until` sleeps 0 s and the loop
    asks again, forever — no request, no output, 100 % CPU until Ctrl-C. (A lookup that keeps
    failing makes the same doubt undecidable.) The run should end (exit 3), A reported as in doubt."""
    with scripted(tmp_path, Fake) as (make, fake, ledger, clock, _paths):
        fake.nuevo_script = ["existe_en_arca"]
        make([comprobante("A", pv=1)]).run()
        assert ledger.get(CREDS.account_key(), "A").manual
        clock.now += 3600  # the next day, say: every in-flight window is over
        turns = itertools.count()
        report = make([comprobante("A", pv=2)], should_stop=lambda: next(turns) > 10_000).run()
        assert not report.interrupted, "the run went round 10,000 times without ending"
        assert report.unresolved == ["A"] and fake.posts == 1


def test_status_shows_a_referencia_emitted_by_another_account_of_the_issuer_as_emitted(
    write_workbook, tmp_path
):
    """Defect (low): V-1 was emitted on punto de venta 1 and its row then moved to punto de venta 2
    (another account of the same issuer, the sandbox's demo accounts). `run` now shows it EMITIDO
    (the ledger wins the routing) and never sends it again; `status` of the same sheet routes by the
    sheet alone, finds nothing under punto de venta 2's account and counts it PENDIENTE: the user is
    told one comprobante is still to be sent, and the two commands disagree."""
    opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, rate=0, comando_reanudar="X")
    first = write_workbook([valid_row(referencia="V-1", punto_venta=1)], name="mes.xlsx")
    emitir(first, opciones, _deps())
    moved = write_workbook([valid_row(referencia="V-1", punto_venta=2)], name="mes-corregido.xlsx")
    again = emitir(moved, opciones, _deps())
    assert again.emisiones["V-1"].estado == "EMITIDO"
    status = estado(moved, OpcionesEstado(datos=tmp_path / "datos", sandbox=True), _deps())
    assert status.cuentas["EMITIDO"] == 1 and status.cuentas["PENDIENTE"] == 0


# ==================================================================================================
# PDFs of two issuers numbered alike (`_carpeta_pdf`)
# ==================================================================================================

CUIT_FERRETERIA = CUIT_EMPRESA  # 30-71234567-1
CUIT_LIBRERIA = "30711111111"  # 3·5+0·4+7·3+1·2+1·7+1·6+1·5+1·4+1·3+1·2 = 65 = 11·5 + 10 → 1


def _cuentas_dos_emisores(tmp_path: Path) -> Path:
    """An accountant's two Responsable Inscripto clients, each billing from its punto de venta 1."""
    path = tmp_path / "cuentas.toml"
    path.write_text(
        "".join(
            textwrap.dedent(
                f"""
                [[cuenta]]
                nombre = "{nombre}"
                cuit = "{cuit}"
                punto_venta = 1
                usertoken_env = "X_U"
                apikey_env = "X_K"
                apitoken_env = "X_T"
                """
            )
            for nombre, cuit in (("Ferretería Centro", CUIT_FERRETERIA), ("Librería Sur", CUIT_LIBRERIA))
        ),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _planilla_dos_emisores(write_workbook) -> Path:  # noqa: ANN001
    return write_workbook(
        [
            valid_row(referencia="FER-1", emisor_cuit=CUIT_FERRETERIA, precio_unitario=1000),
            valid_row(referencia="LIB-1", emisor_cuit=CUIT_LIBRERIA, precio_unitario=2000),
        ],
        name="mes.xlsx",
    )


def _opciones(tmp_path: Path, cuentas: Path, cuenta: str | None = None) -> OpcionesEmision:
    return OpcionesEmision(
        datos=tmp_path / "datos", sandbox=True, rate=0, comando_reanudar="X", cuentas=cuentas, cuenta=cuenta
    )


def _sin_ajustes() -> Dependencias:
    return dataclasses.replace(_deps(), ajustes=lambda: {})


def test_one_client_per_run_does_not_overwrite_the_other_clients_pdf(write_workbook, tmp_path):
    """Defect (medium): the accountant emits each client on its own (`--cuenta`), the same sheet.
    Each run bills for one CUIT, so `_carpeta_pdf` puts its PDFs straight in `mes-pdf-sandbox/`;
    both clients' first Factura A is 00001-00000001, so the second run writes its PDF over the first
    client's, whose results (and ledger) keep pointing at that file: opening Librería Sur's invoice
    shows Ferretería Centro's. The folder should depend on the CUITs configured, not on the ones a
    run happens to bill."""
    cuentas = _cuentas_dos_emisores(tmp_path)
    planilla = _planilla_dos_emisores(write_workbook)
    emitir(planilla, _opciones(tmp_path, cuentas, "Librería Sur"), _sin_ajustes())
    result = emitir(planilla, _opciones(tmp_path, cuentas, "Ferretería Centro"), _sin_ajustes())
    for ref in ("FER-1", "LIB-1"):
        emision = result.emisiones[ref]
        assert emision.estado == "EMITIDO" and emision.comprobante_nro == "00001-00000001"
        assert emision.cae.encode() in Path(emision.pdf).read_bytes(), f"{ref}: its PDF is another invoice"


class SinRegenerar(TusFacturasClient):
    """TusFacturas cannot regenerate PDFs right now (offline, an error answer)."""

    def regenerar_pdf(self, tipo: str, punto_venta: int, numero: int) -> str:
        raise LookupFailed("regenerar_pdf: sin respuesta (ConnectionError)")


def test_a_pdf_already_on_disk_stays_in_the_results_when_a_later_run_bills_one_cuit(write_workbook, tmp_path):
    """Defect (low-medium): the first run bills both clients, so FER-1's PDF is saved under
    `mes-pdf-sandbox/30-71234567-1/`. A later run of the same sheet for one client (`--cuenta`, or
    one whose other client has nothing left) puts that client's PDFs in the folder's root: the PDF
    store rewrites the ledger's path to the root and, the file not being there, asks TusFacturas to
    regenerate it. When that fails the results lose the link to a PDF that is on disk (and when it
    works, every PDF is fetched again into a second copy)."""
    cuentas = _cuentas_dos_emisores(tmp_path)
    planilla = _planilla_dos_emisores(write_workbook)
    first = emitir(planilla, _opciones(tmp_path, cuentas), _sin_ajustes())
    original = first.emisiones["FER-1"].pdf
    assert original and Path(original).parent.name == "30-71234567-1"
    deps = dataclasses.replace(
        _sin_ajustes(), cliente=lambda url, creds, timeout: SinRegenerar(url, creds, timeout=timeout)
    )
    again = emitir(planilla, _opciones(tmp_path, cuentas, "Ferretería Centro"), deps)
    assert Path(original).is_file()
    assert again.emisiones["FER-1"].pdf == original, "the results lost FER-1's PDF, still on disk"


def test_another_clients_doubt_does_not_hold_back_a_different_sale_with_the_same_referencia(
    write_workbook, tmp_path
):
    """Defect (low-medium): an accountant keeps one sheet per client and both number their sales
    "R-1", "R-2"… (the ledger is shared and keyed by account + referencia, interface.md §5, §10).
    Ferretería Centro's R-7 awaits manual resolution (existe en ARCA). Librería Sur's sheet has its
    own R-7 — another issuer, another customer, another amount. `segun_registro` sets it apart
    because *some* account has R-7 in doubt: it is not sent, and Librería's results show Ferretería's
    comprobante (its account, its CUIT, EN_DUDA) on Librería's row, for as long as Ferretería's
    doubt lasts. A row moved between issuers is the same sale only when its content agrees (the
    record keeps customer, fecha and total); a different sale should go out."""
    cuentas = _cuentas_dos_emisores(tmp_path)
    destinos = cargar(sandbox=True, opcion=cuentas, settings={}, simulador=SimuladorIntegrado())
    ferreteria = next(d for d in destinos.destinos if d.cuit == CUIT_FERRETERIA)
    registro = tmp_path / "datos" / "registro-sandbox.sqlite"
    registro.parent.mkdir(parents=True)
    with L.Ledger(registro) as ledger:
        build_runner([comprobante("R-7")], BASE, ferreteria.credentials, ledger, Clock(), tmp_path).prepare()
        clave = ferreteria.account
        ledger.transition(clave, "R-7", L.PENDING, L.SENDING, "envío", attempts=1, numero_enviado=1)
        ledger.transition(clave, "R-7", L.SENDING, L.IN_DOUBT, "existe en ARCA", manual=1)
    planilla = write_workbook(
        [
            valid_row(
                referencia="R-7",
                emisor_cuit=CUIT_LIBRERIA,
                cliente_documento_nro=CUIT_CLIENTE_2,
                cliente_razon_social="Papelera Norte SA",
                precio_unitario=2500,
            )
        ],
        name="libreria.xlsx",
    )
    result = emitir(planilla, _opciones(tmp_path, cuentas), _sin_ajustes())
    emision = result.emisiones["R-7"]
    assert (emision.cuenta, emision.emisor_cuit) == ("Librería Sur", CUIT_LIBRERIA)
    assert emision.estado == "EMITIDO"


# ==================================================================================================
# The environment's single account and another issuer (`Destinos.de`)
# ==================================================================================================


def test_validate_reports_what_run_refuses_for_another_issuer_without_an_accounts_file(
    write_workbook, tmp_path, monkeypatch
):
    """Defect (low): without an accounts file, `run` now refuses (INVALIDO) a comprobante whose
    emisor_cuit is not TUSFACTURAS_CUIT, but `validate` of the same sheet, same settings, says it is
    fine (it routes only with an accounts file): the accountant fixes the sheet, validates, gets a
    clean report, and the run then leaves those rows out. Both must say the same."""
    monkeypatch.setattr(cuentas_mod, "ruta_por_defecto", lambda: tmp_path / "no-existe" / "cuentas.toml")
    settings = {
        "TUSFACTURAS_USERTOKEN": CREDS_A.usertoken,
        "TUSFACTURAS_APIKEY": CREDS_A.apikey,
        "TUSFACTURAS_APITOKEN": CREDS_A.apitoken,
        "TUSFACTURAS_CUIT": CUIT_FERRETERIA,
    }
    planilla = write_workbook([valid_row(referencia="LIB-1", emisor_cuit=CUIT_LIBRERIA)], name="mes.xlsx")
    deps = Dependencias(ajustes=lambda: settings)
    result = validar(planilla, OpcionesValidacion(datos=tmp_path / "datos"), deps)
    assert result.codigo == ExitCode.PROBLEMS
    assert "LIB-1" in result.revisada.validacion.invalidas


# ==================================================================================================
# The post-run verification (duplicates flagged)
# ==================================================================================================


class NewestFirst(Fake):
    """A date listing newest first, in pages of `limite`, during which another emitter (the web
    page of TusFacturas, another computer) emits one comprobante on the same punto de venta."""

    def __init__(self, clock, rsps):  # noqa: ANN001
        super().__init__(clock, rsps)
        self.emit_during_listing_after_posts: int | None = None

    def avanzada(self, request):  # noqa: ANN001, ANN201
        body = json.loads(request.body)
        if body["busqueda_tipo"] != "F":
            return super().avanzada(request)
        self.listings.append(body["comprobante"]["fecha"])
        found = [s for s in self.stored if s["comprobante"]["fecha"] == body["comprobante"]["fecha"]][::-1]
        pagina, limite = body["pagina"], body["limite"]
        answer = {
            "error": "N",
            "total": len(found),
            "comprobantes": found[pagina * limite : (pagina + 1) * limite],
        }
        if self.posts == self.emit_during_listing_after_posts:
            self.emit_during_listing_after_posts = None
            self.pre_store("OTRO")  # lands between this page and the next
        return 200, {}, json.dumps(answer)


def test_a_listing_page_repeating_one_comprobante_is_not_reported_as_a_duplicate(tmp_path, monkeypatch):
    """Defect (low): `listar_fecha` documents that a page can repeat a comprobante (newest first: one
    emitted meanwhile pushes the others down a place) and calls it harmless; the verification now
    counts the listing's items per referencia and reports "2 comprobantes emitidos con esta
    referencia: revise duplicados" for a comprobante emitted once. The message is kept in the ledger
    and shown in every later results workbook, sending the accountant to look for a duplicate that
    does not exist. Items are the same comprobante when tipo, punto de venta and número agree."""
    monkeypatch.setattr(api, "LISTING_PAGE", 2)  # the page boundary of 1,000, made small
    with scripted(tmp_path, NewestFirst) as (make, fake, ledger, _, _paths):
        fake.emit_during_listing_after_posts = 3  # during the verification's listing
        make([comprobante("A"), comprobante("B"), comprobante("C")]).run()
        assert fake.refs().count("B") == 1
        assert [ledger.get(CREDS.account_key(), r).verificacion for r in "ABC"] == ["ok"] * 3
