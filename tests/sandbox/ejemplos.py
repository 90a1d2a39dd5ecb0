"""The four complete requests of tusfacturas-api.md §10, as written there (credentials apart)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from importer.sandbox import IssuerProfile

# The issuers the examples were written for (their CUITs are taken as the docs print them).
EMISOR_RI_DOCS = IssuerProfile.responsable_inscripto(
    cuit="30712345678", razon_social="METALURGICA EJEMPLO SA"
)
EMISOR_MONOTRIBUTO_DOCS = IssuerProfile.monotributo(cuit="20304050607", razon_social="JUAN EJEMPLO")
HOY_10_1 = date(2025, 7, 18)  # inside every window of 10.1, 10.2 and 10.4
HOY_10_3 = date(2025, 7, 5)

_CLIENTE_FERRETERIA = {
    "documento_tipo": "CUIT",
    "documento_nro": "30698765432",
    "razon_social": "Ferretería del Sur SRL",
    "email": "compras@ferreteriadelsur.com.ar",
    "domicilio": "Av. Mitre 1234, Avellaneda",
    "provincia": "2",
    "envia_por_mail": "S",
    "condicion_pago": "202",
    "condicion_iva": "RI",
    "condicion_iva_operacion": "RI",
    "codigo": "CLI-0042",
    "rg5329": "N",
    "reclama_deuda": "N",
}


def _producto(
    descripcion: str, codigo: str, precio: str, alicuota: str, lista: str = "Lista general", **extra: Any
) -> dict[str, Any]:
    return {
        "descripcion": descripcion,
        "unidad_bulto": "1",
        "lista_precios": lista,
        "codigo": codigo,
        "precio_unitario_sin_iva": precio,
        "alicuota": alicuota,
        "unidad_medida": "7",
        "actualiza_precio": "N",
        **extra,
        "rg5329": "N",
    }


FACTURA_A_10_1: dict[str, Any] = {
    "cliente": _CLIENTE_FERRETERIA,
    "comprobante": {
        "fecha": "14/07/2025",
        "vencimiento": "13/08/2025",
        "tipo": "FACTURA A",
        "operacion": "V",
        "idioma": "1",
        "punto_venta": "3",
        "moneda": "PES",
        "cotizacion": "1",
        "periodo_facturado_desde": "14/07/2025",
        "periodo_facturado_hasta": "14/07/2025",
        "rubro": "Ferretería",
        "rubro_grupo_contable": "Ventas",
        "external_reference": "LIBRO2025-07_FILA0042",
        "datos_informativos": {"paga_misma_moneda": "N"},
        "detalle": [
            {
                "cantidad": "10",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "",
                "producto": _producto(
                    "Tornillo hexagonal 1/4", "TOR-14", "150.00", "21", impuestos_internos_alicuota=0
                ),
            },
            {
                "cantidad": "2",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "Envase 1 litro",
                "producto": _producto(
                    "Aceite lubricante multiuso", "ACE-1L", "2300.00", "10.5", impuestos_internos_alicuota=0
                ),
            },
            {
                "cantidad": "1",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "10",
                "leyenda": "",
                "producto": _producto(
                    "Llave ajustable 12 pulgadas", "LLA-12", "5000.00", "21", impuestos_internos_alicuota=0
                ),
            },
        ],
        "bonificacion": "0.00",
        "tributos": [{"tipo": 7, "regimen": 5, "base_imponible": 10600.00, "alicuota": 1.5, "total": 159.00}],
        "impuestos_internos": "0",
        "impuestos_internos_base": "0",
        "impuestos_internos_alicuota": "0",
        "leyenda_gral": "Según orden de compra OC-7781",
        "total": "12502.00",
    },
}

FACTURA_B_10_2: dict[str, Any] = {
    "cliente": {
        "documento_tipo": "OTRO",
        "documento_nro": "0",
        "razon_social": "Consumidor final",
        "email": "",
        "domicilio": "No especifica",
        "provincia": "26",
        "envia_por_mail": "N",
        "condicion_pago": "201",
        "condicion_iva": "CF",
        "condicion_iva_operacion": "CF",
        "codigo": "CF",
        "rg5329": "N",
        "reclama_deuda": "N",
    },
    "comprobante": {
        "fecha": "14/07/2025",
        "vencimiento": "14/07/2025",
        "tipo": "FACTURA B",
        "operacion": "V",
        "idioma": "1",
        "punto_venta": "3",
        "moneda": "PES",
        "cotizacion": "1",
        "periodo_facturado_desde": "14/07/2025",
        "periodo_facturado_hasta": "14/07/2025",
        "rubro": "Mostrador",
        "rubro_grupo_contable": "Ventas",
        "external_reference": "LIBRO2025-07_FILA0043",
        "detalle": [
            {
                "cantidad": "2",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "",
                "producto": _producto("Café molido 500g", "CAF-500", "2500.00", "21"),
            },
            {
                "cantidad": "1",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "",
                "producto": _producto("Pan de molde integral", "PAN-INT", "800.00", "10.5"),
            },
        ],
        "bonificacion": "0.00",
        "tributos": [],
        "leyenda_gral": "",
        "total": "6934.00",
    },
}

FACTURA_C_10_3: dict[str, Any] = {
    "cliente": {
        **_CLIENTE_FERRETERIA,
        "email": "administracion@ferreteriadelsur.com.ar",
        "condicion_pago": "210",
        "codigo": "FDS",
    },
    "comprobante": {
        "fecha": "01/07/2025",
        "vencimiento": "10/07/2025",
        "tipo": "FACTURA C",
        "operacion": "V",
        "idioma": "1",
        "punto_venta": "2",
        "moneda": "PES",
        "cotizacion": "1",
        "periodo_facturado_desde": "01/06/2025",
        "periodo_facturado_hasta": "30/06/2025",
        "rubro": "Servicios informáticos",
        "rubro_grupo_contable": "Servicios",
        "external_reference": "HONORARIOS_2025-06_FDS",
        "detalle": [
            {
                "cantidad": "1",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "Desarrollo y mantenimiento#@#Período junio 2025",
                "producto": _producto(
                    "Honorarios desarrollo de software", "HON-DEV", "350000.00", "0", "Servicios"
                ),
            },
            {
                "cantidad": "1",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "",
                "producto": _producto("Hosting mensual", "HOST-M", "15000.00", "0", "Servicios"),
            },
        ],
        "bonificacion": "0.00",
        "leyenda_gral": "",
        "total": "365000.00",
    },
}

NOTA_CREDITO_A_10_4: dict[str, Any] = {
    "cliente": _CLIENTE_FERRETERIA,
    "comprobante": {
        "fecha": "18/07/2025",
        "vencimiento": "18/07/2025",
        "tipo": "NOTA DE CREDITO A",
        "operacion": "V",
        "idioma": "1",
        "punto_venta": "3",
        "moneda": "PES",
        "cotizacion": "1",
        "periodo_facturado_desde": "18/07/2025",
        "periodo_facturado_hasta": "18/07/2025",
        "rubro": "Ferretería",
        "rubro_grupo_contable": "Ventas",
        "external_reference": "LIBRO2025-07_FILA0050",
        "detalle": [
            {
                "cantidad": "2",
                "afecta_stock": "N",
                "bonificacion_porcentaje": "0",
                "leyenda": "Devolución por envase dañado",
                "producto": _producto("Aceite lubricante multiuso", "ACE-1L", "2300.00", "10.5"),
            },
        ],
        "bonificacion": "0.00",
        "tributos": [],
        "leyenda_gral": "",
        "total": "5083.00",
        "comprobantes_asociados": [
            {
                "tipo_comprobante": "FACTURA A",
                "punto_venta": "3",
                "numero": 125,
                "comprobante_fecha": "14/07/2025",
                "cuit": 30712345678,
            },
        ],
    },
}


def ejemplo(body: dict[str, Any], credentials: dict[str, str], **cambios: Any) -> dict[str, Any]:
    """A deep copy of an example with credentials, and `comprobante` fields replaced by `cambios`."""
    out = copy.deepcopy(body)
    out["comprobante"].update(cambios)
    return {**credentials, **out}
