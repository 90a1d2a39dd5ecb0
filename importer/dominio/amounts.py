"""A comprobante's amounts, computed the way TusFacturas and AFIP do.

Rules (tusfacturas-api.md §9.3, afip-rules.md §5.2):
- line net = cantidad × precio_unitario × (1 − bonificación / 100), kept exact;
- net per alícuota = Σ line nets of that alícuota, rounded once to the cent (round half even);
- IVA per alícuota = round_half_even(net × rate / 100, 2), on the rounded net;
- total = Σ nets (gravado, 0 %, exento, no gravado) + Σ IVA.
For letters C and E prices are final and carry no IVA: the total is the rounded sum of line nets.
Everything is `Decimal`; no float ever touches money. Arithmetic runs in a wide context
(`_CONTEXTO`): validation bounds every cell (13 integer digits for amounts), but a comprobante of
many such lines still sums past the 28 digits of Python's default context, and the fiscal rules
must be able to compute that total in order to reject it (`LIMITE_IMPORTE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from importer.dominio.catalogs import ALICUOTA_TASA, ALICUOTAS_GRAVADAS
from importer.dominio.numeros import NUMERO_AMBIGUO, explicacion_ambiguo, number_from_text

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# AFIP amounts are Double(13+2) (afip-rules.md, field sizes): every amount is below 10^13.
LIMITE_IMPORTE = Decimal(10) ** 13
# Room for 100,000 lines of 10^13 × 10^13 with their decimals, far beyond any valid comprobante.
_CONTEXTO = Context(prec=80, rounding=ROUND_HALF_EVEN, Emax=10**6, Emin=-(10**6))
_CIEN = Decimal(100)
_CERO = Decimal(0)


def round_cents(value: Decimal) -> Decimal:
    # The context as an argument: the same rounding as inside `localcontext`, without entering one.
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN, context=_CONTEXTO)


def line_net(cantidad: Decimal, precio_unitario: Decimal, bonificacion_porcentaje: Decimal) -> Decimal:
    """Exact (unrounded) net amount of one line."""
    return cantidad * precio_unitario * (_CIEN - bonificacion_porcentaje) / _CIEN


@dataclass(frozen=True)
class Totales:
    """Rounded amounts of one comprobante, in its own currency."""

    neto: dict[str, Decimal] = field(default_factory=dict)  # per gravada alícuota (27, 21, 10.5)
    iva: dict[str, Decimal] = field(default_factory=dict)  # per gravada alícuota
    neto_cero: Decimal = ZERO  # alícuota 0 %
    exento: Decimal = ZERO
    no_gravado: Decimal = ZERO
    percepciones: Decimal = ZERO  # Σ tributos[].total, already rounded amounts
    total: Decimal = ZERO  # includes the perceptions

    @property
    def neto_gravado(self) -> Decimal:
        return sum(self.neto.values(), ZERO) + self.neto_cero

    @property
    def iva_total(self) -> Decimal:
        return sum(self.iva.values(), ZERO)


def compute_totals(
    lines: Iterable[tuple[Decimal, Decimal, str, Decimal]], letra: str, percepciones: Iterable[Decimal] = ()
) -> Totales:
    """Totals from `(cantidad, precio_unitario, alicuota_code, bonificacion_porcentaje)` tuples.

    `alicuota_code` is a catalog code ("21", "-1", …); for letters C and E it is ignored.
    `percepciones` are the perception amounts (already in cents): they add to the total as they are.
    """
    with localcontext(_CONTEXTO):
        percibido = sum(percepciones, _CERO)
        return _compute_totals(lines, letra, round_cents(percibido) if percibido else ZERO)


def _compute_totals(
    lines: Iterable[tuple[Decimal, Decimal, str, Decimal]], letra: str, percibido: Decimal
) -> Totales:
    """The totals, `percibido` (the perceptions, in cents; ZERO when none) included in the total."""
    exact: dict[str, Decimal] = {}
    for cantidad, precio, alicuota, bonificacion in lines:
        code = "0" if letra in ("C", "E") else alicuota
        exact[code] = exact.get(code, _CERO) + line_net(cantidad, precio, bonificacion)
    rounded = {code: round_cents(amount) for code, amount in exact.items()}
    if letra in ("C", "E"):
        neto_cero = round_cents(sum(exact.values(), _CERO))
        return Totales(neto_cero=neto_cero, percepciones=percibido, total=_plus(neto_cero, percibido))
    neto = {code: rounded[code] for code in ALICUOTAS_GRAVADAS if code in rounded}
    iva = {code: round_cents(neto[code] * ALICUOTA_TASA[code] / _CIEN) for code in neto}
    neto_cero = rounded.get("0", ZERO)
    exento = rounded.get("-1", ZERO)
    no_gravado = rounded.get("-2", ZERO)
    total = sum(neto.values(), ZERO) + sum(iva.values(), ZERO) + neto_cero + exento + no_gravado
    return Totales(
        neto=neto,
        iva=iva,
        neto_cero=neto_cero,
        exento=exento,
        no_gravado=no_gravado,
        percepciones=percibido,
        total=_plus(total, percibido),
    )


def _plus(total: Decimal, percibido: Decimal) -> Decimal:
    return total + percibido if percibido else total


def comprobante_totals(comprobante) -> Totales:  # noqa: ANN001 - avoids an import cycle
    """Totals of a `comprobantes.Comprobante`."""
    return compute_totals(
        (
            (ln.cantidad, ln.precio_unitario, ln.alicuota, ln.bonificacion_porcentaje)
            for ln in comprobante.lineas
        ),
        comprobante.letra,
        (t.importe for t in comprobante.tributos),
    )


def parse_pesos(text: str) -> Decimal:
    """A positive peso amount as people type it: 10000000, 10.000.000, 10.000.000,50 or $ 1.234,5.

    The grammar of cells (`dominio.numeros`), so `1.234` means on the command line what it means in
    a planilla: it is ambiguous and refused. Raises ValueError with a Spanish explanation when the
    text is not a positive amount. Used by command-line options (`--tope-cf`).
    """
    canonical, code = number_from_text(text)
    if code == NUMERO_AMBIGUO:
        raise ValueError(explicacion_ambiguo(text))
    value = Decimal(canonical) if canonical is not None else None
    if value is None or value <= 0:
        raise ValueError(
            f"«{text.strip()}» no es un monto mayor que 0 (escriba, por ejemplo, 10000000 o 10.000.000,50)."
        )
    return value
