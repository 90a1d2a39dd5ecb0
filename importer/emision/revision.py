"""Reading and validating a planilla for every front end: the summary, the report workbook.

With servicio.py, the only modules of emision/ that import planilla/ and resultados/: they wire the
stages (read → validate → plan → emit → results workbook) that the rest of emision knows nothing
about. No argparse, no print, no global state: lines for the user go through `Dependencias`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from importer import __version__
from importer.dominio.archivos import fallback_file
from importer.dominio.comprobantes import Emision
from importer.dominio.errores import ExitCode, UsageError
from importer.emision.destinos import asignar, destinos_para_validar
from importer.emision.fce import FceDefaults, fce_defaults
from importer.emision.opciones import Dependencias, OpcionesValidacion
from importer.emision.rutas import refuse_over_input
from importer.planilla.reading import Planilla, read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from importer.resultados.results import OutputError, RunInfo, write_results

DEFAULT_TOPE_CF = Decimal("10000000")
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class Revisada:
    """A planilla read and validated against a given day."""

    planilla: Planilla
    validacion: Validacion
    hoy: date
    simulada: bool


@dataclass(frozen=True)
class ResultadoValidacion:
    codigo: ExitCode
    revisada: Revisada
    reporte: Path | None = None  # where the report was written


# --- validate ----------------------------------------------------------------------------------


def validar(planilla: Path, opciones: OpcionesValidacion, deps: Dependencias) -> ResultadoValidacion:
    """Read and validate; with `reporte`, write the workbook of every row's result."""
    started = ahora(deps)
    if opciones.reporte:
        refuse_over_input(opciones.reporte, planilla, "--reporte")
    settings = deps.ajustes()
    destinos = destinos_para_validar(opciones.cuentas, settings)
    revisada = revisar(
        planilla,
        deps,
        hoy=opciones.hoy,
        tope_cf=opciones.tope_cf,
        motor=opciones.motor,
        simulable=True,
        fce=destinos.fce_defaults(settings) if destinos else None,
    )
    if destinos is not None:  # with an accounts file, a comprobante without account is an error
        v, _, _ = asignar(revisada.validacion, destinos)
        revisada = dataclasses.replace(revisada, validacion=v)
    decir(deps, resumen(revisada))
    codigo = ExitCode.PROBLEMS if revisada.validacion.problems else ExitCode.OK
    if not opciones.reporte:
        return ResultadoValidacion(codigo, revisada)
    info = RunInfo(
        modo="VALIDACIÓN",
        inicio=started,
        fin=ahora(deps),
        version=__version__,
        planilla=revisada.planilla.path,
        planilla_sha256=revisada.planilla.sha256,
    )
    written = escribir_libro(
        opciones.reporte,
        revisada.validacion,
        None,
        info,
        opciones.datos,
        deps,
        "No se pudo escribir el reporte",
    )
    if written is None:
        return ResultadoValidacion(ExitCode.CANNOT_START, revisada)
    deps.on_message(f"Reporte: {written}")
    return ResultadoValidacion(codigo, revisada, written)


def revisar(
    planilla: Path,
    deps: Dependencias,
    *,
    hoy: date | None,
    tope_cf: Decimal | None,
    motor: str,
    simulable: bool,
    fce: FceDefaults | None = None,
) -> Revisada:
    """Read the planilla and validate it against Argentina's today (or a simulated one, for the
    simulator only: AFIP uses the real date)."""
    leida = read_planilla(planilla, engine=motor)
    if not simulable and (hoy or leida.fecha_simulada):
        if hoy:
            raise UsageError("--hoy solo se admite con --sandbox: AFIP usa la fecha real.")
        raise UsageError(
            f"{leida.path.name} es una planilla de ejemplo para el simulador (declara la fecha "
            f"simulada {leida.fecha_simulada:%d/%m/%Y}): úsela con --sandbox."
        )
    real = deps.reloj.hoy()
    dia = hoy or leida.fecha_simulada or real
    simulada = dia != real
    if simulada:
        origen = "--hoy" if hoy else "la planilla de ejemplo"
        deps.on_message(f"Fecha simulada: {dia:%d/%m/%Y} (indicada por {origen}).")
    # FCE defaults: the comprobante's account's over TF_IMPORT_FCE_* (environment and .env).
    defaults = fce or fce_defaults(deps.ajustes())
    validacion = validate_planilla(leida, hoy=dia, tope_cf=tope_cf or DEFAULT_TOPE_CF, fce_defaults=defaults)
    return Revisada(leida, validacion, dia, simulada)


def resumen(revisada: Revisada) -> list[str]:
    """The validation summary: counts, extra columns, the first errors."""
    v, p = revisada.validacion, revisada.planilla
    # Every referencia counts, also one whose comprobante could not be built; rows of no
    # comprobante are shown apart, so that Comprobantes = Válidos + Inválidos always.
    referencias, validos, sin_comprobante = v.referencias, len(v.validas), len(v.filas_sin_comprobante)
    lines = [
        f"Planilla: {p.path.name} (hoja {p.hoja})",
        f"Filas: {len(p.datos)} · Comprobantes: {len(referencias)} · Válidos: {validos} · "
        f"Inválidos: {len(referencias) - validos}"
        + (f" · Filas sin comprobante: {sin_comprobante}" if sin_comprobante else ""),
    ]
    if p.extras:
        lines.append(
            f"Columnas adicionales (se copian a los resultados, no se envían): {', '.join(p.extras)}"
        )
    if v.problems:
        lines.append(f"Errores ({len(v.problems)}):")
        lines += [f"  {problem}" for problem in v.problems[:MAX_ERRORS_SHOWN]]
        if len(v.problems) > MAX_ERRORS_SHOWN:
            lines.append(
                f"  … y {len(v.problems) - MAX_ERRORS_SHOWN} más (todos en el reporte: --reporte R.xlsx)."
            )
    return lines


def escribir_libro(
    path: Path,
    validacion: Validacion,
    emisiones: dict[str, Emision] | None,
    info: RunInfo,
    datos: Path,
    deps: Dependencias,
    failure: str,
) -> Path | None:
    """Write the workbook; when its folder refuses, under `<datos>/resultados/` (never lost).
    None when nothing could be written anywhere (`failure` opens the Spanish error)."""
    try:
        written = Path(write_results(path, validacion, emisiones, info))
    except OutputError as exc:
        fallback = fallback_file(datos / "resultados", Path(path).name)
        try:
            written = Path(write_results(fallback, validacion, emisiones, info))
        except OutputError as again:
            deps.on_error(f"Error: {failure} ni en {path} ({exc.reason}) ni en {fallback} ({again.reason}).")
            return None
        deps.on_message(
            f"Atención: no se pudo escribir {path} ({exc.reason}). El libro se guardó en {written}"
        )
        return written
    if written != Path(path):
        deps.on_message(
            f"Atención: {path} está abierto o bloqueado; los resultados se escribieron en {written}."
        )
    return written


def ahora(deps: Dependencias) -> datetime:
    """Argentina's wall time, naive: the workbook shows it as the user reads a clock there."""
    return deps.reloj.ahora().replace(tzinfo=None)


def decir(deps: Dependencias, lines: list[str]) -> None:
    for line in lines:
        deps.on_message(line)
