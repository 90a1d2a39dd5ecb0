"""What AFIP answers about a well-formed request, worded as TusFacturas wraps it.

Two kinds of checks: `afip_checks` needs only the request, the issuer, the sandbox's "today" and
its settings; `state_checks` needs the account's numbering, last dates and stored comprobantes,
so the server runs it under the store lock, right before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from importer.sandbox import aritmetica, fce, tributos
from importer.sandbox.cuit import is_valid_cuit
from importer.sandbox.fields import Rejection, afip
from importer.sandbox.profile import IssuerProfile
from importer.sandbox.request import Pedido
from importer.sandbox.tablas import CUIT_DOCUMENTOS, LETRAS_BY_CONDICION, TIPOS_BY_NAME
from importer.sandbox.values import fmt_amount, fmt_date

FUERA_DE_SECUENCIA = (
    "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. "
    "Consultar metodo FECompUltimoAutorizado."
)
SIN_CAE = "AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1254)"
# TusFacturas' help names this case "El comprobante existe en ARCA pero no en TusFacturasAPP"
# (errores-comunes-de-arca-en-tusfacturasapp.md); the exact API wording is not published.
SOLO_EN_ARCA = (
    "El comprobante existe en ARCA pero no en TusFacturasAPP. Contacte al soporte de TusFacturasAPP "
    "indicando los datos del comprobante."
)
AFIP_TRANSITORIO = (
    "AFIP Factura electronica, informa el siguiente error: "
    "javax.ejb.EJBTransactionRolledbackException. Error interno de AFIP, reintente en unos minutos."
)
REQUIERE_FCE = (
    "Por su categorizacion y el monto de la operacion, el receptor esta obligado a recibir una "
    "Factura de Credito Electronica MiPyME (FCE)."
)
TOLERANCIA = Decimal("0.01")


def afip_checks(
    p: Pedido, profile: IssuerProfile, hoy: date, tope_cf: Decimal, check_totals: bool
) -> list[Rejection]:
    """AFIP's verdict on everything that does not depend on what was emitted before."""
    errors: list[Rejection] = []
    letra = p.tipo.letra
    clase = "A" if letra == "M" else letra
    if letra not in profile.letras and clase not in profile.letras:
        errors.append(afip(10000, f'No autorizado a emitir comprobantes clase "{letra}".'))
    if p.punto_venta not in profile.puntos_venta:
        errors.append(
            afip(10005, f"El punto de venta {p.punto_venta} no se encuentra habilitado para el presente WS.")
        )
    if letra in ("A", "M") and not p.tipo.fce and p.documento_tipo != "CUIT":  # FCE: 10176 (fce.py)
        errors.append(
            afip(10013, "Para comprobantes clase A, M y MiPyME (FCE) el campo DocTipo debe ser 80 (CUIT).")
        )
    # B to a receiver that must get A is TusFacturas' own TFC-8004 (request.py); the rest is AFIP's.
    if letra != "B" and letra not in LETRAS_BY_CONDICION[p.condicion_iva]:
        errors.append(
            afip(10243, "El campo Condición IVA receptor no es válido para la clase de comprobante.")
        )
    if p.documento_tipo in CUIT_DOCUMENTOS and p.documento_nro == profile.cuit:
        errors.append(
            afip(10069, "El numero de documento del receptor no puede ser igual al CUIT del emisor.")
        )
    if p.anonimo:
        if p.documento_nro.strip("0"):
            errors.append(afip(10015, "Si el DocTipo es 99 (sin identificar), el DocNro debe ser 0."))
        elif p.total_pesos >= tope_cf:
            errors.append(
                afip(
                    10015,
                    f"Para operaciones de ${fmt_amount(tope_cf)} o más el receptor debe "
                    "estar identificado: DocTipo 99 (consumidor final sin identificar) "
                    "no es válido.",
                )
            )
    if p.moneda == "PES" and p.cotizacion != 1:
        errors.append(afip(10039, "Si el campo MonId es PES, el campo MonCotiz debe ser 1."))
    if p.vencimiento < p.fecha:
        errors.append(afip(10036, "El campo FchVtoPago no puede ser anterior a la fecha del comprobante."))
    if p.periodo and p.periodo[0] > p.periodo[1]:
        errors.append(afip(10032, "El campo FchServDesde no puede ser posterior a FchServHasta."))
    atras, adelante = fce.ventana(p)
    if not -atras <= (p.fecha - hoy).days <= adelante:
        hasta = f"N+{adelante}" if adelante else "N"
        errors.append(
            afip(
                10016,
                f"CbteFch debe estar comprendido en el rango N-{atras} y {hasta} (N = {fmt_date(hoy)}).",
            )
        )
    errors.extend(_asociados_checks(p))
    errors.extend(fce.afip_checks(p, hoy))
    errors.extend(tributos.afip_checks(p, check_totals))
    if check_totals:
        calculado = expected_total(p)
        if abs(calculado - p.total) > TOLERANCIA:
            errors.append(
                afip(
                    10048,
                    "El campo ImpTotal no se corresponde con la suma de ImpTotConc + ImpNeto "
                    f"+ ImpOpEx + ImpTrib + ImpIVA (informado {fmt_amount(p.total)}, "
                    f"calculado {fmt_amount(calculado)}).",
                )
            )
    return errors


def _asociados_checks(p: Pedido) -> list[Rejection]:
    errors: list[Rejection] = []
    if p.periodo_asociado is not None:
        desde, hasta = p.periodo_asociado
        if not p.tipo.es_nota:
            errors.append(afip(10198, "Los comprobantes clase Factura no pueden informar PeriodoAsoc."))
        if p.tipo.letra == "E":
            errors.append(afip(10196, "Los comprobantes clase E no pueden informar PeriodoAsoc."))
        if hasta < desde:
            errors.append(afip(10207, "El campo FchHasta de PeriodoAsoc no puede ser anterior a FchDesde."))
        if hasta > p.fecha:
            errors.append(
                afip(
                    10208,
                    "El campo FchHasta de PeriodoAsoc no puede ser posterior a la fecha del comprobante.",
                )
            )
    for ref in () if p.tipo.fce and p.tipo.es_nota else p.asociados:  # FCE notes: 10157 (fce.py)
        asociado = TIPOS_BY_NAME[ref.tipo]
        if asociado.letra != p.tipo.letra or asociado.fce != p.tipo.fce:
            errors.append(
                afip(
                    10040,
                    f"El tipo de comprobante asociado ({ref.tipo}) no es válido para un {p.tipo.nombre}.",
                )
            )
    return errors


def expected_total(p: Pedido) -> Decimal:
    """The §9.3 total by the sandbox's own arithmetic, plus tributos and impuestos internos as sent."""
    lines = ((i.cantidad, i.precio, i.alicuota, i.bonificacion) for i in p.items)
    totales = aritmetica.compute(lines, p.tipo.letra, bonificacion=p.bonificacion)
    return totales.total_pesos + p.importe_tributos + p.impuestos_internos


def state_checks(
    p: Pedido,
    profile: IssuerProfile,
    ultimo_numero: int,
    ultima_fecha: date | None,
    buscar: Callable[[str, int, int], dict[str, Any] | None],
) -> list[Rejection]:
    """AFIP's sequence rules and the associated comprobantes, against what this account emitted."""
    errors: list[Rejection] = []
    if ultima_fecha is not None and p.fecha < ultima_fecha:
        errors.append(
            afip(
                10016,
                f"{FUERA_DE_SECUENCIA} La fecha no puede ser anterior a "
                f"{fmt_date(ultima_fecha)}, la del último comprobante del punto de venta.",
            )
        )
    if p.numero is not None and p.numero != ultimo_numero + 1:
        errors.append(
            afip(10016, f"{FUERA_DE_SECUENCIA} El próximo número a autorizar es {ultimo_numero + 1}.")
        )
    for ref in p.asociados:
        stored = (
            None if ref.cuit not in (None, profile.cuit) else buscar(ref.tipo, ref.punto_venta, ref.numero)
        )
        if stored is None:
            errors.append(
                afip(
                    10041,
                    f"No existe el comprobante asociado {ref.tipo} {ref.punto_venta:05d}-{ref.numero:08d}.",
                )
            )
            continue
        if stored["fecha"] != fmt_date(ref.fecha) or ref.fecha > p.fecha:
            errors.append(
                Rejection(
                    f"El comprobante asociado no posee una fecha válida ({ref.tipo} "
                    f"{ref.punto_venta:05d}-{ref.numero:08d} es del {stored['fecha']})."
                )
            )
        if stored["moneda"] != p.moneda:
            errors.append(Rejection("El comprobante asociado debe estar en la misma moneda que la nota."))
    return errors


def observaciones(p: Pedido) -> list[str]:
    """Observations AFIP attaches to an approved comprobante (the CAE is granted anyway).

    The simulator has no padrón; a receiver CUIT whose check digit is wrong cannot be in it, so it
    gets the padrón observation instead of a rejection, as AFIP observes (10017) rather than rejects.
    """
    notes = []
    if p.documento_tipo in CUIT_DOCUMENTOS and not is_valid_cuit(p.documento_nro.zfill(11)):
        notes.append(
            f"El CUIT/CUIL informado ({p.documento_nro}) no se encuentra activo en el padron de "
            "AFIP. [ codigo: 10017 ]"
        )
    return notes


OBSERVACION_10063 = (
    "El receptor informado no se encuentra registrado como contribuyente activo en IVA o "
    "Monotributo. [ codigo: 10063 ]"
)


def vencimiento_cae(fecha: date) -> date:
    return fecha + timedelta(days=10)
