"""`facturacion/topecf` (tusfacturas-api.md §6.5): the consumidor-final ceiling read from the API,
as a Decimal in pesos, or None whenever it cannot be had (the caller keeps --tope-cf or its default)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
import responses

from importer.emision.api import LookupFailed, TusFacturasClient, tope_cf_de_la_api
from importer.emision.secrets import Credentials

BASE = "https://api.test/app/api/v2"
TOPECF = f"{BASE}/facturacion/topecf"
CREDS = Credentials("user-token-123456", "9991", "api-token-654321")


def client() -> TusFacturasClient:
    return TusFacturasClient(BASE, CREDS, timeout=30)


@responses.activate
def test_the_documented_answer_gives_the_amount_and_sends_only_the_credentials() -> None:
    responses.post(TOPECF, json={"error": "N", "errores": [], "monto": 26228})
    assert tope_cf_de_la_api(client()) == Decimal("26228.00")
    (call,) = responses.calls
    assert json.loads(call.request.body) == CREDS.as_body()  # §6.5: body = credentials only


@pytest.mark.parametrize(
    ("monto", "pesos"),
    [
        ("10000000", Decimal("10000000.00")),
        ("191624.5", Decimal("191624.50")),
        ("99.995", Decimal("100.00")),  # to the cent, half to even: 99.995 → 100.00
        ("99.985", Decimal("99.98")),  # … and 99.985 → 99.98
    ],
)
@responses.activate
def test_amounts_as_text_or_decimals_are_read_exactly(monto: str, pesos: Decimal) -> None:
    # The raw JSON number is sent as written: no float ever touches it.
    responses.post(TOPECF, body=f'{{"error": "N", "errores": [], "monto": {monto}}}')
    assert tope_cf_de_la_api(client()) == pesos
    responses.replace(responses.POST, TOPECF, json={"error": "N", "errores": [], "monto": monto})
    assert tope_cf_de_la_api(client()) == pesos


@pytest.mark.parametrize(
    "answer",
    [
        {"error": "S", "errores": ["Servicio no disponible"]},
        {"error": "N", "errores": []},  # no monto
        {"error": "N", "errores": [], "monto": ""},
        {"error": "N", "errores": [], "monto": "mucho"},
        {"error": "N", "errores": [], "monto": 0},
        {"error": "N", "errores": [], "monto": -5},
        {"error": "N", "errores": [], "monto": "NaN"},
        {"error": "N", "errores": [], "monto": "Infinity"},
        {"mantenimiento": "1", "error": "S"},
        ["not", "an", "object"],
    ],
)
@responses.activate
def test_any_unusable_answer_gives_none(answer: object) -> None:
    responses.post(TOPECF, json=answer)
    assert tope_cf_de_la_api(client()) is None
    with pytest.raises(LookupFailed):
        client().topecf()


@pytest.mark.parametrize(
    "reply",
    [
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"status": 401, "body": ""},
        {"status": 200, "body": "<html>not json</html>"},
        {"body": requests.ConnectionError("no route")},
        {"body": requests.ReadTimeout("slow")},
    ],
)
@responses.activate
def test_no_answer_gives_none(reply: dict[str, object]) -> None:
    responses.post(TOPECF, **reply)  # type: ignore[arg-type]
    assert tope_cf_de_la_api(client()) is None


@responses.activate
def test_an_error_message_never_shows_the_secrets() -> None:
    responses.post(TOPECF, json={"error": "S", "errores": ["token api-token-654321 inválido"]})
    with pytest.raises(LookupFailed) as info:
        client().topecf()
    assert "api-token-654321" not in str(info.value)


def test_the_sandbox_ceiling_is_read_over_loopback() -> None:
    from datetime import date

    from importer.sandbox import Sandbox

    with Sandbox(hoy=date(2025, 7, 16)) as sb:
        local = TusFacturasClient(sb.base_url, Credentials(**sb.credentials), timeout=30)
        assert tope_cf_de_la_api(local) == Decimal("10000000.00")  # RG 5700's ARS 10,000,000
