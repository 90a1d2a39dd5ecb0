"""The Tributos sheet (interface.md §8): reading, every rule with its place, and the perceptions in
the comprobante's total. Expected amounts are worked out by hand from tusfacturas-api.md §9.3."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from importer.dominio.amounts import comprobante_totals
from importer.dominio.comprobantes import Tributo
from importer.dominio.problems import PlanillaError
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columnas_tributos import TRIBUTOS_NAMES
from importer.planilla.reading import read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from importer.planilla.validation_tributos import ProblemaTributos
from tests.conftest import valid_row, write_rows

HOY = hoy_en_argentina()
LETRA = {name: chr(ord("A") + i) for i, name in enumerate(TRIBUTOS_NAMES)}  # referencia A … descripcion G


def percepcion(**cells: object) -> dict[str, object]:
    row: dict[str, object] = {
        "referencia": "FA-0001",
        "tributo": "IIBB",
        "regimen": "Buenos Aires",
        "base_imponible": 1000,
        "alicuota": 3,
    }
    row.update(cells)
    return row


def workbook(tmp_path: Path, rows: list[dict[str, object]], tributos: list[dict[str, object]], **kw) -> Path:
    sheet = [list(TRIBUTOS_NAMES)] + [[t.get(n) for n in TRIBUTOS_NAMES] for t in tributos]
    return write_rows(tmp_path / "mes.xlsx", rows, extra_sheets={kw.pop("hoja", "Tributos"): sheet}, **kw)


def validar(tmp_path: Path, rows, tributos, **kw) -> Validacion:
    return validate_planilla(read_planilla(workbook(tmp_path, rows, tributos)), hoy=HOY, **kw)


def solo(v: Validacion, codigo: str):
    found = [p for p in v.problems if p.codigo == codigo]
    assert len(found) == 1, v.problems
    return found[0]


def en_tributos(p, fila: int, columna: str) -> None:
    """The problem points at the Tributos sheet, that row and that column's letter."""
    assert (p.hoja, p.fila, p.columna, p.letra) == ("Tributos", fila, columna, LETRA[columna])
    assert str(p).startswith(f"Hoja Tributos, fila {fila}, columna {LETRA[columna]} ({columna})")


# --- worked examples (tusfacturas-api.md §9.3) ------------------------------------------------------------


def test_rg_5329_factura_a_totals_478526_with_its_three_perceptions(tmp_path):
    """2 × 102000 @21, 1 × 1000 @21, 1 × 200300 @10.5: net 405300, IVA 43050 + 21031.50;
    perceptions 3 % of 204000 = 6120 and 1.5 % of 200300 = 3004.50 (both IVA RG 5329) plus 20
    → 478526. Two IVA RG 5329 rows with different alícuotas are not a repetition."""
    rows = [
        valid_row(referencia="RG-1", cantidad=2, precio_unitario=102000, total_control="478.526,00"),
        valid_row(referencia="RG-1", cantidad=1, precio_unitario=1000),
        valid_row(referencia="RG-1", cantidad=1, precio_unitario=200300, alicuota_iva="10.5"),
    ]
    tributos = [
        percepcion(referencia="RG-1", tributo="IVA", regimen="RG 5329", base_imponible=204000, alicuota=3),
        percepcion(
            referencia="RG-1",
            tributo="iva",
            regimen="rg5329",
            base_imponible=200300,
            alicuota="1,5",
            importe=3004.5,
        ),
        percepcion(referencia="RG-1", tributo="IIBB", regimen="CABA", base_imponible=1000, alicuota=2),
    ]
    v = validar(tmp_path, rows, tributos)
    assert v.problems == []
    (c,) = v.validas
    assert c.tributos == (
        Tributo(2, "6", 3, Decimal(204000), Decimal(3), Decimal("6120.00")),
        Tributo(3, "6", 3, Decimal(200300), Decimal("1.5"), Decimal("3004.5")),
        Tributo(4, "7", 4, Decimal(1000), Decimal(2), Decimal("20.00")),
    )
    totales = comprobante_totals(c)
    assert (totales.percepciones, totales.total) == (Decimal("9144.50"), Decimal("478526.00"))
    assert v.tributos_referencia_por_fila == {2: "RG-1", 3: "RG-1", 4: "RG-1"}
    assert v.tributos_filas_invalidas == set()


def test_nota_de_credito_a_totals_142_10_with_its_perceptions(tmp_path):
    """100 exento + 10 @21 (12.10) + perceptions 10 + 20 = 142.10."""
    nota = dict(
        referencia="NC-1",
        tipo="NOTA DE CREDITO A",
        asociado_tipo="FACTURA A",
        asociado_punto_venta=1,
        asociado_numero=125,
        asociado_fecha=HOY,
    )
    rows = [
        valid_row(**nota, precio_unitario=100, alicuota_iva="exento", total_control=142.1),
        valid_row(**nota, precio_unitario=10),
    ]
    tributos = [
        percepcion(referencia="NC-1", tributo="IIBB", regimen="Buenos Aires", base_imponible=500, alicuota=2),
        percepcion(referencia="NC-1", tributo="IVA", regimen="RG 2408", base_imponible=1000, alicuota=2),
    ]
    v = validar(tmp_path, rows, tributos)
    assert v.problems == []
    assert comprobante_totals(v.validas[0]).total == Decimal("142.10")


def test_total_control_without_the_perceptions_no_longer_matches(tmp_path):
    rows = [valid_row(total_control=1210)]  # 1000 + 21 % = 1210, + 30 of perception = 1240
    v = validar(tmp_path, rows, [percepcion()])
    p = solo(v, "total.no_coincide")
    assert (p.hoja, p.fila, p.columna) == ("Comprobantes", 2, "total_control")
    assert "$ 1.240,00" in p.mensaje
    assert validar(tmp_path, [valid_row(total_control=1240)], [percepcion()]).problems == []


# --- amounts --------------------------------------------------------------------------------------------


def test_importe_empty_is_base_by_alicuota_rounded_half_even(tmp_path):
    # 1234.50 × 1.5 % = 18.5175 → 18.52; 0.5 × 1 % = 0.005 → 0.00 (half-even), 2.5 × 1 % = 0.025 → 0.02
    tributos = [
        percepcion(base_imponible=1234.5, alicuota=1.5),
        percepcion(tributo="IVA", regimen="RG 2408", base_imponible=0.5, alicuota=1),
        percepcion(tributo="NACIONAL", regimen="Ganancias", base_imponible=2.5, alicuota=1),
    ]
    v = validar(tmp_path, [valid_row()], tributos)
    assert v.problems == []
    assert [t.importe for t in v.validas[0].tributos] == [Decimal("18.52"), Decimal("0.00"), Decimal("0.02")]


def test_importe_written_must_match_within_one_cent(tmp_path):
    ok = validar(tmp_path, [valid_row()], [percepcion(importe="30,01")])
    assert ok.problems == [] and ok.validas[0].tributos[0].importe == Decimal("30.01")
    v = validar(tmp_path, [valid_row()], [percepcion(importe=30.02)])
    p = solo(v, "tributo.importe_no_coincide")
    en_tributos(p, 2, "importe")
    assert "$ 30,02" in p.mensaje and "$ 30,00" in p.mensaje
    assert v.validas == []


@pytest.mark.parametrize(
    ("cells", "codigo", "columna"),
    [
        ({"tributo": None}, "requerido", "tributo"),
        ({"regimen": None}, "requerido", "regimen"),
        ({"base_imponible": None}, "requerido", "base_imponible"),
        ({"alicuota": None}, "requerido", "alicuota"),
        ({"tributo": "Tasa municipal"}, "valor_desconocido", "tributo"),
        ({"regimen": "Narnia"}, "valor_desconocido", "regimen"),
        ({"base_imponible": -1}, "tributo.base_negativa", "base_imponible"),
        ({"base_imponible": "1000,123"}, "tributo.base_decimales", "base_imponible"),
        ({"alicuota": 0}, "tributo.alicuota_rango", "alicuota"),
        ({"alicuota": 100.5}, "tributo.alicuota_rango", "alicuota"),
        ({"alicuota": "2,1234"}, "tributo.alicuota_decimales", "alicuota"),
        ({"importe": "30,0012"}, "tributo.importe_decimales", "importe"),
        ({"base_imponible": "1.000"}, "numero_ambiguo", "base_imponible"),
        ({"regimen": "Córdoba", "tributo": "IVA"}, "tributo.regimen_de_otro_tributo", "regimen"),
    ],
)
def test_a_wrong_cell_is_reported_at_its_place_and_blocks_its_comprobante(tmp_path, cells, codigo, columna):
    v = validar(tmp_path, [valid_row()], [percepcion(**cells)])
    p = solo(v, codigo)
    en_tributos(p, 2, columna)
    assert isinstance(p, ProblemaTributos) and p.referencia == "FA-0001"
    assert v.validas == [] and v.invalidas == {"FA-0001"}
    aviso = solo(v, "tributo.con_errores")
    assert (aviso.hoja, aviso.fila, aviso.referencia) == ("Comprobantes", None, "FA-0001")
    assert str(aviso) == (
        "Comprobante FA-0001: La percepción de la hoja Tributos, fila 2, tiene errores: corríjala para "
        "emitir este comprobante con sus percepciones."
    )
    assert aviso in v.problems_de_fila(2)  # the comprobante's rows say why
    assert v.tributos_filas_invalidas == {2} and v.filas_invalidas == set()
    assert not any(p.codigo.startswith("total.") for p in v.problems)  # no misleading total


def test_unknown_codes_say_what_to_write(tmp_path):
    v = validar(tmp_path, [valid_row()], [percepcion(tributo="Tasa", regimen="Narnia")])
    assert [p.mensaje for p in v.problems if p.codigo == "valor_desconocido"] == [
        "tributo: «Tasa» no es un tributo de percepción: use IVA, IIBB o NACIONAL.",
        "regimen: «Narnia» no es un régimen de percepción: para IIBB escriba la jurisdicción (Buenos Aires, "
        "CABA, Córdoba…), para IVA RG 2408, RG 5329 o No especificado, para NACIONAL Ganancias, Bienes "
        "Personales o Impuesto PAIS (o el código de 1 a 34).",
    ]


def test_the_same_cells_written_right_pass(tmp_path):
    tributos = [
        percepcion(tributo="7", regimen="5"),
        percepcion(tributo="Percepción IVA", regimen="Reg. General (RG 2408)"),
        percepcion(
            tributo="nacional", regimen="Bienes Personales", base_imponible="1.000,00", alicuota="0,5 %"
        ),
        percepcion(tributo="IIBB", regimen="capital federal"),
        percepcion(tributo="IIBB", regimen="9 - Córdoba", alicuota=100),
    ]
    v = validar(tmp_path, [valid_row()], tributos)
    assert v.problems == []
    assert [(t.tipo, t.regimen) for t in v.validas[0].tributos] == [
        ("7", 5),
        ("6", 2),
        ("1", 34),
        ("7", 4),
        ("7", 9),
    ]


def test_unknown_referencia_is_an_error_on_that_row_only(tmp_path):
    v = validar(tmp_path, [valid_row()], [percepcion(referencia="FA-9999"), percepcion()])
    p = solo(v, "tributo.referencia_desconocida")
    en_tributos(p, 2, "referencia")
    assert "FA-9999" in p.mensaje and p.referencia is None
    assert [c.referencia for c in v.validas] == ["FA-0001"]  # blocks nothing else
    assert v.validas[0].tributos[0].fila == 3
    assert v.tributos_filas_invalidas == {2} and v.tributos_referencia_por_fila == {3: "FA-0001"}


def test_percent_cell_is_read_as_shown(tmp_path):
    path = workbook(tmp_path, [valid_row()], [percepcion(alicuota=0.03)])
    wb = load_workbook(path)
    wb["Tributos"]["E2"].number_format = "0.00%"
    wb.save(path)
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert v.problems == [] and v.validas[0].tributos[0].alicuota == Decimal(3)


# --- per comprobante ------------------------------------------------------------------------------------


def test_at_most_seven_perceptions(tmp_path):
    regimenes = ["Buenos Aires", "CABA", "Córdoba", "Santa Fe", "Mendoza", "Salta", "Jujuy", "Chaco"]
    siete = [percepcion(regimen=r) for r in regimenes[:7]]
    assert validar(tmp_path, [valid_row()], siete).problems == []
    v = validar(tmp_path, [valid_row()], [percepcion(regimen=r) for r in regimenes])
    en_tributos(solo(v, "tributo.maximo"), 9, "referencia")
    assert v.validas == []


@pytest.mark.parametrize(
    "row",
    [
        {"tipo": "FACTURA C", "alicuota_iva": None},
        {"tipo": "FCE C", "alicuota_iva": None, "vencimiento": HOY, "fce_cbu": "0170215820000005295250"},
    ],
    ids=["factura-c", "fce-c"],
)
def test_no_perceptions_on_letter_c(tmp_path, row):
    v = validar(tmp_path, [valid_row(**row)], [percepcion()])
    en_tributos(solo(v, "tributo.letra_no_admite"), 2, "referencia")
    assert v.validas == []
    assert validar(tmp_path, [valid_row(**row)], []).validas != []


def test_the_same_perception_twice_is_an_error_but_another_rate_is_not(tmp_path):
    v = validar(tmp_path, [valid_row()], [percepcion(), percepcion(base_imponible=500)])
    p = solo(v, "tributo.repetido")
    en_tributos(p, 3, "regimen")
    assert "fila 2" in p.mensaje
    ok = validar(tmp_path, [valid_row()], [percepcion(), percepcion(alicuota=1.5)])
    assert ok.problems == []


def test_problems_of_each_sheet_stay_on_their_own_rows(tmp_path):
    rows = [valid_row(), valid_row(referencia="FA-0002", cantidad=-1)]  # Comprobantes row 3 is wrong
    v = validar(tmp_path, rows, [percepcion(referencia="FA-0002"), percepcion(referencia="X")])
    assert [p.codigo for p in v.problems_de_fila(3)] == ["cantidad.no_positiva"]
    assert v.problems_de_fila(2) == []  # Tributos row 2 is not Comprobantes row 2
    assert [p.codigo for p in v.problems_de_tributo(3)] == ["tributo.referencia_desconocida"]
    assert v.problems_de_tributo(2) == []
    assert v.filas_invalidas == {3} and v.tributos_filas_invalidas == {3}
    # Comprobantes problems first, then the Tributos sheet's.
    assert [p.hoja for p in v.problems] == ["Comprobantes", "Tributos"]


# --- CUIT 23000000000 (AFIP 10067) -------------------------------------------------------------------------


def test_factura_b_to_the_generic_cuit_needs_a_perception(tmp_path):
    row = valid_row(tipo="FACTURA B", cliente_condicion_iva="CF", cliente_documento_nro="23-00000000-0")
    v = validar(tmp_path, [row], [])
    p = solo(v, "cliente.cuit_generico_sin_percepcion")
    assert (p.hoja, p.fila, p.columna) == ("Comprobantes", 2, "cliente_documento_nro")
    assert validar(tmp_path, [row], [percepcion(tributo="IVA", regimen="No especificado")]).problems == []


# --- reading ---------------------------------------------------------------------------------------------


def test_hidden_tributos_sheet_is_read(tmp_path):
    path = workbook(tmp_path, [valid_row()], [percepcion()])
    wb = load_workbook(path)
    wb["Tributos"].sheet_state = "hidden"
    wb.save(path)
    planilla = read_planilla(path)
    assert planilla.hoja == "Comprobantes" and planilla.tributos is not None
    assert validate_planilla(planilla, hoy=HOY).validas[0].tributos[0].importe == Decimal("30.00")


def test_any_case_and_a_lone_other_sheet(tmp_path):
    """`TRIBUTOS` is the perceptions sheet whatever its case; the other sheet is the comprobantes'."""
    path = workbook(tmp_path, [valid_row()], [percepcion()], sheet="Hoja1", hoja="TRIBUTOS")
    planilla = read_planilla(path)
    assert (planilla.hoja, planilla.tributos.hoja) == ("Hoja1", "TRIBUTOS")
    assert list(planilla.tributos.datos.index) == [2]
    assert planilla.tributos.letras["importe"] == "F"


def test_a_header_only_tributos_sheet_means_no_perceptions(tmp_path):
    assert read_planilla(workbook(tmp_path, [valid_row()], [])).tributos is None


def test_a_tributos_sheet_that_is_not_ours_is_refused(tmp_path):
    path = write_rows(
        tmp_path / "mes.xlsx", [valid_row()], extra_sheets={"Tributos": [["impuesto", "monto"], ["IIBB", 30]]}
    )
    with pytest.raises(PlanillaError, match=r"hoja 'Tributos'.*base_imponible"):
        read_planilla(path)
    path = write_rows(
        tmp_path / "falta.xlsx",
        [valid_row()],
        extra_sheets={"Tributos": [["referencia", "tributo"], ["FA-0001", "IIBB"]]},
    )
    with pytest.raises(PlanillaError, match="faltan columnas obligatorias en la fila 1: regimen"):
        read_planilla(path)


def test_results_workbook_tributos_output_columns_are_ignored(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Resultados"
    row = valid_row()
    ws.append([*row, "estado", "errores"])
    ws.append([*row.values(), "INVALIDO", "x"])
    tributos = wb.create_sheet("Tributos")
    tributos.append([*TRIBUTOS_NAMES, "estado", "errores"])
    tributos.append([*(percepcion().get(n) for n in TRIBUTOS_NAMES), "INVALIDO", "importe: no coincide"])
    path = tmp_path / "mes-resultados.xlsx"
    wb.save(path)
    planilla = read_planilla(path)
    assert planilla.hoja == "Resultados"
    assert list(planilla.tributos.datos.columns) == list(TRIBUTOS_NAMES)
    assert validate_planilla(planilla, hoy=HOY).problems == []


def test_csv_has_no_tributos(tmp_path):
    path = tmp_path / "mes.csv"
    row = valid_row(fecha=HOY.strftime("%d/%m/%Y"))
    path.write_text(";".join(row) + "\n" + ";".join(str(v) for v in row.values()) + "\n", encoding="utf-8")
    assert read_planilla(path).tributos is None


# --- property --------------------------------------------------------------------------------------------

_CENTS = st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n) / 100)
_RATE = st.integers(min_value=1, max_value=10000).map(lambda n: Decimal(n) / 100)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    precio=st.integers(min_value=1, max_value=10**8).map(lambda n: Decimal(n) / 100),
    percepciones=st.lists(st.tuples(_CENTS, _RATE), min_size=1, max_size=3),
)
def test_property_empty_importe_is_computed_and_adds_to_the_total(tmp_path_factory, precio, percepciones):
    tmp = tmp_path_factory.mktemp("prop")
    regimenes = ["Buenos Aires", "CABA", "Córdoba"]
    tributos = [
        percepcion(regimen=regimenes[i], base_imponible=str(base), alicuota=str(rate))
        for i, (base, rate) in enumerate(percepciones)
    ]
    v = validar(tmp, [valid_row(precio_unitario=str(precio), fecha=HOY - timedelta(days=0))], tributos)
    assert v.problems == []
    (c,) = v.validas
    cents = Decimal("0.01")
    esperados = [(base * rate / 100).quantize(cents, rounding=ROUND_HALF_EVEN) for base, rate in percepciones]
    assert [t.importe for t in c.tributos] == esperados
    neto = precio.quantize(cents, rounding=ROUND_HALF_EVEN)
    iva = (neto * Decimal("0.21")).quantize(cents, rounding=ROUND_HALF_EVEN)
    assert comprobante_totals(c).total == neto + iva + sum(esperados)


# --- the template ---------------------------------------------------------------------------------------


def test_template_tributos_sheet_with_drop_downs_from_the_hidden_lists(tmp_path):
    from importer.dominio.tributos import REGIMEN, REGIMENES, TRIBUTO
    from importer.planilla import template

    path = tmp_path / "plantilla.xlsx"
    template.write_template(path)
    wb = load_workbook(path)
    ws = wb["Tributos"]
    assert [c.value for c in ws[1]] == list(TRIBUTOS_NAMES) and ws.max_row == 1
    assert all("Ejemplo:" in c.comment.text for c in ws[1])
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert set(validations) == {f"B2:B{template.LAST_VALIDATED_ROW}", f"C2:C{template.LAST_VALIDATED_ROW}"}

    def lista(name: str) -> list[str]:
        sheet, ref = wb.defined_names[name].attr_text.split("!")
        assert sheet == "'Listas'"
        return [c.value for row in wb["Listas"][ref.replace("$", "")] for c in row]

    tributos = lista(validations[f"B2:B{template.LAST_VALIDATED_ROW}"])
    regimenes = lista(validations[f"C2:C{template.LAST_VALIDATED_ROW}"])
    assert [TRIBUTO.lookup(v) for v in tributos] == ["6", "7", "1"]
    assert [REGIMEN.lookup(v) for v in regimenes] == [str(r.codigo) for r in REGIMENES]
    assert len([r for r in REGIMENES if r.tributo == "7"]) == 25  # 24 jurisdicciones + «otra»


def test_template_examples_with_perceptions_and_fce_validate(tmp_path):
    from importer.planilla.template_ejemplos import EXAMPLES_TRIBUTOS, FECHA_EJEMPLO

    rows = [row for _, _, filas, _ in EXAMPLES_TRIBUTOS for row in filas]
    tributos = [t for _, _, _, ts in EXAMPLES_TRIBUTOS for t in ts]
    v = validate_planilla(read_planilla(workbook(tmp_path, rows, tributos)), hoy=FECHA_EJEMPLO)
    assert v.problems == []
    agente, factura_fce = v.validas
    assert comprobante_totals(agente).total == Decimal("155000.00")  # 125000 + 26250 + 3750
    assert factura_fce.es_fce and factura_fce.fce.transferencia == "SCA"
