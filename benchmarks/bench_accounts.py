"""Several accounts at once: aggregate throughput of concurrent streams through the real service.

Four TusFacturas accounts (three puntos de venta of a Responsable Inscripto and a monotributista
issuing C) with 250 comprobantes each, `--rate 10` per account, against a sandbox answering every
request 20 ms late. The same run also emits 250 comprobantes of one account alone,
so the ratio is measured under the same load (the machine is shared: ratios matter more than
figures). Both go through `importer.emision.servicio.emitir` with an accounts file and
`--sandbox --base-url` — the path of `tf-import run` — and time the emission itself (the pre-check
listings, the POSTs, the PDFs and the post-run verification), not reading the sheet or writing
the results workbook, which are printed apart.

Requests are counted in the sandbox: the pre-check and the verification must be one listing per
account and date (plus one `numeracion` per punto de venta and tipo), not one lookup per
comprobante. Every API request counts for `--rate`, so the listings set a ceiling below 10 cbte/s
per account: with one date, 250 comprobantes cost 253 requests (ceiling 9.88 cbte/s); with five,
261 (9.58). The ceiling is printed beside each figure. Goal: aggregate ≥ 38 cbte/s.

The simulator runs in this process by default. With `--simulador-aparte` it runs as its own
process (`tf-import sandbox`), as TusFacturas runs on its own servers: then the client's streams do
not share Python's interpreter lock with the simulator's threads, which is what a real run sees.
Requests are then counted on the client side (every POST of the API client).

Usage: python benchmarks/bench_accounts.py [N] [--fechas K] [--simulador-aparte]
       (default N = 250 per account, K = 1 date; with K dates the comprobantes are spread over the
       K days up to today)
"""

from __future__ import annotations

import argparse
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importer.cli.simulador import SimuladorIntegrado  # noqa: E402
from importer.dominio.errores import ExitCode  # noqa: E402
from importer.dominio.reloj import hoy_en_argentina  # noqa: E402
from importer.emision.api import TusFacturasClient  # noqa: E402
from importer.emision.opciones import Dependencias, OpcionesEmision  # noqa: E402
from importer.emision.servicio import emitir  # noqa: E402
from importer.planilla.columns import NAMES  # noqa: E402
from importer.sandbox import FaultPlan, Sandbox  # noqa: E402
from importer.sandbox.emisores import emisor  # noqa: E402
from importer.sandbox.server import ENDPOINTS  # noqa: E402

HOY = hoy_en_argentina()
RATE = 10.0
GOAL = 38.0
CUIT_RI = "30712345671"
CUIT_MONO = "20301234563"
# (nombre, cuit, punto de venta, condición frente al IVA)
CUENTAS = (
    ("Local Centro", CUIT_RI, 1, "RI"),
    ("Local Norte", CUIT_RI, 2, "RI"),
    ("Local Sur", CUIT_RI, 3, "RI"),
    ("Estudio Gómez", CUIT_MONO, 1, "M"),
)


def cuentas_toml(path: Path, cuentas: tuple[tuple[str, str, int, str], ...]) -> Path:
    text = "".join(
        f'[[cuenta]]\nnombre = "{nombre}"\ncuit = "{cuit}"\npunto_venta = {pv}\ncondicion_iva = "{cond}"\n'
        f'usertoken_env = "NO_USADA"\napikey_env = "NO_USADA"\napitoken_env = "NO_USADA"\n\n'
        for nombre, cuit, pv, cond in cuentas
    )
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def planilla(
    path: Path, cuentas: tuple[tuple[str, str, int, str], ...], n: int, fechas: tuple[date, ...]
) -> Path:
    """n comprobantes per account, spread evenly over `fechas`, two lines each (one for C)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    ws.append(list(NAMES))
    for i in range(n):
        fecha = fechas[i * len(fechas) // n]
        for k, (_nombre, cuit, pv, cond) in enumerate(cuentas):
            head = {
                "referencia": f"K{k}-{i:05d}",
                "fecha": fecha,
                "tipo": "FACTURA C" if cond == "M" else "FACTURA B",
                "punto_venta": pv,
                "emisor_cuit": cuit,
                "moneda": "PES",
                "cotizacion": 1,
                "condicion_pago": "201",
                "cliente_documento_tipo": "DNI",
                "cliente_documento_nro": "28033514",
                "cliente_razon_social": "Juana Pérez",
                "cliente_condicion_iva": "CF",
                "cliente_domicilio": "Mitre 100",
                "cliente_provincia": "1",
                "descripcion": "Lámpara LED 9W",
                "cantidad": 3,
                "precio_unitario": 1850.5,
                "alicuota_iva": "" if cond == "M" else "21",
            }
            ws.append([head.get(name) for name in NAMES])
            if cond != "M":
                line = {
                    "referencia": head["referencia"],
                    "descripcion": "Cable unipolar 2,5 mm",
                    "cantidad": 10,
                    "precio_unitario": 412.3,
                    "alicuota_iva": "10.5",
                }
                ws.append([line.get(name) for name in NAMES])
    wb.save(path)
    return path


@dataclass
class Medida:
    emision: float = 0.0  # seconds inside the service's "emitting" window
    total: float = 0.0  # the whole emitir(): read, validate, emit, results workbook
    pedidos: dict[str, int] = field(default_factory=dict)  # by API endpoint
    descargas: int = 0  # PDF downloads (not paced: not API requests)
    cpu: float = 0.0  # this process's CPU seconds in the emission window (client and sandbox)


class _Contados(TusFacturasClient):
    """The API client, counting its requests by endpoint (shared by the streams' threads)."""

    cuenta: Counter[str] = Counter()
    lock = threading.Lock()

    def _post(self, path: str, body: dict, read_timeout: float):  # noqa: ANN202
        with self.lock:
            self.cuenta[path.split("/")[-1]] += 1
        return super()._post(path, body, read_timeout)


def _puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _simulador_aparte(folder: Path, archivo: Path) -> Iterator[str]:
    port = _puerto_libre()
    cmd = [sys.executable, "-m", "importer", "sandbox", "--port", str(port), "--cuentas", str(archivo)]
    cmd += ["--fallas", "demora=0.02", "--verificar-totales", "--datos", str(folder / "sandbox")]
    cmd += ["--hoy", f"{HOY:%d/%m/%Y}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/app/api/v2"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _preparar(folder: Path, cuentas: tuple[tuple[str, str, int, str], ...], n: int, fechas: tuple[date, ...]):  # noqa: ANN202
    folder.mkdir(parents=True)
    return cuentas_toml(folder / "cuentas.toml", cuentas), planilla(folder / "mes.xlsx", cuentas, n, fechas)


def _emitir(folder: Path, archivo: Path, libro: Path, url: str, medida: Medida, **deps: Any) -> ExitCode:
    """`tf-import run LIBRO --sandbox --base-url URL --cuentas ARCHIVO`, timing the emission alone."""

    @contextmanager
    def cronometro(_total: int) -> Iterator[None]:
        start, cpu = time.perf_counter(), _cpu()
        try:
            yield
        finally:
            medida.emision = time.perf_counter() - start
            medida.cpu = _cpu() - cpu

    opciones = OpcionesEmision(
        datos=folder / "datos",
        sandbox=True,
        base_url=url,
        estado=folder / "registro.sqlite",
        pdf_dir=folder / "pdf",
        resultados=folder / "resultados.xlsx",
        hoy=HOY,
        rate=RATE,
        timeout=60,
        margen=5,
        cuentas=archivo,
    )
    dependencias = Dependencias(simulador=SimuladorIntegrado(), emitiendo=cronometro, ajustes=dict, **deps)
    start = time.perf_counter()
    resultado = emitir(libro, opciones, dependencias)
    medida.total = time.perf_counter() - start
    return resultado.codigo


def medir_aparte(
    folder: Path, cuentas: tuple[tuple[str, str, int, str], ...], n: int, fechas: tuple[date, ...]
) -> Medida:
    """The same emission against the simulator in its own process."""
    archivo, libro = _preparar(folder, cuentas, n, fechas)
    medida = Medida()
    _Contados.cuenta = Counter()
    with _simulador_aparte(folder, archivo) as url:
        codigo = _emitir(
            folder,
            archivo,
            libro,
            url,
            medida,
            cliente=lambda base, cred, t: _Contados(base, cred, timeout=t),
        )
    medida.pedidos = {k: v for k, v in _Contados.cuenta.items() if k != "topecf"}
    medida.descargas = medida.pedidos.get("nuevo", 0)  # one PDF per emission, not counted by _post
    assert codigo == ExitCode.OK, codigo
    assert medida.pedidos.get("nuevo") == n * len(cuentas), medida.pedidos
    return medida


def medir(
    folder: Path, cuentas: tuple[tuple[str, str, int, str], ...], n: int, fechas: tuple[date, ...]
) -> Medida:
    """One `tf-import run`-like emission of n comprobantes per account against a fresh sandbox."""
    archivo, libro = _preparar(folder, cuentas, n, fechas)
    medida = Medida()
    registradas = [emisor(cuit, pv, cond, nombre) for nombre, cuit, pv, cond in cuentas]
    with Sandbox(FaultPlan.parse("demora=0.02"), hoy=HOY, cuentas=registradas, check_totals=True) as sb:
        codigo = _emitir(folder, archivo, libro, sb.base_url, medida)
        medida.pedidos = {e.split("/")[-1]: sb.requests_count(e) for e in ENDPOINTS}
        medida.descargas = sb.requests_count() - sum(medida.pedidos.values())
        emitidos = sum(len(sb.comprobantes(e.credentials)) for e in registradas)
    assert codigo == ExitCode.OK, codigo
    assert emitidos == n * len(cuentas), emitidos
    return medida


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def mostrar(titulo: str, m: Medida, cuentas: int, n: int, fechas: int) -> float:
    total = cuentas * n
    pedidos = sum(m.pedidos.values())
    rate = total / m.emision
    # The pacer lets the first request go at once: k requests take (k - 1) intervals.
    techo = total / ((pedidos / cuentas - 1) / RATE)
    detalle = ", ".join(f"{k} {v}" for k, v in m.pedidos.items() if v)
    listados = m.pedidos.get("consulta_avanzada", 0)
    print(
        f"  {titulo}: {total} comprobantes en {m.emision:.1f} s = {rate:.2f} cbte/s "
        f"({100 * rate / techo:.1f} % del techo que fija el ritmo, {techo:.2f} cbte/s)"
    )
    print(f"    pedidos a la API: {pedidos} ({pedidos / total:.3f} por comprobante): {detalle}")
    print(
        f"    listados por fecha: {listados} = {listados / (cuentas * fechas):g} por cuenta y fecha "
        f"({cuentas} × {fechas}; uno antes de enviar y uno para verificar)"
    )
    print(f"    descargas de PDF (no cuentan para --rate): {m.descargas}")
    print(f"    CPU de este proceso (con el simulador, si corre en él) mientras emitía: {m.cpu:.1f} s")
    print(f"    proceso completo (leer, validar, emitir, libro de resultados): {m.total:.1f} s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("n", nargs="?", type=int, default=250, help="comprobantes por cuenta")
    parser.add_argument("--fechas", type=int, default=1, help="fechas distintas (hasta hoy)")
    parser.add_argument(
        "--simulador-aparte", action="store_true", help="el simulador en su propio proceso, como la API real"
    )
    args = parser.parse_args()
    medir_con = medir_aparte if args.simulador_aparte else medir
    n, fechas = args.n, tuple(HOY - timedelta(days=d) for d in range(args.fechas - 1, -1, -1))
    print(
        f"Varias cuentas a la vez: {n} comprobantes por cuenta en {len(fechas)} "
        f"{'fecha' if len(fechas) == 1 else 'fechas'}, --rate {RATE:g} por cuenta, "
        "20 ms de latencia del servidor"
        + (", simulador en otro proceso" if args.simulador_aparte else ", simulador en este proceso")
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sola = mostrar(
            "una cuenta sola", medir_con(folder / "sola", CUENTAS[:1], n, fechas), 1, n, len(fechas)
        )
        todas = medir_con(folder / "juntas", CUENTAS, n, fechas)
        juntas = mostrar(f"{len(CUENTAS)} cuentas a la vez", todas, len(CUENTAS), n, len(fechas))
    print(
        f"  Total agregado: {juntas:.2f} cbte/s (meta ≥ {GOAL:g}); una cuenta sola: {sola:.2f} cbte/s; "
        f"relación {juntas / sola:.2f}× (ideal {len(CUENTAS)}×)"
    )


if __name__ == "__main__":
    main()
