"""Hostile cell values: numbers no invoice can carry, NaN and infinities, formulas.

The workbooks are real: written with openpyxl, then single cells are rewritten in the sheet XML
(`patch_cells`, the builder of this corpus) to hold what Excel or another program could store
and openpyxl would never write (`<v>NaN</v>`, a formula with a cached text value).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from importer.cli.main import main
from importer.dominio.amounts import comprobante_totals
from importer.dominio.hints import GENERIC_HINT, hint_for_problem
from importer.emision.payload import build_payload
from importer.planilla.reading import read_planilla
from importer.planilla.validation import validate_planilla
from tests.conftest import valid_row, write_rows
from tests.planilla.test_validation import planilla_de

HOY = date(2025, 7, 14)
SHEET = "xl/worksheets/sheet1.xml"
# AFIP amounts are Double(13+2): the largest amount has 13 integer digits (afip-rules.md).
MAX_AMOUNT = Decimal("9999999999999.99")


def patch_cells(path: Path, cells: dict[str, str]) -> Path:
    """Replace the XML of existing cells (by reference, e.g. "A4") of the first sheet, in place."""
    with zipfile.ZipFile(path) as src:
        parts = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == SHEET:
                xml = data.decode()
                for ref, cell in cells.items():
                    pattern = rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)'
                    xml, found = re.subn(pattern, lambda _m, cell=cell: cell, xml, count=1)
                    assert found, f"no cell {ref} to patch"
                data = xml.encode()
            out.writestr(info, data)
    return path


def column_letter(path: Path, name: str) -> str:
    header = next(load_workbook(path, read_only=True).active.iter_rows(max_row=1, values_only=True))
    return get_column_letter(list(header).index(name) + 1)


def validate(path: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(path), "--hoy", HOY.strftime("%d/%m/%Y")])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def codes(path: Path) -> dict[tuple[int | None, str | None], str]:
    v = validate_planilla(read_planilla(path), hoy=HOY)
    return {(p.fila, p.columna): p.codigo for p in v.problems}


# --- Numbers out of range ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "typed"),
    [
        ("precio_unitario", 1e25),  # an Excel number
        ("precio_unitario", "12345678901234567890123456789012345"),  # 35 digits as text
        ("precio_unitario", "10000000000000"),  # 10^13: one digit too many for AFIP
        ("precio_unitario", "9" * 400),
        ("cantidad", 1e20),
        ("cantidad", "1.000.000.000.000.000"),
        ("total_control", 1e30),
        ("bonificacion_porcentaje", "1" * 40),
        ("punto_venta", 1e30),
        ("asociado_numero", "9" * 20),
    ],
)
def test_a_huge_number_is_a_row_error_naming_the_cell(tmp_path, capsys, column, typed):
    path = write_rows(tmp_path / "p.xlsx", [valid_row(fecha=HOY, **{column: typed})])
    code, out = validate(path, capsys)
    assert code == 1, out
    assert "Error inesperado" not in out
    letter = column_letter(path, column)
    assert f"Fila 2, columna {letter} ({column})" in out
    assert codes(path)[(2, column)] == "numero.fuera_de_rango"
    if column in ("bonificacion_porcentaje", "punto_venta", "asociado_numero"):
        assert "debe estar entre" in out  # their own range says it best
    else:
        assert "fuera de rango: admite hasta" in out


def test_the_largest_amount_afip_takes_is_accepted(tmp_path, capsys):
    row = valid_row(fecha=HOY, tipo="FACTURA C", alicuota_iva=None, precio_unitario=str(MAX_AMOUNT))
    row.update(cliente_condicion_iva="CF", cliente_documento_tipo="DNI", cliente_documento_nro="30123456")
    path = write_rows(tmp_path / "p.xlsx", [row])
    code, out = validate(path, capsys)
    assert code == 0, out


def test_a_rate_beyond_afips_field_is_a_row_error(tmp_path, capsys):
    path = write_rows(tmp_path / "p.xlsx", [valid_row(fecha=HOY, moneda="DOL", cotizacion=123456)])
    code, out = validate(path, capsys)
    assert code == 1 and "Error inesperado" not in out
    assert codes(path)[(2, "cotizacion")] == "numero.fuera_de_rango"


def test_out_of_range_has_its_own_hint():
    hint = hint_for_problem("numero.fuera_de_rango", "precio_unitario")
    assert hint != GENERIC_HINT and hint != hint_for_problem("numero", "precio_unitario")


def test_a_total_beyond_afips_field_is_a_comprobante_error(tmp_path, capsys):
    # Every cell is in range; 130 lines of the largest quantity and price are not.
    rows = [
        valid_row(fecha=HOY, cantidad=str(MAX_AMOUNT), precio_unitario="9999999999999.999")
        for _ in range(130)
    ]
    path = write_rows(tmp_path / "p.xlsx", rows)
    code, out = validate(path, capsys)
    assert code == 1 and "Error inesperado" not in out
    assert "total.fuera_de_rango" in codes(path).values()
    assert "Comprobante" in out or "Fila 2" in out


def test_a_total_just_over_the_limit_is_an_error_and_just_under_is_not(tmp_path, capsys):
    # 2 × 4.132.231.404.958 = 8.264.462.809.916 net + 21 % IVA = 9.999.999.999.998,36 (under 10^13);
    # one peso more per line: 10.000.000.000.000,78
    under = [valid_row(fecha=HOY, precio_unitario="4132231404958") for _ in range(2)]
    path = write_rows(tmp_path / "under.xlsx", under)
    assert validate(path, capsys)[0] == 0
    over = [valid_row(fecha=HOY, precio_unitario="4132231404959") for _ in range(2)]
    path = write_rows(tmp_path / "over.xlsx", over)
    code, out = validate(path, capsys)
    assert code == 1 and list(codes(path).values()) == ["total.fuera_de_rango"]


# --- NaN and infinities -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1E+25"])
def test_nan_and_infinity_typed_as_text_are_row_errors(tmp_path, capsys, typed):
    path = write_rows(tmp_path / "p.xlsx", [valid_row(fecha=HOY, precio_unitario=typed)])
    code, out = validate(path, capsys)
    assert code == 1 and "Error inesperado" not in out
    assert "Fila 2" in out and "precio_unitario" in out


@pytest.mark.parametrize("stored", ["NaN", "INF", "-INF", "1E+400", "1E+25", "-1E+300"])
@pytest.mark.parametrize("column", ["precio_unitario", "cantidad", "punto_venta", "cotizacion"])
def test_numbers_stored_raw_in_the_xml_never_crash(tmp_path, capsys, stored, column):
    path = write_rows(tmp_path / "p.xlsx", [valid_row(fecha=HOY, moneda="DOL", cotizacion=1000)])
    ref = f"{column_letter(path, column)}2"
    patch_cells(path, {ref: f'<c r="{ref}"><v>{stored}</v></c>'})
    code, out = validate(path, capsys)
    assert code in (1, 2), out  # a row error, or a file the reader refuses: never a crash
    assert "Error inesperado" not in out and "Traceback" not in out
    if code == 1:
        assert f"Fila 2, columna {ref.rstrip('0123456789')} ({column})" in out


def test_status_survives_a_huge_amount(tmp_path, capsys):
    rows = [valid_row(precio_unitario=1e25), valid_row(referencia="FA-2")]  # dated today
    path = write_rows(tmp_path / "p.xlsx", rows)
    assert main(["status", str(path), "--sandbox"]) == 0
    out = capsys.readouterr().out
    assert "INVALIDO: 1" in out


# --- Property: validation never raises on weird numbers --------------------------------------------

WEIRD = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789.,-+eE $naifINF", max_size=40),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "9" * 400, "0." + "0" * 400 + "1", "1" + "0" * 30]),
)
NUMERIC = ("cantidad", "precio_unitario", "bonificacion_porcentaje", "cotizacion", "total_control")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({c: WEIRD for c in NUMERIC}), min_size=1, max_size=4))
def test_validation_never_raises_on_weird_numbers(cells):
    rows = [valid_row(fecha=HOY, moneda="DOL", **c) for c in cells]
    v = validate_planilla(planilla_de(rows), hoy=HOY)
    for c in v.comprobantes:  # what results and status compute for every comprobante
        comprobante_totals(c)
    for c in v.validas:  # what would be sent: only what AFIP's fields can hold
        build_payload(c, cuit_emisor="20111111112")
        assert comprobante_totals(c).total < 10**13
        assert all(ln.cantidad < 10**13 and ln.precio_unitario < 10**13 for ln in c.lineas)
        assert c.cotizacion < 10**4
