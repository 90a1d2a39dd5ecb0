"""FCE MiPyME (afip-rules.md §8, tusfacturas-api.md §3.8, §4.11, §9.7) over real HTTP.

Each rule: the refusal with its AFIP code (and nothing stored), and the acceptance next to it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from importer.sandbox import Sandbox
from importer.sandbox.fce import cbu_valido

from .conftest import HOY
from .util import (
    CBU,
    FCE,
    FCE_A,
    NC_FCE_A,
    aceptado,
    dias,
    emitir,
    factura,
    fce_factura,
    fce_nota,
    rechazo,
    rg_fce,
)

_CODE = re.compile(r"#6661145\.(\d+) - ")
EXENTO = {"condicion_iva": "E"}  # a CUIT that may receive B
FCE_B = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) B"


def codigos(errores: list[str]) -> list[int]:
    """The AFIP codes of a refusal, in order; TusFacturas' own messages carry none."""
    return [int(m.group(1)) for e in errores if (m := _CODE.search(e))]


# --- the CBU's check digits (BCRA: weights 3, 1, 7, 9 from the right of each block) -------------------


@pytest.mark.parametrize(
    ("cbu", "valido"),
    [
        (CBU, True),  # worked out in util.py
        # block 1 "2850590" reversed 0 9 5 0 5 8 2 → 0+9+35+0+15+8+14 = 81 → 10 − 1 = 9 ✓
        # block 2 "4009041813520" reversed 0 2 5 3 1 8 1 4 0 9 0 0 4
        #   → 0+2+35+27+3+8+7+36+0+9+0+0+12 = 139 → 10 − 9 = 1 ✓
        ("2850590940090418135201", True),
        # the spec's failing example: block 1 "1234567" reversed 7 6 5 4 3 2 1
        #   → 21+6+35+36+9+2+7 = 116 → 10 − 6 = 4, but the 8th digit is 8
        ("1234567890123456789011", False),
        ("0170215820000005295251", False),  # block 2 wants 0 (util.py), not 1
        ("0170215720000005295250", False),  # block 1 wants 8, not 7
        ("017021582000000529525", False),  # 21 digits
        ("01702158200000052952500", False),  # 23 digits
        ("0170215820000005295２50", False),  # a non-ASCII digit
    ],
)
def test_cbu_check_digits(cbu: str, valido: bool) -> None:
    assert cbu_valido(cbu) is valido


# --- FCE facturas -------------------------------------------------------------------------------------


def test_a_complete_fce_factura_is_accepted(sandbox: Sandbox) -> None:
    answer = emitir(sandbox, fce_factura(HOY))
    assert answer["error"] == "N" and answer["requiere_fec"] == "NO"
    assert answer["comprobante_tipo"] == FCE_A and answer["comprobante_nro"] == "00001-00000001"


def test_fce_b_with_adc_and_alias_is_accepted(sandbox: Sandbox) -> None:
    rg = rg_fce(id_2101=CBU, id_2102="mi.alias-01", id_27="ADC", id_23="OC-7781")
    body = fce_factura(HOY, tipo=FCE_B, rg_especiales=rg, cliente_changes=EXENTO)
    assert emitir(sandbox, body)["error"] == "N"


@pytest.mark.parametrize(
    ("datos", "codigo"),
    [
        ({"id_27": "SCA"}, 10162),  # neither CBU nor alias
        ({"id_23": "OC-1", "id_27": "SCA"}, 10162),
        ({"id_2101": "017021582000000529525", "id_27": "SCA"}, 10165),  # 21 digits
        ({"id_2101": "0170-2158-2000-0005-2952", "id_27": "SCA"}, 10165),  # not only digits
        ({"id_2101": "1234567890123456789011", "id_27": "SCA"}, 10168),  # check digits
        ({"id_2101": CBU, "id_2102": "abc12", "id_27": "SCA"}, 10166),  # alias of 5
        ({"id_2101": CBU, "id_2102": "alias_con_guion", "id_27": "SCA"}, 10166),  # "_" is not allowed
        ({"id_2101": CBU, "id_2102": "a" * 21, "id_27": "SCA"}, 10166),  # alias of 21
        ({"id_2101": CBU}, 10214),  # no transferencia
        ({"id_2101": CBU, "id_27": "XYZ"}, 10215),
        ({"id_2101": CBU, "id_27": "sca"}, 10215),  # AFIP takes the code as written
        ({"id_2101": CBU, "id_27": "SCA", "id_22": "N"}, 10171),  # anulación is for notes
        ({"id_2101": CBU, "id_27": "SCA", "id_23": "R" * 51}, 10189),  # referencia over 50
    ],
)
def test_each_fce_factura_rule(sandbox: Sandbox, datos: dict[str, str], codigo: int) -> None:
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales=rg_fce(**datos)))
    assert codigos(errores) == [codigo], errores


def test_an_alias_may_stand_for_the_cbu(sandbox: Sandbox) -> None:
    # TusFacturas' FCE page: "CBU … REQUERIDO … (salvo que envíes el ALIAS del CBU)".
    rg = rg_fce(id_2102="mi.alias", id_27="SCA")
    assert emitir(sandbox, fce_factura(HOY, rg_especiales=rg))["error"] == "N"


def test_the_limits_of_alias_and_referencia_are_accepted(sandbox: Sandbox) -> None:
    rg = rg_fce(id_2101=CBU, id_2102="a.b-c1", id_27="SCA", id_23="R" * 50)
    assert emitir(sandbox, fce_factura(HOY, "F-1", rg_especiales=rg))["error"] == "N"
    rg = rg_fce(id_2101=CBU, id_2102="A" * 20, id_27="SCA")
    assert emitir(sandbox, fce_factura(HOY, "F-2", rg_especiales=rg))["error"] == "N"


def test_an_fce_factura_without_rg_especiales_is_refused(sandbox: Sandbox) -> None:
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales=None))
    assert codigos(errores) == [10162, 10214]
    assert errores[0].startswith(
        "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10162 - "
        "Si informa comprobante MiPyMEs (FCE) del tipo Factura, es obligatorio informar opcional"
    )


def test_vencimiento_is_required_on_fce_facturas(sandbox: Sandbox) -> None:
    errores = rechazo(sandbox, fce_factura(HOY, vencimiento=""))
    assert "El campo comprobante.vencimiento es obligatorio." in errores


def test_vencimiento_before_the_fecha_is_10036_and_10164(sandbox: Sandbox) -> None:
    errores = rechazo(sandbox, fce_factura(HOY, vencimiento=dias(HOY, -1).strftime("%d/%m/%Y")))
    assert codigos(errores) == [10036, 10164]


def test_vencimiento_before_today_is_10164_even_after_the_fecha(sandbox: Sandbox) -> None:
    # fecha N−2, vencimiento N−1: not before the fecha, but before today.
    body = fce_factura(dias(HOY, -2), vencimiento=dias(HOY, -1).strftime("%d/%m/%Y"))
    errores = rechazo(sandbox, body)
    assert codigos(errores) == [10164] and "(16/07/2025)" in errores[0]
    same_day = fce_factura(dias(HOY, -2), "F-2", vencimiento=HOY.strftime("%d/%m/%Y"))
    assert emitir(sandbox, same_day)["error"] == "N"


def test_a_common_factura_may_fall_due_before_today(sandbox: Sandbox) -> None:
    body = factura(dias(HOY, -2), vencimiento=dias(HOY, -1).strftime("%d/%m/%Y"))
    assert emitir(sandbox, body)["error"] == "N"


@pytest.mark.parametrize(
    ("cambios", "codigo"),
    [
        ({"documento_tipo": "DNI", "documento_nro": "12345678"}, 10176),
        ({"documento_tipo": "CUIL", "documento_nro": "20123456786"}, 10176),
        ({"documento_nro": "23000000000"}, 10178),
    ],
)
def test_the_receiver_must_be_a_categorised_cuit(
    sandbox: Sandbox, cambios: dict[str, str], codigo: int
) -> None:
    assert codigos(rechazo(sandbox, fce_factura(HOY, cliente_changes=cambios))) == [codigo]


@pytest.mark.parametrize(("offset", "ok"), [(-6, False), (-5, True), (0, True), (1, True), (2, False)])
def test_fce_factura_date_window_is_n_minus_5_to_n_plus_1(sandbox: Sandbox, offset: int, ok: bool) -> None:
    fecha = dias(HOY, offset)
    body = fce_factura(fecha, vencimiento=dias(HOY, 30).strftime("%d/%m/%Y"))
    if ok:
        assert emitir(sandbox, body)["error"] == "N"
    else:
        errores = rechazo(sandbox, body)
        assert codigos(errores) == [10016]
        assert "rango N-5 y N+1 (N = 16/07/2025)" in errores[0]


def test_a_common_factura_keeps_its_five_days_forward(sandbox: Sandbox) -> None:
    assert emitir(sandbox, factura(dias(HOY, 5)))["error"] == "N"


def test_fce_factura_dated_tomorrow_in_the_next_month_is_10152() -> None:
    with Sandbox(hoy=date(2025, 7, 31)) as sb:
        errores = rechazo(sb, fce_factura(date(2025, 8, 1)))
        assert codigos(errores) == [10152]
        assert emitir(sb, fce_factura(date(2025, 7, 31)))["error"] == "N"


# --- rg_especiales: its shape, and what only FCE may carry -----------------------------------------------


def test_an_unknown_regimen_name_is_refused(sandbox: Sandbox) -> None:
    rg = {"regimen": "FCE", "datos": [{"id": 2101, "valor": CBU}]}
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales=rg))
    assert errores == ["El campo comprobante.rg_especiales.regimen no es válido (valor recibido: FCE)."]


def test_a_data_id_of_another_regimen_is_refused(sandbox: Sandbox) -> None:
    rg = rg_fce(id_2101=CBU, id_27="SCA", id_2="P-1")  # 2 is "RG Empresas Promovidas"
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales=rg))
    assert errores == [f"El dato 2 no corresponde al régimen {FCE} (comprobante.rg_especiales.datos[2].id)."]


def test_a_repeated_data_id_is_refused(sandbox: Sandbox) -> None:
    rg = {
        "regimen": FCE,
        "datos": [{"id": 2101, "valor": CBU}, {"id": 27, "valor": "SCA"}, {"id": 27, "valor": "ADC"}],
    }
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales=rg))
    assert errores == ["El dato 27 se informa más de una vez en comprobante.rg_especiales.datos."]


def test_data_with_an_empty_value_are_skipped(sandbox: Sandbox) -> None:
    rg = rg_fce(id_2101=CBU, id_2102="", id_27="SCA", id_22="")
    assert emitir(sandbox, fce_factura(HOY, rg_especiales=rg))["error"] == "N"


def test_datos_must_be_a_list(sandbox: Sandbox) -> None:
    errores = rechazo(sandbox, fce_factura(HOY, rg_especiales={"regimen": FCE, "datos": []}))
    assert errores == ["El campo comprobante.rg_especiales.datos es obligatorio (una lista de {id, valor})."]


@pytest.mark.parametrize(
    ("datos", "ids"),
    [({"id_2101": CBU}, "2101"), ({"id_22": "N", "id_27": "SCA", "id_2102": "mi.alias"}, "2102, 22, 27")],
)
def test_a_common_comprobante_may_not_carry_fce_data(
    sandbox: Sandbox, datos: dict[str, str], ids: str
) -> None:
    errores = rechazo(sandbox, factura(HOY, rg_especiales=rg_fce(**datos)))
    assert codigos(errores) == [10169] and errores[0].endswith(f"los opcionales {ids}.")


def test_a_common_comprobante_may_carry_a_referencia_comercial_or_another_regimen(sandbox: Sandbox) -> None:
    assert emitir(sandbox, factura(HOY, "R-1", rg_especiales=rg_fce(id_23="OC-1")))["error"] == "N"
    rg = {"regimen": "RG 4004-E", "datos": [{"id": 17, "valor": "2"}]}
    assert emitir(sandbox, factura(HOY, "R-2", rg_especiales=rg))["error"] == "N"


# --- FCE notes ----------------------------------------------------------------------------------------


@pytest.fixture
def fce_emitida(sandbox: Sandbox) -> dict[str, Any]:
    return aceptado(sandbox, fce_factura(HOY))


def test_a_complete_fce_nota_is_accepted(sandbox: Sandbox, fce_emitida: dict[str, Any]) -> None:
    answer = emitir(sandbox, fce_nota(HOY, fce_emitida))
    assert answer["error"] == "N" and answer["comprobante_tipo"] == NC_FCE_A
    rg = rg_fce(id_22="S", id_23="OC-7781")  # the buyer rejected the factura
    assert emitir(sandbox, fce_nota(HOY, fce_emitida, "NC-2", rg_especiales=rg))["error"] == "N"


@pytest.mark.parametrize(
    ("rg", "codigo"),
    [
        (None, 10167),
        (rg_fce(id_23="OC-1"), 10167),
        (rg_fce(id_22="X"), 10173),
        (rg_fce(id_22="N", id_2101=CBU), 10172),
        (rg_fce(id_22="N", id_27="SCA"), 10172),
        (rg_fce(id_22="N", id_2102="mi.alias"), 10172),
    ],
)
def test_each_fce_nota_data_rule(
    sandbox: Sandbox, fce_emitida: dict[str, Any], rg: dict[str, Any] | None, codigo: int
) -> None:
    errores = rechazo(sandbox, fce_nota(HOY, fce_emitida, rg_especiales=rg))
    assert codigos(errores) == [codigo], errores


def test_an_fce_nota_credits_an_fce_factura_of_its_letter(
    sandbox: Sandbox, fce_emitida: dict[str, Any]
) -> None:
    comun = aceptado(sandbox, factura(HOY, "A-1"))
    errores = rechazo(sandbox, fce_nota(HOY, comun))
    assert codigos(errores) == [10157] and "(se informó FACTURA A)" in errores[0]
    fce_b = aceptado(sandbox, fce_factura(HOY, "B-1", tipo=FCE_B, cliente_changes=EXENTO))
    assert codigos(rechazo(sandbox, fce_nota(HOY, fce_b))) == [10157]
    nota = aceptado(sandbox, fce_nota(HOY, fce_emitida))
    assert codigos(rechazo(sandbox, fce_nota(HOY, nota, "NC-2"))) == [10157]


def test_an_fce_nota_associates_exactly_one_factura(sandbox: Sandbox, fce_emitida: dict[str, Any]) -> None:
    otra = aceptado(sandbox, fce_factura(HOY, "FCE-0002"))
    body = fce_nota(HOY, fce_emitida)
    segundo = dict(body["comprobante"]["comprobantes_asociados"][0], numero=otra["numero"])
    body["comprobante"]["comprobantes_asociados"].append(segundo)
    assert codigos(rechazo(sandbox, body)) == [10151]


def test_an_fce_nota_may_not_use_a_period(sandbox: Sandbox, fce_emitida: dict[str, Any]) -> None:
    periodo = {"fecha_desde": "01/07/2025", "fecha_hasta": "15/07/2025"}
    body = fce_nota(HOY, fce_emitida, comprobantes_asociados=None, comprobantes_asociados_periodo=periodo)
    assert codigos(rechazo(sandbox, body)) == [10196]


def test_an_fce_nota_names_the_issuer_cuit(sandbox: Sandbox, fce_emitida: dict[str, Any]) -> None:
    body = fce_nota(HOY, fce_emitida)
    del body["comprobante"]["comprobantes_asociados"][0]["cuit"]
    assert codigos(rechazo(sandbox, body)) == [10158]


def test_an_fce_nota_is_dated_n_minus_5_to_n(sandbox: Sandbox) -> None:
    original = aceptado(sandbox, fce_factura(dias(HOY, -5)))
    errores = rechazo(sandbox, fce_nota(dias(HOY, 1), original))
    assert codigos(errores) == [10016] and "rango N-5 y N (N = 16/07/2025)" in errores[0]
    assert emitir(sandbox, fce_nota(dias(HOY, -5), original))["error"] == "N"


def test_an_fce_nota_is_in_the_currency_of_its_factura(sandbox: Sandbox) -> None:
    dolares = aceptado(sandbox, fce_factura(HOY, moneda="DOL", cotizacion="1000"))
    errores = rechazo(sandbox, fce_nota(HOY, dolares))
    assert "El comprobante asociado debe estar en la misma moneda que la nota." in errores


def test_a_common_nota_may_neither_carry_anulacion_nor_credit_an_fce(
    sandbox: Sandbox, fce_emitida: dict[str, Any]
) -> None:
    comun = aceptado(sandbox, factura(HOY, "A-1"))
    body = fce_nota(HOY, comun, tipo="NOTA DE CREDITO A")
    assert codigos(rechazo(sandbox, body)) == [10169]
    body = fce_nota(HOY, fce_emitida, tipo="NOTA DE CREDITO A", rg_especiales=None)
    assert codigos(rechazo(sandbox, body)) == [10040]
