"""How a run ends, in the user's words: the counts per estado, the exit code, what to do next.

Also what a run shows without sending: the --dry-run plan and the `status` counts, both read from
the ledger alone. Every function returns the lines to show; the front end decides where.
`validacion` is the planilla's validation (importer.planilla.validation.Validacion), used by its
attributes only, so this module needs nothing from planilla/.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importer.dominio.comprobantes import Emision
from importer.dominio.errores import ExitCode
from importer.dominio.problems import Problem
from importer.emision import ledger as L
from importer.emision.payload import build_payload, comprobante_from_payload, fingerprint
from importer.emision.run_state import RunReport

ESTADOS = ("EMITIDO", "RECHAZADO", "INVALIDO", "PENDIENTE", "EN_DUDA")

ESTADO_DE = {L.EMITTED: "EMITIDO", L.REJECTED: "RECHAZADO", L.IN_DOUBT: "EN_DUDA", L.SENDING: "EN_DUDA"}
# A referencia's ledger record (in the account it belongs to) and that account's issuer CUIT.
Buscar = Callable[[str], tuple[L.Record | None, str | None]]
MAX_SHOWN = 20


@dataclass(frozen=True)
class Cierre:
    codigo: ExitCode
    cuentas: dict[str, int]  # per estado of the results (EMITIDO, RECHAZADO, INVALIDO, …)
    lineas: list[str]  # what to tell the user, in order


def referencias_de(validacion: Any) -> list[str]:
    """Every referencia of the sheet in sheet order, also one whose comprobante could not be built."""
    return list(
        dict.fromkeys(
            [*(c.referencia for c in validacion.comprobantes), *validacion.referencia_por_fila.values()]
        )
    )


def cierre(
    report: RunReport,
    emisiones: dict[str, Emision],
    validacion: Any,
    written: Path | None,
    resume: str,
    fuera: frozenset[str] = frozenset(),
) -> Cierre:
    """The summary lines and exit code of a run (`resume`: the command that continues it;
    `fuera`: the referencias of accounts this run left out, with `--cuenta`)."""
    counts: dict[str, int] = {}
    otras = 0
    for referencia, emision in emisiones.items():
        if referencia in fuera and emision.estado != "EMITIDO":
            otras += 1
            continue
        invalid = referencia in validacion.invalidas and emision.estado != "EMITIDO"
        estado = "INVALIDO" if invalid else emision.estado
        counts[estado] = counts.get(estado, 0) + 1
    lines = [
        "Resultado: " + " · ".join(f"{k}: {counts.get(k, 0)}" for k in ESTADOS),
        f"Enviados en esta ejecución: {report.sent} · Resultados: {written or 'NO SE GUARDARON'}",
    ]
    if otras:
        lines.append(f"De otras cuentas (no incluidas con --cuenta): {otras}")

    def done(code: ExitCode, *more: str) -> Cierre:
        return Cierre(code, counts, lines + list(more))

    if report.interrupted:
        return done(ExitCode.INTERRUPTED, f"Interrumpido. Para continuar: {resume}")
    if report.stop_reason:
        return done(ExitCode.STOPPED, f"Detenido: {report.stop_reason}", f"Para continuar: {resume}")
    if report.unresolved:
        return done(
            ExitCode.STOPPED,
            f"Quedan {len(report.unresolved)} comprobantes en duda que no pudieron verificarse "
            f"({', '.join(report.unresolved[:5])}). Para continuar: {resume}",
        )
    if report.limit_reached:
        lines.append(f"Se alcanzó --limit. Para enviar los que faltan: {resume}")
    elif counts.get("PENDIENTE"):
        return done(
            ExitCode.STOPPED,
            f"Quedan {counts['PENDIENTE']} comprobantes pendientes. Para continuar: {resume}",
        )
    if counts.get("RECHAZADO") or counts.get("INVALIDO") or validacion.problems:
        return done(ExitCode.PROBLEMS)
    return done(ExitCode.OK)


SIN_CUIT_EMISOR = "nota.sin_cuit_emisor"
MENSAJE_SIN_CUIT_EMISOR = (
    "Las notas de crédito y débito informan en el comprobante asociado la CUIT del emisor, y no está "
    "configurada: defina TUSFACTURAS_CUIT (en el entorno o en el archivo .env) o la cuit de la cuenta "
    "en el archivo de cuentas, o complete la columna emisor_cuit. No se envió."
)


def notas_sin_cuit_emisor(validacion: Any, cuit_emisor: str | None) -> tuple[Any, list[str]]:
    """Every nota de crédito / débito carries the issuer's CUIT in its asociado (tusfacturas-api.md
    §3.7): without it (neither the account's nor the row's `emisor_cuit`) TusFacturas would refuse
    it, so it is INVALIDO and never sent. Returns the validation and the lines to show."""
    v = validacion
    if cuit_emisor:
        return v, []
    faltan = [c for c in v.validas if c.tipo_info.es_nota and not c.emisor_cuit]
    if not faltan:
        return v, []
    problems = list(v.problems)
    for c in faltan:
        problem = Problem(
            SIN_CUIT_EMISOR,
            MENSAJE_SIN_CUIT_EMISOR,
            fila=c.primera_fila,
            columna="emisor_cuit",
            letra=v.planilla.letra("emisor_cuit"),
            hoja=v.planilla.hoja,
            referencia=c.referencia,
        )
        # Keep the order of the list (by row): before the first later row of the same sheet.
        at = next(
            (
                i
                for i, p in enumerate(problems)
                if p.hoja in (None, v.planilla.hoja) and (p.fila or 0) > c.primera_fila
            ),
            len(problems),
        )
        problems.insert(at, problem)
    refs = {c.referencia for c in faltan}
    nombres = sorted(refs)
    lista = ", ".join(nombres[:MAX_SHOWN]) + (
        f" y {len(nombres) - MAX_SHOWN} más" if len(nombres) > MAX_SHOWN else ""
    )
    lines = [f"Notas sin la CUIT del emisor, no se envían ({lista}): {MENSAJE_SIN_CUIT_EMISOR}"]
    return dataclasses.replace(v, problems=problems, invalidas=v.invalidas | refs), lines


def as_emitted(validacion: Any, buscar: Buscar, notes: dict[str, list[str]]) -> Any:
    """The validation as the results must show it: a comprobante already emitted appears as it was
    sent (from the payload recorded in the ledger), even if its rows were edited or broken since."""
    v = validacion
    by_ref = {c.referencia: c for c in v.comprobantes}
    filas_por_ref: dict[str, list[int]] = {}
    for fila, ref in v.referencia_por_fila.items():
        filas_por_ref.setdefault(ref, []).append(fila)
    sent: dict[str, Any] = {}
    for ref in dict.fromkeys([*by_ref, *filas_por_ref]):
        record, cuit_emisor = buscar(ref)
        if record is None or record.state != L.EMITTED:
            continue
        current = by_ref.get(ref)
        emitted_fp = record.emitted_fingerprint or record.fingerprint
        if current is not None and fingerprint(build_payload(current, cuit_emisor=cuit_emisor)) == emitted_fp:
            continue
        filas = tuple(sorted(filas_por_ref.get(ref) or (current.filas if current else ())))
        try:
            sent[ref] = comprobante_from_payload(json.loads(record.payload), filas=filas)
        except (KeyError, ValueError, TypeError, ArithmeticError):
            continue  # an unreadable payload: the sheet's view is the best there is
        text = "El libro muestra lo que se emitió: los datos actuales de la hoja son distintos."
        if text not in notes.setdefault(ref, []):
            notes[ref].append(text)
    if not sent:
        return v
    comprobantes = [sent.pop(c.referencia, c) for c in v.comprobantes] + list(sent.values())
    return dataclasses.replace(v, comprobantes=comprobantes)


def plan(validacion: Any, buscar: Buscar) -> list[str]:
    """--dry-run: what would happen, from the ledger alone; no request at all."""
    v = validacion
    groups: dict[str, list[str]] = {"enviar": [], "emitidos": [], "duda": [], "reintentar": []}
    por_pv: dict[int, int] = {}
    for c in v.validas:
        record, _ = buscar(c.referencia)
        state = record.state if record else None
        if state == L.EMITTED:
            groups["emitidos"].append(c.referencia)
        elif state in (L.IN_DOUBT, L.SENDING):
            groups["duda"].append(c.referencia)
        else:
            groups["reintentar" if state == L.REJECTED else "enviar"].append(c.referencia)
            por_pv[c.punto_venta] = por_pv.get(c.punto_venta, 0) + 1
    a_enviar = f"  A enviar: {len(groups['enviar']) + len(groups['reintentar'])}"
    if por_pv:
        a_enviar += " (" + ", ".join(f"punto de venta {pv}: {n}" for pv, n in sorted(por_pv.items())) + ")"
    lines = ["Plan (--dry-run, no se envía nada):", a_enviar]
    if groups["reintentar"]:
        lines.append(f"    de ellos, rechazados antes que se reintentan: {len(groups['reintentar'])}")
    lines.append(f"  Ya emitidos (se omiten): {len(groups['emitidos'])}")
    lines.append(f"  En duda (se verifican antes de enviar): {len(groups['duda'])}")
    lines.append(f"  Inválidos (no se envían): {len(v.referencias) - len(v.validas)}")
    if v.filas_sin_comprobante:
        lines.append(f"  Filas sin comprobante (no se envían): {len(v.filas_sin_comprobante)}")
    return lines


def estado_de_planilla(validacion: Any, buscar: Buscar) -> tuple[dict[str, int], list[str]]:
    """`status`: the count per estado of every referencia of the sheet, and the lines of those that
    need attention (rejected or in doubt, with the reason)."""
    v = validacion
    counts = {"EMITIDO": 0, "RECHAZADO": 0, "PENDIENTE": 0, "EN_DUDA": 0, "INVALIDO": 0}
    attention: list[str] = []
    built = {c.referencia for c in v.comprobantes}
    for referencia in referencias_de(v):
        record, _ = buscar(referencia)
        state = record.state if record else None
        if state == L.EMITTED:
            estado = "EMITIDO"
        elif referencia in v.invalidas or referencia not in built:
            estado = "INVALIDO"
        else:
            estado = {L.REJECTED: "RECHAZADO", L.IN_DOUBT: "EN_DUDA", L.SENDING: "EN_DUDA"}.get(
                state or "", "PENDIENTE"
            )
        counts[estado] += 1
        if estado in ("RECHAZADO", "EN_DUDA") and record is not None:
            detail = "; ".join(record.error_list)[:160]
            if record.manual and record.state == L.IN_DOUBT:  # only a person can settle it
                detail = (
                    "espera resolución manual: búsquelo en ARCA (Mis Comprobantes) y registre lo que "
                    f"encuentre con tf-import resolver {referencia} --emitido --numero N --cae CAE, "
                    "o --no-emitido"
                )
            attention.append(f"  {referencia}: {estado}{' — ' + detail if detail else ''}")
    return counts, attention
