"""Classification of every emission answer, and the transport's retry decisions."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import requests
import responses

from importer.emision.api import Outcome, TusFacturasClient, classify_emission
from importer.emision.secrets import Credentials

BASE = "https://api.test/app/api/v2"
NUEVO = f"{BASE}/facturacion/nuevo"
CREDS = Credentials("user-token-123456", "9991", "api-token-654321")


def ok_body(**extra):
    body = {
        "error": "N",
        "errores": [""],
        "cae": "75285012345678 ",
        "comprobante_nro": "00003-00000125",
        "vencimiento_cae": "24/07/2025",
        "afip_qr": "https://www.afip.gob.ar/fe/qr/?p=x ",
        "comprobante_pdf_url": "https://x/pdf",
        "requiere_fec": "NO ",
    }
    body.update(extra)
    return json.dumps(body)


def err_body(*errores, **extra):
    return json.dumps({"error": "S", "errores": list(errores), "error_details": [], "error_cod": [], **extra})


@pytest.mark.parametrize(
    ("status", "text", "outcome", "reason"),
    [
        (200, ok_body(), Outcome.EMITTED, "ok"),
        (200, ok_body(cae=" "), Outcome.EMITTED, "ok"),  # API DEV plan: no CAE, still emitted
        (429, "Too many", Outcome.RETRY, "http_429"),
        (401, "", Outcome.STOP, "credenciales"),
        (403, "", Outcome.STOP, "credenciales"),
        (404, "<html>", Outcome.STOP, "url"),
        (405, "", Outcome.STOP, "url"),
        (400, "bad", Outcome.REJECTED, "http_400"),
        (500, "<html><body>Internal Server Error</body></html>", Outcome.IN_DOUBT, "http_500"),
        (502, "<html>", Outcome.IN_DOUBT, "http_502"),
        (524, "<html>timeout</html>", Outcome.IN_DOUBT, "http_524"),
        (200, "<html>oops</html>", Outcome.IN_DOUBT, "respuesta_ilegible"),
        (200, "[1, 2]", Outcome.IN_DOUBT, "respuesta_ilegible"),
        (
            200,
            json.dumps(
                {
                    "error": "S",
                    "mantenimiento": 1,
                    "mantenimiento_hasta": "26/07/2026 05:25",
                    "errores": ["Estaremos realizando tareas de mantenimiento hasta las 05:25"],
                }
            ),
            Outcome.RETRY,
            "mantenimiento",
        ),
        (
            200,
            err_body(
                "14/07/2025 10:02 hs.  Los servicios de facturacion de AFIP estan presentando "
                "errores. impediremos que factures por un lapso de 12 minutos."
            ),
            Outcome.RETRY,
            "afip_caido",
        ),
        (
            200,
            err_body("AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1254)"),
            Outcome.IN_DOUBT,
            "sin_cae",
        ),
        (
            200,
            err_body("El comprobante existe en ARCA pero no en TusFacturasAPP"),
            Outcome.IN_DOUBT,
            "existe_en_afip",
        ),
        (200, err_body("javax.ejb.EJBTransactionRolledbackException"), Outcome.IN_DOUBT, "afip_interno"),
        (
            200,
            err_body(
                "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10016 - "
                "El numero o fecha del comprobante no se corresponde con el proximo a autorizar"
            ),
            Outcome.IN_DOUBT,
            "numeracion",
        ),
        (
            200,
            err_body("Cod. Error: #6661145.10016 - CbteFch debe estar comprendido en el rango N-5 y N+5"),
            Outcome.REJECTED,
            "fecha_fuera_de_rango",
        ),
        (
            200,
            err_body(
                "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10036 - "
                "El campo FchVtoPago no puede ser anterior a la fecha del comprobante."
            ),
            Outcome.REJECTED,
            "datos",
        ),
        (
            200,
            err_body("Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo B."),
            Outcome.REJECTED,
            "datos",
        ),
        (
            200,
            err_body("La external reference enviada, posee caracteres no validos."),
            Outcome.REJECTED,
            "datos",
        ),
        (200, err_body("No se puede establecer la comunicación con ARCA"), Outcome.STOP, "certificado"),
        (200, err_body("Computador no autorizado a acceder al servicio"), Outcome.STOP, "delegacion"),
        (
            200,
            err_body("El punto de venta no se encuentra habilitado para el presente WS"),
            Outcome.STOP,
            "punto_de_venta",
        ),
        (200, err_body('No autorizado a emitir comprobantes clase "A"'), Outcome.STOP, "no_autorizado"),
        (
            200,
            err_body("Tiene comprobantes en cola: solo puede facturar de forma encolada"),
            Outcome.STOP,
            "cola",
        ),
        (200, err_body("Debe emitir una FCE", requiere_fec="SI"), Outcome.REJECTED, "requiere_fce"),
        (200, err_body(), Outcome.REJECTED, "datos"),
    ],
)
def test_every_answer_is_classified(status, text, outcome, reason):
    result = classify_emission(status, text)
    assert (result.outcome, result.reason) == (outcome, reason)


def test_error_details_codes_are_read_too():
    text = json.dumps(
        {
            "error": "S",
            "errores": ["Error"],
            "error_details": [{"code": "X", "text": "AFIP No devolvio el CAE asociado"}],
        }
    )
    assert classify_emission(200, text).outcome is Outcome.IN_DOUBT


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (requests.ReadTimeout("read timed out"), Outcome.IN_DOUBT),
        (requests.ConnectionError("Connection aborted: RemoteDisconnected"), Outcome.IN_DOUBT),
        (requests.ConnectTimeout("connect timed out"), Outcome.RETRY),
        (requests.exceptions.ChunkedEncodingError("broken"), Outcome.IN_DOUBT),
    ],
)
def test_exceptions_after_sending_are_in_doubt_and_connect_failures_are_retry(exc, outcome):
    assert classify_emission(None, None, exc).outcome is outcome


@responses.activate
@pytest.mark.parametrize("exc", [requests.ReadTimeout("t"), requests.ConnectionError("reset")])
def test_a_post_is_never_resent_by_the_client(exc):
    responses.post(NUEVO, body=exc)
    client = TusFacturasClient(BASE, CREDS, timeout=5)
    result = client.emitir({"cliente": {}, "comprobante": {}})
    assert result.outcome is Outcome.IN_DOUBT
    assert len(responses.calls) == 1


@responses.activate
def test_a_5xx_is_not_retried_by_the_transport():
    responses.post(NUEVO, status=503, body="<html>busy</html>")
    responses.post(NUEVO, status=200, body=ok_body())
    client = TusFacturasClient(BASE, CREDS, timeout=5)
    assert client.emitir({}).outcome is Outcome.IN_DOUBT
    assert len(responses.calls) == 1


@responses.activate
def test_credentials_go_in_the_body_and_emitted_fields_are_stripped():
    responses.post(NUEVO, status=200, body=ok_body())
    client = TusFacturasClient(BASE, CREDS, timeout=5)
    result = client.emitir({"comprobante": {"tipo": "FACTURA A"}})
    sent = json.loads(responses.calls[0].request.body)
    assert sent["usertoken"] == CREDS.usertoken and sent["comprobante"]["tipo"] == "FACTURA A"
    assert result.cae == "75285012345678"
    assert result.comprobante_nro == "00003-00000125"


# --- real sockets: what the transport retries and what it never does -------------------------


class OneShotServer:
    """A loopback server that reads each request and then misbehaves as told."""

    def __init__(self, behaviour: str, delay: float = 0.0):
        self.behaviour = behaviour
        self.delay = delay
        self.requests = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                data = b""
                conn.settimeout(2)
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    [
                        ln.split(b":")[1]
                        for ln in head.split(b"\r\n")
                        if ln.lower().startswith(b"content-length")
                    ][0]
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests += 1
                if self.behaviour == "hang_up":
                    continue  # read everything, answer nothing
                if self.behaviour == "slow":
                    time.sleep(self.delay)

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=2)


@pytest.mark.parametrize("behaviour", ["hang_up", "slow"])
def test_a_request_that_reached_the_server_is_in_doubt_and_sent_once(behaviour):
    server = OneShotServer(behaviour, delay=1.5)
    try:
        client = TusFacturasClient(f"http://127.0.0.1:{server.port}/app/api/v2", CREDS, timeout=0.5)
        result = client.emitir({"comprobante": {}})
        assert result.outcome is Outcome.IN_DOUBT
        time.sleep(0.3)
        assert server.requests == 1
    finally:
        server.close()


def test_connection_refused_is_certainly_not_sent():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = TusFacturasClient(f"http://127.0.0.1:{port}/app/api/v2", CREDS, timeout=1)
    result = client.emitir({})
    assert (result.outcome, result.reason) == (Outcome.RETRY, "sin_conexion")
