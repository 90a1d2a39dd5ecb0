"""One number grammar for cells and command-line amounts (importer.dominio.numeros)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from importer.dominio.amounts import parse_pesos
from importer.dominio.hints import hint_for_problem
from importer.dominio.numeros import NUMERO_AMBIGUO, NUMERO_INVALIDO, number_from_text
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.reading import read_planilla
from importer.planilla.validation import validate_planilla
from tests.conftest import valid_row

HOY = hoy_en_argentina()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", ("1234.56", None)),
        ("1234,56", ("1234.56", None)),
        ("1.234,56", ("1234.56", None)),
        ("1,234.56", ("1234.56", None)),
        ("10.000.000", ("10000000", None)),
        ("$ 1.234,5", ("1234.5", None)),
        ("0.125", ("0.125", None)),
        ("1.234", (None, NUMERO_AMBIGUO)),
        ("12,500", (None, NUMERO_AMBIGUO)),
        ("diez", (None, NUMERO_INVALIDO)),
        ("10%", (None, NUMERO_INVALIDO)),
    ],
)
def test_grammar(text, expected):
    assert number_from_text(text) == expected


def test_a_percent_sign_only_where_a_percentage_is_expected():
    assert number_from_text("10,5 %", porcentaje=True) == ("10.5", None)
    assert number_from_text("10,5 %") == (None, NUMERO_INVALIDO)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10000000", "10000000"),
        ("10.000.000", "10000000"),
        ("10.000.000,50", "10000000.50"),
        ("$ 1.234,5", "1234.5"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("2500000.5", "2500000.5"),
    ],
)
def test_command_line_amounts(text, expected):
    assert parse_pesos(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["0", "-5", "nan", "inf", "diez", ""])
def test_command_line_amounts_refused(text):
    with pytest.raises(ValueError, match="mayor que 0"):
        parse_pesos(text)


@pytest.mark.parametrize("text", ["1.234", "12,500"])
def test_an_ambiguous_amount_is_refused_alike_on_the_command_line_and_in_a_cell(write_workbook, text):
    with pytest.raises(ValueError) as refused:
        parse_pesos(text)
    v = validate_planilla(read_planilla(write_workbook([valid_row(precio_unitario=text)])), hoy=HOY)
    [problem] = v.problems
    assert problem.codigo == NUMERO_AMBIGUO
    assert problem.mensaje == f"precio_unitario: {refused.value}"
    assert "¿miles o decimales?" in problem.mensaje


@pytest.mark.parametrize("cotizacion", [1012.3456, "1.012,3456", "1012,0001"])
def test_cotizacion_keeps_three_decimals(write_workbook, cotizacion):
    v = validate_planilla(
        read_planilla(write_workbook([valid_row(moneda="DOL", cotizacion=cotizacion)])), hoy=HOY
    )
    assert [(p.codigo, p.columna) for p in v.problems] == [("cotizacion.decimales", "cotizacion")]
    assert "hasta 3 decimales" in v.problems[0].mensaje
    assert "3 decimales" in hint_for_problem("cotizacion.decimales", "cotizacion")


@pytest.mark.parametrize(
    ("cotizacion", "expected"), [(1012.345, "1012.345"), ("1.012,345", "1012.345"), (1012, "1012")]
)
def test_cotizacion_with_three_decimals_is_fine(write_workbook, cotizacion, expected):
    v = validate_planilla(
        read_planilla(write_workbook([valid_row(moneda="DOL", cotizacion=cotizacion)])), hoy=HOY
    )
    assert v.problems == []
    assert v.comprobantes[0].cotizacion == Decimal(expected)
