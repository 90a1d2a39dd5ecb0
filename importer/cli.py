"""Command line: parses arguments, calls the core, prints, maps outcomes to exit codes.

Nothing here knows about Excel, HTTP or SQLite; each subcommand is a thin adapter.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from importer import __version__
from importer.problems import PlanillaError

logger = logging.getLogger("importer")


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # invalid rows or rejected comprobantes
    CANNOT_START = 2  # bad arguments, unreadable workbook, missing credentials, ledger locked
    STOPPED = 3  # resumable stop: AFIP down, maintenance, account error, unreconciled doubt
    INTERRUPTED = 130


class UsageError(Exception):
    """A problem with what the user asked for (exit 2). Spanish message."""


def _cmd_template(args: argparse.Namespace) -> int:
    from importer.template import write_template

    if args.salida.exists() and not args.forzar:
        raise UsageError(f"{args.salida} ya existe: elija otro nombre o use --forzar para reemplazarlo.")
    write_template(args.salida)
    print(f"Plantilla escrita en {args.salida}")
    return ExitCode.OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from importer.commands import validate_command

    return validate_command(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from importer.commands import run_command

    return run_command(args)


def _cmd_status(args: argparse.Namespace) -> int:
    from importer.commands import status_command

    return status_command(args)


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from importer.sandbox.cli import sandbox_command

    return sandbox_command(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tf-import",
        description="Emite comprobantes electrónicos desde una planilla Excel con la API de TusFacturas.app.",
        epilog="Ejemplo: tf-import run data/ejemplo.xlsx --sandbox",
    )
    parser.add_argument("--version", action="version", version=f"tf-import {__version__}")
    parser.add_argument("--debug", action="store_true", help="muestra detalles internos (sin credenciales)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")

    p = sub.add_parser(
        "template",
        help="escribe la planilla modelo en blanco",
        epilog="Ejemplo: tf-import template comprobantes.xlsx",
    )
    p.add_argument("salida", type=Path, metavar="SALIDA.xlsx")
    p.add_argument("--forzar", action="store_true", help="reemplaza SALIDA.xlsx si ya existe")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser(
        "validate",
        help="revisa la planilla sin enviar nada",
        epilog="Ejemplo: tf-import validate julio.xlsx --reporte julio-reporte.xlsx",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument(
        "--reporte", type=Path, metavar="R.xlsx", help="escribe un libro con el resultado de cada fila"
    )
    _add_validation_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="valida y emite los comprobantes válidos",
        epilog="Ejemplo: tf-import run julio.xlsx --sandbox",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument(
        "--resultados",
        type=Path,
        metavar="R.xlsx",
        help="libro de resultados (por defecto <planilla>-resultados.xlsx)",
    )
    p.add_argument(
        "--sandbox", action="store_true", help="usa el simulador local de TusFacturas (sin validez fiscal)"
    )
    p.add_argument(
        "--base-url", metavar="URL", help="URL de la API (por defecto TUSFACTURAS_BASE_URL o la oficial)"
    )
    p.add_argument(
        "--rate", type=float, default=2.0, metavar="N", help="máximo de pedidos por segundo (por defecto 2)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=180.0,
        metavar="S",
        help="segundos de espera por cada emisión (por defecto 180; AFIP puede tardar 90)",
    )
    p.add_argument(
        "--sin-verificar-referencias",
        action="store_true",
        help="no consulta en TusFacturas cada referencia nueva antes de su primer envío (más rápido, "
        "menos seguro si se perdió el registro)",
    )
    p.add_argument("--dry-run", action="store_true", help="muestra el plan sin enviar nada")
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    p.add_argument(
        "--pdf-dir", type=Path, metavar="DIR", help="carpeta de los PDF (por defecto <planilla>-pdf/)"
    )
    p.add_argument("--limit", type=int, metavar="N", help="envía como máximo N comprobantes en esta corrida")
    p.add_argument(
        "--margen",
        type=float,
        default=60.0,
        metavar="S",
        help="segundos que se suman a --timeout antes de dar por no emitido un comprobante en duda "
        "(por defecto 60)",
    )
    p.add_argument(
        "--max-pausa",
        type=float,
        default=1800.0,
        metavar="S",
        help="pausa máxima esperando que AFIP o TusFacturas vuelvan (por defecto 1800 s)",
    )
    _add_validation_options(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "status",
        help="muestra el estado de los comprobantes de una planilla",
        epilog="Ejemplo: tf-import status julio.xlsx",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument("--sandbox", action="store_true", help="consulta el registro del simulador")
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser(
        "sandbox",
        help="ejecuta el simulador local de TusFacturas",
        epilog="Ejemplo: tf-import sandbox --port 8080",
    )
    from importer.sandbox.cli import add_sandbox_arguments

    add_sandbox_arguments(p)
    p.set_defaults(func=_cmd_sandbox)
    return parser


def _add_validation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hoy",
        metavar="dd/mm/aaaa",
        help="fecha de referencia para la ventana de fechas de AFIP (solo validate y --sandbox)",
    )
    p.add_argument(
        "--tope-cf",
        type=str,
        metavar="MONTO",
        help="tope en pesos para consumidor final sin identificar (por defecto 10.000.000)",
    )
    p.add_argument(
        "--motor",
        choices=("calamine", "openpyxl"),
        default="calamine",
        help="lector de Excel (por defecto calamine, el más rápido)",
    )


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (tests and tools swap it)."""

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(debug: bool) -> None:
    """Console logging for the `importer` logger only, secrets masked, no traceback noise."""
    from importer.secrets import SecretFilter

    handler = StderrHandler()
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(SecretFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.debug)
    try:
        return int(args.func(args))
    except PlanillaError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.CANNOT_START
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return ExitCode.CANNOT_START
    except KeyboardInterrupt:
        print("Interrumpido por el usuario.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # last resort: never a traceback unless --debug
        if args.debug:
            raise
        from importer.secrets import mask_secrets

        print(f"Error inesperado: {mask_secrets(str(exc))}. Use --debug para más detalles.", file=sys.stderr)
        return ExitCode.CANNOT_START
