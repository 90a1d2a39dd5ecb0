"""`tf-import web` as a user starts it: loopback only, a port, the URL with its token, Ctrl-C."""

from __future__ import annotations

import fnmatch
import os
import re
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from importer.cli.main import main
from importer.dominio.errores import UsageError
from importer.web.configuracion import PUERTO
from importer.web.servidor import abrir_socket

RAIZ = Path(__file__).resolve().parents[2]


def test_the_default_port_is_8470_or_a_free_one_when_taken() -> None:
    try:
        ocupado = socket.create_server(("127.0.0.1", PUERTO))
    except OSError:
        ocupado = None  # something else holds 8470 already: the same situation
    try:
        sock = abrir_socket(None)
        try:
            host, puerto = sock.getsockname()
            assert host == "127.0.0.1" and puerto != PUERTO and puerto > 0
        finally:
            sock.close()
    finally:
        if ocupado is not None:
            ocupado.close()


def test_an_asked_port_that_is_taken_is_a_clear_spanish_error() -> None:
    ocupado = socket.create_server(("127.0.0.1", 0))
    try:
        puerto = ocupado.getsockname()[1]
        with pytest.raises(UsageError, match=rf"No se pudo usar el puerto {puerto} .*--port"):
            abrir_socket(puerto)
    finally:
        ocupado.close()


def test_help_lists_the_options_in_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--help"]) == 0
    ayuda = capsys.readouterr().out
    for opcion in (
        "--port",
        "--carpeta",
        "--no-abrir",
        "--base-url",
        "--cuentas",
        "--estado",
        "--rate",
        "--timeout",
        "--pdf-dir",
    ):
        assert opcion in ayuda
    assert "no abre el navegador" in ayuda


def test_the_command_serves_on_loopback_with_a_token_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    carpeta = tmp_path / "trabajo"
    env = {**os.environ, "TF_IMPORT_DATOS": str(tmp_path / "datos"), "PYTHONUNBUFFERED": "1"}
    flags = subprocess.CREATE_NEW_PROCESS_GROUP if os.name == "nt" else 0  # type: ignore[attr-defined]
    proc = subprocess.Popen(
        [sys.executable, "-m", "importer", "web", "--no-abrir", "--port", "0", "--carpeta", str(carpeta)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        creationflags=flags,
    )
    try:
        lineas = [proc.stdout.readline() for _ in range(3)]  # type: ignore[union-attr]
        url = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", "".join(lineas))
        assert url, lineas
        base, token = f"http://127.0.0.1:{url.group(1)}", url.group(2)
        assert str(carpeta) in lineas[2]
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get("/").status_code == 403
            assert http.get("/", params={"token": "otro"}).status_code == 403
            entrada = http.get("/", params={"token": token})
            assert entrada.status_code == 303 and "HttpOnly" in entrada.headers["set-cookie"]
            pagina = http.get("/")
            assert pagina.status_code == 200 and 'data-accion="validar"' in pagina.text
            assert http.get("/", headers={"host": f"evil.example:{url.group(1)}"}).status_code == 403
        with pytest.raises(httpx.ConnectError):  # nothing listens on other interfaces
            otra = _otra_direccion()
            if otra is None:
                raise httpx.ConnectError("sin otra interfaz")
            httpx.get(f"http://{otra}:{url.group(1)}/", timeout=3)
    finally:
        proc.send_signal(signal.CTRL_BREAK_EVENT if os.name == "nt" else signal.SIGINT)  # type: ignore[attr-defined]
        try:
            codigo = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert codigo == 0
    assert carpeta.is_dir()
    assert "Traceback" not in proc.stderr.read()  # type: ignore[union-attr]


def _otra_direccion() -> str | None:
    """This machine's address on a non-loopback interface, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the outgoing interface
            direccion = s.getsockname()[0]
    except OSError:
        return None
    return None if direccion.startswith("127.") else direccion


def test_the_page_files_ship_with_the_package() -> None:
    """Every template and static file matches pyproject's package-data (pip install . takes them)."""
    datos = tomllib.loads((RAIZ / "pyproject.toml").read_text(encoding="utf-8"))
    patrones = datos["tool"]["setuptools"]["package-data"]["importer"]
    web = RAIZ / "importer" / "web"
    archivos = [p for carpeta in ("templates", "static") for p in (web / carpeta).iterdir() if p.is_file()]
    assert archivos
    for archivo in archivos:
        relativo = archivo.relative_to(RAIZ / "importer").as_posix()
        assert any(fnmatch.fnmatch(relativo, patron) for patron in patrones), relativo


def test_a_working_folder_that_cannot_be_used_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archivo = tmp_path / "no-es-carpeta"
    archivo.write_text("x")
    codigo = main(["web", "--no-abrir", "--port", "0", "--carpeta", str(archivo)])
    assert codigo == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: --carpeta") and "Elija otra carpeta de trabajo" in err
