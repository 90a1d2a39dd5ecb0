"""Cell and row validation: parsers, the pandera schema, problems and the `Validacion` result."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from importer.dominio.documentos import CUIT_PREFIXES, clean_document, cuit_check_digit, cuit_problem
from importer.dominio.problems import PlanillaError
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla import parsing
from importer.planilla.columns import NAMES, REQUIRED_NAMES
from importer.planilla.reading import Planilla, read_planilla
from importer.planilla.validation import Validacion, documento_problemas, validate_planilla
from tests.conftest import CUIT_CLIENTE, valid_row, write_rows

HOY = hoy_en_argentina()


def validar(write_workbook, rows: list[dict[str, object]], **kwargs: object) -> Validacion:
    """Write a real workbook, read it back and validate it."""
    return validate_planilla(read_planilla(write_workbook(rows, **kwargs)), hoy=HOY)


def planilla_de(rows: list[dict[str, object]], columns: list[str] | None = None) -> Planilla:
    """A `Planilla` built straight from dicts, as `read_planilla` would return it (row 1 = header)."""
    columns = columns or list(NAMES)
    datos = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns, dtype=object)
    datos.index = pd.RangeIndex(2, 2 + len(rows), name="fila")
    datos = datos.where(datos.notna(), np.nan)
    return Planilla(
        path=Path("planilla.xlsx"),
        hoja="Comprobantes",
        datos=datos,
        letras={c: get_column_letter(i + 1) for i, c in enumerate(columns)},
        extras=(),
        sha256="0" * 64,
        fecha_simulada=None,
        encabezados_originales={c: c for c in columns},
    )


def codigos(v: Validacion, fila: int | None = None) -> list[str]:
    return [p.codigo for p in v.problems if fila is None or p.fila == fila]


def unico(v: Validacion, codigo: str):
    found = [p for p in v.problems if p.codigo == codigo]
    assert len(found) == 1, v.problems
    return found[0]


# --- A valid sheet ------------------------------------------------------------------------------


def test_valid_row_builds_one_comprobante(write_workbook):
    v = validar(write_workbook, [valid_row()])
    assert v.problems == []
    assert [c.referencia for c in v.validas] == ["FA-0001"]
    c = v.comprobantes[0]
    assert (c.tipo, c.punto_venta, c.fecha, c.filas) == ("FACTURA A", 1, HOY, (2,))
    assert c.cliente.documento_nro == CUIT_CLIENTE and c.cliente.condicion_iva == "RI"
    assert c.cliente.provincia == "2"
    linea = c.lineas[0]
    assert (linea.cantidad, linea.precio_unitario, linea.alicuota) == (Decimal(1), Decimal(1000), "21")
    assert isinstance(linea.precio_unitario, Decimal)
    assert v.referencia_por_fila == {2: "FA-0001"} and v.invalidas == set() and v.filas_invalidas == set()


def test_defaults_fill_empty_optional_cells(write_workbook):
    row = valid_row(
        moneda=None,
        cotizacion=None,
        condicion_pago=None,
        cliente_provincia=None,
        cliente_domicilio=None,
        unidad_medida=None,
        cliente_envia_por_mail=None,
    )
    v = validar(write_workbook, [row])
    assert v.problems == []
    c = v.comprobantes[0]
    assert (c.moneda, c.cotizacion, c.condicion_pago) == ("PES", Decimal(1), "201")
    assert (c.cliente.provincia, c.cliente.domicilio, c.cliente.envia_por_mail) == (
        "26",
        "No especifica",
        False,
    )
    assert c.lineas[0].unidad_medida == "7"


def test_optional_columns_may_be_absent(write_workbook):
    v = validar(write_workbook, [valid_row()], columns=list(REQUIRED_NAMES) + ["alicuota_iva"])
    assert v.problems == []
    assert v.comprobantes[0].moneda == "PES"


def test_forgiving_codes_resolve_to_canonical_values(write_workbook):
    row = valid_row(
        tipo="factura a",
        cliente_condicion_iva="Responsable Inscripto",
        moneda="Pesos",
        cliente_provincia="Buenos Aires",
        condicion_pago="30 días",
        cliente_documento_tipo="cuit",
        alicuota_iva="10,5",
        unidad_medida="kg",
        cliente_envia_por_mail="si",
    )
    v = validar(write_workbook, [row])
    assert v.problems == []
    c = v.comprobantes[0]
    assert (c.tipo, c.cliente.condicion_iva, c.moneda, c.cliente.provincia) == ("FACTURA A", "RI", "PES", "2")
    assert (c.condicion_pago, c.lineas[0].alicuota, c.lineas[0].unidad_medida) == ("202", "10.5", "1")
    assert c.cliente.envia_por_mail is True


def test_missing_required_column_cannot_be_validated():
    with pytest.raises(PlanillaError, match="tipo"):
        validate_planilla(planilla_de([valid_row()], [n for n in NAMES if n != "tipo"]), hoy=HOY)


def test_empty_planilla_has_nothing_to_report():
    v = validate_planilla(planilla_de([]), hoy=HOY)
    assert (v.problems, v.comprobantes, v.validas) == ([], [], [])


def test_unknown_columns_are_ignored():
    rows = [{**valid_row(), "observacion interna": "=1+1"}]
    v = validate_planilla(planilla_de(rows, [*NAMES, "observacion interna"]), hoy=HOY)
    assert v.problems == []


# --- Every failure is collected ----------------------------------------------------------------------


def test_three_bad_cells_give_three_problems(write_workbook):
    row = valid_row(fecha="31/02/2025", cantidad="abc", cliente_documento_nro="30-71234567-9")
    v = validar(write_workbook, [row])
    assert sorted(codigos(v, 2)) == ["cuit.digito_verificador", "fecha_invalida", "numero_invalido"]


def test_a_typo_does_not_hide_another_error_in_the_same_column(write_workbook):
    rows = [
        valid_row(referencia="A", cantidad="abc"),
        valid_row(referencia="B", cantidad=-2),
        valid_row(referencia="C", cantidad="1.234"),
    ]
    v = validar(write_workbook, rows)
    assert [(p.fila, p.codigo) for p in v.problems] == [
        (2, "numero_invalido"),
        (3, "cantidad.no_positiva"),
        (4, "numero_ambiguo"),
    ]


def test_problem_points_at_sheet_row_column_letter_and_raw_value(write_workbook):
    v = validar(
        write_workbook, [valid_row(), valid_row(referencia="FA-2", cliente_documento_nro="30-71234567-9")]
    )
    p = unico(v, "cuit.digito_verificador")
    assert (p.hoja, p.fila, p.columna, p.letra) == ("Comprobantes", 3, "cliente_documento_nro", "L")
    assert p.valor == "30-71234567-9" and p.referencia == "FA-2"
    assert p.mensaje == "El CUIT 30-71234567-9 tiene el dígito verificador incorrecto (debería ser 1)."


def test_problems_sorted_by_row_then_sheet_column(write_workbook):
    rows = [valid_row(referencia="A", precio_unitario=-1, fecha="x"), valid_row(referencia="B", tipo="Z")]
    v = validar(write_workbook, rows)
    assert [(p.fila, p.columna) for p in v.problems] == [(2, "fecha"), (2, "precio_unitario"), (3, "tipo")]


def test_result_sets_and_row_lookup(write_workbook):
    rows = [
        valid_row(referencia="OK"),
        valid_row(referencia="MAL", descripcion="ab"),
        valid_row(referencia="MAL", descripcion="Otra línea"),
        valid_row(referencia=None, tipo="FACTURA B"),
    ]
    v = validar(write_workbook, rows)
    assert [c.referencia for c in v.validas] == ["OK"]
    assert v.invalidas == {"MAL"}
    assert v.filas_invalidas == {3, 5}
    assert v.referencia_por_fila == {2: "OK", 3: "MAL", 4: "MAL"}
    # Row 5 (no referencia, another tipo) may be a line of MAL: MAL's rows say so too.
    assert [p.codigo for p in v.problems_de_fila(3)] == ["descripcion.largo", "referencia.fila_incierta"]
    assert [p.codigo for p in v.problems_de_fila(4)] == ["referencia.fila_incierta"]
    assert [p.codigo for p in v.problems_de_fila(5)] == ["requerido"]


# --- Required cells -----------------------------------------------------------------------------------------


_REQUIRED = [
    "fecha",
    "tipo",
    "punto_venta",
    "cliente_razon_social",
    "descripcion",
    "cantidad",
    "precio_unitario",
    "cliente_condicion_iva",
    "cliente_documento_tipo",
]


@pytest.fixture(scope="module")
def sin_obligatorias(tmp_path_factory) -> Validacion:
    """One workbook, one row per required column left empty (row 2 + i misses _REQUIRED[i])."""
    rows = [valid_row(referencia=f"R{i}", **{column: None}) for i, column in enumerate(_REQUIRED)]
    path = write_rows(tmp_path_factory.mktemp("obligatorias") / "p.xlsx", rows)
    return validate_planilla(read_planilla(path), hoy=HOY)


@pytest.mark.parametrize(("fila", "column"), list(enumerate(_REQUIRED, start=2)))
def test_required_cell(sin_obligatorias, fila, column):
    found = [p for p in sin_obligatorias.problems if p.fila == fila]
    assert [(p.codigo, p.columna, p.valor) for p in found] == [("requerido", column, None)]
    assert found[0].mensaje == f"{column}: es obligatoria y está vacía."


def test_unreadable_required_cell_is_reported_once(write_workbook):
    v = validar(write_workbook, [valid_row(fecha="ayer")])
    assert codigos(v) == ["fecha_invalida"]
    assert "«ayer»" in v.problems[0].mensaje


# --- Numbers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (1234.56, "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1.234.567", "1234567"),
        (" $ 1.500,00 ", "1500.00"),
        ("0.125", "0.125"),
        ("1234.567", "1234.567"),
        ("-5", "-5"),
        (0.1 + 0.2, "0.3"),
        (7, "7"),
    ],
)
def test_number_forms(typed, expected):
    parsed = parsing.parse_decimal(pd.Series([typed], dtype=object))
    assert parsed.errors.isna().all()
    assert Decimal(parsed.text.iloc[0]) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1.234", "numero_ambiguo"),
        ("12,500", "numero_ambiguo"),
        ("-1.000", "numero_ambiguo"),
        ("abc", "numero_invalido"),
        ("1,2,3", "numero_invalido"),
        ("1.2.3", "numero_invalido"),
        ("", None),
        (True, "tipo_invalido"),
        (datetime(2025, 1, 1), "tipo_invalido"),
        (float("nan"), None),
    ],
)
def test_number_errors(typed, code):
    parsed = parsing.parse_decimal(pd.Series([typed], dtype=object))
    error = parsed.errors.iloc[0]
    assert (None if pd.isna(error) else error) == code
    assert pd.isna(parsed.values.iloc[0])


def test_ambiguous_number_message_offers_both_readings(write_workbook):
    v = validar(write_workbook, [valid_row(precio_unitario="1.500")])
    mensaje = unico(v, "numero_ambiguo").mensaje
    assert mensaje.endswith("Escriba 1500 si es el número entero, o 1,5000 si son decimales.")
    # both suggested spellings are read without ambiguity
    assert parsing.number_from_text("1500") == ("1500", None)
    assert parsing.number_from_text("1,5000")[1] is None


def test_argentine_text_amounts_become_exact_decimals(write_workbook):
    v = validar(
        write_workbook, [valid_row(cantidad="2,5", precio_unitario="1.234,56", bonificacion_porcentaje="10")]
    )
    assert v.problems == []
    linea = v.comprobantes[0].lineas[0]
    assert (linea.cantidad, linea.precio_unitario, linea.bonificacion_porcentaje) == (
        Decimal("2.5"),
        Decimal("1234.56"),
        Decimal("10"),
    )


def test_integers_written_as_text_or_float(write_workbook):
    v = validar(write_workbook, [valid_row(punto_venta="00003")])
    assert v.problems == [] and v.comprobantes[0].punto_venta == 3


@given(st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2))
@settings(max_examples=60, deadline=None)
def test_argentine_format_round_trip(amount):
    entero, decimales = f"{amount:.2f}".split(".")
    agrupado = f"{int(entero):,}".replace(",", ".")
    canonical, error = parsing.number_from_text(f"{agrupado},{decimales}")
    if error is None:
        assert Decimal(canonical) == amount
    else:  # `1.234,00` is never ambiguous; only a lone group of three is
        pytest.fail(f"{agrupado},{decimales}: {error}")


# --- Dates ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "14/07/2025",
        "14/7/2025",
        "14-07-2025",
        "2025-07-14",
        datetime(2025, 7, 14),
        datetime(2025, 7, 14, 18, 30),
        date(2025, 7, 14),
    ],
)
def test_date_forms(typed):
    parsed = parsing.parse_date(pd.Series([typed], dtype=object))
    assert parsed.values.iloc[0] == pd.Timestamp(2025, 7, 14)


@pytest.mark.parametrize("typed", ["31/02/2025", "14/07/25", "mañana", "07/14/2025", 45852, "01/01/1800"])
def test_date_errors(typed):
    parsed = parsing.parse_date(pd.Series([typed], dtype=object))
    assert parsed.errors.iloc[0] == "fecha_invalida"


def test_text_date_equals_excel_date(write_workbook):
    v = validar(
        write_workbook, [valid_row(fecha=HOY.strftime("%d/%m/%Y"), vencimiento=HOY + timedelta(days=30))]
    )
    assert v.problems == []
    assert v.comprobantes[0].fecha == HOY and v.comprobantes[0].vencimiento == HOY + timedelta(days=30)


# --- Codes -------------------------------------------------------------------------------------------------------


def test_unknown_code_names_the_catalog(write_workbook):
    v = validar(write_workbook, [valid_row(cliente_condicion_iva="Jubilado")])
    p = unico(v, "valor_desconocido")
    assert (
        p.columna == "cliente_condicion_iva" and "condición frente al IVA" in p.mensaje and "RI" in p.mensaje
    )
    assert v.comprobantes == []  # without the receiver's condition the comprobante cannot be built
    assert v.invalidas == {"FA-0001"}


def test_unknown_alicuota_is_reported_once(write_workbook):
    v = validar(write_workbook, [valid_row(alicuota_iva="22")])
    assert codigos(v) == ["valor_desconocido"]


# --- Documents ------------------------------------------------------------------------------------------------------


_BAD_DOCUMENTS = [
    ("CUIT", "30-71234567-9", "cuit.digito_verificador"),
    ("CUIT", "21-12345678-3", "cuit.prefijo"),
    ("CUIT", "2012345678", "cuit.largo"),
    ("CUIL", "20-30000002-9", "cuit.digito_verificador"),
    ("DNI", "123456", "dni.largo"),
    ("DNI", "123.456.789", "dni.largo"),
    ("DNI", "12A45678", "documento.formato"),
    ("PASAPORTE", "AB123456", "documento.formato"),
    ("OTRO", "12345678", "documento.otro"),
]
_GOOD_DOCUMENTS = [
    ("CUIT", "30-71234567-1"),
    ("CUIT", 20123456786),
    ("CUIL", "27-28033514-8"),
    ("CUIT", "23 30000002 9"),
    ("DNI", "12.345.678"),
    ("DNI", 1234567),
    ("PASAPORTE", "123456789"),
    ("OTRO", "0"),
    ("OTRO", None),
]


def _cf_row(i: int, tipo: str, nro: object) -> dict[str, object]:
    return valid_row(
        referencia=f"D{i}",
        tipo="FACTURA B",
        cliente_condicion_iva="CF",
        cliente_documento_tipo=tipo,
        cliente_documento_nro=nro,
    )


@pytest.fixture(scope="module")
def documentos(tmp_path_factory) -> Validacion:
    """Rows 2… hold the bad documents, then the good ones, each as its own Factura B."""
    cases = [(t, n) for t, n, _ in _BAD_DOCUMENTS] + _GOOD_DOCUMENTS
    rows = [_cf_row(i, tipo, nro) for i, (tipo, nro) in enumerate(cases)]
    path = write_rows(tmp_path_factory.mktemp("documentos") / "p.xlsx", rows)
    return validate_planilla(read_planilla(path), hoy=HOY)


@pytest.mark.parametrize(("fila", "case"), list(enumerate(_BAD_DOCUMENTS, start=2)))
def test_document_problems(documentos, fila, case):
    tipo, nro, code = case
    found = [p for p in documentos.problems if p.fila == fila]
    assert [(p.codigo, p.columna, p.valor) for p in found] == [(code, "cliente_documento_nro", nro)]


@pytest.mark.parametrize(("fila", "case"), list(enumerate(_GOOD_DOCUMENTS, start=2 + len(_BAD_DOCUMENTS))))
def test_valid_documents(documentos, fila, case):
    tipo, nro = case
    assert documentos.problems_de_fila(fila) == []
    (comprobante,) = [c for c in documentos.comprobantes if c.primera_fila == fila]
    assert comprobante.cliente.documento_tipo == tipo
    assert comprobante.cliente.documento_nro == ("0" if nro is None else clean_document(nro))


def test_cuit_with_impossible_check_digit_explains_it(write_workbook):
    row = valid_row(cliente_documento_nro="30-69345023-9")
    assert "no puede calcularse" in unico(validar(write_workbook, [row]), "cuit.digito_verificador").mensaje


@given(
    st.builds(
        lambda prefix, body: prefix + body,
        st.sampled_from(sorted(CUIT_PREFIXES)),
        st.text(alphabet="0123456789", min_size=8, max_size=8),
    )
)
@settings(max_examples=200, deadline=None)
def test_cuit_check_digit_property(first10):
    digit = cuit_check_digit(first10)
    tipos = pd.Series(["CUIT"] * 10)
    mutated = pd.Series([first10 + str(d) for d in range(10)])
    found = documento_problemas(tipos, mutated)
    for d in range(10):
        if digit is not None and d == digit:
            assert pd.isna(found.iloc[d]) and cuit_problem(mutated.iloc[d]) is None
        else:
            assert found.iloc[d] == "cuit.digito_verificador"
            assert cuit_problem(mutated.iloc[d]) is not None


_DOC_CELLS = st.one_of(
    st.text(alphabet="0123456789.- ", max_size=14),
    st.text(max_size=8),
    st.integers(min_value=0, max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e12),
)


@given(st.lists(_DOC_CELLS, min_size=1, max_size=20))
@settings(max_examples=100, deadline=None)
def test_vectorised_documents_match_clean_document(cells):
    parsed = parsing.parse_document(pd.Series(cells, dtype=object))
    for cell, value in zip(cells, parsed.values, strict=True):
        expected = clean_document(cell)
        if expected.strip() == "" and isinstance(cell, str):
            assert pd.isna(value)
        else:
            assert value == expected


# --- Texts -----------------------------------------------------------------------------------------------------------


_CELL_RULES = [
    ({"referencia": "FA 0001"}, "referencia.formato", "referencia"),
    ({"referencia": "FA/1"}, "referencia.formato", "referencia"),
    ({"referencia": "R" * 41}, "texto.largo", "referencia"),
    ({"descripcion": "abc"}, "descripcion.largo", "descripcion"),
    ({"descripcion": "x" * 256}, "descripcion.largo", "descripcion"),
    ({"codigo_producto": "P" * 21}, "texto.largo", "codigo_producto"),
    ({"cliente_razon_social": "S" * 256}, "texto.largo", "cliente_razon_social"),
    ({"cliente_email": "ventas.ejemplo.com"}, "email.invalido", "cliente_email"),
    ({"cliente_email": "a@b.com; c@d.com"}, "email.invalido", "cliente_email"),
    ({"cliente_email": ",".join(f"u{i}@x.com" for i in range(16))}, "email.demasiados", "cliente_email"),
    ({"cantidad": 0}, "cantidad.no_positiva", "cantidad"),
    ({"precio_unitario": -0.01}, "precio.negativo", "precio_unitario"),
    ({"bonificacion_porcentaje": 101}, "bonificacion.rango", "bonificacion_porcentaje"),
    ({"bonificacion_porcentaje": -1}, "bonificacion.rango", "bonificacion_porcentaje"),
    ({"total_control": 0}, "total_control.no_positivo", "total_control"),
    ({"punto_venta": 2.5}, "numero_no_entero", "punto_venta"),
    ({"punto_venta": "3,5"}, "numero_no_entero", "punto_venta"),
    ({"punto_venta": 0}, "punto_venta.rango", "punto_venta"),
    ({"punto_venta": 100000}, "punto_venta.rango", "punto_venta"),
    ({"cotizacion": -1}, "cotizacion.no_positiva", "cotizacion"),
]


@pytest.fixture(scope="module")
def reglas_de_celda(tmp_path_factory) -> Validacion:
    """Row 2 + i breaks _CELL_RULES[i]; every row is its own comprobante."""
    rows = [
        valid_row(**{"referencia": f"C{i}", **overrides}) for i, (overrides, _, _) in enumerate(_CELL_RULES)
    ]
    path = write_rows(tmp_path_factory.mktemp("celdas") / "p.xlsx", rows)
    return validate_planilla(read_planilla(path), hoy=HOY)


@pytest.mark.parametrize(("fila", "case"), list(enumerate(_CELL_RULES, start=2)))
def test_cell_rules(reglas_de_celda, fila, case):
    overrides, code, column = case
    found = [p for p in reglas_de_celda.problems if p.fila == fila]
    assert [(p.codigo, p.columna) for p in found] == [(code, column)]
    assert column in found[0].mensaje


def test_several_emails_and_free_text(write_workbook):
    row = valid_row(
        cliente_email="compras@ferreteria.com.ar, pagos@ferreteria.com.ar",
        referencia="2025_07-0001",
        precio_unitario=0,
        total_control=None,
        alicuota_iva="exento",
        descripcion="Bonificación 100% — cortesía",
    )
    v = validar(write_workbook, [row])
    assert codigos(v) == ["total.no_positivo"]  # only the fiscal rule: a zero total


# --- Cross-column rules -----------------------------------------------------------------------------------------------


def test_foreign_currency_needs_a_rate(write_workbook):
    v = validar(write_workbook, [valid_row(moneda="DOL", cotizacion=None)])
    p = unico(v, "cotizacion.requerida")
    assert p.columna == "cotizacion" and "DOL" in p.mensaje


def test_foreign_currency_with_rate_is_valid(write_workbook):
    v = validar(write_workbook, [valid_row(moneda="USD", cotizacion="1.045,50")])
    assert v.problems == [] and v.comprobantes[0].cotizacion == Decimal("1045.50")


def test_nota_needs_every_asociado_cell(write_workbook):
    v = validar(
        write_workbook, [valid_row(tipo="NOTA DE CREDITO A", asociado_tipo="FACTURA A", asociado_numero=12)]
    )
    p = unico(v, "asociado.requerido")
    assert p.columna == "asociado_punto_venta"
    assert p.mensaje == (
        "Una NOTA DE CREDITO A necesita el comprobante asociado: complete asociado_punto_venta y "
        "asociado_fecha."
    )


def test_factura_must_not_carry_asociado(write_workbook):
    v = validar(write_workbook, [valid_row(asociado_numero=125)])
    p = unico(v, "asociado.no_permitido")
    assert p.columna == "asociado_numero" and codigos(v) == ["asociado.no_permitido"]


def test_complete_nota_is_valid(write_workbook):
    row = valid_row(
        tipo="NOTA DE CREDITO A",
        asociado_tipo="FACTURA A",
        asociado_punto_venta=1,
        asociado_numero="125",
        asociado_fecha=HOY - timedelta(days=3),
    )
    v = validar(write_workbook, [row])
    assert v.problems == []
    asociado = v.comprobantes[0].asociado
    assert (asociado.tipo, asociado.punto_venta, asociado.numero, asociado.fecha) == (
        "FACTURA A",
        1,
        125,
        HOY - timedelta(days=3),
    )


def test_fiscal_problem_from_a_workbook(write_workbook):
    v = validar(write_workbook, [valid_row(tipo="FACTURA B")])
    p = unico(v, "letra.receptor")
    assert (p.fila, p.columna, p.letra, p.valor) == (2, "tipo", "C", "FACTURA B")
    assert p.mensaje == "Una FACTURA B no puede emitirse a un Responsable Inscripto: use FACTURA A."


def test_custom_consumidor_final_ceiling(write_workbook):
    row = valid_row(
        tipo="FACTURA B",
        cliente_condicion_iva="CF",
        cliente_documento_tipo="OTRO",
        cliente_documento_nro=0,
        cantidad=10,
    )
    planilla = read_planilla(write_workbook([row]))
    assert validate_planilla(planilla, hoy=HOY).problems == []
    v = validate_planilla(planilla, hoy=HOY, tope_cf=Decimal("5000"))
    assert codigos(v) == ["consumidor_final.tope"]


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("cantidad", 1.125, "cantidad.decimales"),
        ("cantidad", "1,125", "numero_ambiguo"),
        ("precio_unitario", "10,1234", "precio.decimales"),
        ("bonificacion_porcentaje", 12.345, "bonificacion.decimales"),
    ],
)
def test_more_decimals_than_tusfacturas_keeps_is_refused(write_workbook, column, value, code):
    v = validar(write_workbook, [valid_row(**{column: value})])
    assert [p.codigo for p in v.problems] == [code]


def test_decimals_tusfacturas_keeps_are_accepted(write_workbook):
    v = validar(
        write_workbook, [valid_row(cantidad=1.25, precio_unitario="10,1250", bonificacion_porcentaje=2.5)]
    )
    assert v.problems == []


@pytest.mark.parametrize(
    ("row", "texto"),
    [
        (
            {"tipo": "FACTURA E", "cliente_documento_tipo": "OTRO", "cliente_documento_nro": "0",
             "cliente_condicion_iva": "CDEX", "alicuota_iva": None},
            "los comprobantes E (exportación) todavía no se pueden emitir",
        ),
    ],
    ids=["factura-e"],
)  # fmt: skip
def test_tipos_the_planilla_cannot_express_yet_are_refused_before_spending_a_request(tmp_path, row, texto):
    """Without export data or the issuer's CBU they are certain to be rejected by AFIP."""
    path = write_rows(tmp_path / "mes.xlsx", [valid_row(referencia="X-1", fecha=HOY, **row)])
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert len(v.comprobantes) == 1 and v.validas == []
    assert [p.codigo for p in v.problems] == ["tipo.no_soportado"]
    assert texto in v.problems[0].mensaje and v.problems[0].columna == "tipo"
