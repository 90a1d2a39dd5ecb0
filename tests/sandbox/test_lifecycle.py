"""Starting, stopping, persistence, the command line and the import footprint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import requests

from importer.dominio.reloj import hoy_en_argentina
from importer.sandbox import FaultPlan, Sandbox

from .conftest import HOY
from .util import emitir, factura, por_referencia, post

ROOT = Path(__file__).resolve().parents[2]


def sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tf-sandbox")]


def test_base_url_and_context_manager() -> None:
    with Sandbox() as sb:
        assert sb.base_url == f"http://127.0.0.1:{sb.port}/app/api/v2"
        assert set(sb.credentials) == {"usertoken", "apikey", "apitoken"}
        port = sb.port
        assert post(sb, "facturacion/topecf", {}).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.post(f"http://127.0.0.1:{port}/app/api/v2/facturacion/topecf", timeout=2)
    assert sandbox_threads() == []


def test_default_hoy_is_today_in_argentina() -> None:
    sb = Sandbox()
    assert abs((sb.hoy - hoy_en_argentina()).days) <= 1
    sb.hoy = HOY
    assert sb.hoy == HOY


def test_stop_closes_idle_keep_alive_connections() -> None:
    sb = Sandbox(hoy=HOY).start()
    session = requests.Session()
    emitir(sb, factura(HOY), session=session)
    assert sandbox_threads()
    started = time.monotonic()
    sb.stop()
    assert time.monotonic() - started < 1.5
    assert sandbox_threads() == []
    session.close()


def test_stop_does_not_wait_for_a_long_delay_and_commits_nothing() -> None:
    sb = Sandbox(FaultPlan.parse("demora=60"), hoy=HOY).start()
    errors: list[Exception] = []

    def send() -> None:
        try:
            emitir(sb, factura(HOY), timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    client = threading.Thread(target=send)
    client.start()
    while sb.requests_count("nuevo") == 0:
        time.sleep(0.01)
    started = time.monotonic()
    sb.stop()
    assert time.monotonic() - started < 1.5
    client.join(5)
    assert errors and isinstance(errors[0], requests.ConnectionError)
    assert sb.comprobantes() == []
    assert sandbox_threads() == []


def test_persistence_survives_a_restart(tmp_path: Path) -> None:
    datos = tmp_path / "datos"
    with Sandbox(hoy=HOY, datos=datos) as sb:
        first = emitir(sb, factura(HOY, "R1"))
        emitir(sb, factura(HOY, "R2"))
        sb.set_numbering(2, "FACTURA A", 41)
        credentials = sb.credentials
    (next(datos.glob("cuenta-*.jsonl"))).open("a").write('{"evento": "comprob')  # a torn last line
    with Sandbox(hoy=HOY, datos=datos) as sb:
        assert [c["numero"] for c in sb.comprobantes(credentials)] == [1, 2]
        assert emitir(sb, factura(HOY, "R3"))["comprobante_nro"] == "00001-00000003"
        assert emitir(sb, factura(HOY, "R4", punto_venta="2"))["comprobante_nro"] == "00002-00000042"
        found = por_referencia(sb, "R1")["comprobantes"][0]["comprobante"]
        assert found["cae"] == first["cae"]
        assert requests.get(
            first["comprobante_pdf_url"].replace(
                first["comprobante_pdf_url"].split("/app/")[0], f"http://127.0.0.1:{sb.port}"
            ),
            timeout=5,
        ).ok
        assert emitir(sb, factura(date(2025, 7, 15), "R5"))["error"] == "S"  # last date kept too
    text = "".join(p.read_text(encoding="utf-8") for p in datos.iterdir())
    assert all(secret not in text for secret in (credentials["usertoken"], credentials["apitoken"]))


def test_importing_the_sandbox_does_not_import_pandas() -> None:
    code = "import sys, importer.sandbox, importer.sandbox.cli; print('pandas' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT to the child")
def test_command_line_serves_until_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "importer",
            "sandbox",
            "--port",
            "0",
            "--hoy",
            "16/07/2025",
            "--fallas",
            "corte@2",
            "--datos",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        while not any(line.startswith("Ctrl-C") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        banner = "".join(lines)
        url = next(line.split()[-1] for line in lines if line.strip().startswith("URL:"))
        assert url.startswith("http://127.0.0.1:") and url.endswith("/app/api/v2/")
        for name in ("usertoken:", "apikey:", "apitoken:", "SIN VALIDEZ FISCAL", "corte@2"):
            assert name in banner
        creds = {
            k: next(line.split()[-1] for line in lines if line.strip().startswith(f"{k}:"))
            for k in ("usertoken", "apikey", "apitoken")
        }
        answer = requests.post(url + "facturacion/nuevo", json={**creds, **factura(HOY)}, timeout=5).json()
        assert answer["comprobante_nro"] == "00001-00000001"
        with pytest.raises(requests.ConnectionError):
            requests.post(url + "facturacion/nuevo", json={**creds, **factura(HOY, "R2")}, timeout=5)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
        assert "Simulador detenido." in proc.stdout.read()
        assert "facturacion/nuevo" in proc.stderr.read()  # one log line per request
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_command_line_rejects_a_bad_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "importer", "sandbox", "--fallas", "caida@1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode == 2
    assert "tipo de falla desconocido" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10000000", "10000000"), ("10.000.000", "10000000"), ("$ 1.500,50", "1500.50"), ("26228", "26228")],
)
def test_tope_cf_accepts_argentine_amounts(text: str, expected: str) -> None:
    from decimal import Decimal

    from importer.sandbox.cli import _monto

    assert _monto(text) == Decimal(expected)


def test_profiles_by_name() -> None:
    from importer.dominio.documentos import cuit_valido
    from importer.sandbox import IssuerProfile

    ri, mono = IssuerProfile.named("ri"), IssuerProfile.named("monotributo")
    assert ri.condicion_iva == "RI" and ri.letras == {"A", "B", "E"} and ri.puntos_venta == set(range(1, 11))
    assert mono.condicion_iva == "M" and mono.letras == {"C", "E"}
    assert cuit_valido(ri.cuit) and cuit_valido(mono.cuit)
    with pytest.raises(ValueError):
        IssuerProfile.named("gran contribuyente")
