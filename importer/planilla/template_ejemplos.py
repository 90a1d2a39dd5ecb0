"""The template's worked examples and the instructions of its perceptions and FCE parts.

Examples 1–3: a Factura A of several lines, a Factura B to an unidentified consumidor final and a
Nota de Crédito A. Examples 4–5 use the newer parts: an agente de percepción's Factura A with its
`Tributos` row, and an FCE MiPyME A.

The sheet itself is written by `template.py` from `columnas_tributos.TRIBUTOS_COLUMNS`, the same
way as Comprobantes (notes, formats, drop-downs from the hidden `Listas` sheet).
"""

from __future__ import annotations

import datetime

FECHA_EJEMPLO = datetime.date(2026, 11, 10)

# Worked examples: (title, note, rows). Values are what a user types; totals are computed below.
EXAMPLE_COLUMNS = (
    "referencia", "fecha", "tipo", "punto_venta", "cliente_condicion_iva", "descripcion", "cantidad",
    "precio_unitario", "alicuota_iva", "bonificacion_porcentaje", "cliente_documento_tipo",
    "cliente_documento_nro", "cliente_razon_social", "asociado_tipo", "asociado_punto_venta",
    "asociado_numero", "asociado_fecha",
)  # fmt: skip
EXAMPLES: tuple[tuple[str, str, tuple[dict[str, object], ...]], ...] = (
    (
        "Ejemplo 1: Factura A de varias líneas a un Responsable Inscripto (21 % y 10,5 %)",
        "La segunda y la tercera fila heredan los datos del comprobante de la primera.",
        (
            {"referencia": "FA-2026-0001", "fecha": FECHA_EJEMPLO, "tipo": "FACTURA A", "punto_venta": 1,
             "cliente_condicion_iva": "RI", "cliente_documento_tipo": "CUIT",
             "cliente_documento_nro": "30-71234567-1", "cliente_razon_social": "Ferretería del Sur SRL",
             "descripcion": "Cable unipolar 2,5 mm² (rollo 100 m)", "cantidad": 4, "precio_unitario": 38500,
             "alicuota_iva": "21"},
            {"referencia": "FA-2026-0001", "descripcion": "Disyuntor diferencial 2x40 A", "cantidad": 2,
             "precio_unitario": 27350.5, "alicuota_iva": "21", "bonificacion_porcentaje": 10},
            {"referencia": "FA-2026-0001", "descripcion": "Amoladora angular industrial 2200 W (bien de capital)",
             "cantidad": 1, "precio_unitario": 189900, "alicuota_iva": "10.5"},
        ),
    ),
    (
        "Ejemplo 2: Factura B a consumidor final sin identificar",
        "Documento OTRO con número 0; solo se admite por debajo del tope de AFIP para consumidor final.",
        (
            {"referencia": "FB-2026-0001", "fecha": FECHA_EJEMPLO, "tipo": "FACTURA B", "punto_venta": 1,
             "cliente_condicion_iva": "CF", "cliente_documento_tipo": "OTRO", "cliente_documento_nro": "0",
             "cliente_razon_social": "Consumidor Final", "descripcion": "Lámpara LED 9 W luz fría",
             "cantidad": 6, "precio_unitario": 2150, "alicuota_iva": "21"},
        ),
    ),
    (
        "Ejemplo 3: Nota de Crédito A por la devolución de parte de la Factura A del ejemplo 1",
        "asociado_numero es el número que TusFacturas asignó a la factura (columna comprobante_numero "
        "de los resultados, 00001-00000125 en este ejemplo).",
        (
            {"referencia": "NCA-2026-0001", "fecha": FECHA_EJEMPLO + datetime.timedelta(days=2),
             "tipo": "NOTA DE CREDITO A", "punto_venta": 1, "cliente_condicion_iva": "RI",
             "cliente_documento_tipo": "CUIT", "cliente_documento_nro": "30-71234567-1",
             "cliente_razon_social": "Ferretería del Sur SRL", "asociado_tipo": "FACTURA A",
             "asociado_punto_venta": 1, "asociado_numero": 125, "asociado_fecha": FECHA_EJEMPLO,
             "descripcion": "Devolución: disyuntor diferencial 2x40 A", "cantidad": 1,
             "precio_unitario": 27350.5, "alicuota_iva": "21", "bonificacion_porcentaje": 10},
        ),
    ),
)  # fmt: skip


TRIBUTOS_INSTRUCTIONS = (
    "Solo para agentes de percepción (IVA, IIBB, impuestos nacionales): una fila por percepción.",
    "La referencia une la percepción con su comprobante de la hoja Comprobantes; una referencia que no "
    "existe allí es un error de esa fila.",
    "tributo: IVA, IIBB o NACIONAL. regimen: para IIBB la jurisdicción (Buenos Aires, CABA, Córdoba…), "
    "para IVA RG 2408, RG 5329 o No especificado, para NACIONAL Ganancias, Bienes Personales…",
    "importe: si lo deja vacío es base_imponible × alicuota / 100 redondeado al centavo; si lo completa "
    "debe coincidir con esa cuenta (diferencia máxima 0,01).",
    "El total del comprobante incluye sus percepciones (también para total_control).",
    "Hasta 7 percepciones por comprobante; ninguna en comprobantes C, E ni FCE C; la misma percepción "
    "(tributo, régimen y alícuota) no puede repetirse en un comprobante.",
    "Si una fila de Tributos tiene un error, su comprobante no se emite hasta corregirla.",
)

FCE_INSTRUCTIONS = (
    "Las columnas fce_* son solo para FCE MiPyME (tipo FCE A, NC FCE A, ND FCE B…); en otro tipo son un error.",
    "Facturas FCE: fce_cbu (22 dígitos, como texto) y vencimiento obligatorios; fce_transferencia SCA "
    "(por defecto) o ADC; fce_alias opcional.",
    "Notas de crédito y débito FCE: fce_anulacion S o N obligatoria; no llevan CBU, alias ni transferencia.",
    "El CBU, el alias y la transferencia pueden configurarse una vez (TF_IMPORT_FCE_CBU, TF_IMPORT_FCE_ALIAS, "
    "TF_IMPORT_FCE_TRANSFERENCIA o la cuenta); lo escrito en la fila tiene prioridad.",
    "emisor_cuit: solo si tiene varias cuentas con el mismo punto de venta; indica qué CUIT emite.",
)

# (title, note, Comprobantes rows, Tributos rows)
EXAMPLES_TRIBUTOS: tuple[tuple[str, str, tuple[dict[str, object], ...], tuple[dict[str, object], ...]], ...] = (
    (
        "Ejemplo 4: Factura A de un agente de percepción de Ingresos Brutos de Buenos Aires (3 %)",
        "La percepción va en la hoja Tributos con la misma referencia; el importe vacío se calcula "
        "(125.000 × 3 / 100 = 3.750) y se suma al total.",
        (
            {"referencia": "FA-2026-0002", "fecha": FECHA_EJEMPLO, "tipo": "FACTURA A", "punto_venta": 1,
             "cliente_condicion_iva": "RI", "cliente_documento_tipo": "CUIT",
             "cliente_documento_nro": "30-71234567-1", "cliente_razon_social": "Ferretería del Sur SRL",
             "descripcion": "Caño corrugado 3/4 (rollo 25 m)", "cantidad": 10, "precio_unitario": 12500,
             "alicuota_iva": "21"},
        ),
        (
            {"referencia": "FA-2026-0002", "tributo": "IIBB", "regimen": "Buenos Aires",
             "base_imponible": 125000, "alicuota": 3, "descripcion": "Percepción ARBA"},
        ),
    ),
    (
        "Ejemplo 5: Factura de Crédito Electrónica MiPyME A a una gran empresa",
        "vencimiento es obligatorio; fce_cbu es el CBU del emisor (escrito como texto) y fce_transferencia "
        "SCA o ADC.",
        (
            {"referencia": "FCE-2026-0001", "fecha": FECHA_EJEMPLO, "tipo": "FCE A", "punto_venta": 1,
             "cliente_condicion_iva": "RI", "cliente_documento_tipo": "CUIT",
             "cliente_documento_nro": "30-71111111-1", "cliente_razon_social": "Grandes Obras SA",
             "descripcion": "Tablero eléctrico industrial armado", "cantidad": 1, "precio_unitario": 4500000,
             "alicuota_iva": "21", "vencimiento": FECHA_EJEMPLO + datetime.timedelta(days=30),
             "fce_cbu": "0170215820000005295250", "fce_transferencia": "SCA"},
        ),
        (),
    ),
)  # fmt: skip
