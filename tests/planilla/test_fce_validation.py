"""FCE MiPyME and emisor_cuit in Comprobantes (interface.md §9, §10; afip-rules.md §8): each rule
with a failing and a passing case, at its place (sheet, row, column letter)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl.utils import get_column_letter

from importer.dominio.catalogs import TIPO_COMPROBANTE
from importer.dominio.comprobantes import DatosFce
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columns import NAMES
from importer.planilla.reading import read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from tests.conftest import valid_row, write_rows

HOY = hoy_en_argentina()
CBU = "0170215820000005295250"  # passes the check digits (afip-rules.md §8)
CBU_MALO = "1234567890123456789011"  # 22 digits, wrong check digits
FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
NC_FCE_A = "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A"


def letra(columna: str) -> str:
    return get_column_letter(NAMES.index(columna) + 1)


def fce(**cells: object) -> dict[str, object]:
    row = {"tipo": "FCE A", "vencimiento": HOY + timedelta(days=30), "fce_cbu": CBU}
    row.update(cells)
    return valid_row(**row)


def nota(**cells: object) -> dict[str, object]:
    row = {
        "referencia": "NC-1",
        "tipo": "NC FCE A",
        "asociado_tipo": "FCE A",
        "asociado_punto_venta": 1,
        "asociado_numero": 7,
        "asociado_fecha": HOY,
        "fce_anulacion": "N",
    }
    row.update(cells)
    return valid_row(**row)


def validar(tmp_path, *rows, **kwargs) -> Validacion:
    return validate_planilla(read_planilla(write_rows(tmp_path / "mes.xlsx", list(rows))), hoy=HOY, **kwargs)


def solo(v: Validacion, codigo: str, columna: str, fila: int = 2):
    found = [p for p in v.problems if p.codigo == codigo]
    assert len(found) == 1, v.problems
    p = found[0]
    assert (p.hoja, p.fila, p.columna, p.letra) == ("Comprobantes", fila, columna, letra(columna))
    return p


@pytest.mark.parametrize(
    ("escrito", "tipo"),
    [
        ("FCE A", FCE_A),
        ("fce b", "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) B"),
        ("NC FCE A", NC_FCE_A),
        ("FCE NC A", NC_FCE_A),
        ("ND FCE B", "NOTA DE DEBITO ELECTRONICA MiPyME (FCE) B"),
        ("nc fce c", "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) C"),
    ],
)
def test_short_fce_spellings(escrito, tipo):
    assert TIPO_COMPROBANTE.lookup(escrito) == tipo


def test_fce_factura_validates_with_its_data(tmp_path):
    v = validar(tmp_path, fce(fce_alias="ventas.norte", fce_referencia_comercial="OC-7781"))
    assert v.problems == []
    (c,) = v.validas
    assert c.tipo == FCE_A and c.es_fce
    assert c.fce == DatosFce(
        cbu=CBU, alias="ventas.norte", transferencia="SCA", referencia_comercial="OC-7781"
    )


def test_a_cbu_with_dashes_and_adc_are_accepted(tmp_path):
    v = validar(tmp_path, fce(fce_cbu="0170-2158 2000-0005295250", fce_transferencia="adc"))
    assert v.problems == [] and v.validas[0].fce.cbu == CBU and v.validas[0].fce.transferencia == "ADC"


def test_cbu_required_on_fce_facturas(tmp_path):
    v = validar(tmp_path, fce(fce_cbu=None))
    assert "TF_IMPORT_FCE_CBU" in solo(v, "fce.cbu_requerido", "fce_cbu").mensaje
    assert v.validas == []


def test_defaults_fill_what_the_row_leaves_empty_and_the_row_wins(tmp_path):
    pedidos = []

    def defaults(emisor: str, punto_venta: int) -> DatosFce:
        pedidos.append((emisor, punto_venta))
        return DatosFce(cbu="2850590940090418135201", alias="cuenta.default", transferencia="ADC")

    v = validar(
        tmp_path,
        fce(fce_cbu=None, emisor_cuit="30-71234567-1"),
        fce(referencia="FCE-2", fce_alias="otro.alias", fce_transferencia="SCA"),
        valid_row(referencia="FA-3"),
        fce_defaults=defaults,
    )
    assert v.problems == []
    primera, segunda, comun = v.validas
    assert primera.fce == DatosFce(cbu="2850590940090418135201", alias="cuenta.default", transferencia="ADC")
    assert segunda.fce == DatosFce(cbu=CBU, alias="otro.alias", transferencia="SCA")
    assert comun.fce is None
    assert pedidos == [("30712345671", 1), ("", 1)]  # asked for FCE comprobantes only


@pytest.mark.parametrize(
    ("cbu", "codigo"),
    [(CBU_MALO, "fce.cbu_digito_verificador"), ("017021582000000529525", "fce.cbu_formato")],
)
def test_cbu_check_digits_and_length(tmp_path, cbu, codigo):
    solo(validar(tmp_path, fce(fce_cbu=cbu)), codigo, "fce_cbu")


def test_cbu_typed_as_a_number_lost_digits(tmp_path):
    v = validar(tmp_path, fce(fce_cbu=int(CBU)))  # Excel keeps it as a float: 1.70215820000005E+21
    assert "como texto" in solo(v, "fce.cbu_numero", "fce_cbu").mensaje


def test_alias_format(tmp_path):
    solo(validar(tmp_path, fce(fce_alias="mi alias")), "fce.alias_formato", "fce_alias")


def test_vencimiento_required_on_fce_facturas(tmp_path):
    solo(validar(tmp_path, fce(vencimiento=None)), "fce.vencimiento_requerido", "vencimiento")
    solo(validar(tmp_path, fce(vencimiento=HOY - timedelta(days=1))), "vencimiento.anterior", "vencimiento")


def test_anulacion_only_on_notas(tmp_path):
    solo(validar(tmp_path, fce(fce_anulacion="N")), "fce.anulacion_no_permitida", "fce_anulacion")
    solo(validar(tmp_path, nota(fce_anulacion=None)), "fce.anulacion_requerida", "fce_anulacion")
    v = validar(tmp_path, nota(fce_anulacion="si"))
    assert v.problems == [] and v.validas[0].fce == DatosFce(anulacion="S")


def test_no_cbu_alias_or_transferencia_on_notas(tmp_path):
    v = validar(tmp_path, nota(fce_cbu=CBU, fce_transferencia="SCA"))
    assert sorted(p.columna for p in v.problems if p.codigo == "fce.no_permitido_en_nota") == [
        "fce_cbu",
        "fce_transferencia",
    ]
    # The account's defaults never make a nota wrong: they are not applied to it.
    ok = validar(tmp_path, nota(), fce_defaults=lambda _c, _p: DatosFce(cbu=CBU, transferencia="ADC"))
    assert ok.problems == [] and ok.validas[0].fce == DatosFce(anulacion="N")


def test_fce_nota_must_refer_to_an_fce_factura(tmp_path):
    p = solo(validar(tmp_path, nota(asociado_tipo="FACTURA A")), "asociado.tipo", "asociado_tipo")
    assert FCE_A in p.mensaje


def test_fce_columns_on_a_common_tipo_are_an_error(tmp_path):
    v = validar(tmp_path, valid_row(fce_cbu=CBU, fce_anulacion="N"))
    assert [(p.codigo, p.columna) for p in v.problems] == [
        ("fce.no_permitido", "fce_cbu"),
        ("fce.no_permitido", "fce_anulacion"),
    ]
    assert v.problems[0].letra == letra("fce_cbu")


def test_fce_to_the_generic_cuit_is_refused(tmp_path):
    v = validar(tmp_path, fce(cliente_documento_nro="23000000000"))
    solo(v, "fce.cuit_generico", "cliente_documento_nro")


def test_referencia_comercial_at_most_50(tmp_path):
    solo(validar(tmp_path, fce(fce_referencia_comercial="x" * 51)), "texto.largo", "fce_referencia_comercial")
    assert validar(tmp_path, fce(fce_referencia_comercial="x" * 50)).problems == []


def test_transferencia_other_than_sca_or_adc(tmp_path):
    solo(validar(tmp_path, fce(fce_transferencia="CBU")), "valor_desconocido", "fce_transferencia")


def test_fce_columns_inherit_and_must_agree(tmp_path):
    v = validar(
        tmp_path, fce(), fce(fce_cbu=None, descripcion="Segunda línea"), fce(fce_cbu="2850590940090418135201")
    )
    solo(v, "encabezado.distinto", "fce_cbu", fila=4)


# --- emisor_cuit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("escrito", ["30-71234567-1", "30712345671", 30712345671])
def test_emisor_cuit_with_dashes_or_as_a_number(tmp_path, escrito):
    v = validar(tmp_path, valid_row(emisor_cuit=escrito))
    assert v.problems == [] and v.validas[0].emisor_cuit == "30712345671"


@pytest.mark.parametrize("escrito", ["30-71234567-2", "3071234567", "20-1234567X-1"])
def test_emisor_cuit_must_be_a_valid_cuit(tmp_path, escrito):
    p = solo(validar(tmp_path, valid_row(emisor_cuit=escrito)), "emisor_cuit.invalido", "emisor_cuit")
    assert p.mensaje.startswith("emisor_cuit: el CUIT")


def test_emisor_cuit_blank_is_empty(tmp_path):
    assert validar(tmp_path, valid_row()).validas[0].emisor_cuit == ""
