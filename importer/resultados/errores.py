"""The rows of the `Errores` sheet: what needs a human, in plain data.

Every validation problem (file-level first, then the rows of the main sheet, then those of the
Tributos sheet) and every answer that is not EMITIDO, each with its sheet, row, column and a hint
in Spanish. No openpyxl here: `hojas` gives them their place and the link to their cell.
"""

from __future__ import annotations

from typing import NamedTuple

from importer.dominio.comprobantes import EMITIDO, EN_DUDA, RECHAZADO
from importer.dominio.hints import api_error_code, hint_for_api_error, hint_for_problem
from importer.resultados.modelo import Outcome


class ErrorRow(NamedTuple):
    hoja: str  # the planilla's sheet the row is on ("" for file- or comprobante-wide problems)
    fila: int | None
    referencia: str
    columna: str
    codigo: str
    mensaje: str
    valor: object
    que_hacer: str
    nombre_columna: str = ""  # the column's name alone, to link the row to its cell


def error_rows(out: Outcome) -> list[ErrorRow]:
    """What needs a human: every problem and every answer that is not EMITIDO, file-level first,
    then the rows of the main sheet, then those of the Tributos sheet."""
    v = out.validacion
    rows: list[ErrorRow] = []
    for p in v.problems:
        columna = f"{p.letra} ({p.columna})" if p.letra and p.columna else p.columna or ""
        hoja = p.hoja or (v.planilla.hoja if p.fila is not None or p.columna else "")
        # The column-based hints are about the Comprobantes columns: a Tributos one gets its code's.
        hint = hint_for_problem(p.codigo, None if out.es_de_tributos(p) else p.columna)
        ref = out.referencia_de(p)
        if ref is None and out.es_de_tributos(p) and p.columna == "referencia" and isinstance(p.valor, str):
            ref = p.valor.strip()  # a referencia that is no comprobante: still what the row says
        rows.append(
            ErrorRow(hoja, p.fila, ref or "", columna, p.codigo, p.mensaje, p.valor, hint, p.columna or "")
        )
    for ref, filas in out.filas_por_ref.items():
        emision = (out.emisiones or {}).get(ref)
        if emision is None or emision.estado == EMITIDO:
            continue
        messages = list(emision.errores)
        if not messages and emision.estado == RECHAZADO:
            messages = ["TusFacturas rechazó el comprobante sin detallar el motivo."]
        if not messages and emision.estado == EN_DUDA:
            messages = ["Enviado, pero todavía no se sabe si quedó emitido."]
        fila = min(filas) if filas else None
        hoja = v.planilla.hoja if fila is not None else ""
        for message in messages:
            code = api_error_code(message)
            rows.append(ErrorRow(hoja, fila, ref, "", code, message, None, hint_for_api_error(message)))
    tributos = out.hoja_tributos
    rows.sort(key=lambda r: (r.fila is not None, tributos is not None and r.hoja == tributos, r.fila or 0))
    return rows
