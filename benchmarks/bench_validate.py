"""Reading and validating a 100,000-row planilla: time and peak memory per phase.

    python benchmarks/bench_validate.py [--rows N] [--keep DIR]

Writes an invoice-like workbook (about 3 rows per comprobante, dates, decimals, CUITs as text,
about 1 % bad cells) in a temporary folder, then runs each phase in its own process so that each
peak RSS is that phase's own: read with calamine, read with openpyxl, read + validate.
Goals: validate < 2x the calamine read, peak RSS < 600 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importer.dominio.documentos import cuit_check_digit  # noqa: E402
from importer.planilla.columns import NAMES  # noqa: E402

GOAL_RATIO = 2.0
GOAL_RSS_MB = 600
HOY = date(2026, 11, 27)


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _cuit(rng: random.Random) -> str:
    while True:
        first10 = f"{rng.choice(('20', '27', '30', '33'))}{rng.randrange(10**8):08d}"
        digit = cuit_check_digit(first10)
        if digit is not None:
            return f"{first10}{digit}"


# One plausible mistake per column (the CUIT gets a wrong check digit).
MISTAKES = {
    "cliente_documento_nro": lambda v: str(v)[:-1] + str((int(str(v)[-1]) + 1) % 10),
    "fecha": lambda v: "31/02/2026",
    "cantidad": lambda v: "diez",
    "precio_unitario": lambda v: "-15",
    "alicuota_iva": lambda v: "22",
    "tipo": lambda v: "FACTURA Z",
    "cliente_condicion_iva": lambda v: "Responsable",
}


def write_workbook(path: Path, rows: int, seed: int = 7) -> int:
    """An invoice-like workbook of `rows` line rows; returns the number of bad cells planted."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    clientes = [(_cuit(rng), f"Cliente {i} SRL") for i in range(400)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Comprobantes")
    ws.append(list(NAMES))
    bad_cells = 0
    written = 0
    number = 0
    while written < rows:
        number += 1
        cuit, razon = rng.choice(clientes)
        fecha = HOY - timedelta(days=rng.randrange(5))
        head = {
            "referencia": f"BENCH-{number:06d}",
            "fecha": fecha if rng.random() < 0.8 else fecha.strftime("%d/%m/%Y"),
            "tipo": "FACTURA A",
            "punto_venta": 1 + number % 3,
            "condicion_pago": "201",
            "vencimiento": fecha + timedelta(days=30),
            "cliente_documento_tipo": "CUIT",
            "cliente_documento_nro": cuit,
            "cliente_razon_social": razon,
            "cliente_condicion_iva": "RI",
            "cliente_domicilio": f"Calle {rng.randrange(1, 999)} N° {rng.randrange(1, 9999)}",
            "cliente_provincia": rng.choice(("1", "2", "Santa Fe", "Córdoba")),
        }
        for line in range(min(rng.choice((2, 3, 4)), rows - written)):
            row = dict(head) if line == 0 else {"referencia": head["referencia"]}
            row.update(
                descripcion=f"Artículo {rng.randrange(1, 5000)} de ferretería",
                cantidad=rng.choice((1, 2, 5, 10, 2.5)),
                precio_unitario=Decimal(rng.randrange(100, 500_000)) / 100,
                alicuota_iva=rng.choice(("21", "21", "21", "10.5", "27")),
                codigo_producto=f"ART-{rng.randrange(1, 5000):04d}",
            )
            if rng.random() < 0.01 * len(row):  # about 1 % of the filled cells
                name = rng.choice([n for n in row if n in MISTAKES])
                row[name] = MISTAKES[name](row[name])
                bad_cells += 1
            ws.append([row.get(n) for n in NAMES])
            written += 1
    wb.save(path)
    return bad_cells


def phase(kind: str, path: Path, engine: str) -> dict[str, float]:
    """Run inside a child process: one phase, its time and this process's peak RSS."""
    from importer.planilla.reading import read_planilla

    started = time.perf_counter()
    planilla = read_planilla(path, engine=engine)
    result = {"read_s": time.perf_counter() - started, "rows": float(len(planilla.datos))}
    if kind == "validate":
        from importer.planilla.validation import validate_planilla

        started = time.perf_counter()
        report = validate_planilla(planilla, hoy=HOY, tope_cf=Decimal("10000000"))
        result["validate_s"] = time.perf_counter() - started
        result["problems"] = float(len(report.problems))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def run_phase(kind: str, path: Path, engine: str, repeat: int = 1) -> dict[str, float]:
    """Best time and worst peak of `repeat` fresh processes (the machine may be shared)."""
    runs = []
    for _ in range(repeat):
        command = [sys.executable, __file__, "--phase", kind, "--engine", engine, str(path)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"phase {kind}/{engine} failed:\n{done.stderr[-2000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r.get("validate_s", r["read_s"]))
    return {**best, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}


def validation_available() -> bool:
    try:
        from importer.planilla.validation import validate_planilla  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the generated workbook in")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast phases (best time is shown)")
    parser.add_argument("--phase", choices=("read", "validate"), help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="calamine", help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(phase(args.phase, args.path, args.engine)))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-{args.rows}.xlsx"
        started = time.perf_counter()
        bad = write_workbook(path, args.rows)
        print(f"workbook: {args.rows:,} rows, {bad} bad cells, {path.stat().st_size / 2**20:.1f} MB, "
              f"written in {time.perf_counter() - started:.1f} s")  # fmt: skip
        calamine = run_phase("read", path, "calamine", args.repeat)
        print(f"read calamine : {calamine['read_s']:6.2f} s   peak RSS {calamine['peak_rss_mb']:6.0f} MB")
        openpyxl = run_phase("read", path, "openpyxl")
        print(f"read openpyxl : {openpyxl['read_s']:6.2f} s   peak RSS {openpyxl['peak_rss_mb']:6.0f} MB   "
              f"({openpyxl['read_s'] / calamine['read_s']:.1f}x calamine)")  # fmt: skip
        peaks = [calamine["peak_rss_mb"], openpyxl["peak_rss_mb"]]
        if validation_available():
            validated = run_phase("validate", path, "calamine", args.repeat)
            ratio = validated["validate_s"] / calamine["read_s"]
            peaks.append(validated["peak_rss_mb"])
            print(f"validate      : {validated['validate_s']:6.2f} s   peak RSS {validated['peak_rss_mb']:6.0f} MB "
                  f"(read + validate), {validated['problems']:.0f} problems")  # fmt: skip
            print(f"validate / calamine read = {ratio:.2f}  (goal < {GOAL_RATIO:.0f}: "
                  f"{'OK' if ratio < GOAL_RATIO else 'NOT MET'})")  # fmt: skip
        else:
            print(
                "validate      : skipped (importer.planilla.validation.validate_planilla is not available yet)"
            )
        peak = max(peaks)
        print(f"peak RSS (worst phase) = {peak:.0f} MB  (goal < {GOAL_RSS_MB} MB: "
              f"{'OK' if peak < GOAL_RSS_MB else 'NOT MET'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
