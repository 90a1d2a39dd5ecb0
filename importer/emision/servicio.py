"""The month's job, for every front end: validate a planilla, emit it, show its status.

This module, and only it in emision/, also imports planilla/ and resultados/: it wires the stages
(read → validate → plan → emit → results workbook) that the rest of emision knows nothing about.
The command line calls it today, the local web page tomorrow (from a worker thread): so no
argparse, no print, no signal handlers and no global state here. Lines for the user go through
`Dependencias.on_message` / `on_error`, progress through `on_progress`, a stop request comes from
`should_stop`, and time from one `Reloj` (AFIP judges dates in Argentina's time).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from importer import __version__
from importer.dominio.archivos import fallback_file, same_file
from importer.dominio.comprobantes import Emision
from importer.dominio.errores import ExitCode, UsageError
from importer.dominio.reloj import Reloj
from importer.emision import desenlace
from importer.emision import ledger as L
from importer.emision.conexion import conectar, cuenta_para_estado
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesEstado, OpcionesValidacion
from importer.emision.runner import Runner, RunOptions, RunReport, emision_from_record
from importer.emision.rutas import (
    default_pdf_dir,
    default_results_path,
    ledger_path,
    refuse_over_input,
    usable_pdf_dir,
)
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


@dataclass(frozen=True)
class ResultadoEmision:
    codigo: ExitCode
    revisada: Revisada
    validacion: Validacion  # as the results show it (emitted comprobantes as they were sent)
    informe: RunReport | None = None  # None for a dry run
    emisiones: dict[str, Emision] = field(default_factory=dict)
    cuentas: dict[str, int] = field(default_factory=dict)  # per estado
    resultados: Path | None = None  # the workbook written; None if it could not be
    plan: list[str] = field(default_factory=list)  # a dry run's plan


@dataclass(frozen=True)
class ResultadoEstado:
    codigo: ExitCode
    registro: Path
    cuentas: dict[str, int]
    atencion: list[str]


# --- validate ----------------------------------------------------------------------------------


def validar(planilla: Path, opciones: OpcionesValidacion, deps: Dependencias) -> ResultadoValidacion:
    """Read and validate; with `reporte`, write the workbook of every row's result."""
    started = _ahora(deps)
    if opciones.reporte:
        refuse_over_input(opciones.reporte, planilla, "--reporte")
    revisada = revisar(
        planilla, deps, hoy=opciones.hoy, tope_cf=opciones.tope_cf, motor=opciones.motor, simulable=True
    )
    _say(deps, resumen(revisada))
    codigo = ExitCode.PROBLEMS if revisada.validacion.problems else ExitCode.OK
    if not opciones.reporte:
        return ResultadoValidacion(codigo, revisada)
    info = RunInfo(
        modo="VALIDACIÓN",
        inicio=started,
        fin=_ahora(deps),
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
    validacion = validate_planilla(leida, hoy=dia, tope_cf=tope_cf or DEFAULT_TOPE_CF)
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


# --- emit --------------------------------------------------------------------------------------


def emitir(planilla: Path, opciones: OpcionesEmision, deps: Dependencias) -> ResultadoEmision:
    """Validate the planilla and emit its valid comprobantes, exactly once, then write the results
    workbook. Failures to start raise a TfImportError (exit 2); everything else ends in the
    result's `codigo`."""
    o = opciones
    started = _ahora(deps)
    revisada = revisar(planilla, deps, hoy=o.hoy, tope_cf=o.tope_cf, motor=o.motor, simulable=o.sandbox)
    is_results = revisada.planilla.hoja == "Resultados"
    results_path = o.resultados or default_results_path(planilla, is_results)
    if not is_results:  # only a results workbook is updated in place
        refuse_over_input(results_path, planilla, "--resultados")
    _say(deps, resumen(revisada))
    v = revisada.validacion

    with ExitStack() as stack:
        conexion = conectar(
            sandbox=o.sandbox,
            base_url=o.base_url,
            dry_run=o.dry_run,
            settings=deps.ajustes(),
            simulador=deps.simulador,
            hoy=revisada.hoy,
            datos=o.datos,
            stack=stack,
        )
        if o.sandbox:
            deps.on_message("Modo SANDBOX: simulador local, los comprobantes no tienen validez fiscal.")
        path = ledger_path(o.estado, o.sandbox, o.datos)
        if same_file(results_path, path):
            raise UsageError(f"--resultados {results_path} es el registro de emisiones: elija otro nombre.")
        ledger = stack.enter_context(_open_ledger(path, deps.reloj))
        account = conexion.credentials.account_key()
        if o.dry_run:
            lines = desenlace.plan(v, ledger, account)
            _say(deps, lines)
            return ResultadoEmision(ExitCode.OK, revisada, v, plan=lines)
        pdf_dir = usable_pdf_dir(o.pdf_dir or default_pdf_dir(planilla, o.sandbox), o.datos, deps.on_message)
        run_options = RunOptions(
            account=account,
            timeout=o.timeout,
            margin=o.margen,
            rate=o.rate or None,
            limit=o.limit,
            max_pause=o.max_pausa,
            pdf_dir=pdf_dir,
            planilla=planilla.name,
            cuit_emisor=conexion.cuit_emisor,
            precheck=o.verificar_referencias,
        )
        client = deps.cliente(conexion.base_url, conexion.credentials, o.timeout)
        runner = Runner(
            v.validas,
            client,
            ledger,
            run_options,
            progress=deps.on_progress,
            reloj=deps.reloj,
            should_stop=deps.should_stop,
        )
        with deps.emitiendo(len(runner.to_send())):
            report = runner.run()
        return _results(
            results_path, o, deps, revisada, ledger, account, conexion.cuit_emisor, report, started
        )


def _results(
    results_path: Path,
    o: OpcionesEmision,
    deps: Dependencias,
    revisada: Revisada,
    ledger: L.Ledger,
    account: str,
    cuit_emisor: str | None,
    report: RunReport,
    started: datetime,
) -> ResultadoEmision:
    """The results workbook (rebuilt from the ledger) and the closing lines of a run."""
    v = desenlace.as_emitted(revisada.validacion, ledger, account, cuit_emisor, report.notes)
    emisiones = {
        ref: emision_from_record(ledger.get(account, ref), ref, report.notes.get(ref, []))
        for ref in desenlace.referencias_de(v)
    }
    info = RunInfo(
        modo="SANDBOX" if o.sandbox else "PRODUCCIÓN",
        inicio=started,
        fin=_ahora(deps),
        version=__version__,
        planilla=revisada.planilla.path,
        planilla_sha256=revisada.planilla.sha256,
        rate=o.rate,
        comando_reanudar=o.comando_reanudar,
        detenido=report.stop_reason or ("Interrumpido por el usuario" if report.interrupted else ""),
    )
    written = escribir_libro(
        results_path, v, emisiones, info, o.datos, deps, "Los resultados no se pudieron guardar"
    )
    fin = desenlace.cierre(report, emisiones, v, written, o.comando_reanudar)
    _say(deps, fin.lineas)
    codigo = fin.codigo
    if written is None and codigo != ExitCode.INTERRUPTED:
        deps.on_error(
            "Vuelva a ejecutar el mismo comando cuando se pueda escribir: lo ya emitido no se envía "
            f"de nuevo y el libro se rearma desde el registro. Para continuar: {o.comando_reanudar}"
        )
        codigo = ExitCode.STOPPED
    return ResultadoEmision(codigo, revisada, v, report, emisiones, fin.cuentas, written)


# --- status ------------------------------------------------------------------------------------


def estado(planilla: Path, opciones: OpcionesEstado, deps: Dependencias) -> ResultadoEstado:
    """Where each comprobante of the planilla stands, from the ledger alone (nothing is sent)."""
    leida = read_planilla(planilla)
    hoy = leida.fecha_simulada or deps.reloj.hoy()
    v = validate_planilla(leida, hoy=hoy, tope_cf=DEFAULT_TOPE_CF)
    credentials = cuenta_para_estado(opciones.sandbox, deps.ajustes(), deps.simulador)
    path = ledger_path(opciones.estado, opciones.sandbox, opciones.datos)
    ledger = _open_ledger(path, deps.reloj, exclusive=False) if path.exists() else None
    try:
        cuentas, atencion = desenlace.estado_de_planilla(v, ledger, credentials.account_key())
    finally:
        if ledger:
            ledger.close()
    deps.on_message(
        f"Planilla: {leida.path.name} · Registro: {path}{' (simulador)' if opciones.sandbox else ''}"
    )
    deps.on_message(" · ".join(f"{k}: {n}" for k, n in cuentas.items()))
    _say(deps, atencion[:MAX_ERRORS_SHOWN])
    return ResultadoEstado(ExitCode.OK, path, cuentas, atencion)


# --- helpers -----------------------------------------------------------------------------------


def _open_ledger(path: Path, reloj: Reloj, *, exclusive: bool = True) -> L.Ledger:
    try:
        return L.Ledger(path, exclusive=exclusive, reloj=reloj)
    except L.LedgerLocked:
        raise UsageError(
            f"El registro {path} está en uso por otra ejecución de tf-import. Espere a que termine "
            "(o use otro registro con --estado)."
        ) from None
    except L.LedgerError as exc:
        raise UsageError(str(exc)) from None


def _ahora(deps: Dependencias) -> datetime:
    """Argentina's wall time, naive: the workbook shows it as the user reads a clock there."""
    return deps.reloj.ahora().replace(tzinfo=None)


def _say(deps: Dependencias, lines: list[str]) -> None:
    for line in lines:
        deps.on_message(line)


__all__ = [
    "Dependencias",
    "OpcionesEmision",
    "OpcionesEstado",
    "OpcionesValidacion",
    "ResultadoEmision",
    "ResultadoEstado",
    "ResultadoValidacion",
    "Revisada",
    "emitir",
    "estado",
    "validar",
]
