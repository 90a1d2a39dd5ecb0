"""`tributos[]` (perceptions): read the way TusFacturas reads them, judged the way AFIP judges them.

TusFacturas (tusfacturas-api.md §3.6, §4.10): `tipo` 6 (IVA), 7 (IIBB) or 1 (nacionales), a
`regimen` of that tipo's table, `base_imponible` and `total` ≥ 0, every amount with at most two
decimals, at most 7 entries, none on C or E (so none on FCE C either). It does not recompute
`total`: the comprobante's total simply includes the sum (§9.3), which `--verificar-totales`
checks (10048). AFIP adds 10067: a Factura B to the "Sujeto No Categorizado" must carry them.

Two choices where the specs are silent:
- the same (tipo, régimen) twice is accepted and both count: AFIP's Tributos array takes one Id
  many times (every IIBB jurisdicción is Id 7) and nothing in TusFacturas' docs forbids it;
- base × alícuota = total is checked only with `--verificar-totales` (the real service does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from importer.sandbox import aritmetica
from importer.sandbox.fields import FieldReader, Rejection, afip
from importer.sandbox.tablas import (
    CUIT_DOCUMENTOS,
    FACTURA,
    MAX_TRIBUTOS,
    NO_CATEGORIZADO,
    REGIMENES,
    TRIBUTO_TIPOS,
)
from importer.sandbox.values import fmt_amount

if TYPE_CHECKING:
    from importer.sandbox.request import Pedido

_TIPO_TEXTS = frozenset(str(code) for code in TRIBUTO_TIPOS)
CENTAVO = Decimal("0.01")
TOLERANCIA = Decimal("0.01")


@dataclass(frozen=True)
class Tributo:
    tipo: int
    regimen: int
    base_imponible: Decimal
    alicuota: Decimal
    total: Decimal


def parse_tributos(r: FieldReader, c: dict[str, Any], letra: str | None) -> tuple[Tributo, ...]:
    """The comprobante's `tributos`, every problem recorded in `r` (TusFacturas answers them all)."""
    tributos = c.get("tributos")
    if tributos in (None, "", []):
        return ()
    if not isinstance(tributos, list):
        r.invalid("comprobante.tributos", tributos)
        return ()
    if letra in ("C", "E"):
        r.fail(f"Los comprobantes clase {letra} no admiten tributos.")
        return ()
    if len(tributos) > MAX_TRIBUTOS:
        r.fail(f"El comprobante admite hasta {MAX_TRIBUTOS} tributos (tiene {len(tributos)}).")
    found: list[Tributo] = []
    for i, entry in enumerate(tributos):
        path = f"comprobante.tributos[{i}]"
        if not isinstance(entry, dict):
            r.invalid(path, entry)
            continue
        tipo_text = r.choice(entry, "tipo", f"{path}.tipo", _TIPO_TEXTS, required=True)
        regimen = _regimen(r, entry, path, int(tipo_text) if tipo_text else None)
        base = _amount(r, entry, "base_imponible", path)
        alicuota = _amount(r, entry, "alicuota", path)
        total = _amount(r, entry, "total", path)
        if tipo_text and regimen and base is not None and alicuota is not None and total is not None:
            found.append(Tributo(int(tipo_text), regimen, base, alicuota, total))
    return tuple(found)


def _regimen(r: FieldReader, entry: dict[str, Any], path: str, tipo: int | None) -> int | None:
    raw = entry.get("regimen")
    regimen = r.integer(entry, "regimen", f"{path}.regimen", required=True, lo=1)
    if regimen is None:
        return None
    known = REGIMENES.get(regimen)
    if known is None:
        r.invalid(f"{path}.regimen", raw)
        return None
    if tipo is not None and known.tipo != tipo:
        r.fail(
            f"El régimen {regimen} ({known.nombre}) no corresponde al tributo tipo {tipo} "
            f"({TRIBUTO_TIPOS[tipo]}) en {path}.regimen."
        )
        return None
    return regimen


def _amount(r: FieldReader, entry: dict[str, Any], key: str, path: str) -> Decimal | None:
    value = r.decimal(entry, key, f"{path}.{key}", required=True)
    if value is not None and value != value.quantize(CENTAVO):
        r.fail(f"El campo {path}.{key} admite hasta 2 decimales (valor recibido: {entry.get(key)}).")
        return None
    return value


def importe(tributos: tuple[Tributo, ...]) -> Decimal:
    """What AFIP receives as ImpTrib: the sum of the totals as sent."""
    return sum((t.total for t in tributos), Decimal(0))


def afip_checks(p: Pedido, check_totals: bool) -> list[Rejection]:
    errors: list[Rejection] = []
    no_categorizado = p.documento_tipo in CUIT_DOCUMENTOS and p.documento_nro.zfill(11) == NO_CATEGORIZADO
    es_factura_b = p.tipo.letra == "B" and p.tipo.clase == FACTURA and not p.tipo.fce
    if es_factura_b and no_categorizado and importe(p.tributos) <= 0:
        errors.append(
            afip(
                10067,
                f"Si el receptor es {NO_CATEGORIZADO} (Sujeto No Categorizado), en comprobantes clase B "
                "el campo ImpTrib debe ser mayor a 0: informe la percepción en tributos.",
            )
        )
    if check_totals:
        for i, t in enumerate(p.tributos):
            calculado = aritmetica.as_pesos(aritmetica.percepcion(t.base_imponible, t.alicuota))
            if abs(calculado - t.total) > TOLERANCIA:
                errors.append(
                    Rejection(
                        f"El tributo comprobante.tributos[{i}] no cierra: base "
                        f"{fmt_amount(t.base_imponible)} × alícuota {t.alicuota} % = "
                        f"{fmt_amount(calculado)}, informado {fmt_amount(t.total)} "
                        "(verificación de totales del simulador)."
                    )
                )
    return errors
