"""Emission throughput against the local sandbox, and how well `--rate` is kept.

Prints, in one run (ratios are what matter on a shared machine):
1. a bare `requests.Session().post` loop over N payloads (no ledger, no PDF);
2. the same loop plus the PDF download each emission implies;
3. tf-import's runner over the same N comprobantes (ledger with fsync per state change, PDFs),
   without and with the pre-check (by default: before sending, one `numeracion` per punto de
   venta and tipo and one date listing per date; after, one date listing per date to verify);
and our overhead per comprobante = (3 − 2) / N. Then rate adherence: `--rate 20` against a server
with 20 ms latency over 500 comprobantes: every API request counts for the rate (PDF downloads
do not), and the goal is emitted comprobantes per second ≥ 95 % of 20 with the pre-check on.
Every comprobante here has the same date and punto de venta: the pre-check costs 2 requests and
the verification 1, whatever N is.

Usage: python benchmarks/bench_run.py [N]    (default N = 2000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import requests

from importer.dominio.comprobantes import Cliente, Comprobante, Linea
from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient
from importer.emision.payload import build_payload
from importer.emision.runner import Runner, RunOptions
from importer.emision.secrets import Credentials
from importer.sandbox import FaultPlan, Sandbox
from importer.sandbox.server import ENDPOINTS

HOY = date.today()


def comprobantes(n: int, prefix: str) -> list[Comprobante]:
    cliente = Cliente("DNI", "28033514", "Juana Pérez", "CF", "Mitre 100", "1")
    return [
        Comprobante(
            referencia=f"{prefix}-{i:06d}",
            filas=(i + 2,),
            fecha=HOY,
            tipo="FACTURA B",
            punto_venta=1,
            cliente=cliente,
            lineas=(
                Linea(i + 2, "Lámpara LED 9W", Decimal("3"), Decimal("1850.50"), "21"),
                Linea(i + 2, "Cable unipolar 2,5 mm", Decimal("10"), Decimal("412.3"), "10.5"),
            ),
        )
        for i in range(n)
    ]


def bare_loop(sb: Sandbox, items: list[Comprobante], with_pdf: bool) -> float:
    session = requests.Session()
    url = f"{sb.base_url}/facturacion/nuevo"
    bodies = [{**sb.credentials, **build_payload(c)} for c in items]
    start = time.perf_counter()
    for body in bodies:
        answer = session.post(url, json=body, timeout=(10, 60)).json()
        assert answer["error"] == "N", answer
        if with_pdf:
            pdf = session.get(answer["comprobante_pdf_url"], timeout=(10, 60))
            assert pdf.content.startswith(b"%PDF")
    return time.perf_counter() - start


def runner_loop(
    sb: Sandbox, items: list[Comprobante], folder: Path, rate: float | None, precheck: bool = True
) -> float:
    credentials = Credentials(**sb.credentials)
    with L.Ledger(folder / "registro.sqlite") as ledger:
        options = RunOptions(
            account=credentials.account_key(),
            rate=rate,
            timeout=60,
            margin=5,
            pdf_dir=folder / "pdf",
            planilla="bench.xlsx",
            precheck=precheck,
        )
        client = TusFacturasClient(sb.base_url, credentials, timeout=60)
        runner = Runner(items, client, ledger, options)
        start = time.perf_counter()
        report = runner.run()
        elapsed = time.perf_counter() - start
    assert report.emitted_now == len(items), report
    return elapsed


def api_requests(sb: Sandbox) -> dict[str, int]:
    """Requests per API endpoint (PDF downloads are not API requests and not paced)."""
    counts = {e.split("/")[-1]: sb.requests_count(e) for e in ENDPOINTS}
    return {name: count for name, count in counts.items() if count}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"Emisión contra el sandbox local: {n} comprobantes, latencia 0, sin límite de ritmo")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Sandbox(hoy=HOY) as sb:
            post_only = bare_loop(sb, comprobantes(n, "BARE"), with_pdf=False)
        with Sandbox(hoy=HOY) as sb:
            post_pdf = bare_loop(sb, comprobantes(n, "PDF"), with_pdf=True)
        with Sandbox(hoy=HOY) as sb:
            ours = runner_loop(sb, comprobantes(n, "RUN"), folder / "run", rate=None, precheck=False)
        with Sandbox(hoy=HOY) as sb:
            ours_checked = runner_loop(sb, comprobantes(n, "CHK"), folder / "chk", rate=None)
            checked_requests = api_requests(sb)
        print(
            f"  POST pelado (requests.Session):     {n / post_only:8.1f} cbte/s  {1000 * post_only / n:6.2f} ms/cbte"
        )
        print(
            f"  POST + descarga del PDF:            {n / post_pdf:8.1f} cbte/s  {1000 * post_pdf / n:6.2f} ms/cbte"
        )
        print(
            f"  tf-import --sin-verificar-referencias: {n / ours:5.1f} cbte/s  {1000 * ours / n:6.2f} ms/cbte"
        )
        extra = sum(checked_requests.values()) - checked_requests.get("nuevo", 0)
        print(
            f"  tf-import (consulta previa por defecto): {n / ours_checked:3.1f} cbte/s  "
            f"{1000 * ours_checked / n:6.2f} ms/cbte ({extra} pedidos más en total, no uno por "
            f"comprobante: una numeración por punto de venta y tipo y un listado por fecha antes de "
            f"enviar, un listado por fecha para verificar al final; aquí todos son de una sola fecha)"
        )
        print(f"    pedidos a la API: {', '.join(f'{k} {v}' for k, v in checked_requests.items())}")
        print(
            f"  sobrecarga de tf-import vs POST+PDF: {1000 * (ours - post_pdf) / n:6.2f} ms/cbte (meta < 5 ms)"
        )
        print(f"  sobrecarga de tf-import vs POST:     {1000 * (ours - post_only) / n:6.2f} ms/cbte")

        m, rate = 500, 20.0
        print(
            f"Ritmo: --rate {rate:g} con 20 ms de latencia del servidor, {m} comprobantes de una sola "
            "fecha y un punto de venta (cada pedido a la API cuenta para el ritmo; las descargas de "
            "PDF, no):"
        )
        for precheck in (False, True):
            with Sandbox(FaultPlan.parse("demora=0.02"), hoy=HOY) as sb:
                elapsed = runner_loop(
                    sb, comprobantes(m, f"RATE{precheck}"), folder / f"rate{precheck}", rate, precheck
                )
                paced = sum(api_requests(sb).values())
            achieved = paced / elapsed
            label = "con consulta previa (por defecto)" if precheck else "--sin-verificar-referencias"
            meta = " (meta ≥ 95 %)" if precheck else ""
            print(
                f"  {label}: {paced} pedidos en {elapsed:.1f} s = {achieved:.2f} pedidos/s = "
                f"{100 * achieved / rate:.1f} % del ritmo pedido (nunca > 100 %); "
                f"{m / elapsed:.2f} cbte/s = {100 * m / elapsed / rate:.1f} % de {rate:g} cbte/s{meta}"
            )


if __name__ == "__main__":
    main()
