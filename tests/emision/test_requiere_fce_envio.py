"""A common factura that AFIP wants as an FCE (`requiere_fec` "SI"): RECHAZADO, the FCE tipo to use,
and — when `facturacion/requiere_fec` answers — the amount from which the customer requires it.

Exact API sequences with `responses`; the same against the sandbox in test_envio_tributos_fce.py.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
import requests
import responses

from importer.dominio.comprobantes import Cliente, Comprobante, Linea
from importer.dominio.reloj import Reloj
from importer.emision import ledger as L
from importer.emision.api import LookupFailed, RequisitoFce, TusFacturasClient
from importer.emision.runner import Runner, RunOptions
from importer.emision.secrets import Credentials

BASE = "https://api.test/app/api/v2"
CREDS = Credentials("user-token-fce-1", "9992", "api-token-fce-1")
GRANDE = Cliente("CUIT", "30500000011", "GRAN CADENA DEMO SUPERMERCADOS S.A.", "RI")
REQUIERE = (
    "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10192 - Por su "
    "categorizacion y el monto de la operacion, el receptor esta obligado a recibir una Factura de "
    "Credito Electronica MiPyME (FCE)."
)
FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"


def factura(tipo: str = "FACTURA A", cliente: Cliente = GRANDE) -> Comprobante:
    return Comprobante(
        referencia="GRANDE-1",
        filas=(2,),
        fecha=date(2025, 7, 14),
        tipo=tipo,
        punto_venta=1,
        cliente=cliente,
        lineas=(Linea(2, "Acero", D("1"), D("5000000"), "21"),),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def reloj(self) -> Reloj:
        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            self.now += seconds

        return Reloj(now=lambda: self.now, sleep=sleep)


@pytest.fixture
def tf(tmp_path):
    """A scripted TusFacturas: number 0 so far, no referencia stored, `nuevo` says requiere_fec SI."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(
            responses.POST,
            f"{BASE}/facturacion/numeracion",
            json={"error": "N", "comprobante": {"numero": "0"}},
        )
        rsps.add(
            responses.POST,
            f"{BASE}/facturacion/consulta_avanzada",
            json={"error": "S", "errores": ["No se han encontrado comprobantes."]},
        )
        rsps.add(
            responses.POST,
            f"{BASE}/facturacion/nuevo",
            json={
                "error": "S",
                "errores": [REQUIERE],
                "requiere_fec": "SI",
                "external_reference": "GRANDE-1",
                "error_details": [],
            },
        )
        ledger = L.Ledger(tmp_path / "registro.sqlite")
        clock = Clock()

        def run(c: Comprobante, rate: float | None = None) -> L.Record:
            options = RunOptions(
                account=CREDS.account_key(), timeout=30, margin=10, rate=rate, pdf_dir=tmp_path / "pdf"
            )
            client = TusFacturasClient(BASE, CREDS, timeout=30)
            Runner([c], client, ledger, options, reloj=clock.reloj()).run()
            record = ledger.get(CREDS.account_key(), c.referencia)
            assert record is not None
            return record

        yield rsps, run, clock
        ledger.close()


def paths(rsps) -> list[str]:
    return [call.request.url.removeprefix(BASE + "/") for call in rsps.calls]


def test_rejected_with_the_fce_tipo_and_the_amount_from_which_the_customer_requires_it(tf):
    rsps, run, _clock = tf
    rsps.add(
        responses.POST,
        f"{BASE}/facturacion/requiere_fec",
        json={"error": "N", "errores": [], "rta": "", "esta_obligado": "S", "importe_desde": 3958316},
    )
    record = run(factura())

    assert record.state == L.REJECTED
    assert paths(rsps) == [
        "facturacion/numeracion",
        "facturacion/consulta_avanzada",
        "facturacion/nuevo",
        "facturacion/requiere_fec",
    ]
    asked = json.loads(rsps.calls[3].request.body)
    # tusfacturas-api.md §9.7 and TusFacturas' page: the customer's CUIT (a number) and the date.
    assert (asked["cuit"], asked["fecha"]) == (30500000011, "14/07/2025")
    assert asked["usertoken"] == CREDS.usertoken  # a request like any other, with the account's triple
    afip, ours = record.error_list
    assert afip == REQUIERE
    assert f"«{FCE_A}»" in ours and "«FCE A»" in ours
    assert "30-50000001-1" in ours and "$ 3.958.316,00" in ours and "14/07/2025" in ours


def test_a_failed_threshold_lookup_is_asked_once_and_only_leaves_the_amount_out(tf):
    rsps, run, _clock = tf
    rsps.add(responses.POST, f"{BASE}/facturacion/requiere_fec", status=500, body="<html>error</html>")
    record = run(factura())

    assert record.state == L.REJECTED
    assert paths(rsps).count("facturacion/requiere_fec") == 1  # never retried
    ours = record.error_list[-1]
    assert f"«{FCE_A}»" in ours and "$" not in ours


def test_a_customer_the_register_does_not_oblige_gets_no_amount(tf):
    rsps, run, _clock = tf
    rsps.add(
        responses.POST,
        f"{BASE}/facturacion/requiere_fec",
        json={"error": "N", "errores": [], "rta": "", "esta_obligado": "N", "importe_desde": 3958316},
    )
    ours = run(factura()).error_list[-1]
    assert "«FCE A»" in ours and "obligado a recibir FCE desde" not in ours


def test_a_customer_without_cuit_is_not_looked_up(tf):
    rsps, run, _clock = tf
    record = run(factura("FACTURA B", Cliente("DNI", "20123456", "Juan Pérez", "CF")))
    assert record.state == L.REJECTED
    assert "facturacion/requiere_fec" not in paths(rsps)
    ours = record.error_list[-1]
    assert "«FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) B»" in ours and "«FCE B»" in ours


def test_the_threshold_lookup_is_paced_like_every_request(tf):
    """At 1 request per second, the lookup after the POST waits its turn like the others."""
    rsps, run, clock = tf
    rsps.add(
        responses.POST,
        f"{BASE}/facturacion/requiere_fec",
        json={"error": "N", "errores": [], "rta": "", "esta_obligado": "S", "importe_desde": 3958316},
    )
    run(factura(), rate=1.0)
    assert len(paths(rsps)) == 4
    assert len(clock.sleeps) == 3 and all(s == pytest.approx(1.0) for s in clock.sleeps)


# --- the client method ------------------------------------------------------------------------------


@responses.activate
def test_client_reads_esta_obligado_and_importe_desde():
    responses.add(
        responses.POST,
        f"{BASE}/facturacion/requiere_fec",
        json={"error": "N", "errores": [], "rta": "", "esta_obligado": "S", "importe_desde": 1357480.5},
    )
    client = TusFacturasClient(BASE, CREDS, session=requests.Session())
    assert client.requiere_fec("30500000011", date(2025, 1, 2)) == RequisitoFce(True, D("1357480.5"))


@pytest.mark.parametrize(
    "answer",
    [
        {"error": "S", "errores": ["El CUIT enviado INF es invalido."], "rta": ""},
        {"mantenimiento": 1, "error": "S", "errores": ["Estaremos realizando tareas de mantenimiento"]},
    ],
)
@responses.activate
def test_client_error_answers_are_failed_lookups(answer):
    responses.add(responses.POST, f"{BASE}/facturacion/requiere_fec", json=answer)
    client = TusFacturasClient(BASE, CREDS, session=requests.Session())
    with pytest.raises(LookupFailed):
        client.requiere_fec("30500000011", date(2025, 1, 2))


@responses.activate
def test_client_without_a_usable_amount_says_so():
    responses.add(
        responses.POST,
        f"{BASE}/facturacion/requiere_fec",
        json={"error": "N", "errores": [], "rta": "", "esta_obligado": "S", "importe_desde": ""},
    )
    client = TusFacturasClient(BASE, CREDS, session=requests.Session())
    assert client.requiere_fec("30500000011", date(2025, 1, 2)) == RequisitoFce(True, None)
