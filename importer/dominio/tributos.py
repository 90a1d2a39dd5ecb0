"""Perceptions (`tributos`): their tipos and regímenes (tusfacturas-api.md §3.6, §4.10).

A perception is identified by its tipo (TusFacturas code `6` IVA, `7` IIBB, `1` national taxes)
and its régimen (1–34). IIBB regímenes are the jurisdicciones, so they also answer to the
province names people write (`Capital Federal`, `CABA`, `Córdoba`).
"""

from __future__ import annotations

from dataclasses import dataclass

from importer.dominio.catalogs import Catalog, Entry

IVA = "6"
IIBB = "7"
NACIONAL = "1"

TRIBUTO = Catalog(
    "tributo",
    (
        Entry(IVA, "IVA", ("Percepción IVA", "Percepciones IVA", "Percepcion de IVA")),
        Entry(IIBB, "IIBB", ("Ingresos Brutos", "Percepción IIBB", "Percepciones IIBB")),
        Entry(
            NACIONAL,
            "NACIONAL",
            ("Nacionales", "Impuestos nacionales", "Percepciones de impuestos nacionales"),
        ),
    ),
)

MAX_TRIBUTOS = 7  # per comprobante (tusfacturas-api.md §3.6)


@dataclass(frozen=True)
class Regimen:
    codigo: int
    tributo: str  # IVA, IIBB or NACIONAL code
    nombre: str  # the name users see (drop-downs, results)
    alias: tuple[str, ...] = ()


_IIBB = (
    (4, "CABA", ("Capital Federal", "Ciudad Autónoma de Buenos Aires", "Ciudad de Buenos Aires")),
    (5, "Buenos Aires", ("Provincia de Buenos Aires", "PBA", "ARBA")),
    (6, "Catamarca", ()),
    (7, "Chaco", ()),
    (8, "Chubut", ()),
    (9, "Córdoba", ()),
    (10, "Corrientes", ()),
    (11, "Entre Ríos", ()),
    (12, "Formosa", ()),
    (13, "Jujuy", ()),
    (14, "La Pampa", ()),
    (15, "La Rioja", ()),
    (16, "Mendoza", ()),
    (17, "Misiones", ()),
    (18, "Neuquén", ()),
    (19, "Río Negro", ()),
    (20, "Salta", ()),
    (21, "San Juan", ()),
    (22, "San Luis", ()),
    (23, "Santa Cruz", ()),
    (24, "Santa Fe", ()),
    (25, "Santiago del Estero", ()),
    (26, "Tierra del Fuego", ("Tierra del Fuego, Antártida e Islas del Atlántico Sur",)),
    (27, "Tucumán", ()),
    (28, "Otra jurisdicción", ("Otro", "Otra")),
)

REGIMENES: tuple[Regimen, ...] = (
    Regimen(1, IVA, "No especificado", ("IVA no especificado",)),
    Regimen(2, IVA, "RG 2408", ("Reg. General (RG 2408)", "Régimen general", "RG2408")),
    Regimen(3, IVA, "RG 5329", ("RG5329",)),
    *(Regimen(codigo, IIBB, nombre, alias) for codigo, nombre, alias in _IIBB),
    Regimen(31, NACIONAL, "Percepción impuesto PAIS", ("Perc. impuesto PAIS",)),
    Regimen(32, NACIONAL, "Impuesto PAIS", ("Impuesto País",)),
    Regimen(33, NACIONAL, "Ganancias", ("Perc. Imp. a las Ganancias", "Impuesto a las Ganancias")),
    Regimen(34, NACIONAL, "Bienes Personales", ("Perc. Imp. sobre los Bienes Personales",)),
)
REGIMEN_BY_CODE: dict[int, Regimen] = {r.codigo: r for r in REGIMENES}

REGIMEN = Catalog(
    "régimen de percepción",
    tuple(Entry(str(r.codigo), r.nombre, (*r.alias, f"{r.codigo} - {r.nombre}")) for r in REGIMENES),
)


def regimen_de(valor: object) -> Regimen | None:
    """The régimen a cell names (its code 1–34 or any of its names), or None."""
    code = REGIMEN.lookup(valor)
    return REGIMEN_BY_CODE[int(code)] if code is not None else None


def regimenes_de(tributo: str) -> tuple[Regimen, ...]:
    return tuple(r for r in REGIMENES if r.tributo == tributo)


def nombre_tributo(tributo: str) -> str:
    return TRIBUTO.name(tributo)


__all__ = [
    "IIBB",
    "IVA",
    "MAX_TRIBUTOS",
    "NACIONAL",
    "REGIMEN",
    "REGIMENES",
    "REGIMEN_BY_CODE",
    "TRIBUTO",
    "Regimen",
    "nombre_tributo",
    "regimen_de",
    "regimenes_de",
]
