"""Each validation answers with the code or text TusFacturas / AFIP use, and commits nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from importer.sandbox import IssuerProfile, Sandbox

from .conftest import HOY
from .util import CONSUMIDOR_FINAL, dias, emitir, factura, item

AFIP = "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145."


def rechazo(sb: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    answer = emitir(sb, body)
    assert answer["error"] == "S", answer
    assert sb.comprobantes() == []
    assert answer["error_cod"] == [] and "external_reference" in answer
    return answer


def codes(answer: dict[str, Any]) -> list[str]:
    return [d["code"] for d in answer["error_details"]]


def test_a_valid_factura_is_accepted(sandbox: Sandbox) -> None:
    answer = emitir(sandbox, factura(HOY))
    assert answer["error"] == "N" and answer["observaciones"] == ""
    assert len(sandbox.comprobantes()) == 1


@pytest.mark.parametrize(
    ("parte", "campo"),
    [
        ("cliente", "razon_social"),
        ("cliente", "domicilio"),
        ("cliente", "condicion_iva"),
        ("cliente", "envia_por_mail"),
        ("cliente", "condicion_pago"),
        ("cliente", "provincia"),
        ("comprobante", "fecha"),
        ("comprobante", "tipo"),
        ("comprobante", "punto_venta"),
        ("comprobante", "moneda"),
        ("comprobante", "cotizacion"),
        ("comprobante", "vencimiento"),
        ("comprobante", "rubro"),
        ("comprobante", "rubro_grupo_contable"),
        ("comprobante", "total"),
    ],
)
def test_required_fields(sandbox: Sandbox, parte: str, campo: str) -> None:
    body = factura(HOY)
    del body[parte][campo]
    answer = rechazo(sandbox, body)
    assert f"El campo {parte}.{campo} es obligatorio." in answer["errores"]
    if parte == "cliente":
        assert "TFC-6001" in codes(answer)


def test_all_problems_are_answered_together(sandbox: Sandbox) -> None:
    body = factura(HOY, moneda="XXX", detalle=[item(alicuota="5")])
    body["comprobante"].pop("rubro")
    answer = rechazo(sandbox, body)
    assert len(answer["errores"]) == 3
    assert any("comprobante.moneda no es válido" in e for e in answer["errores"])
    assert any("detalle[0].producto.alicuota no es válido" in e for e in answer["errores"])


@pytest.mark.parametrize(
    ("cambio", "texto"),
    [
        ({"tipo": "FACTURA Z"}, "El tipo de comprobante enviado no es valido"),
        ({"moneda": "USD"}, "comprobante.moneda no es válido"),
        ({"idioma": "3"}, "comprobante.idioma no es válido"),
        ({"operacion": "X"}, "comprobante.operacion no es válido"),
        ({"fecha": "2025-07-16"}, "comprobante.fecha debe ser una fecha dd/mm/aaaa"),
        ({"fecha": "1/7/2025"}, "comprobante.fecha debe ser una fecha dd/mm/aaaa"),
        ({"punto_venta": "0"}, "comprobante.punto_venta no es válido"),
        ({"cotizacion": "1,0"}, "comprobante.cotizacion no es válido"),
        ({"total": " 1210.00"}, "comprobante.total no es válido"),  # nothing is trimmed
        ({"detalle": [item(alicuota="5")]}, "alicuota no es válido"),
        ({"detalle": [item(cantidad="0")]}, "detalle[0].cantidad no es válido"),
        ({"detalle": []}, "comprobante.detalle es obligatorio"),
    ],
)
def test_enums_and_formats(sandbox: Sandbox, cambio: dict[str, Any], texto: str) -> None:
    answer = rechazo(sandbox, factura(HOY, **cambio))
    assert any(texto in e for e in answer["errores"]), answer["errores"]


def test_unknown_document_type_uses_the_documented_text(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, cliente_changes={"documento_tipo": "LE"}))
    assert "El tipo de documento enviado no es valido" in answer["errores"]


def test_numbers_are_accepted_as_json_numbers_or_strings(sandbox: Sandbox) -> None:
    body = factura(
        HOY,
        punto_venta=1,
        cotizacion=1,
        total=1210.0,
        tributos=[{"tipo": "7", "regimen": "5", "base_imponible": "0", "alicuota": "0", "total": "0"}],
    )
    body["comprobante"]["detalle"][0].update(cantidad=1)
    body["comprobante"]["detalle"][0]["producto"].update(
        precio_unitario_sin_iva=1000, alicuota=21, unidad_medida=7
    )
    body["cliente"].update(provincia=2, condicion_pago=201)
    assert emitir(sandbox, body)["error"] == "N"
    assert emitir(sandbox, factura(HOY, "REF-2", punto_venta="0001"))["comprobante_nro"] == "00001-00000002"


def test_external_reference_charset_is_tfc_8002(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, "FILA 42/julio"))
    assert codes(answer) == ["TFC-8002"]
    assert answer["errores"] == ["La external reference enviada, posee caracteres no validos."]


@pytest.mark.parametrize("condicion", ["RI", "M"])
def test_factura_b_to_ri_or_monotributo_is_tfc_8004(sandbox: Sandbox, condicion: str) -> None:
    answer = rechazo(sandbox, factura(HOY, tipo="FACTURA B", cliente_changes={"condicion_iva": condicion}))
    assert codes(answer) == ["TFC-8004"]
    assert answer["error_details"][0]["text"] == (
        "Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo B."
    )


def test_condicion_iva_operacion_wins_over_condicion_iva(sandbox: Sandbox) -> None:
    body = factura(
        HOY, tipo="FACTURA B", cliente_changes={"condicion_iva": "RI", "condicion_iva_operacion": "E"}
    )
    assert emitir(sandbox, body)["error"] == "N"


@pytest.mark.parametrize("condicion", ["CF", "E", "IVNA", "CDEX"])
def test_factura_a_to_non_ri_receivers_is_10243(sandbox: Sandbox, condicion: str) -> None:
    answer = rechazo(sandbox, factura(HOY, cliente_changes={"condicion_iva": condicion}))
    assert answer["errores"] == [
        f"{AFIP}10243 - El campo Condición IVA receptor no es válido para la clase de comprobante."
    ]


def test_factura_a_needs_a_cuit_10013(sandbox: Sandbox) -> None:
    answer = rechazo(
        sandbox, factura(HOY, cliente_changes={"documento_tipo": "DNI", "documento_nro": "28033514"})
    )
    assert answer["errores"][0].startswith(f"{AFIP}10013 - ")


def test_receiver_cannot_be_the_issuer_10069(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, cliente_changes={"documento_nro": sandbox.profile.cuit}))
    assert answer["errores"][0].startswith(f"{AFIP}10069 - ")


def test_punto_de_venta_outside_the_profile_10005(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, punto_venta="11"))
    assert answer["errores"][0].startswith(f"{AFIP}10005 - ")


def test_receiver_cuit_with_bad_check_digit_is_only_observed(sandbox: Sandbox) -> None:
    answer = emitir(sandbox, factura(HOY, cliente_changes={"documento_nro": "30698765432"}))
    assert answer["error"] == "N"
    assert answer["observaciones"].endswith("[ codigo: 10017 ]")


class TestLetrasCyE:
    @pytest.fixture
    def mono(self) -> Sandbox:
        with Sandbox(hoy=HOY, profile=IssuerProfile.monotributo()) as sb:
            yield sb

    def test_c_with_iva_is_rejected(self, mono: Sandbox) -> None:
        answer = rechazo(mono, factura(HOY, tipo="FACTURA C", total="1000.00"))
        assert any("clase C la alícuota de los ítems debe ser 0" in e for e in answer["errores"])

    def test_c_with_tributos_is_rejected(self, mono: Sandbox) -> None:
        tributo = {"tipo": 7, "regimen": 5, "base_imponible": 1000, "alicuota": 1.5, "total": 15}
        answer = rechazo(
            mono, factura(HOY, tipo="FACTURA C", detalle=[item(alicuota="0")], tributos=[tributo])
        )
        assert "Los comprobantes clase C no admiten tributos." in answer["errores"]

    def test_c_to_a_consumidor_final_is_accepted(self, mono: Sandbox) -> None:
        body = factura(
            HOY,
            tipo="FACTURA C",
            detalle=[item(alicuota="0")],
            total="1000.00",
            cliente_changes=CONSUMIDOR_FINAL,
        )
        assert emitir(mono, body)["error"] == "N"

    def test_monotributo_cannot_issue_a(self, mono: Sandbox) -> None:
        answer = rechazo(mono, factura(HOY))
        assert answer["errores"][0] == f'{AFIP}10000 - No autorizado a emitir comprobantes clase "A".'

    def test_e_needs_cliente_del_exterior_and_alicuota_0(self, sandbox: Sandbox) -> None:
        body = factura(
            HOY,
            tipo="FACTURA E",
            detalle=[item(alicuota="0")],
            total="1000.00",
            moneda="DOL",
            cotizacion="1000",
            cliente_changes={"condicion_iva": "RI"},
        )
        assert any(".10243 - " in e for e in rechazo(sandbox, body)["errores"])
        body["cliente"].update(condicion_iva="CDEX", documento_tipo="OTRO", documento_nro="0")
        assert emitir(sandbox, body)["error"] == "N"


def test_vencimiento_before_fecha_is_10036_worded_as_tusfacturas(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, vencimiento="15/07/2025"))
    assert answer["errores"] == [
        "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10036 - El campo FchVtoPago "
        "no puede ser anterior a la fecha del comprobante."
    ]


def test_period_order_is_10032(sandbox: Sandbox) -> None:
    body = factura(HOY, periodo_facturado_desde="30/06/2025", periodo_facturado_hasta="01/06/2025")
    assert rechazo(sandbox, body)["errores"] == [
        f"{AFIP}10032 - El campo FchServDesde no puede ser posterior a FchServHasta."
    ]


def test_period_needs_both_ends(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, periodo_facturado_desde="01/06/2025"))
    assert any("periodo_facturado_hasta juntos" in e for e in answer["errores"])


@pytest.mark.parametrize(
    ("delta", "servicio", "ok"),
    [
        (-5, False, True),
        (5, False, True),
        (-6, False, False),
        (6, False, False),
        (-10, True, True),
        (10, True, True),
        (-11, True, False),
        (11, True, False),
    ],
)
def test_date_window_n5_for_products_and_n10_for_services(
    sandbox: Sandbox, delta: int, servicio: bool, ok: bool
) -> None:
    fecha = dias(HOY, delta)
    extra = (
        {"periodo_facturado_desde": "01/06/2025", "periodo_facturado_hasta": "30/06/2025"} if servicio else {}
    )
    answer = emitir(sandbox, factura(fecha, **extra))
    if ok:
        assert answer["error"] == "N"
    else:
        rango = "N-10 y N+10" if servicio else "N-5 y N+5"
        assert answer["errores"][0].startswith(
            f"{AFIP}10016 - CbteFch debe estar comprendido en el rango {rango}"
        )


def test_date_cannot_go_back_within_a_punto_de_venta(sandbox: Sandbox) -> None:
    assert emitir(sandbox, factura(HOY, "R1"))["error"] == "N"
    answer = emitir(
        sandbox, factura(dias(HOY, -1), "R2", tipo="FACTURA B", cliente_changes={**CONSUMIDOR_FINAL})
    )
    assert answer["error"] == "S"
    assert answer["errores"][0].startswith(
        f"{AFIP}10016 - El numero o fecha del comprobante no se corresponde"
    )
    assert emitir(sandbox, factura(dias(HOY, -1), "R3", punto_venta="2"))["error"] == "N"


def test_explicit_numero_must_be_the_next_one(sandbox: Sandbox) -> None:
    assert emitir(sandbox, factura(HOY, "R1", numero="1"))["comprobante_nro"] == "00001-00000001"
    for numero in ("1", "3"):  # a retry of number 1, and a gap
        answer = emitir(sandbox, factura(HOY, "R2", numero=numero))
        assert answer["error"] == "S"
        assert "El próximo número a autorizar es 2" in answer["errores"][0]
        assert ".10016 - " in answer["errores"][0]
    assert emitir(sandbox, factura(HOY, "R2", numero=2))["comprobante_nro"] == "00001-00000002"
    assert len(sandbox.comprobantes()) == 2


def test_at_most_130_items(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, detalle=[item()] * 131, total="158510.00"))
    assert any("más de 130 ítems" in e for e in answer["errores"])
    assert emitir(sandbox, factura(HOY, detalle=[item()] * 130, total="157300.00"))["error"] == "N"


def test_at_most_7_tributos(sandbox: Sandbox) -> None:
    tributo = {"tipo": 7, "regimen": 5, "base_imponible": 1000, "alicuota": 1, "total": 10}
    answer = rechazo(sandbox, factura(HOY, tributos=[tributo] * 8))
    assert any("hasta 7 tributos" in e for e in answer["errores"])


def test_nogravados_above_zero_is_rejected(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, nogravados="10"))
    assert any("nogravados" in e for e in answer["errores"])
    assert emitir(sandbox, factura(HOY, nogravados="0"))["error"] == "N"


def test_anonymous_consumidor_final_only_below_topecf() -> None:
    with Sandbox(hoy=HOY, tope_cf=Decimal("50000")) as sb:

        def venta(total: str, ref: str, **changes: Any) -> dict[str, Any]:
            precio = f"{Decimal(total) / Decimal('1.21'):.2f}"
            return factura(
                HOY,
                ref,
                tipo="FACTURA B",
                detalle=[item(precio=precio)],
                total=total,
                cliente_changes=CONSUMIDOR_FINAL,
                **changes,
            )

        assert emitir(sb, venta("49999.99", "R1"))["error"] == "N"
        answer = emitir(sb, venta("50000.00", "R2"))
        assert answer["error"] == "S" and answer["errores"][0].startswith(f"{AFIP}10015 - ")
        # The ceiling is in pesos: total × cotización.
        answer = emitir(sb, venta("100.00", "R3", moneda="DOL", cotizacion="1000"))
        assert answer["error"] == "S" and ".10015 - " in answer["errores"][0]
        identified = factura(
            HOY,
            "R4",
            tipo="FACTURA B",
            total="60500.00",
            detalle=[item(precio="50000")],
            cliente_changes={"documento_tipo": "DNI", "documento_nro": "28033514", "condicion_iva": "CF"},
        )
        assert emitir(sb, identified)["error"] == "N"
        assert len(sb.comprobantes()) == 2


def test_otro_needs_number_zero(sandbox: Sandbox) -> None:
    body = factura(HOY, tipo="FACTURA B", cliente_changes={**CONSUMIDOR_FINAL, "documento_nro": "123"})
    assert rechazo(sandbox, body)["errores"][0].startswith(f"{AFIP}10015 - ")


def test_pesos_need_cotizacion_1(sandbox: Sandbox) -> None:
    answer = rechazo(sandbox, factura(HOY, cotizacion="2"))
    assert answer["errores"][0].startswith(f"{AFIP}10039 - ")


class TestNotas:
    def nota(self, referencia: str, asociado: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
        extra = {"comprobantes_asociados": [asociado]} if asociado else {}
        return factura(HOY, referencia, tipo="NOTA DE CREDITO A", **{**extra, **changes})

    def asociado(self, **changes: Any) -> dict[str, Any]:
        return {
            "tipo_comprobante": "FACTURA A",
            "punto_venta": 1,
            "numero": 1,
            "comprobante_fecha": "15/07/2025",
            "cuit": IssuerProfile().cuit,  # required in every nota's asociado (§3.7)
            **changes,
        }

    def test_needs_an_associated_block(self, sandbox: Sandbox) -> None:
        answer = rechazo(sandbox, self.nota("NC1"))
        assert any("comprobantes_asociados" in e for e in answer["errores"])

    def test_associated_must_exist_and_be_dated_no_later(self, sandbox: Sandbox) -> None:
        assert any(".10041 - " in e for e in rechazo(sandbox, self.nota("NC1", self.asociado()))["errores"])
        emitir(sandbox, factura(date(2025, 7, 15), "FA1"))
        wrong_date = emitir(sandbox, self.nota("NC1", self.asociado(comprobante_fecha="14/07/2025")))
        assert any("no posee una fecha válida" in e for e in wrong_date["errores"])
        wrong_cuit = emitir(sandbox, self.nota("NC1", self.asociado(cuit="30712345671")))
        assert any(".10041 - " in e for e in wrong_cuit["errores"])
        wrong_letter = emitir(sandbox, self.nota("NC1", self.asociado(tipo_comprobante="FACTURA B")))
        assert any(".10040 - " in e for e in wrong_letter["errores"])
        ok = emitir(sandbox, self.nota("NC1", self.asociado(cuit=sandbox.profile.cuit)))
        assert ok["error"] == "N" and ok["comprobante_nro"] == "00001-00000001"

    def test_associated_dated_after_the_nota(self, sandbox: Sandbox) -> None:
        emitir(sandbox, factura(dias(HOY, 2), "FA1", punto_venta="2"))
        answer = emitir(
            sandbox, self.nota("NC1", self.asociado(punto_venta=2, comprobante_fecha="18/07/2025"))
        )
        assert any("no posee una fecha válida" in e for e in answer["errores"])

    def test_periodo_asociado(self, sandbox: Sandbox) -> None:
        periodo = {"fecha_desde": "01/07/2025", "fecha_hasta": "15/07/2025"}
        assert emitir(sandbox, self.nota("NC1", comprobantes_asociados_periodo=periodo))["error"] == "N"
        late = {"fecha_desde": "01/07/2025", "fecha_hasta": "20/07/2025"}
        assert (
            ".10208 - "
            in emitir(sandbox, self.nota("NC2", comprobantes_asociados_periodo=late))["errores"][0]
        )


class TestTotales:
    def test_off_by_default_like_the_real_service(self, sandbox: Sandbox) -> None:
        assert emitir(sandbox, factura(HOY, total="999.99"))["error"] == "N"

    def test_switch_rejects_inconsistent_totals_with_tolerance(self) -> None:
        with Sandbox(hoy=HOY, check_totals=True) as sb:
            answer = emitir(sb, factura(HOY, "R1", total="1211.00"))
            assert answer["error"] == "S" and answer["errores"][0].startswith(f"{AFIP}10048 - ")
            assert "calculado 1210.00" in answer["errores"][0]
            assert emitir(sb, factura(HOY, "R2", total="1210.01"))["error"] == "N"

    def test_switch_counts_discounts_tributos_and_exentos(self) -> None:
        tributo = {"tipo": 7, "regimen": 5, "base_imponible": 100, "alicuota": 10, "total": 10}
        detalle = [
            {**item(precio="100"), "bonificacion_porcentaje": "20"},
            item(precio="50", alicuota="-1"),
            item(precio="114.88"),
        ]
        with Sandbox(hoy=HOY, check_totals=True) as sb:
            # 80 + 114.88 @21 → 194.88 + 40.92 IVA; global bonificacion 10 → 184.88 + 38.82; + 50 exento + 10
            body = factura(HOY, detalle=detalle, tributos=[tributo], bonificacion="10", total="283.70")
            assert emitir(sb, body)["error"] == "N"
