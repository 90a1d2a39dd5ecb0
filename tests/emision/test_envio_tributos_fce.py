"""Perceptions, FCE and the issuer's CUIT on the wire, against the sandbox over real HTTP.

The sandbox is an independent implementation (its own arithmetic and tables): a comprobante it
emits with `check_totals` proves the payload's perceptions, FCE data and total are what the API
expects. The service tests go through `emision.servicio.emitir` as every front end does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest

from importer.cli.simulador import SimuladorIntegrado
from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, DatosFce, Linea, Tributo
from importer.dominio.reloj import hoy_en_argentina
from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient, make_session
from importer.emision.opciones import Dependencias, OpcionesEmision
from importer.emision.runner import Runner, RunOptions
from importer.emision.secrets import Credentials
from importer.emision.servicio import emitir
from importer.sandbox import IssuerProfile, Sandbox
from importer.sandbox.faults import FaultPlan
from tests.conftest import CUIT_CLIENTE, valid_row

ISSUER = IssuerProfile().cuit  # the sandbox's demo issuer
CREDS = Credentials("usertoken-h2-demo", "4242", "apitoken-h2-demo")
SETTINGS = {
    "TUSFACTURAS_USERTOKEN": CREDS.usertoken,
    "TUSFACTURAS_APIKEY": CREDS.apikey,
    "TUSFACTURAS_APITOKEN": CREDS.apitoken,
}
CBU = "0170215820000005295250"
FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
NC_FCE_A = "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A"
HOY = date(2025, 7, 16)  # a Wednesday, as the sandbox tests use


@pytest.fixture(autouse=True)
def no_fce_defaults(monkeypatch):
    for name in ("TF_IMPORT_FCE_CBU", "TF_IMPORT_FCE_ALIAS", "TF_IMPORT_FCE_TRANSFERENCIA"):
        monkeypatch.delenv(name, raising=False)


Sent = list[tuple[str, dict]]


def recording(sent: Sent) -> Callable[[str, Credentials, float], TusFacturasClient]:
    """A client factory whose requests are recorded as (endpoint, body)."""

    def make(base_url: str, credentials: Credentials, timeout: float) -> TusFacturasClient:
        session = make_session()

        def hook(response, *_args, **_kwargs):
            request = response.request
            if request.method == "POST":
                sent.append((request.path_url.split("/api/v2/")[-1], json.loads(request.body)))

        session.hooks["response"].append(hook)
        return TusFacturasClient(base_url, credentials, timeout=timeout, session=session)

    return make


def endpoints(sent: Sent) -> list[str]:
    return [path for path, _ in sent]


# --- the issuer's CUIT in the asociados (issue 10, item 3) ------------------------------------------


def test_a_nota_without_the_issuer_cuit_is_invalid_and_never_sent(write_workbook, tmp_path):
    hoy = hoy_en_argentina()
    planilla = write_workbook(
        [
            valid_row(referencia="FA-1"),
            valid_row(
                referencia="NC-1",
                tipo="NOTA DE CREDITO A",
                asociado_tipo="FACTURA A",
                asociado_punto_venta=1,
                asociado_numero=1,
                asociado_fecha=hoy,
            ),
        ],
        name="mes.xlsx",
    )
    sent: Sent = []
    messages: list[str] = []
    with Sandbox() as sb:  # the sandbox as if it were TusFacturas: credentials from the settings
        opciones = OpcionesEmision(datos=tmp_path / "datos", base_url=sb.base_url, rate=0)

        def deps(settings: dict[str, str]) -> Dependencias:
            return Dependencias(ajustes=lambda: settings, cliente=recording(sent), on_message=messages.append)

        result = emitir(planilla, opciones, deps(SETTINGS))

        assert result.cuentas == {"EMITIDO": 1, "INVALIDO": 1}
        assert not any("NC-1" in json.dumps(body) for _, body in sent)  # not even looked up
        (problem,) = [p for p in result.validacion.problems if p.referencia == "NC-1"]
        assert (problem.codigo, problem.fila) == ("nota.sin_cuit_emisor", 3)
        assert "TUSFACTURAS_CUIT" in problem.mensaje and ".env" in problem.mensaje
        assert "archivo de cuentas" in problem.mensaje
        assert any("NC-1" in line and "TUSFACTURAS_CUIT" in line for line in messages)

        # With the CUIT configured the same nota goes out, carrying it; the factura is not resent.
        sent.clear()
        again = emitir(planilla, opciones, deps({**SETTINGS, "TUSFACTURAS_CUIT": "30-71777888-6"}))
        assert again.cuentas == {"EMITIDO": 2}
        (nota,) = [body for path, body in sent if path == "facturacion/nuevo"]
        assert nota["comprobante"]["external_reference"] == "NC-1"
        assert nota["comprobante"]["comprobantes_asociados"][0]["cuit"] == ISSUER


# --- requiere_fec through the service (issue 10, item 5) --------------------------------------------


def run_sandbox_service(sb: Sandbox, planilla: Path, datos: Path, sent: Sent):
    opciones = OpcionesEmision(datos=datos, sandbox=True, base_url=sb.base_url, rate=0)
    return emitir(planilla, opciones, Dependencias(simulador=SimuladorIntegrado(), cliente=recording(sent)))


def test_a_large_company_gets_rejected_with_the_fce_tipo_and_its_threshold(write_workbook, tmp_path):
    """30-50000003-8 is one of the sandbox's large companies (README «Simulador»); with
    `monto_fce` 1.000.000 a 1.210.000 factura must be an FCE, and the lookup says from what amount."""
    planilla = write_workbook(
        [
            valid_row(
                referencia="GRANDE-1",
                cliente_documento_nro="30500000038",
                cliente_razon_social="GRAN INDUSTRIA DEMO ACEROS S.A.",
                precio_unitario=1000000,
            )
        ],
        name="grande.xlsx",
    )
    sent: Sent = []
    with Sandbox(monto_fce=D(1000000)) as sb:
        result = run_sandbox_service(sb, planilla, tmp_path / "datos", sent)

    assert result.cuentas == {"RECHAZADO": 1}
    assert endpoints(sent).count("facturacion/nuevo") == 1
    assert endpoints(sent).count("facturacion/requiere_fec") == 1
    errores = result.emisiones["GRANDE-1"].errores
    assert any(".10192" in e for e in errores)  # AFIP's own text is kept
    ours = errores[-1]
    assert f"«{FCE_A}»" in ours and "«FCE A»" in ours
    assert "30-50000003-8" in ours and "$ 1.000.000,00" in ours


def test_the_fec_fault_for_any_customer_rejects_without_an_amount(write_workbook, tmp_path):
    """`fec=MONTO` makes any CUIT customer need FCE, but the register does not oblige it: the
    message names the FCE tipo and leaves the amount out."""
    planilla = write_workbook([valid_row(referencia="FEC-1")], name="fec.xlsx")
    sent: Sent = []
    with Sandbox(faults=FaultPlan.parse("fec=1000")) as sb:
        result = run_sandbox_service(sb, planilla, tmp_path / "datos", sent)

    assert result.cuentas == {"RECHAZADO": 1}
    assert endpoints(sent).count("facturacion/requiere_fec") == 1
    (asked,) = [body for path, body in sent if path == "facturacion/requiere_fec"]
    assert asked["cuit"] == int(CUIT_CLIENTE)
    ours = result.emisiones["FEC-1"].errores[-1]
    assert "«FCE A»" in ours and "obligado a recibir FCE desde" not in ours


# --- perceptions and FCE accepted by the independent sandbox -----------------------------------------


def comprobante(ref: str, **kw) -> Comprobante:
    values = dict(
        referencia=ref,
        filas=(2,),
        fecha=HOY,
        tipo="FACTURA A",
        punto_venta=1,
        cliente=Cliente("CUIT", CUIT_CLIENTE, "Ferretería del Sur SRL", "RI"),
        lineas=(Linea(2, "Tornillos", D("10"), D("1060"), "21"),),
    )
    values.update(kw)
    return Comprobante(**values)  # type: ignore[arg-type]


def test_perceptions_and_fce_facturas_and_notes_are_emitted_by_the_checking_sandbox(tmp_path):
    """10600 @21 + IIBB Buenos Aires 1.5 % of 10600 (159.00) = 12985.00; an FCE A with CBU and SCA
    due in 30 days; its NC FCE A (anulación N) carrying the issuer's CUIT."""
    comprobantes = [
        comprobante("PERC-1", tributos=(Tributo(2, "7", 5, D("10600"), D("1.5"), D("159.00")),)),
        comprobante(
            "FCE-1",
            tipo=FCE_A,
            vencimiento=HOY + timedelta(days=30),
            fce=DatosFce(cbu=CBU, transferencia="SCA", referencia_comercial="OC-7781"),
        ),
        comprobante(
            "NCFCE-1",
            tipo=NC_FCE_A,
            lineas=(Linea(2, "Tornillos devueltos", D("1"), D("1060"), "21"),),
            asociado=Asociado(FCE_A, 1, 1, HOY),
            fce=DatosFce(anulacion="N"),
        ),
    ]
    with Sandbox(hoy=HOY, check_totals=True) as sb:
        ledger = L.Ledger(tmp_path / "registro.sqlite")
        try:
            options = RunOptions(
                account=CREDS.account_key(), rate=None, pdf_dir=tmp_path / "pdf", cuit_emisor=ISSUER
            )
            client = TusFacturasClient(sb.base_url, CREDS, timeout=30)
            report = Runner(comprobantes, client, ledger, options).run()
            records = {c.referencia: ledger.get(CREDS.account_key(), c.referencia) for c in comprobantes}
        finally:
            ledger.close()
        listed = client.consultar_referencia("PERC-1")

    assert report.stop_reason == "" and report.sent == 3
    for ref, record in records.items():
        assert record is not None and record.state == L.EMITTED, (ref, record and record.error_list)
    # What TusFacturas stored: the perception as sent, in a total that includes it.
    (stored,) = listed
    comp = stored["comprobante"]
    assert D(str(comp["total"])) == D("12985.00")
    assert [(t["tipo"], t["regimen"], D(str(t["total"]))) for t in comp["tributos"]] == [(7, 5, D("159"))]


# --- FCE defaults from the environment (issue 10, item 4) -------------------------------------------


def test_an_fce_row_without_cbu_takes_the_environment_default(write_workbook, tmp_path):
    hoy = hoy_en_argentina()
    planilla = write_workbook(
        [valid_row(referencia="FCE-ENV", tipo="FCE A", vencimiento=hoy + timedelta(days=30))],
        name="fce.xlsx",
    )
    sent: Sent = []
    settings = {"TF_IMPORT_FCE_CBU": CBU, "TF_IMPORT_FCE_TRANSFERENCIA": "ADC"}
    deps = Dependencias(simulador=SimuladorIntegrado(), cliente=recording(sent), ajustes=lambda: settings)
    with Sandbox(check_totals=True) as sb:
        opciones = OpcionesEmision(datos=tmp_path / "datos", sandbox=True, base_url=sb.base_url, rate=0)
        result = emitir(planilla, opciones, deps)

    assert result.cuentas == {"EMITIDO": 1}, result.validacion.problems
    (body,) = [body for path, body in sent if path == "facturacion/nuevo"]
    assert body["comprobante"]["tipo"] == FCE_A
    assert body["comprobante"]["rg_especiales"] == {
        "regimen": "Factura de Crédito Electrónica MiPyMEs (FCE)",
        "datos": [{"id": 2101, "valor": CBU}, {"id": 27, "valor": "ADC"}],
    }
