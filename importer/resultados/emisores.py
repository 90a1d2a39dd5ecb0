"""Who issued each comprobante, and what TusFacturas recorded for it, in plain data.

Several accounts in one run (interface.md §10): the account (name and CUIT) each comprobante went
to, and the emitted ones grouped per issuer CUIT — each CUIT files its own IVA and perceptions
return, so the `Resumen` gives their figures apart. After the run, TusFacturas' own listing is
checked (`emision/verificacion.py`): each emitted comprobante is «ok», carries the difference
found, or is still «pendiente»; where TusFacturas holds another total, that is the figure shown
(the accountant's numbers are AFIP's). No openpyxl here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from importer.dominio.comprobantes import EMITIDO, Emision
from importer.dominio.formato import pesos
from importer.resultados.modelo import ComprobanteOutcome, Outcome

VERIFICADO = "ok"  # `Emision.verificacion` when TusFacturas holds what was sent
PENDIENTE = "pendiente"  # emitted, not verified yet (the listing failed, or no verification ran)


def cuit_con_guiones(cuit: str) -> str:
    """`30712345678` → `30-71234567-8`; anything else as it is."""
    return f"{cuit[:2]}-{cuit[2:10]}-{cuit[10:]}" if len(cuit) == 11 and cuit.isdigit() else cuit


def muestra_emisor(emisiones: Iterable[Emision | None]) -> bool:
    """Whether the issuer columns are worth showing: some comprobante has an account name or CUIT
    (a run with only the environment's account and no known CUIT gets no empty columns)."""
    return any(e is not None and (e.cuenta or e.emisor_cuit) for e in emisiones)


class Emisor(NamedTuple):
    cuit: str  # with dashes; "" when not known
    cuentas: tuple[str, ...]  # the names of its accounts in this run, in order of appearance
    emitidos: list[ComprobanteOutcome]


def por_emisor(out: Outcome) -> list[Emisor] | None:
    """The emitted comprobantes per issuer CUIT (sorted, an unknown one last), when the run has
    comprobantes of more than one CUIT; None when it has one (the `Resumen` stays as one)."""
    cuits: dict[str, list[str]] = {}
    for cb in out.por_ref.values():
        e = cb.emision
        if e is None:
            continue
        nombres = cuits.setdefault(e.emisor_cuit, [])
        if e.cuenta and e.cuenta not in nombres:
            nombres.append(e.cuenta)
    if len([c for c in cuits if c]) < 2:
        return None
    emitidos: dict[str, list[ComprobanteOutcome]] = {cuit: [] for cuit in cuits}
    for cb in out.emitidos():
        emitidos[cb.emision.emisor_cuit if cb.emision else ""].append(cb)
    orden = sorted(cuits, key=lambda cuit: (cuit == "", cuit))
    return [
        Emisor(cuit_con_guiones(c), tuple(cuits[c]), emitidos[c])
        for c in orden
        if c or emitidos[c]  # comprobantes of no account: only when some of them were emitted
    ]


# --- TusFacturas' own figures --------------------------------------------------------------------------


def diferencia(e: Emision | None) -> str:
    """What the verification found different in TusFacturas (Spanish), or ""."""
    if e is None or e.estado != EMITIDO or e.verificacion in ("", VERIFICADO):
        return ""
    return e.verificacion


def verificacion(cb: ComprobanteOutcome) -> str:
    """The `Verificación` of an emitted comprobante: «ok», the difference, or «pendiente»."""
    e = cb.emision
    if cb.estado != EMITIDO or e is None:
        return ""
    return e.verificacion or PENDIENTE


def nota_total(cb: ComprobanteOutcome, en_pesos: bool = False) -> str:
    """The note of a total that is TusFacturas' figure rather than the one calculated here."""
    if cb.total == cb.totales.total:
        return ""
    if en_pesos:
        ours, theirs = pesos(cb.pesos(cb.totales.total)), pesos(cb.pesos(cb.total))
    else:
        moneda = cb.comprobante.moneda
        ours, theirs = pesos(cb.totales.total, moneda), pesos(cb.total, moneda)
    return f"Calculado por tf-import: {ours}; TusFacturas registra {theirs}."


def cuenta_verificaciones(out: Outcome) -> tuple[int, int]:
    """How many emitted comprobantes TusFacturas shows differently, and how many are not verified yet."""
    diferentes = pendientes = 0
    for cb in out.emitidos():
        estado = verificacion(cb)
        diferentes += estado not in ("", VERIFICADO, PENDIENTE)
        pendientes += estado == PENDIENTE
    return diferentes, pendientes
