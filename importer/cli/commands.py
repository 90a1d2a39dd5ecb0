"""The `validate`, `run` and `status` commands: argparse's answers → the service's options → exit code.

Everything a command does lives in `importer.emision.servicio`; here we only translate the
arguments, print what the service says (stdout, or stderr for errors), and hand it the console's
progress bar, Ctrl-C handling and the local simulator.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from importer.cli.reanudar import resume_command
from importer.cli.simulador import SimuladorIntegrado
from importer.dominio.amounts import parse_pesos
from importer.dominio.errores import UsageError
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesEstado, OpcionesValidacion
from importer.emision.rutas import data_dir


def parse_amount_arg(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return parse_pesos(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def parse_date_arg(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"{option}: «{text}» no es una fecha dd/mm/aaaa") from None


def _print_error(text: str) -> None:
    print(text, file=sys.stderr)


def console() -> Dependencias:
    """The service's surroundings in a console: print, the real clock, the local simulator."""
    return Dependencias(on_message=print, on_error=_print_error, simulador=SimuladorIntegrado())


def ledger_option(args: argparse.Namespace) -> Path | None:
    """--estado, else TF_IMPORT_ESTADO for the real ledger (never the simulator's)."""
    if args.estado:
        return args.estado
    if not args.sandbox and os.environ.get("TF_IMPORT_ESTADO"):
        return Path(os.environ["TF_IMPORT_ESTADO"])
    return None


def validate_command(args: argparse.Namespace) -> int:
    from importer.emision.servicio import validar

    opciones = OpcionesValidacion(
        datos=data_dir(),
        reporte=args.reporte,
        hoy=parse_date_arg(args.hoy, "--hoy"),
        tope_cf=parse_amount_arg(args.tope_cf, "--tope-cf"),
        motor=args.motor,
        cuentas=args.cuentas,
    )
    return validar(args.planilla, opciones, console()).codigo


def run_command(args: argparse.Namespace) -> int:
    from importer.cli.progreso import ProgresoEnConsola
    from importer.emision.servicio import emitir

    datos = data_dir()
    opciones = OpcionesEmision(  # numeric options were checked (finite, in range) by the parser
        datos=datos,
        sandbox=args.sandbox,
        base_url=args.base_url,
        estado=ledger_option(args),
        pdf_dir=args.pdf_dir,
        resultados=args.resultados,
        hoy=parse_date_arg(args.hoy, "--hoy"),
        tope_cf=parse_amount_arg(args.tope_cf, "--tope-cf"),
        motor=args.motor,
        rate=args.rate,
        timeout=args.timeout,
        margen=args.margen,
        max_pausa=args.max_pausa,
        limit=args.limit,
        verificar_referencias=not args.sin_verificar_referencias,
        dry_run=args.dry_run,
        comando_reanudar=resume_command(args),
        cuentas=args.cuentas,
        cuenta=args.cuenta,
    )
    progreso = ProgresoEnConsola(datos)
    deps = dataclasses.replace(
        console(),
        on_progress=progreso.on_progress,
        on_account_progress=progreso.on_account_progress,
        emitiendo=progreso.emitiendo,
        should_stop=progreso.should_stop,
    )
    return emitir(args.planilla, opciones, deps).codigo


def status_command(args: argparse.Namespace) -> int:
    from importer.emision.servicio import estado

    opciones = OpcionesEstado(
        datos=data_dir(), sandbox=args.sandbox, estado=ledger_option(args), cuentas=args.cuentas
    )
    return estado(args.planilla, opciones, console()).codigo
