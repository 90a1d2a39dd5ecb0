"""Transport-level answers: credentials, unknown paths, methods and bodies."""

from __future__ import annotations

import json
import socket

import pytest
import requests

from importer.sandbox import Sandbox

from .conftest import HOY
from .util import factura, post


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"usertoken": "u", "apikey": "1"},
        {"usertoken": "u", "apikey": "", "apitoken": "t"},
        {"usertoken": None, "apikey": "1", "apitoken": "t"},
    ],
)
def test_missing_or_empty_credentials_are_401(sandbox: Sandbox, credentials: dict) -> None:
    response = post(sandbox, "facturacion/nuevo", factura(HOY), credentials=credentials)
    assert response.status_code == 401
    assert response.json()["error"] == "S"
    assert sandbox.comprobantes() == []


def test_malformed_credentials_are_403(sandbox: Sandbox) -> None:
    credentials = {"usertoken": ["u"], "apikey": "1", "apitoken": "t"}
    assert post(sandbox, "facturacion/topecf", {}, credentials=credentials).status_code == 403


def test_any_non_empty_triple_is_an_account(sandbox: Sandbox) -> None:
    credentials = {"usertoken": "x", "apikey": 9991, "apitoken": "y"}
    assert post(sandbox, "facturacion/nuevo", factura(HOY), credentials=credentials).json()["error"] == "N"
    assert len(sandbox.comprobantes({"usertoken": "x", "apikey": "9991", "apitoken": "y"})) == 1


@pytest.mark.parametrize(
    "path", ["/app/api/v2/facturacion/inexistente", "/otra/cosa", "/app/api/v1/facturacion/nuevo"]
)
def test_unknown_paths_are_404(sandbox: Sandbox, path: str) -> None:
    base = sandbox.base_url.removesuffix("/app/api/v2")
    response = requests.post(base + path, json=sandbox.credentials, timeout=5)
    assert response.status_code == 404 and response.json()["error"] == "S"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405(sandbox: Sandbox, method: str) -> None:
    response = requests.request(method, f"{sandbox.base_url}/facturacion/nuevo", timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


@pytest.mark.parametrize("data", [b"{no es json", b"[1, 2]", b"\xff\xfe", b""])
def test_unparsable_bodies_are_400(sandbox: Sandbox, data: bytes) -> None:
    response = requests.post(
        f"{sandbox.base_url}/facturacion/nuevo",
        data=data,
        timeout=5,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_documented_but_not_simulated_methods_answer_an_error(sandbox: Sandbox) -> None:
    answer = post(sandbox, "facturacion/nuevo_encola", factura(HOY)).json()
    assert answer["error"] == "S" and "no está disponible en el simulador" in answer["errores"][0]


def test_trailing_slash_and_utf8(sandbox: Sandbox) -> None:
    body = {**sandbox.credentials, **factura(HOY, cliente_changes={"razon_social": "Ñandú & Cía — Güemes"})}
    response = requests.post(
        f"{sandbox.base_url}/facturacion/nuevo/", data=json.dumps(body).encode(), timeout=5
    )
    assert response.json()["error"] == "N"
    assert sandbox.comprobantes()[0]["cliente_razon_social"] == "Ñandú & Cía — Güemes"


def test_keep_alive_session_reuses_one_connection(sandbox: Sandbox) -> None:
    with requests.Session() as session:
        for n in range(20):
            assert (
                post(sandbox, "facturacion/nuevo", factura(HOY, f"R{n}"), session=session).json()["error"]
                == "N"
            )
    assert sandbox.requests_count() == 20 and sandbox.requests_count("facturacion/nuevo") == 20


def test_chunked_bodies_are_refused_and_the_connection_closed(sandbox: Sandbox) -> None:
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as sock:
        sock.sendall(
            b"POST /app/api/v2/facturacion/topecf HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        )
        data = sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 400")
