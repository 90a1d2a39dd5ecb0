"""Comprobante → the JSON body of `facturacion/nuevo` (tusfacturas-api.md §3).

Deterministic: the same comprobante always gives the same body, so `fingerprint` (SHA-256 of the
canonical JSON, credentials excluded) identifies its content across runs and sheets.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from importer.amounts import comprobante_totals
from importer.comprobantes import Comprobante, Linea

# Defaults for fields the template has no column for (documented in the README).
RUBRO = "Ventas"
RUBRO_GRUPO_CONTABLE = "Ventas"
LISTA_PRECIOS = "Lista general"


def fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def fmt_amount(value: Decimal, places: int = 2) -> str:
    """A decimal string with exactly `places` decimals (values are already rounded upstream)."""
    return f"{value:.{places}f}"


def fmt_unit_price(value: Decimal) -> str:
    """Unit prices keep a third decimal only when they have one (TusFacturas stores three)."""
    return fmt_amount(value, 3) if value != value.quantize(Decimal("0.01")) else fmt_amount(value, 2)


def fmt_quantity(value: Decimal) -> str:
    """Quantities and rates without trailing zeros: 10, 1.5, 1045.25."""
    return format(value.normalize(), "f")


def tf_text(text: str) -> str:
    """TusFacturas' escapes inside printed texts: `%` → `#&#`, line break → `#@#`."""
    return text.replace("%", "#&#").replace("\r\n", "#@#").replace("\n", "#@#").replace("\r", "#@#")


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


def build_payload(c: Comprobante, *, cuit_emisor: str | None = None) -> dict[str, Any]:
    """The body of `facturacion/nuevo` without credentials."""
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
        "fecha": fmt_date(c.fecha),
        "vencimiento": fmt_date(c.vencimiento_efectivo),
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
    if c.periodo_desde or c.periodo_hasta:
        comprobante["periodo_facturado_desde"] = fmt_date(c.periodo_desde or c.periodo_hasta)
        comprobante["periodo_facturado_hasta"] = fmt_date(c.periodo_hasta or c.periodo_desde)
    if letra not in ("C", "E"):
        comprobante["tributos"] = []
    if c.asociado is not None:
        asociado = {
            "tipo_comprobante": c.asociado.tipo,
            "punto_venta": str(c.asociado.punto_venta),
            "numero": str(c.asociado.numero),
            "comprobante_fecha": fmt_date(c.asociado.fecha),
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
