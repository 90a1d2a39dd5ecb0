"""Groups of rows → `Comprobante` objects (the groups come from `grouping.agrupar`).

A comprobante is built only when its essential cells could be read; header cells come from its
first row, one line per row whose cantidad and precio could be read (the others carry a problem).
Values arrive as Python objects per row position (`valores_python`): `Decimal` amounts read from
their exact text, never from a float.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import overload

import numpy as np
import pandas as pd

from importer.dominio.catalogs import TIPOS_BY_NAME
from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, DatosFce, Linea
from importer.dominio.fce import FceDefaults, combinar
from importer.planilla.columns import DATE, DECIMAL, INTEGER
from importer.planilla.grouping import ASOCIADO_COLUMNS, ESENCIALES, Agrupacion
from importer.planilla.parsing import map_unique


def armar_comprobantes(
    agrupacion: Agrupacion, columnas: Mapping[str, Sequence[object]], fce_defaults: FceDefaults | None = None
) -> list[Comprobante]:
    """Build a `Comprobante` for every group whose essential cells parsed.

    `columnas` holds Python values per row position (None when empty or invalid): `str` for text
    and codes, `Decimal` for amounts, `int` for whole numbers, `date` for dates. Header columns
    are read on the first row of each comprobante only. A line whose cantidad or precio could not
    be read is left out (its row carries the problem). FCE tipos get their `DatosFce`, the row's
    values over `fce_defaults(emisor_cuit, punto_venta)`.
    """
    filas = [int(f) for f in agrupacion.referencia.index]
    lineas = _lineas(filas, columnas)
    built: list[Comprobante] = []
    for referencia, rows in agrupacion.posiciones().items():
        positions = rows.tolist()
        head = positions[0]
        cells = {name: columnas[name][head] for name in columnas}
        if any(cells[name] is None for name in ESENCIALES):
            continue
        asociado_cells = [cells[name] for name in ASOCIADO_COLUMNS]
        asociado = Asociado(*asociado_cells) if None not in asociado_cells else None
        built.append(
            Comprobante(
                referencia=referencia,
                filas=tuple(filas[pos] for pos in positions),
                fecha=cells["fecha"],
                tipo=str(cells["tipo"]),
                punto_venta=cells["punto_venta"],
                cliente=Cliente(
                    documento_tipo=str(cells["cliente_documento_tipo"]),
                    documento_nro=str(cells["cliente_documento_nro"]),
                    razon_social=str(cells["cliente_razon_social"]),
                    condicion_iva=str(cells["cliente_condicion_iva"]),
                    domicilio=str(cells["cliente_domicilio"] or "No especifica"),
                    provincia=str(cells["cliente_provincia"] or "26"),
                    email=str(cells["cliente_email"] or ""),
                    envia_por_mail=cells["cliente_envia_por_mail"] == "S",
                ),
                lineas=_de_la_letra(
                    tuple(linea for pos in positions if (linea := lineas[pos]) is not None),
                    str(cells["tipo"]),
                ),
                moneda=str(cells["moneda"] or "PES"),
                cotizacion=_decimal(cells["cotizacion"], Decimal(1)),
                vencimiento=cells["vencimiento"],
                periodo_desde=cells["periodo_desde"],
                periodo_hasta=cells["periodo_hasta"],
                condicion_pago=str(cells["condicion_pago"] or "201"),
                asociado=asociado,
                leyenda_general=str(cells["leyenda_general"] or ""),
                total_control=_decimal(cells["total_control"], None),
                emisor_cuit=str(cells["emisor_cuit"] or ""),
                fce=_fce(cells, fce_defaults),
            )
        )
    return built


_ZERO = Decimal(0)


def _fce(cells: Mapping[str, object], fce_defaults: FceDefaults | None) -> DatosFce | None:
    tipo = TIPOS_BY_NAME[str(cells["tipo"])]
    if not tipo.fce:
        return None
    fila = DatosFce(
        cbu=str(cells["fce_cbu"] or ""),
        alias=str(cells["fce_alias"] or ""),
        transferencia=str(cells["fce_transferencia"] or ""),
        anulacion=str(cells["fce_anulacion"] or ""),
        referencia_comercial=str(cells["fce_referencia_comercial"] or ""),
    )
    punto_venta = cells["punto_venta"]
    assert isinstance(punto_venta, int)  # an essential cell: the comprobante is built only when it is read
    defaults = fce_defaults(str(cells["emisor_cuit"] or ""), punto_venta) if fce_defaults else None
    return combinar(fila, defaults, es_nota=tipo.es_nota)


def _de_la_letra(lineas: tuple[Linea, ...], tipo: str) -> tuple[Linea, ...]:
    """C and E carry no IVA: an empty alícuota there means 0 (for A, B and M it stays empty: an error)."""
    if TIPOS_BY_NAME[tipo].letra not in ("C", "E"):
        return lineas
    return tuple(linea if linea.alicuota else replace(linea, alicuota="0") for linea in lineas)


def _lineas(filas: list[int], columnas: Mapping[str, Sequence[object]]) -> list[Linea | None]:
    """The line of every row (None where cantidad or precio could not be read)."""
    return [
        Linea(
            fila,
            descripcion or "",
            cantidad,
            precio,
            alicuota or "",
            bonificacion or _ZERO,
            unidad or "7",
            codigo or "",
            leyenda or "",
        )
        if cantidad is not None and precio is not None
        else None
        for fila, descripcion, cantidad, precio, alicuota, bonificacion, unidad, codigo, leyenda in zip(
            filas,
            columnas["descripcion"],
            columnas["cantidad"],
            columnas["precio_unitario"],
            columnas["alicuota_iva"],
            columnas["bonificacion_porcentaje"],
            columnas["unidad_medida"],
            columnas["codigo_producto"],
            columnas["leyenda"],
            strict=True,
        )
    ]


def valores_python(kind: str, values: pd.Series, text: pd.Series | None, rows: np.ndarray) -> list[object]:
    """Python values of one parsed column at the given row positions (None elsewhere, and where
    empty or invalid): `Decimal` from the exact text for amounts, `int`, `date` or `str`."""
    subset = values.iloc[rows]
    present = subset.notna().to_numpy()
    if kind == DECIMAL and text is not None:
        exact = map_unique(text.iloc[rows].where(present, None).dropna(), Decimal)
        converted = exact.reindex(subset.index).astype(object).where(present, None).tolist()
    elif kind == INTEGER:
        converted = [int(v) if ok else None for v, ok in zip(subset.to_numpy(), present, strict=True)]
    elif kind == DATE:
        # numpy turns day-precision datetime64 into `date` objects at C speed (`.dt.date` does not).
        days = subset.to_numpy().astype("datetime64[D]").astype(object)
        converted = [d if ok else None for d, ok in zip(days.tolist(), present, strict=True)]
    else:
        converted = subset.astype(object).where(subset.notna(), None).tolist()
    out = np.full(len(values), None, dtype=object)
    out[rows] = np.array(converted, dtype=object) if converted else converted
    return out.tolist()


@overload
def _decimal(value: object, default: Decimal) -> Decimal: ...
@overload
def _decimal(value: object, default: None) -> Decimal | None: ...
def _decimal(value: object, default: Decimal | None) -> Decimal | None:
    return value if isinstance(value, Decimal) else default
