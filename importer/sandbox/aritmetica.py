"""The simulator's own arithmetic of a comprobante, in whole centavos.

Written apart from the client's `importer.dominio.amounts` on purpose: the sandbox checks the client's
totals, so it must not share the client's mistakes. Lines stay exact fractions; each amount AFIP
receives is rounded once, half to even (ARCA's criterion, afip-rules.md §5.2):

    line net     = cantidad × precio × (100 − bonificación %) / 100      (exact)
    net[r]       = round(Σ line nets with alícuota r)                      AlicIva.BaseImp, 2 decimals
    iva[r]       = round(net[r] × rate r / 100)                            AlicIva.Importe
    total        = Σ net[r] + Σ iva[r]   (+ tributos and impuestos internos, as sent)

tusfacturas-api.md §9.3 leaves per-line vs per-group rounding open ("rounding once per group
reproduces all docs examples"), so nets are rounded per alícuota group. Its formula does not say
whether IVA is taken on the exact or the rounded net; AFIP does: error 10051 compares each
AlicIva.Importe with BaseImp × rate, and afip-rules.md §5.2 computes IVA on that 2-decimal base.
Taking it on the exact net instead drifts up to a cent per alícuota, so a three-alícuota total
can be 0.03 off. A global `bonificacion` (2 decimals) comes off the first gravada net (21 %, else
27 %, else 10.5 %) before its IVA is taken; with no gravada net it comes off the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from importer.sandbox.tablas import ALICUOTAS, BONIFICACION_ORDER, EXENTO, NO_GRAVADO

Amount = Decimal | int | str
# Letters whose prices are final: no IVA is added (C: monotributo/exento issuer; E: export).
SIN_IVA = frozenset({"C", "E"})


def exact(value: Amount) -> Fraction:
    return Fraction(Decimal(value))


def to_centavos(value: Fraction) -> int:
    """Round half to even to whole centavos (`round` on a Fraction is already half-even)."""
    return round(value * 100)


def as_pesos(centavos: int) -> Decimal:
    return Decimal(centavos).scaleb(-2)


def line_net(cantidad: Amount, precio: Amount, bonificacion_pct: Amount = 0) -> Fraction:
    return exact(cantidad) * exact(precio) * (100 - exact(bonificacion_pct)) / 100


def percepcion(base: Amount, alicuota_pct: Amount) -> int:
    """A perception's amount in centavos: base × alícuota / 100, rounded once, half to even."""
    return to_centavos(exact(base) * exact(alicuota_pct) / 100)


@dataclass(frozen=True)
class Totales:
    """The comprobante's amounts in centavos, one entry per alícuota code present."""

    neto: dict[str, int] = field(default_factory=dict)  # every code: gravadas, "0", "-1", "-2"
    iva: dict[str, int] = field(default_factory=dict)  # gravadas only
    total: int = 0

    @property
    def total_pesos(self) -> Decimal:
        return as_pesos(self.total)

    @property
    def gravados(self) -> list[str]:
        """Codes with IVA, highest rate first (the order the PDF lists them in)."""
        return sorted(self.iva, key=lambda c: ALICUOTAS[c], reverse=True)

    @property
    def exento(self) -> int:
        return self.neto.get(EXENTO, 0)

    @property
    def no_gravado(self) -> int:
        return self.neto.get(NO_GRAVADO, 0)


def compute(
    lines: Iterable[tuple[Amount, Amount, str, Amount]],
    letra: str,
    *,
    bonificacion: Amount = 0,
) -> Totales:
    """Totals of `(cantidad, precio, alícuota code, bonificación %)` lines, without tributos.

    `bonificacion` is the comprobante-level discount (pesos, without IVA).
    """
    groups: dict[str, Fraction] = {}
    for cantidad, precio, alicuota, bonif in lines:
        code = "0" if letra in SIN_IVA else alicuota
        groups[code] = groups.get(code, Fraction(0)) + line_net(cantidad, precio, bonif)
    discount = exact(bonificacion)
    target = None if letra in SIN_IVA else next((c for c in BONIFICACION_ORDER if c in groups), None)
    if target is not None:
        groups[target] -= discount
        discount = Fraction(0)
    neto = {code: to_centavos(amount) for code, amount in groups.items()}
    iva = {
        code: round(cents * exact(ALICUOTAS[code]) / 100)  # already centavos; half-even as above
        for code, cents in neto.items()
        if letra not in SIN_IVA and ALICUOTAS[code] > 0
    }
    total = sum(neto.values()) + sum(iva.values()) - to_centavos(discount)
    return Totales(neto=neto, iva=iva, total=total)
