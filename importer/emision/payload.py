"""Comprobante → the JSON body of `facturacion/nuevo` (tusfacturas-api.md §3).

Deterministic: the same comprobante always gives the same body, so `fingerprint` (SHA-256 of the
canonical JSON, credentials excluded) identifies its content across runs and sheets.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from importer.dominio.amounts import comprobante_totals
from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, DatosFce, Linea, Tributo
from importer.dominio.formato import fecha_texto
from importer.dominio.texto import tf_text

# Defaults for fields the template has no column for (documented in the README).
RUBRO = "Ventas"
RUBRO_GRUPO_CONTABLE = "Ventas"
LISTA_PRECIOS = "Lista general"

# FCE MiPyME in `rg_especiales` (tusfacturas-api.md §3.8, §4.11, §9.7).
REGIMEN_FCE = "Factura de Crédito Electrónica MiPyMEs (FCE)"
FCE_CBU, FCE_ALIAS, FCE_ANULACION, FCE_REFERENCIA, FCE_TRANSFERENCIA = 2101, 2102, 22, 23, 27


def fmt_amount(value: Decimal, places: int = 2) -> str:
    """A decimal string with exactly `places` decimals (values are already rounded upstream)."""
    return f"{value:.{places}f}"


def fmt_unit_price(value: Decimal) -> str:
    """Unit prices keep a third decimal only when they have one (TusFacturas stores three)."""
    return fmt_amount(value, 3) if value != value.quantize(Decimal("0.01")) else fmt_amount(value, 2)


def fmt_quantity(value: Decimal) -> str:
    """Quantities and rates without trailing zeros: 10, 1.5, 1045.25."""
    return format(value.normalize(), "f")


def _item(linea: Linea, letra: str) -> dict[str, Any]:
    alicuota = "0" if letra in ("C", "E") else linea.alicuota
    return {
        "cantidad": fmt_quantity(linea.cantidad),
        "afecta_stock": "N",
        "bonificacion_porcentaje": fmt_amount(linea.bonificacion_porcentaje),
        "leyenda": tf_text(linea.leyenda),
        "producto": {
            "descripcion": tf_text(linea.descripcion),
            "unidad_bulto": "1",
            "lista_precios": LISTA_PRECIOS,
            "codigo": linea.codigo_producto,
            "precio_unitario_sin_iva": fmt_unit_price(linea.precio_unitario),
            "alicuota": alicuota,
            "unidad_medida": linea.unidad_medida,
            "actualiza_precio": "N",
            "rg5329": "N",
        },
    }


def _tributo(t: Tributo) -> dict[str, Any]:
    """One perception (§3.6): codes as integers, amounts with two decimals."""
    return {
        "tipo": int(t.tipo),
        "regimen": t.regimen,
        "base_imponible": fmt_amount(t.base_imponible),
        "alicuota": fmt_amount(t.alicuota),
        "total": fmt_amount(t.importe),
    }


def _rg_especiales(c: Comprobante) -> dict[str, Any]:
    """The FCE data (§3.8, §9.7): facturas carry CBU, alias, SCA/ADC; notas the anulación; both
    the commercial reference. Empty values are left out (TusFacturas skips them anyway)."""
    fce = c.fce or DatosFce()
    if c.tipo_info.es_nota:
        datos = [(FCE_ANULACION, fce.anulacion)]
    else:
        datos = [(FCE_CBU, fce.cbu), (FCE_ALIAS, fce.alias), (FCE_TRANSFERENCIA, fce.transferencia)]
    datos.append((FCE_REFERENCIA, fce.referencia_comercial))
    return {
        "regimen": REGIMEN_FCE,
        "datos": [{"id": ident, "valor": valor} for ident, valor in datos if valor],
    }


def build_payload(c: Comprobante, *, cuit_emisor: str | None = None) -> dict[str, Any]:
    """The body of `facturacion/nuevo` without credentials.

    `cuit_emisor` (the account's CUIT) goes in the asociado of a nota; without it, the sheet's
    `emisor_cuit`. A comprobante without perceptions and FCE data gives the body it gave before
    they existed, byte for byte: ledgers compare fingerprints across versions.
    """
    cliente = c.cliente
    cliente_body = {
        "documento_tipo": cliente.documento_tipo,
        "documento_nro": cliente.documento_nro,
        "razon_social": cliente.razon_social,
        "email": cliente.email,
        "domicilio": cliente.domicilio or "No especifica",
        "provincia": cliente.provincia,
        "envia_por_mail": "S" if cliente.envia_por_mail else "N",
        "condicion_pago": c.condicion_pago,
        "condicion_iva": cliente.condicion_iva,
        "condicion_iva_operacion": cliente.condicion_iva,
        # The customer master is matched by code or document; the document is the stable code.
        "codigo": "CF" if cliente.anonimo else cliente.documento_nro[:20],
        "rg5329": "N",
        "reclama_deuda": "N",
    }
    letra = c.letra
    comprobante: dict[str, Any] = {
        "fecha": fecha_texto(c.fecha),
        "vencimiento": fecha_texto(c.vencimiento_efectivo),
        "tipo": c.tipo,
        "operacion": "V",
        "idioma": "1",
        "punto_venta": str(c.punto_venta),
        "moneda": c.moneda,
        "cotizacion": fmt_quantity(c.cotizacion),
        "rubro": RUBRO,
        "rubro_grupo_contable": RUBRO_GRUPO_CONTABLE,
        "external_reference": c.referencia,
        "datos_informativos": {"paga_misma_moneda": "N"},
        "detalle": [_item(linea, letra) for linea in c.lineas],
        "bonificacion": "0.00",
        "leyenda_gral": tf_text(c.leyenda_general),
        "total": fmt_amount(comprobante_totals(c).total),
    }
    desde, hasta = c.periodo_desde or c.periodo_hasta, c.periodo_hasta or c.periodo_desde
    if desde is not None and hasta is not None:  # one date alone stands for both
        comprobante["periodo_facturado_desde"] = fecha_texto(desde)
        comprobante["periodo_facturado_hasta"] = fecha_texto(hasta)
    if letra not in ("C", "E") or c.tributos:  # on C/E only if the sheet has some: AFIP says no
        comprobante["tributos"] = [_tributo(t) for t in c.tributos]
    if c.es_fce:
        comprobante["rg_especiales"] = _rg_especiales(c)
    cuit_emisor = cuit_emisor or c.emisor_cuit
    if c.asociado is not None:
        asociado = {
            "tipo_comprobante": c.asociado.tipo,
            "punto_venta": str(c.asociado.punto_venta),
            "numero": str(c.asociado.numero),
            "comprobante_fecha": fecha_texto(c.asociado.fecha),
        }
        if cuit_emisor:
            asociado["cuit"] = cuit_emisor
        comprobante["comprobantes_asociados"] = [asociado]
    return {"cliente": cliente_body, "comprobante": comprobante}


def canonical_json(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def fingerprint(body: dict[str, Any]) -> str:
    """SHA-256 of the body's content; credentials are never part of it."""
    clean = {k: v for k, v in body.items() if k not in ("usertoken", "apikey", "apitoken")}
    return hashlib.sha256(canonical_json(clean).encode("utf-8")).hexdigest()


def _from_tf_text(text: str) -> str:
    return text.replace("#&#", "%").replace("#@#", "\n")


def _parse_date(text: str | None) -> date | None:
    return datetime.strptime(text, "%d/%m/%Y").date() if text else None


def comprobante_from_payload(body: dict[str, Any], *, filas: tuple[int, ...]) -> Comprobante:
    """The comprobante a recorded payload describes: what was actually sent, for the results of a
    comprobante whose rows were edited after it was emitted. Inverse of `build_payload`."""
    cli, comp = body["cliente"], body["comprobante"]
    fila = filas[0] if filas else 0
    lineas = tuple(
        Linea(
            fila=fila,
            descripcion=_from_tf_text(item["producto"]["descripcion"]),
            cantidad=Decimal(item["cantidad"]),
            precio_unitario=Decimal(item["producto"]["precio_unitario_sin_iva"]),
            alicuota=item["producto"]["alicuota"],
            bonificacion_porcentaje=Decimal(item["bonificacion_porcentaje"]),
            unidad_medida=item["producto"]["unidad_medida"],
            codigo_producto=item["producto"]["codigo"],
            leyenda=_from_tf_text(item["leyenda"]),
        )
        for item in comp["detalle"]
    )
    asociados = comp.get("comprobantes_asociados") or []
    asociado = None
    if asociados:
        a = asociados[0]
        fecha_asociado = _parse_date(a["comprobante_fecha"])
        if fecha_asociado is None:
            raise ValueError("comprobante asociado sin fecha")
        asociado = Asociado(a["tipo_comprobante"], int(a["punto_venta"]), int(a["numero"]), fecha_asociado)
    tributos = tuple(
        Tributo(
            fila=0,  # a row of the Tributos sheet: unknown from what was sent
            tipo=str(t["tipo"]),
            regimen=int(t["regimen"]),
            base_imponible=Decimal(t["base_imponible"]),
            alicuota=Decimal(t["alicuota"]),
            importe=Decimal(t["total"]),
        )
        for t in comp.get("tributos") or ()
    )
    return Comprobante(
        referencia=comp["external_reference"],
        filas=filas,
        fecha=_parse_date(comp["fecha"]),  # type: ignore[arg-type]
        tipo=comp["tipo"],
        punto_venta=int(comp["punto_venta"]),
        cliente=Cliente(
            documento_tipo=cli["documento_tipo"],
            documento_nro=cli["documento_nro"],
            razon_social=cli["razon_social"],
            condicion_iva=cli["condicion_iva"],
            domicilio=cli["domicilio"],
            provincia=cli["provincia"],
            email=cli["email"],
            envia_por_mail=cli["envia_por_mail"] == "S",
        ),
        lineas=lineas,
        moneda=comp["moneda"],
        cotizacion=Decimal(comp["cotizacion"]),
        vencimiento=_parse_date(comp["vencimiento"]),
        periodo_desde=_parse_date(comp.get("periodo_facturado_desde")),
        periodo_hasta=_parse_date(comp.get("periodo_facturado_hasta")),
        condicion_pago=cli["condicion_pago"],
        asociado=asociado,
        leyenda_general=_from_tf_text(comp["leyenda_gral"]),
        tributos=tributos,
        fce=_fce_from_payload(comp.get("rg_especiales")),
    )


def _fce_from_payload(rg: dict[str, Any] | None) -> DatosFce | None:
    if not rg or rg.get("regimen") != REGIMEN_FCE:
        return None
    datos = {int(d["id"]): str(d["valor"]) for d in rg.get("datos") or ()}
    return DatosFce(
        cbu=datos.get(FCE_CBU, ""),
        alias=datos.get(FCE_ALIAS, ""),
        transferencia=datos.get(FCE_TRANSFERENCIA, ""),
        anulacion=datos.get(FCE_ANULACION, ""),
        referencia_comercial=datos.get(FCE_REFERENCIA, ""),
    )
