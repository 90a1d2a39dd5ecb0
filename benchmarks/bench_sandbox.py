"""Sandbox throughput: emissions per second over one keep-alive `requests.Session`, latency 0.

Usage: python benchmarks/bench_sandbox.py [N]   (default 2000 emissions; target ≥ 500/s)

Two set-ups, both on loopback:
- in-process: the sandbox runs in a thread of this process, as `tf-import run --sandbox` uses it;
  client and server share one interpreter, so the figure is the sum of both costs. CPU time is
  printed too: on a busy machine wall time suffers from other processes, CPU time does not.
- separate process: `python -m importer sandbox`, as a user runs it; client and server overlap.
It also times `consulta_avanzada` by external_reference, the reconciliation lookup.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import requests

from importer.sandbox import Sandbox

HOY = date(2025, 7, 16)
TARGET = 500
ROOT = Path(__file__).resolve().parents[1]


def body(n: int) -> dict:
    item = {"cantidad": "3", "afecta_stock": "N", "bonificacion_porcentaje": "0", "leyenda": ""}
    return {
        "cliente": {
            "documento_tipo": "CUIT", "documento_nro": "30698765433", "razon_social": "Ferretería del Sur SRL",
            "domicilio": "Av. Mitre 1234", "provincia": "2", "envia_por_mail": "N", "condicion_pago": "201",
            "condicion_iva": "RI", "codigo": "30698765433", "rg5329": "N", "reclama_deuda": "N",
        },
        "comprobante": {
            "fecha": "16/07/2025", "vencimiento": "16/07/2025", "tipo": "FACTURA A", "operacion": "V",
            "idioma": "1", "punto_venta": str(1 + n % 10), "moneda": "PES", "cotizacion": "1", "rubro": "Ventas",
            "rubro_grupo_contable": "Ventas", "external_reference": f"BENCH-{n:06d}", "total": "3630.00",
            "detalle": [
                {**item, "producto": {"descripcion": f"Artículo {k}", "unidad_bulto": "1", "lista_precios": "General",
                                      "codigo": f"A{k}", "precio_unitario_sin_iva": "333.33", "alicuota": "21",
                                      "unidad_medida": "7", "actualiza_precio": "N", "rg5329": "N"}}
                for k in range(3)
            ],
        },
    }  # fmt: skip


def emit_all(session: requests.Session, base_url: str, credentials: dict, n: int) -> tuple[float, float]:
    url = f"{base_url}/facturacion/nuevo"
    bodies = [{**credentials, **body(i)} for i in range(n)]
    wall, cpu = time.perf_counter(), time.process_time()
    for payload in bodies:
        answer = session.post(url, json=payload, timeout=30).json()
        if answer["error"] != "N":
            raise SystemExit(f"emisión rechazada: {answer['errores']}")
    return time.perf_counter() - wall, time.process_time() - cpu


def lookups(session: requests.Session, base_url: str, credentials: dict, n: int) -> float:
    count = min(n, 500)
    url = f"{base_url}/facturacion/consulta_avanzada"
    started = time.perf_counter()
    for i in range(count):
        reference = f"BENCH-{i * (n // count):06d}"
        query = {**credentials, "busqueda_tipo": "EXT_REF", "pagina": 0, "limite": 100,
                 "comprobante": {"external_reference": reference, "operacion": "V"}}  # fmt: skip
        if session.post(url, json=query, timeout=30).json()["total"] != 1:
            raise SystemExit("consulta sin resultado")
    return count / (time.perf_counter() - started)


def line(label: str, n: int, seconds: float) -> str:
    rate = n / seconds
    return f"{label:<34} {n} en {seconds:5.2f} s → {rate:6,.0f} emisiones/s ({rate / TARGET:.1f}× el objetivo de {TARGET}/s)"


def in_process(n: int) -> None:
    with Sandbox(hoy=HOY) as sb, requests.Session() as session:
        session.trust_env = False  # no proxy lookups from the environment on every request (loopback)
        wall, cpu = emit_all(session, sb.base_url, sb.credentials, n)
        print(line("en el mismo proceso (reloj):", n, wall))
        print(line("en el mismo proceso (CPU):", n, cpu))
        print(
            f"{'consultas EXT_REF:':<34} {lookups(session, sb.base_url, sb.credentials, n):,.0f} consultas/s "
            f"con {n} comprobantes guardados"
        )
        assert len(sb.comprobantes()) == n


def separate_process(n: int) -> None:
    command = [
        sys.executable,
        "-m",
        "importer",
        "sandbox",
        "--port",
        "0",
        "--hoy",
        "16/07/2025",
        "--silencioso",
    ]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        banner = [proc.stdout.readline() for _ in range(5)]  # type: ignore[union-attr]
        url = next(text.split()[-1] for text in banner if text.strip().startswith("URL:")).rstrip("/")
        credentials = {"usertoken": "bench", "apikey": "1", "apitoken": "bench"}
        with requests.Session() as session:
            session.trust_env = False
            wall, _ = emit_all(session, url, credentials, n)
        print(line("con el simulador en otro proceso:", n, wall))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    in_process(count)
    separate_process(count)
