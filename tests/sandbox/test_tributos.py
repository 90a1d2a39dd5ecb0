"""Perceptions (`tributos[]`, tusfacturas-api.md §3.6, §4.10, §9.3) over real HTTP.

Worked examples are the specs' own, recomputed by hand in the comments; `--verificar-totales`
(check_totals) is on where the total matters, off where the real service's leniency is the point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from importer.sandbox import IssuerProfile, Sandbox

from .conftest import HOY
from .util import CONSUMIDOR_FINAL, emitir, factura, item, por_referencia, rechazo

AFIP = "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145."


def tributo(tipo: int, regimen: int, base: Any, alicuota: Any, total: Any) -> dict[str, Any]:
    return {"tipo": tipo, "regimen": regimen, "base_imponible": base, "alicuota": alicuota, "total": total}


@pytest.fixture
def estricto() -> Iterator[Sandbox]:
    with Sandbox(hoy=HOY, check_totals=True) as sb:
        yield sb


# --- worked examples: the comprobante total includes the perceptions ------------------------------


def test_factura_a_of_9_3_totals_4345_with_two_perceptions(estricto: Sandbox) -> None:
    # §9.3: 1000 @21 + 1000 exento + 1000 no gravado + 1000 @10.5
    #   net 4000 + IVA 210 + IVA 105 = 4315; + perceptions 10 + 20 = 4345
    detalle = [item("1000"), item("1000", "-1"), item("1000", "-2"), item("1000", "10.5")]
    tributos = [tributo(7, 5, "1000.00", "1.00", "10.00"), tributo(6, 2, "1000.00", "2.00", "20.00")]
    body = factura(HOY, "T-4345", detalle=detalle, tributos=tributos, total="4345.00")
    assert emitir(estricto, body)["error"] == "N"


def test_a_total_that_forgets_the_perceptions_is_10048(estricto: Sandbox) -> None:
    # The same comprobante sent with 4315 (items and IVA only): 30 of perceptions are missing.
    detalle = [item("1000"), item("1000", "-1"), item("1000", "-2"), item("1000", "10.5")]
    tributos = [tributo(7, 5, "1000.00", "1.00", "10.00"), tributo(6, 2, "1000.00", "2.00", "20.00")]
    errores = rechazo(estricto, factura(HOY, "T-4315", detalle=detalle, tributos=tributos, total="4315.00"))
    assert errores[0].startswith(f"{AFIP}10048 - ")
    assert "informado 4315.00, calculado 4345.00" in errores[0]


def test_rg_5329_example_478526_repeats_iva_regimen_3(estricto: Sandbox) -> None:
    # §9.3 / §9.9: 2 × 102000 @21 + 1 × 1000 @21 + 1 × 200300 @10.5
    #   net 21 %   = 204000 + 1000 = 205000 → IVA 43050
    #   net 10.5 % = 200300                → IVA 21031.50
    #   perceptions RG 5329 (tipo 6, régimen 3): 3 % of 204000 = 6120; 1.5 % of 200300 = 3004.50
    #   plus IIBB 2 % of 1000 = 20
    #   205000 + 43050 + 200300 + 21031.50 + 6120 + 3004.50 + 20 = 478526
    # The two RG 5329 rates are two entries with the same (tipo 6, régimen 3): both are accepted
    # and both count, which is how the docs' own example is built.
    detalle = [item("102000", cantidad="2"), item("1000"), item("200300", "10.5")]
    tributos = [
        tributo(6, 3, "204000.00", "3.00", "6120.00"),
        tributo(6, 3, "200300.00", "1.50", "3004.50"),
        tributo(7, 5, "1000.00", "2.00", "20.00"),
    ]
    body = factura(HOY, "T-5329", detalle=detalle, tributos=tributos, total="478526.00")
    assert emitir(estricto, body)["error"] == "N"
    comp = por_referencia(estricto, "T-5329")["comprobantes"][0]["comprobante"]
    assert [(t["tipo"], t["regimen"], t["total"]) for t in comp["tributos"]] == [
        (6, 3, 6120),
        (6, 3, 3004.5),
        (7, 5, 20),
    ]
    assert [t["regimen_descripcion"] for t in comp["tributos"]] == ["RG 5329", "RG 5329", "BUENOS AIRES"]
    assert comp["tributos"][0]["tipo_descripcion"] == "Percepcion de IVA"


def test_two_perceptions_of_the_same_jurisdiction_are_both_counted(estricto: Sandbox) -> None:
    # 1000 @21 = 1210; IIBB Buenos Aires twice: 1 % of 1000 = 10 and 2 % of 1000 = 20 → 1240
    tributos = [tributo(7, 5, "1000", "1", "10"), tributo(7, 5, "1000", "2", "20")]
    assert emitir(estricto, factura(HOY, "DUP-1", tributos=tributos, total="1240.00"))["error"] == "N"
    errores = rechazo(estricto, factura(HOY, "DUP-2", tributos=tributos, total="1230.00"))
    assert "calculado 1240.00" in errores[0]


def test_nota_de_credito_a_of_9_3_totals_142_10(estricto: Sandbox) -> None:
    # §9.3: 100 exento + 10 @21 (IVA 2.10) + perceptions 30 → 100 + 10 + 2.10 + 30 = 142.10
    original = emitir(estricto, factura(HOY, "F-1"))
    assert original["error"] == "N"
    asociado = {
        "tipo_comprobante": "FACTURA A",
        "punto_venta": 1,
        "numero": 1,
        "comprobante_fecha": HOY.strftime("%d/%m/%Y"),
        "cuit": IssuerProfile().cuit,  # required in every nota's asociado (§3.7)
    }
    nota = factura(
        HOY,
        "NC-1",
        tipo="NOTA DE CREDITO A",
        detalle=[item("100", "-1"), item("10")],
        tributos=[tributo(7, 9, "1000", "3", "30")],  # IIBB Córdoba 3 % of 1000
        comprobantes_asociados=[asociado],
        total="142.10",
    )
    assert emitir(estricto, nota)["error"] == "N"


def test_arca_manual_example_1_totals_184_05(estricto: Sandbox) -> None:
    # afip-rules.md §5.2: 100 @21 + 50 @10.5 + a 7.80 tributo → 100 + 21 + 50 + 5.25 + 7.80 = 184.05
    body = factura(
        HOY,
        "M-1",
        detalle=[item("100"), item("50", "10.5")],
        tributos=[tributo(1, 33, "780", "1", "7.80")],  # Ganancias 1 % of 780
        total="184.05",
    )
    assert emitir(estricto, body)["error"] == "N"


# --- codes and régimen per tributo tipo (§4.10) ------------------------------------------------------


@pytest.mark.parametrize(
    ("tipo", "regimen"),
    [(6, 1), (6, 2), (6, 3), (7, 4), (7, 22), (7, 28), (1, 31), (1, 32), (1, 33), (1, 34)],
)
def test_each_regimen_is_accepted_with_its_own_tipo(sandbox: Sandbox, tipo: int, regimen: int) -> None:
    body = factura(HOY, tributos=[tributo(tipo, regimen, "100", "1", "1")], total="1211.00")
    assert emitir(sandbox, body)["error"] == "N"


@pytest.mark.parametrize(("tipo", "regimen"), [(6, 4), (7, 3), (7, 31), (1, 28), (6, 34), (1, 1)])
def test_a_regimen_of_another_tipo_is_refused(sandbox: Sandbox, tipo: int, regimen: int) -> None:
    errores = rechazo(sandbox, factura(HOY, tributos=[tributo(tipo, regimen, "100", "1", "1")]))
    assert any(f"El régimen {regimen} (" in e and f"tributo tipo {tipo}" in e for e in errores), errores


@pytest.mark.parametrize("regimen", [0, 29, 30, 35])
def test_a_regimen_outside_the_table_is_refused(sandbox: Sandbox, regimen: int) -> None:
    errores = rechazo(sandbox, factura(HOY, tributos=[tributo(7, regimen, "100", "1", "1")]))
    assert f"El campo comprobante.tributos[0].regimen no es válido (valor recibido: {regimen})." in errores


@pytest.mark.parametrize("tipo", [2, 5, 13, 99])
def test_only_tipos_1_6_and_7_exist(sandbox: Sandbox, tipo: int) -> None:
    errores = rechazo(sandbox, factura(HOY, tributos=[tributo(tipo, 5, "100", "1", "1")]))
    assert f"El campo comprobante.tributos[0].tipo no es válido (valor recibido: {tipo})." in errores


@pytest.mark.parametrize(
    ("campo", "valor"), [("base_imponible", "100.001"), ("alicuota", "1.125"), ("total", "1.005")]
)
def test_amounts_have_at_most_two_decimals(sandbox: Sandbox, campo: str, valor: str) -> None:
    entry = tributo(7, 5, "100", "1", "1") | {campo: valor}
    errores = rechazo(sandbox, factura(HOY, tributos=[entry]))
    assert (
        f"El campo comprobante.tributos[0].{campo} admite hasta 2 decimales (valor recibido: {valor})."
        in errores
    )


@pytest.mark.parametrize("campo", ["base_imponible", "total"])
def test_negative_amounts_are_refused(sandbox: Sandbox, campo: str) -> None:
    entry = tributo(7, 5, "100", "1", "1") | {campo: "-1"}
    errores = rechazo(sandbox, factura(HOY, tributos=[entry]))
    assert f"El campo comprobante.tributos[0].{campo} no es válido (valor recibido: -1)." in errores


def test_seven_tributos_are_accepted(estricto: Sandbox) -> None:
    # 1210 + 7 × (1 % of 100 = 1) = 1217
    tributos = [tributo(7, 4 + i, "100", "1", "1") for i in range(7)]
    assert emitir(estricto, factura(HOY, tributos=tributos, total="1217.00"))["error"] == "N"


def test_e_and_fce_c_take_no_tributos() -> None:
    entry = tributo(7, 5, "100", "1", "1")
    cdex = {"condicion_iva": "CDEX", "documento_tipo": "CUIT", "documento_nro": "55000002206"}
    with Sandbox(hoy=HOY) as ri:
        body = factura(
            HOY, tipo="FACTURA E", detalle=[item(alicuota="0")], tributos=[entry], cliente_changes=cdex
        )
        assert "Los comprobantes clase E no admiten tributos." in rechazo(ri, body)
    with Sandbox(hoy=HOY, profile=IssuerProfile.monotributo()) as mono:
        tipo = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) C"
        body = factura(HOY, tipo=tipo, detalle=[item(alicuota="0")], tributos=[entry])
        assert "Los comprobantes clase C no admiten tributos." in rechazo(mono, body)


# --- base × alícuota = total: not recomputed by the real service ------------------------------------


def test_an_incoherent_perception_passes_like_the_real_service(sandbox: Sandbox) -> None:
    # 1.5 % of 10600 is 159, the request says 160: TusFacturas does not recompute it (§3.6).
    body = factura(HOY, tributos=[tributo(7, 5, "10600", "1.5", "160")], total="1370.00")
    assert emitir(sandbox, body)["error"] == "N"


def test_verificar_totales_also_checks_each_perception(estricto: Sandbox) -> None:
    # 1.5 % of 10600 = 159.00; 160 is a cent too far (tolerance 0.01), 159.01 is within it.
    errores = rechazo(
        estricto, factura(HOY, "P-1", tributos=[tributo(7, 5, "10600", "1.5", "160")], total="1370.00")
    )
    assert errores == [
        "El tributo comprobante.tributos[0] no cierra: base 10600.00 × alícuota 1.5 % = 159.00, "
        "informado 160.00 (verificación de totales del simulador)."
    ]
    body = factura(HOY, "P-2", tributos=[tributo(7, 5, "10600", "1.5", "159.01")], total="1369.01")
    assert emitir(estricto, body)["error"] == "N"


# --- AFIP 10067: a Factura B to the Sujeto No Categorizado needs a perception ------------------------

NO_CATEGORIZADO = {**CONSUMIDOR_FINAL, "documento_tipo": "CUIT", "documento_nro": "23000000000"}


def test_factura_b_to_23000000000_without_perception_is_10067(sandbox: Sandbox) -> None:
    body = factura(HOY, tipo="FACTURA B", cliente_changes=NO_CATEGORIZADO)
    errores = rechazo(sandbox, body)
    assert len(errores) == 1 and errores[0].startswith(f"{AFIP}10067 - ")
    cero = factura(
        HOY, tipo="FACTURA B", cliente_changes=NO_CATEGORIZADO, tributos=[tributo(6, 1, "0", "0", "0")]
    )
    assert rechazo(sandbox, cero)[0].startswith(f"{AFIP}10067 - ")  # ImpTrib must be > 0


def test_factura_b_to_23000000000_with_a_perception_passes(sandbox: Sandbox) -> None:
    # 1000 @21 = 1210 + IVA perception 3 % of 1000 = 30 → 1240
    tributos = [tributo(6, 2, "1000", "3", "30")]
    body = factura(HOY, tipo="FACTURA B", cliente_changes=NO_CATEGORIZADO, tributos=tributos, total="1240.00")
    answer = emitir(sandbox, body)
    assert answer["error"] == "N" and answer["observaciones"] == ""  # its check digit is valid: no 10017


def test_other_receivers_need_no_perception_on_factura_b(sandbox: Sandbox) -> None:
    body = factura(HOY, tipo="FACTURA B", cliente_changes={**NO_CATEGORIZADO, "documento_nro": "20123456786"})
    assert emitir(sandbox, body)["error"] == "N"
