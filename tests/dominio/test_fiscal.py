"""Fiscal rules on `Comprobante` objects: letters, alícuotas, totals, consumidor final, notas, dates."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from importer.dominio.catalogs import TIPOS_BY_NAME
from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, DatosFce, Linea
from importer.dominio.fiscal import MAX_LINEAS, asociables, pesos, revisar_comprobante

HOY = date(2025, 7, 14)  # a Monday in the middle of the month
RI = Cliente("CUIT", "30698765433", "Ferretería del Sur SRL", "RI")
CF = Cliente("OTRO", "0", "Consumidor final", "CF")
CBU_VALIDO = "0170215820000005295250"


def linea(
    fila: int = 2, cantidad: str = "1", precio: str = "1000", alicuota: str = "21", bonificacion: str = "0"
) -> Linea:
    return Linea(
        fila, "Tornillo hexagonal 1/4", Decimal(cantidad), Decimal(precio), alicuota, Decimal(bonificacion)
    )


def comprobante(**overrides: object) -> Comprobante:
    """A valid Factura A to a Responsable Inscripto, 1 × 1000 @ 21 %, dated HOY."""
    fields: dict[str, object] = {
        "referencia": "FA-1",
        "filas": (2,),
        "fecha": HOY,
        "tipo": "FACTURA A",
        "punto_venta": 3,
        "cliente": RI,
        "lineas": (linea(),),
    }
    fields.update(overrides)
    tipo = TIPOS_BY_NAME[str(fields["tipo"])]
    if tipo.fce and "fce" not in overrides:  # an FCE carries its AFIP data (tested in test_fce_validation)
        fields["fce"] = (
            DatosFce(anulacion="N") if tipo.es_nota else DatosFce(cbu=CBU_VALIDO, transferencia="SCA")
        )
        if not tipo.es_nota and "vencimiento" not in overrides:
            fields["vencimiento"] = fields["fecha"]
    return Comprobante(**fields)  # type: ignore[arg-type]


def revisar(c: Comprobante, **kwargs: object) -> list[tuple[str, str | None, int | None]]:
    return [(p.codigo, p.columna, p.fila) for p in revisar_comprobante(c, hoy=HOY, **kwargs)]  # type: ignore[arg-type]


def mensajes(c: Comprobante) -> list[str]:
    return [p.mensaje for p in revisar_comprobante(c, hoy=HOY)]


def test_valid_factura_a_has_no_problems():
    assert revisar(comprobante()) == []


# --- Letter vs receiver --------------------------------------------------------------------------------------


def test_factura_b_to_a_responsable_inscripto():
    c = comprobante(tipo="FACTURA B")
    assert revisar(c) == [("letra.receptor", "tipo", 2)]
    assert mensajes(c) == ["Una FACTURA B no puede emitirse a un Responsable Inscripto: use FACTURA A."]


def test_nota_b_to_a_monotributista_suggests_the_a_nota():
    c = comprobante(
        tipo="NOTA DE DEBITO B",
        cliente=replace(RI, condicion_iva="M"),
        asociado=Asociado("FACTURA B", 3, 10, HOY),
    )
    assert ("letra.receptor", "tipo", 2) in revisar(c)
    assert "use NOTA DE DEBITO A" in mensajes(c)[0] and "Monotributo" in mensajes(c)[0]


@pytest.mark.parametrize("condicion", ["CF", "E", "CDEX", "IVNA"])
def test_factura_a_only_to_ri_or_monotributo(condicion):
    c = comprobante(cliente=replace(RI, condicion_iva=condicion))
    assert revisar(c) == [("letra.receptor", "tipo", 2)]
    assert "use FACTURA B" in mensajes(c)[0]


@pytest.mark.parametrize("condicion", ["RI", "M"])
def test_factura_a_and_m_to_ri_or_monotributo(condicion):
    for tipo in ("FACTURA A", "FACTURA M", "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"):
        assert revisar(comprobante(tipo=tipo, cliente=replace(RI, condicion_iva=condicion))) == []


@pytest.mark.parametrize("condicion", ["RI", "M", "E", "CF", "CDEX", "IVNA"])
def test_factura_c_to_anyone(condicion):
    assert (
        revisar(
            comprobante(
                tipo="FACTURA C", cliente=replace(RI, condicion_iva=condicion), lineas=(linea(alicuota=""),)
            )
        )
        == []
    )


def test_factura_e_only_abroad():
    c = comprobante(tipo="FACTURA E", lineas=(linea(alicuota="0"),))
    assert revisar(c) == [("letra.receptor", "tipo", 2)]
    extranjero = Cliente("OTRO", "0", "Importadora SA", "CDEX")
    assert revisar(replace(c, cliente=extranjero)) == []


@pytest.mark.parametrize("tipo", ["FACTURA A", "FACTURA M", "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) B"])
def test_letters_that_need_a_cuit(tipo):
    cliente = Cliente("DNI", "12345678", "Juan Pérez", "RI" if tipo[-1] != "B" else "E")
    c = comprobante(tipo=tipo, cliente=cliente)
    assert revisar(c) == [("letra.requiere_cuit", "cliente_documento_tipo", 2)]
    assert "con CUIT, no con DNI" in mensajes(c)[0]


def test_factura_b_to_consumidor_final_with_dni():
    c = comprobante(tipo="FACTURA B", cliente=Cliente("DNI", "12345678", "Juan Pérez", "CF"))
    assert revisar(c) == []


# --- Alícuotas -----------------------------------------------------------------------------------------------------


def test_a_b_m_need_an_alicuota_on_every_line():
    c = comprobante(
        tipo="FACTURA B",
        cliente=CF,
        lineas=(linea(2), linea(3, alicuota=""), linea(4, alicuota="")),
        filas=(2, 3, 4),
    )
    assert revisar(c) == [
        ("alicuota.requerida", "alicuota_iva", 3),
        ("alicuota.requerida", "alicuota_iva", 4),
    ]


def test_missing_alicuota_is_not_reported_again_as_a_wrong_total():
    c = comprobante(lineas=(linea(alicuota=""),), total_control=Decimal("1210"))
    assert revisar(c) == [("alicuota.requerida", "alicuota_iva", 2)]


@pytest.mark.parametrize("alicuota", ["21", "10.5", "-1", "-2"])
def test_c_and_e_carry_no_iva(alicuota):
    c = comprobante(tipo="FACTURA C", lineas=(linea(alicuota=alicuota),))
    assert revisar(c) == [("alicuota.no_permitida", "alicuota_iva", 2)]


def test_exento_and_no_gravado_lines_on_a_factura_a():
    c = comprobante(
        lineas=(linea(2, alicuota="-1"), linea(3, alicuota="-2"), linea(4, alicuota="0")),
        filas=(2, 3, 4),
        total_control=Decimal("3000"),
    )
    assert revisar(c) == []


# --- Totals -------------------------------------------------------------------------------------------------------------


def test_total_control_matches_within_one_cent():
    assert revisar(comprobante(total_control=Decimal("1210.01"))) == []
    assert revisar(comprobante(total_control=Decimal("1209.99"))) == []


def test_total_control_mismatch_shows_both_amounts():
    c = comprobante(total_control=Decimal("1200"))
    assert revisar(c) == [("total.no_coincide", "total_control", 2)]
    assert mensajes(c) == [
        "total_control: el total calculado ($ 1.210,00) no coincide con el indicado ($ 1.200,00); "
        "diferencia $ 10,00."
    ]


def test_total_in_foreign_currency_names_it():
    c = comprobante(moneda="DOL", cotizacion=Decimal("1045.5"), total_control=Decimal("121"))
    assert mensajes(c) == [
        "total_control: el total calculado (DOL 1.210,00) no coincide con el indicado (DOL 121,00); "
        "diferencia DOL 1.089,00."
    ]


def test_total_must_be_positive():
    c = comprobante(lineas=(linea(precio="0"),))
    assert revisar(c) == [("total.no_positivo", "precio_unitario", 2)]
    assert "$ 0,00" in mensajes(c)[0]


def test_worked_example_10_1_without_perception_matches_its_total():
    c = comprobante(
        lineas=(
            linea(2, "10", "150"),
            linea(3, "2", "2300", "10.5"),
            linea(4, "1", "5000", bonificacion="10"),
        ),
        filas=(2, 3, 4),
        total_control=Decimal("12343.00"),
    )
    assert revisar(c) == []


# --- Consumidor final sin identificar --------------------------------------------------------------------------------


def _cf(precio: str, **overrides: object) -> Comprobante:
    fields: dict[str, object] = {
        "tipo": "FACTURA B",
        "cliente": CF,
        "lineas": (linea(precio=precio, alicuota="0"),),
    }
    return comprobante(**{**fields, **overrides})


def test_anonymous_buyer_below_the_ceiling():
    assert revisar(_cf("9999999.99")) == []


def test_anonymous_buyer_at_the_ceiling_must_be_identified():
    c = _cf("10000000")
    assert revisar(c) == [("consumidor_final.tope", "cliente_documento_tipo", 2)]
    assert mensajes(c) == [
        "Una venta de $ 10.000.000,00 a un consumidor final sin identificar alcanza el tope de AFIP "
        "($ 10.000.000,00): identifique al comprador con DNI, CUIT o CUIL."
    ]


def test_ceiling_counts_pesos_for_foreign_currency():
    assert revisar(_cf("10000", moneda="DOL", cotizacion=Decimal("999.99"))) == []
    assert revisar(_cf("10000", moneda="DOL", cotizacion=Decimal("1000"))) == [
        ("consumidor_final.tope", "cliente_documento_tipo", 2)
    ]


def test_identified_buyer_has_no_ceiling_and_ceiling_is_configurable():
    identified = _cf("20000000", cliente=Cliente("DNI", "12345678", "Juan Pérez", "CF"))
    assert revisar(identified) == []
    assert revisar(_cf("600"), tope_cf=Decimal("500")) == [
        ("consumidor_final.tope", "cliente_documento_tipo", 2)
    ]


# --- Moneda -------------------------------------------------------------------------------------------------------------


def test_pesos_need_rate_one():
    c = comprobante(cotizacion=Decimal("2"))
    assert revisar(c) == [("cotizacion.pes", "cotizacion", 2)]


def test_foreign_currency_needs_a_positive_rate():
    assert revisar(comprobante(moneda="DOL", cotizacion=Decimal("0"))) == [
        ("cotizacion.no_positiva", "cotizacion", 2)
    ]
    assert revisar(comprobante(moneda="060", cotizacion=Decimal("1200.5"))) == []


# --- Notas de crédito / débito ------------------------------------------------------------------------------------------


def _nc(
    tipo: str = "NOTA DE CREDITO A", asociado: Asociado | None = None, **overrides: object
) -> Comprobante:
    return comprobante(tipo=tipo, asociado=asociado, **overrides)


def test_nota_with_its_factura():
    assert revisar(_nc(asociado=Asociado("FACTURA A", 3, 125, HOY - timedelta(days=4)))) == []
    assert revisar(_nc("NOTA DE DEBITO A", Asociado("NOTA DE CREDITO A", 3, 9, HOY))) == []


def test_nota_needs_an_asociado():
    assert revisar(_nc()) == [("asociado.requerido", "asociado_tipo", 2)]


def test_nota_of_another_letter():
    c = _nc(asociado=Asociado("FACTURA B", 3, 125, HOY))
    assert revisar(c) == [("asociado.tipo", "asociado_tipo", 2)]
    assert mensajes(c) == [
        "asociado_tipo: una NOTA DE CREDITO A solo puede asociarse a FACTURA A, NOTA DE DEBITO A o "
        "NOTA DE CREDITO A, no a FACTURA B."
    ]


def test_fce_notas_go_with_fce_facturas():
    nota = "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A"
    fce = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
    assert asociables(TIPOS_BY_NAME[nota]) == (fce,)
    assert revisar(_nc(nota, Asociado(fce, 3, 7, HOY))) == []
    assert revisar(_nc(nota, Asociado("FACTURA A", 3, 7, HOY))) == [("asociado.tipo", "asociado_tipo", 2)]
    assert revisar(_nc("NOTA DE CREDITO A", Asociado(fce, 3, 7, HOY))) == [
        ("asociado.tipo", "asociado_tipo", 2)
    ]


def test_asociado_cannot_be_later_than_the_nota():
    c = _nc(asociado=Asociado("FACTURA A", 3, 125, HOY + timedelta(days=1)))
    assert revisar(c) == [("asociado.fecha", "asociado_fecha", 2)]


def test_factura_must_not_carry_an_asociado():
    c = comprobante(asociado=Asociado("FACTURA A", 3, 125, HOY))
    assert revisar(c) == [("asociado.no_permitido", "asociado_tipo", 2)]


def test_rules_on_columns_already_reported_are_skipped():
    assert revisar(_nc(), omitir={"asociado_numero"}) == []
    assert revisar(comprobante(total_control=Decimal(5)), omitir={"cantidad"}) == []


# --- Dates --------------------------------------------------------------------------------------------------------------


def test_vencimiento_not_before_fecha():
    c = comprobante(vencimiento=HOY - timedelta(days=1))
    assert revisar(c) == [("vencimiento.anterior", "vencimiento", 2)]
    assert revisar(comprobante(vencimiento=HOY)) == []


def test_billed_period():
    assert revisar(comprobante(periodo_desde=date(2025, 6, 30), periodo_hasta=date(2025, 6, 1))) == [
        ("periodo.invertido", "periodo_hasta", 2)
    ]
    assert revisar(comprobante(periodo_desde=date(2025, 6, 1))) == [
        ("periodo.incompleto", "periodo_hasta", 2)
    ]
    assert revisar(comprobante(periodo_hasta=date(2025, 6, 30))) == [
        ("periodo.incompleto", "periodo_desde", 2)
    ]
    assert revisar(comprobante(periodo_desde=date(2025, 6, 1), periodo_hasta=date(2025, 6, 30))) == []


@pytest.mark.parametrize(("dias", "ok"), [(-5, True), (-6, False), (5, True), (6, False)])
def test_products_window(dias, ok):
    problems = revisar(comprobante(fecha=HOY + timedelta(days=dias)))
    assert problems == ([] if ok else [("fecha.fuera_de_rango", "fecha", 2)])


def test_products_window_message():
    (mensaje,) = mensajes(comprobante(fecha=date(2025, 7, 1)))
    assert mensaje == (
        "fecha: 01/07/2025 está fuera del rango que AFIP admite para productos: del 09/07/2025 al "
        "19/07/2025 (hoy es 14/07/2025)."
    )


def test_future_product_date_must_stay_in_the_month():
    fin_de_mes = date(2025, 7, 29)
    c = comprobante(fecha=date(2025, 8, 1))
    assert revisar_comprobante(c, hoy=fin_de_mes)[0].codigo == "fecha.otro_mes"
    assert revisar_comprobante(comprobante(fecha=date(2025, 7, 31)), hoy=fin_de_mes) == []


@pytest.mark.parametrize(("dias", "ok"), [(-10, True), (-11, False), (10, True), (11, False)])
def test_services_window(dias, ok):
    c = comprobante(
        fecha=HOY + timedelta(days=dias),
        periodo_desde=date(2025, 6, 1),
        periodo_hasta=date(2025, 6, 30),
        vencimiento=HOY + timedelta(days=20),
    )
    assert revisar(c) == ([] if ok else [("fecha.fuera_de_rango", "fecha", 2)])


def test_fce_factura_window_ends_tomorrow():
    fce = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
    assert revisar(comprobante(tipo=fce, fecha=HOY + timedelta(days=1))) == []
    assert revisar(comprobante(tipo=fce, fecha=HOY + timedelta(days=2))) == [
        ("fecha.fuera_de_rango", "fecha", 2)
    ]


# --- Lines --------------------------------------------------------------------------------------------------------------


def test_at_most_130_lines():
    lineas = tuple(linea(2 + i, precio="1") for i in range(MAX_LINEAS + 1))
    c = comprobante(lineas=lineas, filas=tuple(ln.fila for ln in lineas))
    assert revisar(c) == [("lineas.demasiadas", "descripcion", 2)]
    assert "tiene 131 líneas (filas 2 a 132)" in mensajes(c)[0]
    ok = replace(c, lineas=lineas[:-1], filas=c.filas[:-1])
    assert revisar(ok) == []


def test_all_problems_of_one_comprobante_are_collected():
    c = comprobante(
        tipo="FACTURA B",
        vencimiento=HOY - timedelta(days=2),
        cotizacion=Decimal(3),
        fecha=HOY + timedelta(days=1),
    )
    assert {codigo for codigo, _, _ in revisar(c)} == {
        "letra.receptor",
        "vencimiento.anterior",
        "cotizacion.pes",
    }


# --- Formatting ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.56", "$ 1.234,56"),
        ("0", "$ 0,00"),
        ("-5.5", "-$ 5,50"),
        ("10000000", "$ 10.000.000,00"),
        ("0.125", "$ 0,12"),
    ],
)
def test_pesos(amount, text):
    assert pesos(Decimal(amount)) == text
