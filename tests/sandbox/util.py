"""Request builders for the sandbox tests."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import requests

from importer.sandbox import IssuerProfile, Sandbox
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


def rechazo(sb: Sandbox, body: dict[str, Any]) -> list[str]:
    """The messages of a refusal, after checking that nothing was stored."""
    before = len(sb.comprobantes())
    answer = emitir(sb, body)
    assert answer["error"] == "S", answer
    assert len(sb.comprobantes()) == before
    return answer["errores"]


def aceptado(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """The stored comprobante of an accepted request."""
    answer = emitir(sb, body)
    assert answer["error"] == "N", answer["errores"]
    return next(c for c in sb.comprobantes() if c["external_reference"] == answer["external_reference"])


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


# --- FCE MiPyME ---------------------------------------------------------------------------------

FCE = "Factura de Crédito Electrónica MiPyMEs (FCE)"  # rg_especiales régimen, as §4.11 spells it
# TusFacturas' own doc example; its two BCRA check digits, weights 3, 1, 7, 9 from the right:
#   block 1 "0170215" reversed 5 1 2 0 7 1 0 → 15+1+14+0+21+1+0 = 52 → (10 − 2) % 10 = 8 ✓ (8th digit)
#   block 2 "2000000529525" reversed 5 2 5 9 2 5 0 0 0 0 0 0 2
#           → 15+2+35+81+6+5+0+0+0+0+0+0+6 = 150 → (10 − 0) % 10 = 0 ✓ (22nd digit)
CBU = "0170215820000005295250"
FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
NC_FCE_A = "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A"


def rg_fce(**datos: str) -> dict[str, Any]:
    """`rg_especiales` of the FCE régimen; keys are `id_2101`-style names for the data ids."""
    return {
        "regimen": FCE,
        "datos": [{"id": int(k.removeprefix("id_")), "valor": v} for k, v in datos.items()],
    }


def fce_factura(fecha: date, referencia: str = "FCE-0001", /, **changes: Any) -> dict[str, Any]:
    """A valid FCE A factura (1 × 1000 @ 21 % = 1210.00), due in 30 days, CBU and SCA."""
    fields: dict[str, Any] = {
        "tipo": FCE_A,
        "vencimiento": fmt_date(fecha + timedelta(days=30)),
        "rg_especiales": rg_fce(id_2101=CBU, id_27="SCA"),
    }
    fields.update(changes)
    return factura(fecha, referencia, **fields)


def fce_nota(
    fecha: date, asociado: dict[str, Any], referencia: str = "NC-FCE-0001", /, **changes: Any
) -> dict[str, Any]:
    """An NC FCE A of 1210.00 crediting `asociado` (a stored comprobante), anulación N."""
    fields: dict[str, Any] = {
        "tipo": NC_FCE_A,
        "rg_especiales": rg_fce(id_22="N"),
        "comprobantes_asociados": [
            {
                "tipo_comprobante": asociado["tipo"],
                "punto_venta": asociado["punto_venta"],
                "numero": asociado["numero"],
                "comprobante_fecha": asociado["fecha"],
                "cuit": IssuerProfile().cuit,
            }
        ],
    }
    fields.update(changes)
    return factura(fecha, referencia, **fields)
