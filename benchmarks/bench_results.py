"""Writing the results workbook for 100,000 rows / 30,000 comprobantes: time and peak memory.

    python benchmarks/bench_results.py [--rows 100000] [--comprobantes 30000] [--modo SANDBOX]
                                       [--writer plain]

The validation and emission objects are built synthetically (no reading, no validation): what is
measured is `write_results` alone. `--writer plain` measures the fallback used when the fast
writer fails (openpyxl's public API only). Peak memory is the process's maximum resident set size, shown
before and after writing, so the writer's own share is the difference.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from importer.dominio.comprobantes import (  # noqa: E402
    EMITIDO,
    EN_DUDA,
    RECHAZADO,
    Cliente,
    Comprobante,
    Emision,
    Linea,
)
from importer.dominio.problems import Problem  # noqa: E402
from importer.planilla.reading import Planilla  # noqa: E402
from importer.resultados import results  # noqa: E402
from importer.resultados.results import RunInfo, write_results  # noqa: E402

GOAL_SECONDS = 20.0
GOAL_MB = 400.0


@dataclass
class SyntheticValidacion:
    planilla: Planilla
    problems: list[Problem]
    comprobantes: list[Comprobante]
    referencia_por_fila: dict[int, str]
    invalidas: set[str] = field(default_factory=set)
    filas_invalidas: set[int] = field(default_factory=set)


def peak_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows: no getrusage
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def build(rows: int, n_comprobantes: int, folder: Path) -> tuple[SyntheticValidacion, dict[str, Emision]]:
    rng = random.Random(7)
    alicuotas = ("21", "10.5", "27", "0", "exento")
    per = [rows // n_comprobantes + (1 if i < rows % n_comprobantes else 0) for i in range(n_comprobantes)]
    columns: dict[str, list[object]] = {
        name: []
        for name in (
            "referencia",
            "fecha",
            "tipo",
            "punto_venta",
            "moneda",
            "cotizacion",
            "condicion_pago",
            "cliente_documento_tipo",
            "cliente_documento_nro",
            "cliente_razon_social",
            "cliente_condicion_iva",
            "cliente_domicilio",
            "cliente_provincia",
            "cliente_email",
            "descripcion",
            "cantidad",
            "precio_unitario",
            "alicuota_iva",
            "bonificacion_porcentaje",
            "codigo_producto",
            "vendedor",
        )
    }
    comprobantes: list[Comprobante] = []
    referencia_por_fila: dict[int, str] = {}
    fila = 2
    start = date(2025, 7, 1)
    for i, lines in enumerate(per):
        ref = f"2025-07-{i:06d}"
        fecha = start + timedelta(days=i % 28)
        tipo = "NOTA DE CREDITO A" if i % 20 == 0 else ("FACTURA B" if i % 3 == 0 else "FACTURA A")
        razon = f"=Cliente {i % 997} SRL" if i % 500 == 0 else f"Cliente {i % 997} SRL"
        cliente = Cliente("CUIT", "30698765433", razon, "RI" if tipo != "FACTURA B" else "CF")
        lineas = []
        for j in range(lines):
            cantidad = Decimal(rng.randint(1, 20))
            precio = Decimal(rng.randint(100, 500_000)) / 100
            alicuota = alicuotas[(i + j) % len(alicuotas)]
            code = {"exento": "-1"}.get(alicuota, alicuota)
            lineas.append(Linea(fila, f"Artículo {j} del pedido {i}", cantidad, precio, code))
            values = {
                "referencia": ref,
                "fecha": datetime.combine(fecha, datetime.min.time()) if j == 0 else None,
                "tipo": tipo if j == 0 else None,
                "punto_venta": 1 + i % 3,
                "moneda": "PES",
                "cotizacion": 1,
                "condicion_pago": "201",
                "cliente_documento_tipo": "CUIT",
                "cliente_documento_nro": "30698765433",
                "cliente_razon_social": razon,
                "cliente_condicion_iva": cliente.condicion_iva,
                "cliente_domicilio": "Av. Mitre 1234, Avellaneda",
                "cliente_provincia": "Buenos Aires",
                "cliente_email": "compras@ejemplo.com.ar",
                "descripcion": lineas[-1].descripcion,
                "cantidad": int(cantidad),
                "precio_unitario": float(precio),
                "alicuota_iva": alicuota,
                "bonificacion_porcentaje": 0,
                "codigo_producto": f"P-{j:04d}",
                "vendedor": "Ana",
            }
            for name, value in values.items():
                columns[name].append(value)
            referencia_por_fila[fila] = ref
            fila += 1
        comprobantes.append(
            Comprobante(ref, tuple(ln.fila for ln in lineas), fecha, tipo, 1 + i % 3, cliente, tuple(lineas))
        )
    datos = pd.DataFrame(columns, index=pd.Index(range(2, fila), name="fila"), dtype=object)
    invalid = {c.referencia for c in comprobantes[7::100]}
    problems = [
        Problem(
            "cuit.digito_verificador",
            "el dígito verificador es incorrecto (debería ser 3)",
            c.filas[0],
            "cliente_documento_nro",
            "I",
            "30698765432",
            referencia=c.referencia,
        )
        for c in comprobantes
        if c.referencia in invalid
    ]
    pdf_dir = folder / "pdf"
    emisiones: dict[str, Emision] = {}
    numeros: dict[tuple[int, str], int] = {}
    for i, c in enumerate(comprobantes):
        if c.referencia in invalid:
            continue
        if i % 97 == 0:
            emisiones[c.referencia] = Emision(
                c.referencia,
                RECHAZADO,
                errores=(
                    "TFC-8004 Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo B.",
                ),
            )
            continue
        if i % 331 == 0:
            emisiones[c.referencia] = Emision(c.referencia, EN_DUDA, errores=("AFIP No devolvio el CAE",))
            continue
        key = (c.punto_venta, c.tipo)
        numeros[key] = numero = numeros.get(key, 0) + 1
        nro = f"{c.punto_venta:05d}-{numero:08d}"
        emisiones[c.referencia] = Emision(
            c.referencia,
            EMITIDO,
            nro,
            numero,
            f"7{i:013d}",
            c.fecha + timedelta(days=10),
            pdf=str(pdf_dir / f"{c.tipo_info.abreviatura}_{nro}.pdf"),
        )
    planilla = Planilla(
        folder / "julio.xlsx",
        "Comprobantes",
        datos,
        {c: c for c in datos.columns},
        ("vendedor",),
        "0" * 64,
        None,
        {c: c for c in datos.columns},
    )
    validacion = SyntheticValidacion(
        planilla,
        problems,
        comprobantes,
        referencia_por_fila,
        invalid,
        {p.fila for p in problems if p.fila is not None},
    )
    return validacion, emisiones


def _unavailable() -> None:
    raise ImportError("fast writer disabled by --writer plain")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--comprobantes", type=int, default=30_000)
    parser.add_argument("--modo", default="PRODUCCIÓN", choices=("PRODUCCIÓN", "SANDBOX", "VALIDACIÓN"))
    parser.add_argument("--writer", default="fast", choices=("fast", "plain"))
    args = parser.parse_args()
    if args.writer == "plain":
        results._fast_book = _unavailable  # type: ignore[assignment] - as when openpyxl's internals moved
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        validacion, emisiones = build(args.rows, args.comprobantes, folder)
        built = time.perf_counter() - t0
        before = peak_mb()
        info = RunInfo(
            args.modo, datetime.now(), datetime.now(), "bench", folder / "julio.xlsx", "0" * 64, 2.0
        )
        t0, c0 = time.perf_counter(), time.process_time()
        written = write_results(
            folder / "julio-resultados.xlsx",
            validacion,
            None if args.modo == "VALIDACIÓN" else emisiones,
            info,
        )
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = peak_mb()
        size = written.stat().st_size / 2**20
    print(f"rows={args.rows:,} comprobantes={args.comprobantes:,} modo={args.modo} writer={args.writer}")
    print(f"synthetic objects built in {built:.1f} s")
    verdict = "OK" if seconds < GOAL_SECONDS else "OVER"
    print(
        f"write_results: {seconds:.1f} s wall, {cpu:.1f} s CPU (goal < {GOAL_SECONDS:.0f} s: {verdict}), "
        f"file {size:.1f} MB"
    )
    if before is None or after is None:
        print("peak memory: not available on this platform")
    else:
        verdict = "OK" if after < GOAL_MB else "OVER"
        print(
            f"peak RSS: {after:.0f} MB (goal < {GOAL_MB:.0f} MB: {verdict}); before writing {before:.0f} MB, "
            f"writer's share about {after - before:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
