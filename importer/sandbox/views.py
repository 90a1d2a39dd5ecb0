"""The JSON bodies the sandbox answers, shaped as tusfacturas-api.md §5 and §6 show them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from importer.sandbox.fields import Rejection
from importer.sandbox.tablas import REGIMENES, TRIBUTO_TIPOS
from importer.sandbox.values import as_decimal, as_int, json_number

AFIP_CAIDO = (
    "Los servicios de facturacion de AFIP estan presentando errores. Para evitar inconsistencias en tu "
    "numeracion, impediremos que factures por un lapso de 12 minutos. Si el problema continua, este "
    "lapso sera renovado de manera automatica. Disculpa las molestias."
)


def pdf_name(record: dict[str, Any]) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", record["tipo"]).strip("_")
    return f"{slug}-{record['punto_venta']:05d}-{record['numero']:08d}.pdf"


def pdf_urls(base_url: str, account: str, record: dict[str, Any]) -> tuple[str, str]:
    root = f"{base_url}/sandbox/pdf/{account}"
    return f"{root}/{pdf_name(record)}", f"{root}/ticket-{pdf_name(record)}"


def success(record: dict[str, Any], razon_social: str, urls: tuple[str, str]) -> dict[str, Any]:
    cliente = record["cliente"]
    envia = cliente.get("envia_por_mail") == "S"
    nro = f"{record['punto_venta']:05d}-{record['numero']:08d}"
    return {
        "error": "N",
        "errores": [""],
        "rta": f"El comprobante {record['tipo']} {nro} ({razon_social}) se ha guardado correctamente",
        "cae": record["cae"] + " ",
        "requiere_fec": "NO",
        "vencimiento_cae": record["vencimiento_cae"],
        "vencimiento_pago": record["vencimiento_pago"],
        "comprobante_pdf_url": urls[0],
        "comprobante_ticket_url": urls[1],
        "afip_qr": record["afip_qr"] + " ",
        "envio_x_mail": "S" if envia else "N",
        "envio_x_mail_direcciones": str(cliente.get("email") or "") if envia else "",
        "external_reference": record["external_reference"],
        "comprobante_nro": nro,
        "comprobante_tipo": record["tipo"],
        "observaciones": record["observaciones"],
        "micrositios": {"cliente": "", "descarga": ""},
    }


def rejection(errors: list[Rejection], external_reference: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "error": "S",
        "errores": [e.text for e in errors],
        "external_reference": external_reference,
        "error_cod": [],
        "error_details": [{"code": e.code, "text": e.text} for e in errors if e.code],
        **extra,
    }


def simple_error(text: str, **extra: Any) -> dict[str, Any]:
    return {"error": "S", "errores": [text], "rta": "ERROR", **extra}


def maintenance(until: datetime) -> dict[str, Any]:
    # Shown to the minute, rounded up: "hasta las 05:25" must not have passed at 05:25:10.
    shown = (until + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return {
        "error": "S",
        "mantenimiento": 1,
        "mantenimiento_hasta": shown.strftime("%d/%m/%Y %H:%M"),
        "errores": [f"Estaremos realizando tareas de mantenimiento hasta las {shown.strftime('%H:%M')}"],
    }


def afip_down_text(now: datetime) -> str:
    return f"{now.strftime('%d/%m/%Y %H:%M')} hs.  {AFIP_CAIDO}"


def alertas(afip_down: str | None) -> dict[str, Any]:
    if afip_down:
        return {"error": "S", "errores": [], "rta": "ERROR", "novedades": "", "facturacion": afip_down}
    return {
        "error": "N",
        "errores": [""],
        "rta": "OK",
        "facturacion": "OK",
        "prox_mantenimientos_programados": [],
        "novedades": "",
    }


def _num(value: Any, default: int = 0) -> int | float:
    parsed = as_decimal(value)
    return json_number(parsed) if parsed is not None else default


def lookup_entry(record: dict[str, Any], urls: tuple[str, str]) -> dict[str, Any]:
    """One element of `comprobantes` in the lookups (§6.2.3), from a stored comprobante."""
    payload = record["payload"]
    cliente = payload.get("cliente", {})
    comp = payload.get("comprobante", {})
    detalle = []
    for item in comp.get("detalle", []):
        prod = item.get("producto", {})
        cantidad = as_decimal(item.get("cantidad")) or Decimal(0)
        precio = as_decimal(prod.get("precio_unitario_sin_iva")) or Decimal(0)
        bonif = as_decimal(item.get("bonificacion_porcentaje")) or Decimal(0)
        detalle.append(
            {
                "cantidad": json_number(cantidad),
                "producto": {
                    "descripcion": prod.get("descripcion", ""),
                    "precio_unitario": json_number(precio),
                    "alicuota": _num(prod.get("alicuota")),
                    "bonificacion": 0,
                    "impuestos_internos_alicuota": _num(prod.get("impuestos_internos_alicuota")),
                    "unidad_medida": _num(prod.get("unidad_medida"), 7),
                    "precio_total": json_number(
                        (cantidad * precio * (100 - bonif) / 100).quantize(Decimal("0.01"))
                    ),
                },
                "bonificacion_porcentaje": json_number(bonif),
                "leyenda": item.get("leyenda", ""),
            }
        )
    tributos = []
    for t in comp.get("tributos") or []:
        tipo, regimen = as_int(t.get("tipo")), as_int(t.get("regimen"))
        tributos.append(
            {
                "tipo": tipo,
                "tipo_descripcion": TRIBUTO_TIPOS.get(tipo or 0, ""),
                "regimen": regimen,
                "regimen_descripcion": REGIMENES[regimen].nombre if regimen in REGIMENES else "",
                "base_imponible": _num(t.get("base_imponible")),
                "alicuota": _num(t.get("alicuota")),
                "total": _num(t.get("total")),
            }
        )
    return {
        "cliente": {
            "documento_tipo": cliente.get("documento_tipo", ""),
            "documento_nro": f"{record['cliente_documento_nro']} ",
            "razon_social": cliente.get("razon_social", ""),
            "email": cliente.get("email", ""),
            "domicilio": cliente.get("domicilio", ""),
        },
        "comprobante": {
            "fecha": record["fecha"],
            "tipo": record["tipo"],
            "moneda": record["moneda"],
            "idioma": _num(comp.get("idioma"), 1),
            "cotizacion": _num(record["cotizacion"], 1),
            "operacion": "V",
            "punto_venta": record["punto_venta"],
            "numero": record["numero"],
            "periodo_facturado_desde": comp.get("periodo_facturado_desde", ""),
            "periodo_facturado_hasta": comp.get("periodo_facturado_hasta", ""),
            "rubro": comp.get("rubro", ""),
            "rubro_grupo_contable": comp.get("rubro_grupo_contable", ""),
            "detalle": detalle,
            "bonificacion": _num(comp.get("bonificacion")),
            "leyenda_gral": comp.get("leyenda_gral", ""),
            "tributos": tributos,
            "exentos": _num(comp.get("exentos")),
            "nogravados": 0,
            "impuestos_internos": _num(comp.get("impuestos_internos")),
            "impuestos_internos_base": _num(comp.get("impuestos_internos_base")),
            "impuestos_internos_alicuota": _num(comp.get("impuestos_internos_alicuota")),
            "total": json_number(Decimal(record["total"])),
            "cae": record["cae"] + " ",
            "external_reference": record["external_reference"],
            "tags": comp.get("tags") or [],
            "ctacte_status": "IMPAGA",
            "status": "EMITIDO",
            "afip_observaciones": record["observaciones"],
            "afip_qr": record["afip_qr"] + " ",
            "vencimiento_cae": record["vencimiento_cae"],
            "vencimiento_pago": record["vencimiento_pago"],
            "comprobante_pdf_url": urls[0],
            "comprobante_ticket_url": urls[1],
            "micrositios": {"cliente": "", "descarga": ""},
        },
    }
