"""Fiscal rules on whole comprobantes (afip-rules.md §3, §5–§7, §10; tusfacturas-api.md §9).

Each rule is a pure function `Comprobante → list[Problem]`. A comprobante-wide problem points at
the comprobante's first row and the column a user would fix; a line problem points at the line's
row. Amounts come from `importer.dominio.amounts`, the one place totals are computed.

The issuer's own IVA condition is not known here (the account decides whether it issues A/B or
C), so the rules only check that the letter suits the receiver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from importer.dominio.amounts import LIMITE_IMPORTE, comprobante_totals
from importer.dominio.catalogs import CONDICION_IVA, TIPOS, TipoComprobante
from importer.dominio.comprobantes import Comprobante
from importer.dominio.fce import CUIT_GENERICO, reglas_fce
from importer.dominio.fechas_afip import fechas
from importer.dominio.formato import fecha_texto, pesos
from importer.dominio.problems import Problem, problema_de

TOPE_CF = Decimal("10000000")  # RG 5700/2025: identify the buyer from this amount (pesos)
MAX_LINEAS = 130
TOLERANCIA = Decimal("0.01")
# The FCE columns of Comprobantes (planilla.columnas_fce.FCE_NAMES; named here, the domain reads no planilla).
FCE_NAMES = ("fce_cbu", "fce_alias", "fce_transferencia", "fce_anulacion", "fce_referencia_comercial")


def _tipo_con_letra(tipo: TipoComprobante, letra: str) -> str:
    for other in TIPOS:
        if other.clase == tipo.clase and other.fce == tipo.fce and other.letra == letra:
            return other.nombre
    return f"{tipo.clase} {letra}"


# --- Letter vs receiver ------------------------------------------------------------------------


def letra_receptor(c: Comprobante) -> list[Problem]:
    """A/M only to RI or Monotributo (and with CUIT); B never to them; E only abroad; FCE needs CUIT."""
    tipo = c.tipo_info
    condicion = c.cliente.condicion_iva
    nombre = CONDICION_IVA.name(condicion) if condicion in CONDICION_IVA.codes else condicion
    found: list[Problem] = []
    if tipo.letra in ("A", "M") and condicion not in ("RI", "M"):
        found.append(
            problema_de(
                c,
                "letra.receptor",
                "tipo",
                f"Una {c.tipo} solo puede emitirse a un Responsable Inscripto o a un Monotributista; "
                f"para un cliente {nombre} use {_tipo_con_letra(tipo, 'B')}.",
            )
        )
    elif tipo.letra == "B" and condicion in ("RI", "M"):
        found.append(
            problema_de(
                c,
                "letra.receptor",
                "tipo",
                f"Una {c.tipo} no puede emitirse a un {nombre}: use {_tipo_con_letra(tipo, 'A')}.",
            )
        )
    elif tipo.letra == "E" and condicion != "CDEX":
        found.append(
            problema_de(
                c,
                "letra.receptor",
                "tipo",
                f"Una {c.tipo} (exportación) solo puede emitirse a un Cliente del Exterior (CDEX), no a un "
                f"cliente {nombre}.",
            )
        )
    if (tipo.letra in ("A", "M") or tipo.fce) and c.cliente.documento_tipo != "CUIT":
        found.append(
            problema_de(
                c,
                "letra.requiere_cuit",
                "cliente_documento_tipo",
                f"Una {c.tipo} requiere que el cliente se identifique con CUIT, no con "
                f"{c.cliente.documento_tipo}.",
            )
        )
    return found


# --- Líneas and amounts ------------------------------------------------------------------------------


def alicuotas(c: Comprobante) -> list[Problem]:
    """A, B and M need an alícuota on every line; C and E carry no IVA (0 or empty)."""
    found: list[Problem] = []
    for linea in c.lineas:
        if c.letra in ("A", "B", "M") and not linea.alicuota:
            found.append(
                problema_de(
                    c,
                    "alicuota.requerida",
                    "alicuota_iva",
                    f"alicuota_iva: es obligatoria en una {c.tipo} (27, 21, 10.5, 0, exento o no gravado).",
                    fila=linea.fila,
                )
            )
        elif c.letra in ("C", "E") and linea.alicuota not in ("", "0"):
            found.append(
                problema_de(
                    c,
                    "alicuota.no_permitida",
                    "alicuota_iva",
                    f"alicuota_iva: una {c.tipo} no discrimina IVA; deje la alícuota vacía o en 0 y use el "
                    "precio final.",
                    fila=linea.fila,
                )
            )
    return found


def cantidad_lineas(c: Comprobante) -> list[Problem]:
    if len(c.filas) <= MAX_LINEAS:
        return []
    return [
        problema_de(
            c,
            "lineas.demasiadas",
            "descripcion",
            f"El comprobante {c.referencia} tiene {len(c.filas)} líneas (filas {c.filas[0]} a {c.filas[-1]}); "
            f"TusFacturas admite hasta {MAX_LINEAS}: divídalo en dos comprobantes.",
        )
    ]


def totales(c: Comprobante) -> list[Problem]:
    """The total must fit AFIP's amount fields, be positive and, if the sheet states one, match it
    within one cent."""
    if not c.lineas:
        return []
    totales_ = comprobante_totals(c)
    total = totales_.total
    mayor = max((total, *totales_.neto.values(), *totales_.iva.values()), key=abs)
    if abs(mayor) >= LIMITE_IMPORTE:
        return [
            problema_de(
                c,
                "total.fuera_de_rango",
                "precio_unitario",
                f"El total del comprobante {c.referencia} es {pesos(total, c.moneda)}: AFIP admite importes "
                f"de hasta 13 dígitos enteros (menos de {pesos(LIMITE_IMPORTE, c.moneda)}). Revise "
                "cantidades y precios, o divida la venta en varios comprobantes.",
            )
        ]
    if total <= 0:
        return [
            problema_de(
                c,
                "total.no_positivo",
                "precio_unitario",
                f"El total del comprobante {c.referencia} es {pesos(total, c.moneda)}: debe ser mayor que 0.",
            )
        ]
    if c.total_control is not None and abs(total - c.total_control) > TOLERANCIA:
        return [
            problema_de(
                c,
                "total.no_coincide",
                "total_control",
                f"total_control: el total calculado ({pesos(total, c.moneda)}) no coincide con el indicado "
                f"({pesos(c.total_control, c.moneda)}); diferencia {pesos(abs(total - c.total_control), c.moneda)}.",
            )
        ]
    return []


def consumidor_final(c: Comprobante, tope_cf: Decimal = TOPE_CF) -> list[Problem]:
    """An unidentified buyer (OTRO / 0) only below AFIP's ceiling, counted in pesos."""
    if not c.cliente.anonimo or not c.lineas:
        return []
    en_pesos = comprobante_totals(c).total * c.cotizacion
    if en_pesos < tope_cf:
        return []
    return [
        problema_de(
            c,
            "consumidor_final.tope",
            "cliente_documento_tipo",
            f"Una venta de {pesos(en_pesos)} a un consumidor final sin identificar alcanza el tope de AFIP "
            f"({pesos(tope_cf)}): identifique al comprador con DNI, CUIT o CUIL.",
        )
    ]


def moneda(c: Comprobante) -> list[Problem]:
    if c.moneda == "PES" and c.cotizacion != 1:
        return [
            problema_de(
                c, "cotizacion.pes", "cotizacion", "cotizacion: para pesos (PES) debe ser 1 o quedar vacía."
            )
        ]
    if c.moneda != "PES" and c.cotizacion <= 0:
        return [
            problema_de(
                c,
                "cotizacion.no_positiva",
                "cotizacion",
                f"cotizacion: para la moneda {c.moneda} debe ser mayor que 0.",
            )
        ]
    return []


# --- What the planilla cannot express yet -------------------------------------------------------------


def tipo_no_soportado(c: Comprobante) -> list[Problem]:
    """E needs data the template has no columns for yet (AFIP's export block): sending it would
    only spend a request on a certain rejection."""
    if c.tipo_info.letra != "E":
        return []
    falta = "los datos de exportación que exige AFIP (tipo de exportación, país, incoterm, permisos)"
    return [
        problema_de(
            c,
            "tipo.no_soportado",
            "tipo",
            f"tipo: los comprobantes E (exportación) todavía no se pueden emitir desde la planilla: "
            f"faltan {falta}. Emítalo desde TusFacturas.",
        )
    ]


# --- Perceptions ---------------------------------------------------------------------------------------


def percepciones(c: Comprobante) -> list[Problem]:
    """No perceptions on C or E (tusfacturas-api.md §3.6); a B factura to the generic receiver
    23000000000 needs one (AFIP 10067)."""
    if c.tributos and c.letra in ("C", "E"):
        return [
            problema_de(
                c,
                "tributo.letra_no_admite",
                "tipo",
                f"Una {c.tipo} no lleva percepciones: quite sus filas de la hoja Tributos.",
            )
        ]
    tipo = c.tipo_info
    generico = c.cliente.documento_tipo == "CUIT" and c.cliente.documento_nro == CUIT_GENERICO
    if generico and tipo.letra == "B" and not tipo.es_nota and not tipo.fce and not c.tributos:
        return [
            problema_de(
                c,
                "cliente.cuit_generico_sin_percepcion",
                "cliente_documento_nro",
                "cliente_documento_nro: AFIP solo admite una Factura B al CUIT genérico 23000000000 (sujeto "
                "no categorizado) con una percepción (AFIP 10067): agréguela en la hoja Tributos o "
                "identifique al cliente con su CUIT o DNI.",
            )
        ]
    return []


# --- Notas de crédito / débito --------------------------------------------------------------------


def asociables(tipo: TipoComprobante) -> tuple[str, ...]:
    """Tipos a nota may refer to: same letter and family (afip-rules §10); FCE notas only FCE facturas."""
    if tipo.fce:
        return tuple(t.nombre for t in TIPOS if t.fce and t.letra == tipo.letra and not t.es_nota)
    return tuple(t.nombre for t in TIPOS if not t.fce and t.letra == tipo.letra)


def asociado(c: Comprobante) -> list[Problem]:
    tipo = c.tipo_info
    if not tipo.es_nota:
        if c.asociado is None:
            return []
        return [
            problema_de(
                c,
                "asociado.no_permitido",
                "asociado_tipo",
                f"Una {c.tipo} no lleva comprobante asociado: deje vacías las columnas asociado_*.",
            )
        ]
    if c.asociado is None:
        return [
            problema_de(
                c,
                "asociado.requerido",
                "asociado_tipo",
                f"Una {c.tipo} necesita el comprobante asociado: complete asociado_tipo, "
                "asociado_punto_venta, asociado_numero y asociado_fecha.",
            )
        ]
    found: list[Problem] = []
    permitidos = asociables(tipo)
    if c.asociado.tipo not in permitidos:
        found.append(
            problema_de(
                c,
                "asociado.tipo",
                "asociado_tipo",
                f"asociado_tipo: una {c.tipo} solo puede asociarse a {_enumerar(permitidos)}, no a "
                f"{c.asociado.tipo}.",
            )
        )
    if c.asociado.fecha > c.fecha:
        found.append(
            problema_de(
                c,
                "asociado.fecha",
                "asociado_fecha",
                f"asociado_fecha: el comprobante asociado ({fecha_texto(c.asociado.fecha)}) no puede ser "
                f"posterior a la nota ({fecha_texto(c.fecha)}).",
            )
        )
    return found


def _enumerar(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} o {items[-1]}"


# --- All rules ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contexto:
    hoy: date
    tope_cf: Decimal = TOPE_CF


@dataclass(frozen=True)
class Regla:
    """A rule and the columns it reads: it is skipped when one of them already has a problem,
    so a bad cell is reported once, not again as a misleading consequence."""

    revisar: Callable[[Comprobante, Contexto], list[Problem]]
    columnas: frozenset[str]


# "tributos": not a column; it stands for the comprobante's rows of the Tributos sheet, omitted
# when one of them is wrong (the total without it would be a misleading mismatch).
_IMPORTES = frozenset(
    {"tipo", "cantidad", "precio_unitario", "bonificacion_porcentaje", "alicuota_iva", "tributos"}
)
_FCE = frozenset({"tipo", "fecha", "vencimiento", "cliente_documento_nro", *FCE_NAMES})

_ENCADENADAS = frozenset({"alicuota_iva", "cotizacion"})

REGLAS: tuple[Regla, ...] = (
    Regla(
        lambda c, _: letra_receptor(c), frozenset({"tipo", "cliente_condicion_iva", "cliente_documento_tipo"})
    ),
    Regla(lambda c, _: cantidad_lineas(c), frozenset()),
    Regla(lambda c, _: alicuotas(c), frozenset({"tipo", "alicuota_iva"})),
    Regla(lambda c, _: moneda(c), frozenset({"moneda", "cotizacion"})),
    Regla(lambda c, _: totales(c), _IMPORTES | {"total_control", "moneda"}),
    Regla(
        lambda c, ctx: consumidor_final(c, ctx.tope_cf),
        _IMPORTES | {"moneda", "cotizacion", "cliente_documento_tipo", "cliente_documento_nro"},
    ),
    Regla(
        lambda c, _: asociado(c),
        frozenset(
            {"tipo", "fecha", "asociado_tipo", "asociado_punto_venta", "asociado_numero", "asociado_fecha"}
        ),
    ),
    Regla(lambda c, _: percepciones(c), frozenset({"tipo", "cliente_documento_nro", "tributos"})),
    Regla(lambda c, ctx: reglas_fce(c, ctx.hoy), _FCE),
    Regla(
        lambda c, ctx: fechas(c, ctx.hoy),
        frozenset({"tipo", "fecha", "vencimiento", "periodo_desde", "periodo_hasta"}),
    ),
)


def revisar_comprobante(
    c: Comprobante, *, hoy: date, tope_cf: Decimal = TOPE_CF, omitir: Iterable[str] = ()
) -> list[Problem]:
    """Every fiscal problem of one comprobante.

    `omitir`: columns that already have a problem in this comprobante; rules reading them are
    skipped. A problem found here on an alícuota or the cotización is added to it as the rules
    run, so a missing alícuota is not reported again as a wrong total.
    """
    contexto = Contexto(hoy, tope_cf)
    omitidas = set(omitir)
    found: list[Problem] = []
    for regla in REGLAS:
        if not regla.columnas.isdisjoint(omitidas):
            continue
        nuevos = regla.revisar(c, contexto)
        if nuevos:  # (most comprobantes have no problem: skip the bookkeeping)
            found.extend(nuevos)
            omitidas.update(p.columna for p in nuevos if p.columna in _ENCADENADAS)
    return found
