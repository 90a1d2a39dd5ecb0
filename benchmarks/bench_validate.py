"""Validating a 100,000-row planilla, measured against a plain pandas read of the same file.

    python benchmarks/bench_validate.py [--rows N] [--keep DIR] [--repeat N] [--openpyxl]

Writes a workbook with every template column filled the messy way users fill them: numbers as
`1.234,56` text next to Excel numbers, dates as `dd/mm/aaaa` text next to Excel dates, tipos and
condiciones in lower case, percent-formatted discounts, header cells repeated on every line of a
comprobante (half of them notas de crédito, so the asociado columns are filled too) and about 1 %
of bad cells. A `Tributos` sheet adds 20,000 perception rows (`--tributos`) on those A
comprobantes (IIBB by province name, IVA RG 2408, amounts as text or numbers, alícuotas as `3`,
`3,5 %` or percent-formatted cells, the importe written or left empty; about 1 % of them bad: an
unknown referencia, a régimen of another tributo, an importe that does not match); each
comprobante's `total_control` includes its perceptions. Then, each in a fresh process so that every
peak RSS is its own:

- baseline: `pandas.read_excel(path, sheet_name=["Comprobantes", "Tributos"], engine="calamine",
  dtype=object)`: BOTH sheets, since validate reads both, so the comparison stays fair;
- validate: `read_planilla` (with its safety checks: zip, extent scan) + `validate_planilla`.

Two ratios are printed: the operation alone (imports done) and the whole process (interpreter,
imports and work: what a user waits for). Goals: validate ≤ 1.3× the baseline, peak RSS ≤ 400 MB.
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

from importer.dominio.amounts import compute_totals  # noqa: E402
from importer.dominio.documentos import cuit_check_digit  # noqa: E402
from importer.planilla.columnas_tributos import TRIBUTOS_NAMES, TRIBUTOS_SHEET  # noqa: E402
from importer.planilla.columns import NAMES  # noqa: E402

GOAL_RATIO = 1.3
GOAL_RSS_MB = 400
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


def _ar(value: Decimal) -> str:
    """1234.5 -> '1.234,50', the way an Argentine user types an amount as text."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _date(rng: random.Random, day: date) -> object:
    return day if rng.random() < 0.5 else day.strftime("%d/%m/%Y")


# One plausible mistake per column (the CUIT gets a wrong check digit).
MISTAKES = {
    "cliente_documento_nro": lambda v: str(v)[:-1] + str((int(str(v)[-1]) + 1) % 10),
    "fecha": lambda v: "31/02/2026",
    "cantidad": lambda v: "diez",
    "precio_unitario": lambda v: "-15",
    "alicuota_iva": lambda v: "22",
    "tipo": lambda v: "factura z",
    "cliente_condicion_iva": lambda v: "Responsable",
    "cliente_email": lambda v: "compras(at)ejemplo",
}


# (tributo, régimen) as people write them; each comprobante takes distinct ones.
PERCEPCIONES = (
    ("IIBB", "Buenos Aires"),
    ("iibb", "CABA"),
    ("Ingresos Brutos", "córdoba"),
    ("IIBB", "Santa Fe"),
    ("7", "16"),
    ("IVA", "RG 2408"),
    ("iva", "rg 2408"),
)
ALICUOTAS_PERCEPCION = (Decimal("3"), Decimal("2.5"), Decimal("1.5"), Decimal("3.5"), Decimal("0.75"))
# One plausible mistake per perception column (the referencia of no comprobante, a régimen of
# another tributo, an importe that does not match base × alícuota, an alícuota out of range).
MISTAKES_TRIBUTOS = {
    "referencia": lambda v: f"{v}-X",
    "regimen": lambda v: "RG 5329" if str(v).lower() not in ("rg 2408",) else "Mendoza",
    "importe": lambda v: "1,00",
    "alicuota": lambda v: "150",
}


def _percepciones(rng: random.Random, referencia: str, base: Decimal, count: int) -> list[dict]:
    rows = []
    for tributo, regimen in rng.sample(PERCEPCIONES, count):
        alicuota = rng.choice(ALICUOTAS_PERCEPCION)
        importe = compute_totals([(base * alicuota / 100, Decimal(1), "0", Decimal(0))], "C").total
        shown = rng.random()
        rows.append(
            {
                "referencia": referencia,
                "tributo": tributo,
                "regimen": regimen,
                "base_imponible": _ar(base) if rng.random() < 0.5 else float(base),
                # A percent-formatted cell (0.03 shown as 3 %), `3,5 %` as text, or a plain number.
                "alicuota": float(alicuota / 100)
                if shown < 0.4
                else f"{alicuota}".replace(".", ",") + " %"
                if shown < 0.7
                else float(alicuota),
                "importe": None if rng.random() < 0.5 else _ar(importe),
                "descripcion": f"Percepción {regimen}",
                "_percent": shown < 0.4,
                "_importe": importe,
            }
        )
    return rows


def _comprobante(
    rng: random.Random, number: int, clientes: list[tuple[str, str]], lines: int, percepciones: int = 0
) -> tuple[list[dict], list[dict]]:
    cuit, razon = rng.choice(clientes)
    fecha = HOY - timedelta(days=rng.randrange(5))
    nota = number % 2 == 0
    dolares = number % 10 == 0
    detalle = []
    for _ in range(lines):
        cantidad = rng.choice((Decimal(1), Decimal(2), Decimal(5), Decimal("2.5")))
        precio = Decimal(rng.randrange(100, 5_000_000)) / 100
        alicuota = rng.choice(("21", "21", "10.5", "27"))
        bonificacion = rng.choice((Decimal(0), Decimal(0), Decimal(5), Decimal("10.5")))
        detalle.append((cantidad, precio, alicuota, bonificacion))
    referencia = f"BENCH-{number:06d}"
    tributos = _percepciones(rng, referencia, compute_totals(detalle, "A").neto_gravado, percepciones)
    total = compute_totals(detalle, "A", [t["_importe"] for t in tributos]).total
    head = {
        "referencia": referencia,
        "fecha": _date(rng, fecha),
        "tipo": "nota de credito a" if nota else rng.choice(("factura a", "FACTURA A", "Factura A")),
        "punto_venta": 1 + number % 3,
        "moneda": "DOL" if dolares else "PES",
        "cotizacion": "1.012,5" if dolares else 1,
        "vencimiento": _date(rng, fecha + timedelta(days=30)),
        "periodo_desde": _date(rng, fecha.replace(day=1)),
        "periodo_hasta": _date(rng, fecha),
        "condicion_pago": rng.choice(("201", "Contado", "202")),
        "cliente_documento_tipo": rng.choice(("CUIT", "cuit")),
        "cliente_documento_nro": f"{cuit[:2]}-{cuit[2:10]}-{cuit[10]}" if number % 3 else cuit,
        "cliente_razon_social": razon,
        "cliente_condicion_iva": rng.choice(("RI", "responsable inscripto", "ri")),
        "cliente_domicilio": f"Calle {rng.randrange(1, 999)} N° {rng.randrange(1, 9999)}",
        "cliente_provincia": rng.choice(("1", "2", "Santa Fe", "córdoba")),
        "cliente_email": f"compras{number % 97}@ejemplo.com.ar, pagos@ejemplo.com.ar",
        "cliente_envia_por_mail": rng.choice(("N", "n", "S")),
        "leyenda_general": f"Según OC-{rng.randrange(1, 99999)}",
        "total_control": _ar(total) if number % 4 else float(total),
    }
    if nota:
        head.update(
            asociado_tipo="factura a",
            asociado_punto_venta=head["punto_venta"],
            asociado_numero=rng.randrange(1, 99999),
            asociado_fecha=_date(rng, fecha - timedelta(days=20)),
        )
    rows = []
    for cantidad, precio, alicuota, bonificacion in detalle:
        row = dict(head)  # header cells repeated on every line, as people paste them
        row.update(
            descripcion=f"Artículo {rng.randrange(1, 5000)} de ferretería",
            cantidad=float(cantidad) if rng.random() < 0.5 else _ar(cantidad),
            precio_unitario=float(precio) if rng.random() < 0.5 else _ar(precio),
            alicuota_iva=rng.choice((alicuota, f"{alicuota}%".replace(".", ","))),
            bonificacion_porcentaje=float(bonificacion / 100),  # shown as a percent (cell format)
            unidad_medida=rng.choice(("7", "unidades")),
            codigo_producto=f"ART-{rng.randrange(1, 5000):04d}",
            leyenda=f"Lote {rng.randrange(1, 999)}",
        )
        rows.append(row)
    return rows, tributos


def write_workbook(path: Path, rows: int, tributos: int = 20_000, seed: int = 7) -> tuple[int, int]:
    """A messy invoice workbook of `rows` line rows and about `tributos` perception rows; returns
    the numbers of bad cells planted in each sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rng = random.Random(seed)
    clientes = [(_cuit(rng), f"Cliente {i} SRL") for i in range(400)]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Comprobantes")
    ws.append(list(NAMES))
    percent_at = NAMES.index("bonificacion_porcentaje")
    bad_cells = written = number = 0
    percepciones: list[dict] = []
    while written < rows:
        number += 1
        lines = min(rng.choice((2, 3, 4)), rows - written)
        # As many perceptions as keep the sheet on course for `tributos` rows in all.
        expected = max(tributos - len(percepciones), 0) * lines / (rows - written)
        count = min(int(expected) + (rng.random() < expected - int(expected)), len(PERCEPCIONES))
        filas, nuevas = _comprobante(rng, number, clientes, lines, count)
        percepciones += nuevas
        for row in filas:
            if rng.random() < 0.01:  # one bad cell in about 1 % of the rows
                name = rng.choice(list(MISTAKES))
                row[name] = MISTAKES[name](row[name])
                bad_cells += 1
            cells: list[object] = [row.get(n) for n in NAMES]
            percent = WriteOnlyCell(ws, value=cells[percent_at])
            percent.number_format = "0.00%"
            cells[percent_at] = percent
            ws.append(cells)
            written += 1
    ws = wb.create_sheet(TRIBUTOS_SHEET)
    ws.append(list(TRIBUTOS_NAMES))
    alicuota_at = TRIBUTOS_NAMES.index("alicuota")
    bad_tributos = 0
    for row in percepciones:
        if rng.random() < 0.01:
            name = rng.choice(list(MISTAKES_TRIBUTOS))
            row[name] = MISTAKES_TRIBUTOS[name](row[name])
            row["_percent"] = row["_percent"] and name != "alicuota"
            bad_tributos += 1
        cells = [row.get(n) for n in TRIBUTOS_NAMES]
        if row["_percent"]:
            percent = WriteOnlyCell(ws, value=cells[alicuota_at])
            percent.number_format = "0.00%"
            cells[alicuota_at] = percent
        ws.append(cells)
    wb.save(path)
    return bad_cells, bad_tributos


_BASELINE = """
import json, sys, time
started = time.perf_counter()
import pandas as pd
imported = time.perf_counter()
frames = pd.read_excel(sys.argv[1], sheet_name=["Comprobantes", "Tributos"], engine="calamine", dtype=object)
done = time.perf_counter()
rows = {name: len(frame) for name, frame in frames.items()}
print(json.dumps({"import_s": imported - started, "work_s": done - imported, "rows": rows["Comprobantes"],
                  "tributos": rows["Tributos"]}))
"""


def phase(path: Path) -> dict[str, float]:
    """Run inside a child process: read + validate, its times and this process's peak RSS."""
    started = time.perf_counter()
    from importer.planilla.reading import read_planilla
    from importer.planilla.validation import validate_planilla

    imported = time.perf_counter()
    planilla = read_planilla(path)
    read = time.perf_counter()
    report = validate_planilla(planilla, hoy=HOY, tope_cf=Decimal("10000000"))
    done = time.perf_counter()
    return {
        "import_s": imported - started,
        "read_s": read - imported,
        "work_s": done - imported,
        "rows": float(len(planilla.datos)),
        "tributos": float(len(planilla.tributos.datos) if planilla.tributos is not None else 0),
        "problems": float(len(report.problems)),
        "comprobantes": float(len(report.comprobantes)),
    }


def run_child(command: list[str]) -> dict[str, float]:
    """One fresh process: its own report and its wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[1:3]} failed:\n{done.stderr[-2000:]}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "wall_s": wall}


def measure(path: Path, repeat: int, openpyxl: bool) -> dict[str, dict[str, float]]:
    """Best time of `repeat` runs of each, interleaved so a busy machine slows both alike."""
    here = str(Path(__file__).resolve())
    commands = {
        "baseline": [sys.executable, "-c", _BASELINE, str(path)],
        "validate": [sys.executable, here, "--phase", str(path)],
    }
    best: dict[str, dict[str, float]] = {}
    for _ in range(repeat):
        for name, command in commands.items():
            run = run_child(command)
            if name not in best or run["wall_s"] < best[name]["wall_s"]:
                best[name] = run
    # Peak RSS: one more run of each under a probe process whose only child it is (the kernel's
    # RUSAGE_CHILDREN keeps the largest child ever, so it cannot be read from here).
    for name, command in commands.items():
        probe = [sys.executable, here, "--peak", json.dumps(command)]
        best[name]["peak_rss_mb"] = json.loads(subprocess.check_output(probe, text=True))["peak_mb"]
    if openpyxl:
        command = [sys.executable, "-c", _BASELINE.replace('"calamine"', '"openpyxl"'), str(path)]
        best["openpyxl"] = run_child(command)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--tributos", type=int, default=20_000, help="perception rows (Tributos sheet)")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the generated workbook in")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (best time is shown)")
    parser.add_argument("--openpyxl", action="store_true", help="also time pandas' openpyxl reader")
    parser.add_argument("--phase", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--peak", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(phase(args.phase)))
        return 0
    if args.peak:
        subprocess.run(json.loads(args.peak), check=True, capture_output=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"peak_mb": peak / 2**20 if sys.platform == "darwin" else peak / 1024}))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"bench-messy-{args.rows}-{args.tributos}.xlsx"
        if not path.exists():
            started = time.perf_counter()
            bad, bad_tributos = write_workbook(path, args.rows, args.tributos)
            print(f"workbook: {args.rows:,} rows × {len(NAMES)} columns, {bad} bad cells; "
                  f"{args.tributos:,} perception rows, {bad_tributos} bad; "
                  f"{path.stat().st_size / 2**20:.1f} MB, written in {time.perf_counter() - started:.0f} s")  # fmt: skip
        else:
            print(f"workbook: {path} (reused)")
        runs = measure(path, args.repeat, args.openpyxl)
    base, val = runs["baseline"], runs["validate"]
    print(f"pandas.read_excel calamine : {base['work_s']:6.2f} s work, {base['wall_s']:6.2f} s process "
          f"(imports {base['import_s']:.2f} s), peak RSS {base['peak_rss_mb']:4.0f} MB")  # fmt: skip
    print(f"read + validate            : {val['work_s']:6.2f} s work, {val['wall_s']:6.2f} s process "
          f"(imports {val['import_s']:.2f} s, read {val['read_s']:.2f} s), peak RSS {val['peak_rss_mb']:4.0f} MB; "
          f"{val['problems']:.0f} problems, {val['comprobantes']:.0f} comprobantes, {val['tributos']:.0f} perception rows")  # fmt: skip
    if "openpyxl" in runs:
        print(f"pandas.read_excel openpyxl : {runs['openpyxl']['work_s']:6.2f} s work")
    work, process = val["work_s"] / base["work_s"], val["wall_s"] / base["wall_s"]
    verdict = "OK" if max(work, process) <= GOAL_RATIO else "NOT MET"
    print(
        f"ratio validate / pandas read: {work:.2f} work, {process:.2f} process (goal ≤ {GOAL_RATIO}: {verdict})"
    )
    peak = val["peak_rss_mb"]
    print(
        f"validate peak RSS = {peak:.0f} MB (goal ≤ {GOAL_RSS_MB} MB: {'OK' if peak <= GOAL_RSS_MB else 'NOT MET'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
