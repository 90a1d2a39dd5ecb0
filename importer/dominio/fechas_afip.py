"""AFIP's date rules for a comprobante (afip-rules.md §6; tusfacturas-api.md §9.4–§9.5): the
payment due date, the billed period and the window around the day of sending in which `fecha`
must fall."""

from __future__ import annotations

from datetime import date, timedelta

from importer.dominio.comprobantes import Comprobante
from importer.dominio.formato import fecha_texto
from importer.dominio.problems import Problem, problema_de

_MESES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def fechas(c: Comprobante, hoy: date) -> list[Problem]:
    """Due date, billed period and AFIP's window for `fecha` around the day of sending."""
    found: list[Problem] = []
    if c.vencimiento is not None and c.vencimiento < c.fecha:
        found.append(
            problema_de(
                c,
                "vencimiento.anterior",
                "vencimiento",
                f"vencimiento: {fecha_texto(c.vencimiento)} no puede ser anterior a la fecha del comprobante "
                f"({fecha_texto(c.fecha)}).",
            )
        )
    if (c.periodo_desde is None) != (c.periodo_hasta is None):
        falta = "periodo_desde" if c.periodo_desde is None else "periodo_hasta"
        found.append(
            problema_de(
                c,
                "periodo.incompleto",
                falta,
                f"{falta}: un servicio necesita las dos fechas del período facturado (periodo_desde y "
                "periodo_hasta).",
            )
        )
    elif c.periodo_desde is not None and c.periodo_hasta is not None and c.periodo_desde > c.periodo_hasta:
        found.append(
            problema_de(
                c,
                "periodo.invertido",
                "periodo_hasta",
                f"periodo_hasta: {fecha_texto(c.periodo_hasta)} es anterior a periodo_desde "
                f"({fecha_texto(c.periodo_desde)}).",
            )
        )
    found.extend(_ventana(c, hoy))
    return found


def _ventana(c: Comprobante, hoy: date) -> list[Problem]:
    tipo = c.tipo_info
    if tipo.fce:
        atras, adelante, concepto = 5, (0 if tipo.es_nota else 1), "una FCE"
    elif c.es_servicio:
        atras, adelante, concepto = 10, 10, "servicios"
    else:
        atras, adelante, concepto = 5, 5, "productos"
    desde, hasta = hoy - timedelta(days=atras), hoy + timedelta(days=adelante)
    if not desde <= c.fecha <= hasta:
        return [
            problema_de(
                c,
                "fecha.fuera_de_rango",
                "fecha",
                f"fecha: {fecha_texto(c.fecha)} está fuera del rango que AFIP admite para {concepto}: del "
                f"{fecha_texto(desde)} al {fecha_texto(hasta)} (hoy es {fecha_texto(hoy)}).",
            )
        ]
    if not c.es_servicio and c.fecha > hoy and (c.fecha.year, c.fecha.month) != (hoy.year, hoy.month):
        return [
            problema_de(
                c,
                "fecha.otro_mes",
                "fecha",
                f"fecha: para {concepto} AFIP no admite una fecha futura de otro mes ({fecha_texto(c.fecha)}); "
                f"use una fecha de {_MESES[hoy.month - 1]} o de días anteriores.",
            )
        ]
    return []
