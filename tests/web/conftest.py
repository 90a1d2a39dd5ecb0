"""Fixtures of the web page's tests: a server configuration in tmp_path, a logged-in client,
workbooks (the example, a copy with errors, a month dated today) and a sandbox on loopback."""

from __future__ import annotations

import shutil
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the test extra installs
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from importer.web.app import crear_app
from importer.web.configuracion import ConfigWeb
from tests.conftest import valid_row, write_rows

EJEMPLO = Path(__file__).resolve().parents[2] / "data" / "ejemplo.xlsx"
PUERTO = 8470
ORIGEN = f"http://127.0.0.1:{PUERTO}"
TOKEN = "token-de-prueba-Zx81"
CSRF = "csrf-de-prueba-Qw47"
CUIT_MAL = "30-71583943-9"  # the example's first customer (30-71583943-8) with a wrong check digit
CREDENCIALES = {
    "TUSFACTURAS_USERTOKEN": "usuario-de-prueba-web",
    "TUSFACTURAS_APIKEY": "clave-de-prueba-web",
    "TUSFACTURAS_APITOKEN": "token-api-de-prueba-web",
}


@pytest.fixture
def config(tmp_path: Path) -> ConfigWeb:
    return ConfigWeb(
        carpeta=tmp_path / "carpeta",
        datos=tmp_path / "datos",
        token=TOKEN,
        csrf=CSRF,
        puerto=PUERTO,
        rate=0,
        ajustes=lambda: {},  # no credentials unless a test gives some
    )


def conectar(config: ConfigWeb) -> TestClient:
    return TestClient(crear_app(config), base_url=f"http://127.0.0.1:{config.puerto}")


@pytest.fixture
def cliente(config: ConfigWeb) -> Iterator[TestClient]:
    """A client that opened the start-up URL (so it holds the cookie)."""
    with conectar(config) as c:
        assert c.get(f"/?token={TOKEN}").status_code == 200
        yield c


def post(c: TestClient, path: str, **kwargs: object):  # noqa: ANN201
    """A POST as the page's own forms send it: same Origin, CSRF token in the form."""
    data = {"csrf": CSRF, **kwargs.pop("data", {})}  # type: ignore[dict-item]
    headers = {"origin": ORIGEN, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return c.post(path, data=data, headers=headers, **kwargs)  # type: ignore[arg-type]


def subir(c: TestClient, ruta: Path, nombre: str | None = None):  # noqa: ANN201
    with ruta.open("rb") as archivo:
        return post(c, "/planilla", files={"planilla": (nombre or ruta.name, archivo)})


def esperar_fin(c: TestClient, segundos: float = 120) -> dict:
    fin = time.monotonic() + segundos
    while time.monotonic() < fin:
        trabajo = c.get("/estado").json()["trabajo"]
        if trabajo and trabajo["terminado"] == "si":
            return trabajo
        time.sleep(0.2)
    raise AssertionError("el trabajo no terminó a tiempo")


@pytest.fixture
def con_errores(tmp_path: Path) -> Path:
    """The example with two mistakes: a wrong CUIT check digit (row 2, column L) and a price
    that is not a number (row 3, column AA). Both belong to NOV26-001."""
    ruta = tmp_path / "con-errores.xlsx"
    shutil.copy(EJEMPLO, ruta)
    wb = load_workbook(ruta)
    ws = wb["Comprobantes"]
    assert ws["L1"].value == "cliente_documento_nro" and ws["AA1"].value == "precio_unitario"
    ws["L2"] = CUIT_MAL
    ws["AA3"] = "catorce mil"
    wb.save(ruta)
    return ruta


def mes_de_hoy(ruta: Path, cantidad: int) -> Path:
    """`cantidad` one-line Facturas A dated today (the real date: no simulated one)."""
    filas = [
        valid_row(
            referencia=f"WEB-{n:03d}",
            descripcion=f"Servicio {n}",
            precio_unitario=1000 + n,
        )
        for n in range(1, cantidad + 1)
    ]
    return write_rows(ruta, filas)


class ServidorEnHilo:
    """The page served by uvicorn on a free loopback port, in a thread (a real browser's target)."""

    def __init__(self, config: ConfigWeb) -> None:
        import uvicorn

        from importer.web.servidor import abrir_socket

        self.sock = abrir_socket(0)
        self.config = replace(config, puerto=self.sock.getsockname()[1])
        self.server = uvicorn.Server(
            uvicorn.Config(crear_app(self.config), log_level="warning", timeout_graceful_shutdown=1)
        )
        self.hilo = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.config.puerto}"

    def __enter__(self) -> ServidorEnHilo:
        self.hilo.start()
        fin = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < fin, "el servidor no arrancó"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.hilo.join(15)
        self.sock.close()


@pytest.fixture
def sandbox_lento(tmp_path: Path) -> Iterator[object]:
    """The simulator on loopback, each emission taking a moment (time to press Detener)."""
    from importer.sandbox import FaultPlan, Sandbox

    with Sandbox(FaultPlan.parse("demora=0.3"), datos=tmp_path / "simulador") as sandbox:
        yield sandbox


def para_emitir(config: ConfigWeb, base_url: str) -> ConfigWeb:
    """Real emission (not the rehearsal) against `base_url`, with dummy credentials in the settings."""
    return replace(config, base_url=base_url, ajustes=lambda: dict(CREDENCIALES))


def triple() -> dict[str, str]:
    return {
        "usertoken": CREDENCIALES["TUSFACTURAS_USERTOKEN"],
        "apikey": CREDENCIALES["TUSFACTURAS_APIKEY"],
        "apitoken": CREDENCIALES["TUSFACTURAS_APITOKEN"],
    }


def filas_resultados(ruta: Path) -> list[dict[str, object]]:
    ws = load_workbook(ruta, read_only=True)["Resultados"]
    filas = list(ws.iter_rows(values_only=True))
    return [dict(zip(filas[0], f, strict=False)) for f in filas[1:]]
