"""Request builders for the sandbox tests."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import requests

from importer.sandbox import Sandbox
from importer.sandbox.values import fmt_date

CUIT_CLIENTE = "30698765433"


def item(precio: str = "1000.00", alicuota: str = "21", cantidad: str = "1", **extra: Any) -> dict[str, Any]:
    return {
        "cantidad": cantidad,
        "afecta_stock": "N",
        "bonificacion_porcentaje": "0",
        "leyenda": "",
        "producto": {
            "descripcion": "Tornillo hexagonal 1/4",
            "unidad_bulto": "1",
            "lista_precios": "Lista general",
            "codigo": "TOR-14",
            "precio_unitario_sin_iva": precio,
            "alicuota": alicuota,
            "unidad_medida": "7",
            "actualiza_precio": "N",
            "rg5329": "N",
            **extra,
        },
    }


def cliente(**changes: Any) -> dict[str, Any]:
    base = {
        "documento_tipo": "CUIT",
        "documento_nro": CUIT_CLIENTE,
        "razon_social": "Ferretería del Sur SRL",
        "email": "",
        "domicilio": "Av. Mitre 1234, Avellaneda",
        "provincia": "2",
        "envia_por_mail": "N",
        "condicion_pago": "201",
        "condicion_iva": "RI",
        "codigo": CUIT_CLIENTE,
        "rg5329": "N",
        "reclama_deuda": "N",
    }
    base.update(changes)
    return base


CONSUMIDOR_FINAL = {
    "documento_tipo": "OTRO",
    "documento_nro": "0",
    "razon_social": "Consumidor final",
    "condicion_iva": "CF",
    "codigo": "CF",
}


def factura(
    fecha: date,
    referencia: str = "REF-0001",
    /,
    *,
    cliente_changes: dict[str, Any] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A valid FACTURA A (products, RI customer, 1 × 1000 @ 21 % = 1210.00) without credentials."""
    comprobante = {
        "fecha": fmt_date(fecha),
        "vencimiento": fmt_date(fecha),
        "tipo": "FACTURA A",
        "operacion": "V",
        "idioma": "1",
        "punto_venta": "1",
        "moneda": "PES",
        "cotizacion": "1",
        "rubro": "Ventas",
        "rubro_grupo_contable": "Ventas",
        "external_reference": referencia,
        "detalle": [item()],
        "bonificacion": "0.00",
        "tributos": [],
        "leyenda_gral": "",
        "total": "1210.00",
    }
    comprobante.update(changes)
    return {"cliente": cliente(**(cliente_changes or {})), "comprobante": comprobante}


def post(
    sb: Sandbox,
    endpoint: str,
    body: dict[str, Any],
    *,
    credentials: dict[str, Any] | None = None,
    session: requests.Session | None = None,
    timeout: float = 10,
) -> requests.Response:
    sender = session or requests
    payload = {**(sb.credentials if credentials is None else credentials), **copy.deepcopy(body)}
    return sender.post(f"{sb.base_url}/{endpoint}", json=payload, timeout=timeout)


def emitir(sb: Sandbox, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    response = post(sb, "facturacion/nuevo", body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def por_referencia(sb: Sandbox, referencia: str, **kwargs: Any) -> dict[str, Any]:
    body = {
        "busqueda_tipo": "EXT_REF",
        "pagina": 0,
        "limite": 100,
        "comprobante": {"external_reference": referencia, "operacion": "V"},
    }
    response = post(sb, "facturacion/consulta_avanzada", body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def dias(base: date, n: int) -> date:
    return base + timedelta(days=n)
