"""The perceptions and FCE part of the accounting model, in plain data (interface.md §8, §9).

What each row of the `Tributos` sheet became (its estado and its messages), what an agente de
percepción declares each month per régimen (IIBB per jurisdicción), and the Facturas de Crédito
Electrónica MiPyME emitted each month. Amounts are in pesos, notas de crédito subtracted and notas
de débito added, as the rest of the `Resumen`. No openpyxl here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from importer.dominio.amounts import ZERO, round_cents
from importer.dominio.comprobantes import EMITIDO, INVALIDO, VALIDO
from importer.dominio.tributos import IIBB, IVA, REGIMEN_BY_CODE
from importer.resultados.modelo import (
    ComprobanteOutcome,
    Outcome,
    mensaje_con_columna,
    otros_lugares,
)

_TRIBUTO_LABEL = {IVA: "Percepciones IVA", IIBB: "Percepciones IIBB"}
OTRAS = "Otras percepciones"  # the national ones (Ganancias, Bienes Personales, PAIS…)


def etiqueta_regimen(codigo: int) -> str:
    """`Percepciones IIBB — Buenos Aires`, `Percepciones IVA — RG 2408`, `Otras percepciones — Ganancias`."""
    regimen = REGIMEN_BY_CODE.get(codigo)
    if regimen is None:  # validation refuses unknown regímenes; shown as is rather than lost
        return f"Percepciones — régimen {codigo}"
    return f"{_TRIBUTO_LABEL.get(regimen.tributo, OTRAS)} — {regimen.nombre}"


# --- The Tributos sheet, row by row ---------------------------------------------------------------------


def estado_tributo(out: Outcome, fila: int) -> str:
    """Its comprobante's estado, or INVALIDO when the row itself is wrong (e.g. unknown referencia)."""
    ref = out.tributos_ref_por_fila.get(fila)
    if ref is not None and out.emitido(ref):
        return EMITIDO  # already a legal document, whatever the row says now (its messages say it)
    if fila in out.tributos_filas_invalidas:
        return INVALIDO
    if ref is None or ref not in out.filas_por_ref:
        return INVALIDO if out.tributos_por_fila.get(fila) else ""
    return out.estado_ref(ref, out.filas_por_ref[ref])


def errores_tributo(out: Outcome, fila: int, letras: Mapping[str, str] | None = None) -> str:
    """The row's own messages (columns named by their letter in `letras`, the sheet shown, when
    given); when its comprobante is not sent for other reasons, that too."""
    own = out.tributos_por_fila.get(fila, [])
    messages = [mensaje_con_columna(p, letras) for p in own]
    ref = out.tributos_ref_por_fila.get(fila)
    if ref is not None and ref in out.filas_por_ref:
        if out.estado_ref(ref, out.filas_por_ref[ref]) == INVALIDO:
            otros = otros_lugares(out, ref, fila)
            if otros or not own:
                where = f" ({otros})" if otros else ""
                messages.append(
                    f"El comprobante {ref} tiene errores en otras filas{where}: no se envía hasta que se "
                    "corrijan (vea la hoja Errores)."
                )
        emision = (out.emisiones or {}).get(ref)
        if emision is not None and emision.estado not in (EMITIDO, VALIDO):
            messages.extend(emision.errores)  # a rejection may be about this very perception
    return "; ".join(dict.fromkeys(m.strip() for m in messages if m and m.strip()))


# --- What the agente declares, and the FCE emitted --------------------------------------------------------


class Percibido(NamedTuple):
    base_imponible: Decimal
    importe: Decimal


def percepciones_por_periodo(emitidos: Iterable[ComprobanteOutcome]) -> dict[str, dict[int, Percibido]]:
    """Base and amount per month (mm/aaaa) and régimen, in pesos; notas de crédito subtracted.

    Each perception is converted on its own (its base and its amount, rounded to cents), as the
    agente declares them comprobante by comprobante. Months in date order, regímenes by code
    (IVA, then IIBB by jurisdicción, then the national ones).
    """
    out: dict[str, dict[int, Percibido]] = {}
    for cb in emitidos:
        if not cb.comprobante.tributos:
            continue
        periodo = out.setdefault(f"{cb.comprobante.fecha:%m/%Y}", {})
        for t in cb.comprobante.tributos:
            base, importe = periodo.get(t.regimen, Percibido(ZERO, ZERO))
            periodo[t.regimen] = Percibido(
                base + cb.signo * cb.pesos(t.base_imponible), importe + cb.signo * cb.pesos(t.importe)
            )
    return {p: dict(sorted(regs.items())) for p, regs in sorted(out.items(), key=_por_fecha)}


class FcePeriodo(NamedTuple):
    cantidad: int
    total: Decimal  # in pesos
    primer_vencimiento: date
    ultimo_vencimiento: date


def fce_por_periodo(emitidos: Iterable[ComprobanteOutcome]) -> dict[str, FcePeriodo]:
    """The FCE MiPyME facturas emitted per month: count, total in pesos and their payment due dates."""
    out: dict[str, FcePeriodo] = {}
    for cb in emitidos:
        c = cb.comprobante
        if not (c.es_fce and c.tipo_info.clase == "FACTURA"):
            continue
        periodo = f"{c.fecha:%m/%Y}"
        vence = c.vencimiento_efectivo
        prev = out.get(periodo)
        if prev is None:
            out[periodo] = FcePeriodo(1, cb.pesos(cb.total), vence, vence)
        else:
            out[periodo] = FcePeriodo(
                prev.cantidad + 1,
                round_cents(prev.total + cb.pesos(cb.total)),
                min(prev.primer_vencimiento, vence),
                max(prev.ultimo_vencimiento, vence),
            )
    return dict(sorted(out.items(), key=_por_fecha))


def _por_fecha(item: tuple[str, object]) -> str:
    return item[0][3:] + item[0]  # mm/aaaa: year first, then month
