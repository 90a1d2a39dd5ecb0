"""Percent cells mean what the user sees: `10%` in Excel (stored 0.1) is a 10 % discount or rate."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columns import NAMES
from importer.planilla.reading import read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from importer.planilla.xlsx_styles import is_percent_format
from tests.conftest import valid_row

HOY = hoy_en_argentina()


def write_formatted(path: Path, rows: list[dict[str, object]], formats: dict[str, str]) -> Path:
    """A real .xlsx whose cells in `formats`' columns carry that number format, as Excel saves `10%`."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    ws.append(list(NAMES))
    for row in rows:
        ws.append([row.get(name) for name in NAMES])
        for name, number_format in formats.items():
            ws.cell(ws.max_row, NAMES.index(name) + 1).number_format = number_format
    wb.save(path)
    return path


def lines(v: Validacion) -> list[tuple[Decimal, str]]:
    return [(ln.bonificacion_porcentaje, ln.alicuota) for c in v.comprobantes for ln in c.lineas]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("number_format", ["0%", "0.00%", "0.0%", "#,##0.00 %;[Red]-#,##0.00 %"])
def test_a_percent_cell_reads_as_the_percentage_shown(tmp_path, engine, number_format):
    rows = [
        valid_row(bonificacion_porcentaje=0.1, alicuota_iva=0.21),
        valid_row(bonificacion_porcentaje=0.105, alicuota_iva=0.105),
    ]
    formats = {"bonificacion_porcentaje": number_format, "alicuota_iva": number_format}
    path = write_formatted(tmp_path / "porcentajes.xlsx", rows, formats)
    v = validate_planilla(read_planilla(path, engine=engine), hoy=HOY)
    assert lines(v) == [(Decimal(10), "21"), (Decimal("10.5"), "10.5")]
    assert v.problems == []


def test_both_readers_agree_on_percent_cells(tmp_path):
    rows = [valid_row(bonificacion_porcentaje=value) for value in (0.1, 0.07, 0.125, 1, 0)]
    path = write_formatted(tmp_path / "p.xlsx", rows, {"bonificacion_porcentaje": "0.00%"})
    calamine = read_planilla(path, engine="calamine").datos["bonificacion_porcentaje"].tolist()
    openpyxl = read_planilla(path, engine="openpyxl").datos["bonificacion_porcentaje"].tolist()
    assert calamine == openpyxl == [10, 7, 12.5, 100, 0]


def test_a_percent_out_of_range_is_quoted_as_shown(tmp_path):
    path = write_formatted(
        tmp_path / "p.xlsx", [valid_row(bonificacion_porcentaje=1.5)], {"bonificacion_porcentaje": "0%"}
    )
    v = validate_planilla(read_planilla(path), hoy=HOY)
    [problem] = v.problems
    assert problem.codigo == "bonificacion.rango"
    assert "«150»" in problem.mensaje


def test_a_quoted_percent_sign_does_not_scale(tmp_path):
    # 0"%" prints a % after the number without multiplying it: the cell shows 5%, and holds 5.
    path = write_formatted(
        tmp_path / "p.xlsx", [valid_row(bonificacion_porcentaje=5)], {"bonificacion_porcentaje": '0"%"'}
    )
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert lines(v) == [(Decimal(5), "21")]


def test_numbers_without_percent_format_are_unchanged(tmp_path):
    path = write_formatted(tmp_path / "p.xlsx", [valid_row(bonificacion_porcentaje=10)], {})
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert lines(v) == [(Decimal(10), "21")]


@pytest.mark.parametrize(
    ("bonificacion", "alicuota", "expected"),
    [
        ("10%", "21%", (Decimal(10), "21")),
        ("10 %", "21 %", (Decimal(10), "21")),
        ("10,5%", "10,5%", (Decimal("10.5"), "10.5")),
        ("2.5 %", "27 %", (Decimal("2.5"), "27")),
    ],
)
def test_percent_typed_as_text_reads_as_the_number(write_workbook, bonificacion, alicuota, expected):
    path = write_workbook([valid_row(bonificacion_porcentaje=bonificacion, alicuota_iva=alicuota)])
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert v.problems == []
    assert lines(v) == [expected]


def test_percent_text_in_a_csv(tmp_path):
    row = valid_row(bonificacion_porcentaje="10,5 %", alicuota_iva="21%", fecha=HOY.strftime("%d/%m/%Y"))
    path = tmp_path / "planilla.csv"
    path.write_text(
        ";".join(NAMES) + "\n" + ";".join(str(row.get(n, "")) for n in NAMES) + "\n", encoding="utf-8"
    )
    v = validate_planilla(read_planilla(path), hoy=HOY)
    assert v.problems == []
    assert lines(v) == [(Decimal("10.5"), "21")]


def test_a_percent_sign_is_not_a_number_elsewhere(write_workbook):
    v = validate_planilla(read_planilla(write_workbook([valid_row(cantidad="10%")])), hoy=HOY)
    assert [(p.codigo, p.columna) for p in v.problems] == [("numero_invalido", "cantidad")]


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("0.00%", True),
        ("[Red]0.0%", True),
        ('0"%"', False),
        ("0\\%", False),
        ("General", False),
        ("#,##0.00", False),
    ],
)
def test_percent_format_codes(code, percent):
    assert is_percent_format(code) is percent
