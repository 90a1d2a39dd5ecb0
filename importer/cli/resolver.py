"""`tf-import resolver REFERENCIA`: record what ARCA shows for a comprobante awaiting manual resolution.

A thin adapter: the arguments → `importer.emision.resolver` → printed lines and the exit code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from importer.dominio.errores import ExitCode, UsageError
from importer.emision.resolver import HallazgoArca, OpcionesResolucion, leer_cae, leer_fecha, leer_numero

EJEMPLO = (
    "Ejemplos:\n"
    "  tf-import resolver FA-0007 --emitido --numero 125 --cae 74123456789012 --vencimiento-cae 05/12/2026\n"
    "  tf-import resolver FA-0007 --no-emitido"
)


def add_resolver_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("referencia", metavar="REFERENCIA", help="la referencia del comprobante en duda")
    que = p.add_mutually_exclusive_group(required=True)
    que.add_argument(
        "--emitido",
        action="store_true",
        help="ARCA lo muestra emitido: indique --numero y --cae tal como figuran en Mis Comprobantes",
    )
    que.add_argument(
        "--no-emitido",
        action="store_true",
        help="ARCA no lo muestra: queda pendiente y la próxima ejecución lo envía",
    )
    p.add_argument("--numero", metavar="N", help="número del comprobante en ARCA, sin el punto de venta")
    p.add_argument("--cae", metavar="CAE", help="CAE que muestra ARCA (14 dígitos)")
    p.add_argument("--vencimiento-cae", metavar="dd/mm/aaaa", help="vencimiento del CAE (opcional)")
    p.add_argument(
        "--cuentas",
        type=Path,
        metavar="RUTA",
        help="archivo de cuentas (por defecto TF_IMPORT_CUENTAS o cuentas.toml de la carpeta de configuración)",
    )
    p.add_argument(
        "--cuenta", metavar="NOMBRE", help="la cuenta del comprobante, si la referencia está en varias"
    )
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    p.add_argument("--sandbox", action="store_true", help="resuelve en el registro del simulador")


def hallazgo_de(args: argparse.Namespace) -> HallazgoArca | None:
    """What the user found, checked for shape (exit 2 on a bad número, CAE or date)."""
    if args.no_emitido:
        sobran = [o for o, v in (("--numero", args.numero), ("--cae", args.cae)) if v is not None]
        if args.vencimiento_cae is not None:
            sobran.append("--vencimiento-cae")
        if sobran:
            raise UsageError(
                f"--no-emitido no lleva {', '.join(sobran)}: esos datos son de un comprobante emitido."
            )
        return None
    faltan = [o for o, v in (("--numero", args.numero), ("--cae", args.cae)) if v is None]
    if faltan:
        raise UsageError(f"--emitido necesita {' y '.join(faltan)}: cópielos de ARCA (Mis Comprobantes).")
    vence = leer_fecha(args.vencimiento_cae, "--vencimiento-cae") if args.vencimiento_cae else None
    return HallazgoArca(leer_numero(args.numero), leer_cae(args.cae), vence)


def resolver_command(args: argparse.Namespace) -> int:
    from importer.cli.commands import console, ledger_option
    from importer.emision.resolver import resolver
    from importer.emision.rutas import data_dir

    opciones = OpcionesResolucion(
        datos=data_dir(),
        referencia=args.referencia,
        hallazgo=hallazgo_de(args),
        sandbox=args.sandbox,
        estado=ledger_option(args),
        cuentas=args.cuentas,
        cuenta=args.cuenta,
    )
    for linea in resolver(opciones, console()).lineas():
        print(linea)
    return ExitCode.OK
