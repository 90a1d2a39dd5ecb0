"""The JSON sent to facturacion/nuevo: complete, deterministic, fingerprinted without secrets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, Linea
from importer.emision.payload import build_payload, fingerprint

CLIENTE = Cliente(
    "CUIT",
    "30698765433",
    "Ferretería del Sur SRL",
    "RI",
    "Av. Mitre 1234",
    "2",
    "compras@ferreteria.com.ar",
    True,
)


def factura_a(**kw):
    values = dict(
        referencia="LIBRO2025-07_FILA0042",
        filas=(2, 3, 4),
        fecha=date(2025, 7, 14),
        tipo="FACTURA A",
        punto_venta=3,
        cliente=CLIENTE,
        lineas=(
            Linea(2, "Tornillo hexagonal 1/4", D("10"), D("150"), "21", codigo_producto="TOR-14"),
            Linea(3, "Aceite lubricante multiuso", D("2"), D("2300"), "10.5", leyenda="Envase 1 litro"),
            Linea(4, "Llave ajustable 12 pulgadas", D("1"), D("5000"), "21", D("10")),
        ),
        vencimiento=date(2025, 8, 13),
        condicion_pago="202",
        leyenda_general="Según OC-7781 con 5% off",
    )
    values.update(kw)
    return Comprobante(**values)


def nota_credito():
    """A service nota de crédito A crediting Factura A 00003-00000125."""
    return factura_a(
        tipo="NOTA DE CREDITO A",
        referencia="NC-1",
        fecha=date(2025, 7, 18),
        asociado=Asociado("FACTURA A", 3, 125, date(2025, 7, 14)),
        periodo_desde=date(2025, 7, 1),
        periodo_hasta=date(2025, 7, 31),
    )


def test_every_required_field_is_present_with_documented_defaults():
    body = build_payload(factura_a())
    cliente, comp = body["cliente"], body["comprobante"]
    for key in (
        "documento_tipo",
        "documento_nro",
        "razon_social",
        "domicilio",
        "provincia",
        "envia_por_mail",
        "condicion_pago",
        "condicion_iva",
        "condicion_iva_operacion",
        "codigo",
        "rg5329",
        "reclama_deuda",
    ):
        assert key in cliente, key
    assert (cliente["envia_por_mail"], cliente["rg5329"], cliente["reclama_deuda"]) == ("S", "N", "N")
    for key in (
        "fecha",
        "vencimiento",
        "tipo",
        "operacion",
        "idioma",
        "punto_venta",
        "moneda",
        "cotizacion",
        "rubro",
        "rubro_grupo_contable",
        "detalle",
        "total",
        "external_reference",
    ):
        assert key in comp, key
    assert (comp["operacion"], comp["idioma"], comp["fecha"], comp["vencimiento"]) == (
        "V",
        "1",
        "14/07/2025",
        "13/08/2025",
    )
    item = comp["detalle"][2]
    assert item["afecta_stock"] == "N" and item["bonificacion_porcentaje"] == "10.00"
    producto = item["producto"]
    assert producto["precio_unitario_sin_iva"] == "5000.00" and producto["alicuota"] == "21"
    assert (producto["unidad_bulto"], producto["actualiza_precio"], producto["rg5329"]) == ("1", "N", "N")
    assert producto["unidad_medida"] == "7" and len(producto["lista_precios"]) >= 4


def test_total_is_computed_by_the_fiscal_rules_and_texts_are_escaped():
    comp = build_payload(factura_a())["comprobante"]
    # tusfacturas-api.md §10.1 without its IIBB perception: 6000 + 4600 + 1260 + 483
    assert comp["total"] == "12343.00"
    assert comp["leyenda_gral"] == "Según OC-7781 con 5#&# off"


def test_letter_c_sends_alicuota_zero_and_no_tributos():
    c = factura_a(tipo="FACTURA C", lineas=(Linea(2, "Honorarios", D("1"), D("350000"), "0"),))
    comp = build_payload(c)["comprobante"]
    assert comp["detalle"][0]["producto"]["alicuota"] == "0"
    assert "tributos" not in comp and comp["total"] == "350000.00"


def test_unit_price_keeps_a_third_decimal_only_when_present():
    c = factura_a(
        lineas=(Linea(2, "Cable", D("3"), D("12.345"), "21"), Linea(3, "Caja", D("1.5"), D("2"), "21"))
    )
    detalle = build_payload(c)["comprobante"]["detalle"]
    assert detalle[0]["producto"]["precio_unitario_sin_iva"] == "12.345"
    assert detalle[1]["producto"]["precio_unitario_sin_iva"] == "2.00"
    assert detalle[1]["cantidad"] == "1.5"


def test_notes_carry_their_associated_comprobante_and_services_their_period():
    nc = nota_credito()
    comp = build_payload(nc, cuit_emisor="30712345671")["comprobante"]
    assert comp["comprobantes_asociados"] == [
        {
            "tipo_comprobante": "FACTURA A",
            "punto_venta": "3",
            "numero": "125",
            "comprobante_fecha": "14/07/2025",
            "cuit": "30712345671",
        }
    ]
    assert (comp["periodo_facturado_desde"], comp["periodo_facturado_hasta"]) == ("01/07/2025", "31/07/2025")


def test_payload_is_deterministic_and_its_fingerprint_ignores_credentials():
    a, b = build_payload(factura_a()), build_payload(factura_a())
    assert a == b and fingerprint(a) == fingerprint(b)
    assert fingerprint({**a, "usertoken": "x", "apikey": "y", "apitoken": "z"}) == fingerprint(a)
    changed = build_payload(
        factura_a(cliente=CLIENTE.__class__(**{**CLIENTE.__dict__, "razon_social": "Otro"}))
    )
    assert fingerprint(changed) != fingerprint(a)


def test_anonymous_consumidor_final():
    anon = Cliente("OTRO", "0", "Consumidor Final", "CF")
    c = factura_a(tipo="FACTURA B", cliente=anon)
    cliente = build_payload(c)["cliente"]
    assert (cliente["documento_tipo"], cliente["documento_nro"], cliente["codigo"]) == ("OTRO", "0", "CF")
    assert cliente["domicilio"] == "No especifica" and cliente["provincia"] == "26"


def test_a_recorded_payload_gives_back_the_comprobante_that_was_sent():
    from importer.emision.payload import comprobante_from_payload

    nc = nota_credito()
    for original in (factura_a(), nc):
        body = build_payload(original, cuit_emisor="30712345671")
        again = comprobante_from_payload(body, filas=original.filas)
        assert build_payload(again, cuit_emisor="30712345671") == body
        assert again.cliente == original.cliente and again.asociado == original.asociado
