"""The month's job, for every front end: validate a planilla, emit it, show its status.

This module and revision.py (reading, validation, the report), and only they in emision/, also
import planilla/ and resultados/: they wire the stages (read → validate → route to accounts →
emit → results workbook) that the rest of emision knows nothing about. The command line and the
local web page (from a worker thread) call it: so no
argparse, no print, no signal handlers and no global state here. Lines for the user go through
`Dependencias.on_message` / `on_error`, progress through `on_progress`, a stop request comes from
`should_stop`, and time from one `Reloj` (AFIP judges dates in Argentina's time).
"""

from __future__ import annotations

import dataclasses
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from importer import __version__
from importer.dominio.archivos import same_file
from importer.dominio.comprobantes import Comprobante, Emision
from importer.dominio.errores import ExitCode, UsageError
from importer.dominio.formato import pesos
from importer.dominio.reloj import Reloj
from importer.emision import desenlace
from importer.emision import ledger as L
from importer.emision.api import DEFAULT_BASE_URL, tope_cf_de_la_api
from importer.emision.cuentas import con_guiones
from importer.emision.destinos import Destino, Destinos, asignar, base_url, buscador, cargar, segun_registro
from importer.emision.flujos import Flujo, emitir_flujos, pendientes, unir
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesEstado, OpcionesValidacion
from importer.emision.revision import (
    DEFAULT_TOPE_CF,
    MAX_ERRORS_SHOWN,
    ResultadoValidacion,
    Revisada,
    ahora,
    decir,
    escribir_libro,
    resumen,
    revisar,
    validar,
)
from importer.emision.runner import RunOptions, RunReport, emision_from_record
from importer.emision.rutas import (
    default_pdf_dir,
    default_results_path,
    ledger_path,
    refuse_over_input,
    usable_pdf_dir,
)
from importer.planilla.reading import read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from importer.resultados.results import RunInfo


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


# --- emit --------------------------------------------------------------------------------------


def emitir(planilla: Path, opciones: OpcionesEmision, deps: Dependencias) -> ResultadoEmision:
    """Validate the planilla and emit its valid comprobantes, exactly once, then write the results
    workbook. Failures to start raise a TfImportError (exit 2); everything else ends in the
    result's `codigo`."""
    o = opciones
    started = ahora(deps)
    settings = deps.ajustes()
    destinos = cargar(sandbox=o.sandbox, opcion=o.cuentas, settings=settings, simulador=deps.simulador)
    revisada = revisar(
        planilla,
        deps,
        hoy=o.hoy,
        tope_cf=o.tope_cf or _tope_cf(o, deps, destinos, settings),
        motor=o.motor,
        simulable=o.sandbox,
        fce=destinos.fce_defaults(settings),
    )
    is_results = revisada.planilla.hoja == "Resultados"
    results_path = o.resultados or default_results_path(planilla, is_results)
    if not is_results:  # only a results workbook is updated in place
        refuse_over_input(results_path, planilla, "--resultados")
    decir(deps, resumen(revisada))
    v, routing, avisos = asignar(revisada.validacion, destinos)
    if not destinos.varias:  # a nota needs its issuer's CUIT, which only the environment may lack
        v, mas = desenlace.notas_sin_cuit_emisor(v, destinos.destinos[0].cuit)
        avisos += mas
    decir(deps, avisos)
    elegidos = _elegidos(destinos, o.cuenta)
    revisada = dataclasses.replace(revisada, validacion=v)

    with ExitStack() as stack:
        url = base_url(
            destinos,
            opcion=o.base_url,
            dry_run=o.dry_run,
            settings=settings,
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
        routing, apartados = segun_registro(v.validas, routing, destinos, ledger)
        buscar = buscador(ledger, destinos, routing)
        por_cuenta = {
            d.account: [
                c for c in v.validas if routing.get(c.referencia) is d and c.referencia not in apartados
            ]
            for d in elegidos
        }
        if o.dry_run:
            lines = desenlace.plan(v, buscar) + _plan_por_cuenta(elegidos, por_cuenta, buscar, destinos)
            decir(deps, lines)
            return ResultadoEmision(ExitCode.OK, revisada, v, plan=lines)
        # Folders by issuer follow the accounts file (the same every run, whichever accounts run),
        # or, without one, the issuers this run bills.
        en_uso = (
            destinos.destinos
            if destinos.archivo
            else [d for d in elegidos if por_cuenta[d.account] or _dudas(ledger, d)]
        )
        cuits = {d.cuit for d in en_uso}
        pdf_dir = usable_pdf_dir(o.pdf_dir or default_pdf_dir(planilla, o.sandbox), o.datos, deps.on_message)
        flujos = [
            Flujo(
                d.nombre,
                RunOptions(
                    account=d.account,
                    timeout=o.timeout,
                    margin=o.margen,
                    rate=o.rate or None,
                    limit=o.limit,
                    max_pause=o.max_pausa,
                    pdf_dir=_carpeta_pdf(pdf_dir, d, cuits),
                    planilla=planilla.name,
                    cuit_emisor=d.cuit,
                    precheck=o.verificar_referencias,
                    otras_cuentas=frozenset(x.account for x in destinos.destinos if x is not d),
                    mismo_emisor=frozenset(
                        x.account for x in destinos.destinos if x is not d and x.cuit == d.cuit
                    ),
                ),
                deps.cliente(url, d.credentials, o.timeout),
                tuple(por_cuenta[d.account]),
            )
            for d in elegidos
            if por_cuenta[d.account] or _dudas(ledger, d)  # a stream also settles its doubts
        ]
        with deps.emitiendo(pendientes(flujos, ledger)):
            reports = emitir_flujos(
                flujos,
                ledger,
                progress=deps.on_progress,
                account_progress=deps.on_account_progress,
                reloj=deps.reloj,
                should_stop=deps.should_stop,
                limit=o.limit,
            )
        report = unir(reports, {f.opciones.account: f.nombre for f in flujos})
        for ref, d in apartados.items():
            report.notes.setdefault(ref, []).append(
                f"Se envió antes por {d.describir()} y quedó en duda: se verifica en esa cuenta y no se "
                "envía por otra. Cuando se resuelva, vuelva a ejecutar."
            )
        fuera = frozenset(ref for ref, d in routing.items() if d not in elegidos)
        return _results(results_path, o, deps, revisada, buscar, routing, report, started, fuera)


def _tope_cf(
    o: OpcionesEmision, deps: Dependencias, destinos: Destinos, settings: dict[str, str]
) -> Decimal | None:
    """AFIP's ceiling for anonymous consumidores finales as TusFacturas reports it today (one
    lookup, not billed), for a real run without --tope-cf; None keeps the documented default."""
    if o.sandbox or o.dry_run:
        return None
    url = o.base_url or settings.get("TUSFACTURAS_BASE_URL") or DEFAULT_BASE_URL
    tope = tope_cf_de_la_api(deps.cliente(url, destinos.destinos[0].credentials, o.timeout))
    if tope is not None:
        deps.on_message(f"Tope para consumidor final sin identificar (según TusFacturas): {pesos(tope)}.")
    return tope


def _carpeta_pdf(pdf_dir: Path, d: Destino, cuits: set[str | None]) -> Path:
    """One folder per issuer when the run bills for several CUITs: two issuers number their
    comprobantes independently, so `FACTURA_A_00001-00000001.pdf` exists once per CUIT."""
    return pdf_dir / con_guiones(d.cuit) if len(cuits) > 1 and d.cuit else pdf_dir


def _dudas(ledger: L.Ledger, d: Destino) -> bool:
    return bool(ledger.in_state(d.account, L.IN_DOUBT) or ledger.in_state(d.account, L.SENDING))


def _elegidos(destinos: Destinos, nombre: str | None) -> list[Destino]:
    """The accounts this run emits for: all, or the one `--cuenta` names."""
    if not nombre:
        return list(destinos.destinos)
    key = nombre.strip().casefold()
    found = [d for d in destinos.destinos if d.nombre.strip().casefold() == key]
    if not found:
        disponibles = (
            ", ".join(f"«{d.nombre}»" for d in destinos.destinos if d.nombre) or "ninguna con nombre"
        )
        raise UsageError(f"--cuenta {nombre}: no hay ninguna cuenta con ese nombre (hay: {disponibles}).")
    return found


def _plan_por_cuenta(
    elegidos: list[Destino],
    por_cuenta: dict[str, list[Comprobante]],
    buscar: desenlace.Buscar,
    destinos: Destinos,
) -> list[str]:
    if not destinos.varias:
        return []
    lines = ["  Por cuenta:"]
    for d in elegidos:
        comprobantes = por_cuenta[d.account]
        emitidos = sum(1 for c in comprobantes if (r := buscar(c.referencia)[0]) and r.state == L.EMITTED)
        lines.append(f"    {d.describir()}: a enviar {len(comprobantes) - emitidos}, ya emitidos {emitidos}")
    return lines


def _emision(ref: str, buscar: desenlace.Buscar, routing: dict[str, Destino], report: RunReport) -> Emision:
    """One comprobante as the results show it, with the account it belongs to."""
    record, cuit = buscar(ref)
    emision = emision_from_record(record, ref, report.notes.get(ref, []))
    destino = routing.get(ref)
    return dataclasses.replace(
        emision,
        cuenta=destino.nombre if destino else "",
        emisor_cuit=cuit or (destino.cuit if destino else "") or "",
    )


def _results(
    results_path: Path,
    o: OpcionesEmision,
    deps: Dependencias,
    revisada: Revisada,
    buscar: desenlace.Buscar,
    routing: dict[str, Destino],
    report: RunReport,
    started: datetime,
    fuera: frozenset[str] = frozenset(),
) -> ResultadoEmision:
    """The results workbook (rebuilt from the ledger) and the closing lines of a run."""
    v = desenlace.as_emitted(revisada.validacion, buscar, report.notes)
    emisiones = {ref: _emision(ref, buscar, routing, report) for ref in desenlace.referencias_de(v)}
    info = RunInfo(
        modo="SANDBOX" if o.sandbox else "PRODUCCIÓN",
        inicio=started,
        fin=ahora(deps),
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
    fin = desenlace.cierre(report, emisiones, v, written, o.comando_reanudar, fuera)
    decir(deps, fin.lineas)
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
    settings = deps.ajustes()
    destinos = cargar(
        sandbox=opciones.sandbox, opcion=opciones.cuentas, settings=settings, simulador=deps.simulador
    )
    leida = read_planilla(planilla)
    hoy = leida.fecha_simulada or deps.reloj.hoy()
    v = validate_planilla(
        leida, hoy=hoy, tope_cf=DEFAULT_TOPE_CF, fce_defaults=destinos.fce_defaults(settings)
    )
    v, routing, _ = asignar(v, destinos)
    path = ledger_path(opciones.estado, opciones.sandbox, opciones.datos)
    ledger = _open_ledger(path, deps.reloj, exclusive=False) if path.exists() else None
    try:
        if ledger is None:
            cuentas, atencion = desenlace.estado_de_planilla(v, lambda _ref: (None, None))
            por_cuenta: list[str] = []
        else:
            routing, _ = segun_registro(v.validas, routing, destinos, ledger)  # as `run` shows it
            buscar = buscador(ledger, destinos, routing)
            cuentas, atencion = desenlace.estado_de_planilla(v, buscar)
            por_cuenta = _estado_por_cuenta(v, destinos, routing, buscar)
    finally:
        if ledger:
            ledger.close()
    deps.on_message(
        f"Planilla: {leida.path.name} · Registro: {path}{' (simulador)' if opciones.sandbox else ''}"
    )
    deps.on_message(" · ".join(f"{k}: {n}" for k, n in cuentas.items()))
    decir(deps, por_cuenta)
    decir(deps, atencion[:MAX_ERRORS_SHOWN])
    return ResultadoEstado(ExitCode.OK, path, cuentas, atencion)


def _estado_por_cuenta(
    v: Validacion, destinos: Destinos, routing: dict[str, Destino], buscar: desenlace.Buscar
) -> list[str]:
    if not destinos.varias:
        return []
    lines = []
    for d in destinos.destinos:
        refs = [c.referencia for c in v.comprobantes if routing.get(c.referencia) is d]
        if not refs:
            continue
        counts: dict[str, int] = {}
        for ref in refs:
            record = buscar(ref)[0]
            estado = desenlace.ESTADO_DE.get(record.state, "PENDIENTE") if record else "PENDIENTE"
            counts[estado] = counts.get(estado, 0) + 1
        lines.append(f"  {d.describir()}: " + " · ".join(f"{k}: {n}" for k, n in sorted(counts.items())))
    return lines


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
