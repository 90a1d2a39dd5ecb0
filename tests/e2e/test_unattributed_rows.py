"""Rows that cannot be attributed to a comprobante with certainty block their neighbours.

A continuation row whose `referencia` is mistyped (a formula, a stray sign, a missing referencia
with other header cells) may be a line of the comprobante above or of the one below: emitting
either could produce an invoice with a line missing, which cannot be undone. Real workbooks, the
real CLI, the embedded sandbox.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from importer.cli.main import main
from tests.conftest import CUIT_CLIENTE_2, valid_row, write_rows
from tests.planilla.test_hostile_cells import patch_cells

HOY = date(2025, 7, 14)
LINE_COLUMNS = ("descripcion", "cantidad", "precio_unitario", "alicuota_iva")


def line(referencia: object, **overrides: object) -> dict[str, object]:
    """A continuation row: only the line cells and the given referencia (header cells blank)."""
    row = {k: v for k, v in valid_row(**overrides).items() if k in LINE_COLUMNS}
    row["referencia"] = referencia
    return row


def sheet(mistyped: object) -> list[dict[str, object]]:
    """FA-1 (rows 2-4, row 4 with `mistyped` as referencia), FA-2 (row 5), FA-3 (row 6)."""
    return [
        valid_row(referencia="FA-1", fecha=HOY, precio_unitario=850000, descripcion="Motor trifásico"),
        line(None, descripcion="Flete", precio_unitario=1),
        line(mistyped, descripcion="Instalación", precio_unitario=115500),
        valid_row(referencia="FA-2", fecha=HOY, cliente_documento_nro=CUIT_CLIENTE_2),
        valid_row(referencia="FA-3", fecha=HOY),
    ]


def run(planilla) -> int:
    return main(["run", str(planilla), "--sandbox", "--rate", "0", "--hoy", HOY.strftime("%d/%m/%Y")])


def results(planilla) -> list[dict[str, object]]:
    ws = load_workbook(planilla.with_name(f"{planilla.stem}-resultados.xlsx"), read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def assert_neighbours_blocked(planilla, capsys, fila: int = 4) -> list[dict[str, object]]:
    assert run(planilla) == 1
    out = capsys.readouterr().out
    assert "Enviados en esta ejecución: 1" in out  # only FA-3 went out
    rows = results(planilla)
    assert [r["estado"] for r in rows] == ["INVALIDO"] * 4 + ["EMITIDO"]
    for r in (rows[0], rows[1], rows[3]):  # every row of FA-1 and FA-2 says why
        assert f"La fila {fila}" in r["errores"] and "podría ser parte de este comprobante" in r["errores"]
    assert not rows[0]["cae"] and not rows[3]["cae"]
    return rows


def test_a_referencia_typed_as_formula_text_blocks_above_and_below(tmp_path, capsys):
    planilla = write_rows(tmp_path / "mes.xlsx", sheet("=A1"))
    # openpyxl would store "=A1" as a formula; as typed text it is what a quote-prefixed cell holds.
    patch_cells(planilla, {"A4": '<c r="A4" t="inlineStr"><is><t>=A1</t></is></c>'})
    rows = assert_neighbours_blocked(planilla, capsys)
    assert "«=A1»" in rows[0]["errores"]
    assert "referencia" in rows[2]["errores"] and "=A1" in rows[2]["errores"]


def test_a_formula_whose_cached_value_is_another_text_blocks_above_and_below(tmp_path, capsys):
    planilla = write_rows(tmp_path / "mes.xlsx", sheet("=A1"))
    # What Excel saves for =A1: the formula and its cached value, the header text "referencia".
    patch_cells(planilla, {"A4": '<c r="A4" t="str"><f>A1</f><v>referencia</v></c>'})
    assert_neighbours_blocked(planilla, capsys)


@pytest.mark.parametrize("mistyped", ["FA 1", "FA-1.", "FA-1?", "14/07/2025"])
def test_a_referencia_that_fails_the_format_blocks_above_and_below(tmp_path, capsys, mistyped):
    planilla = write_rows(tmp_path / "mes.xlsx", sheet(mistyped))
    rows = assert_neighbours_blocked(planilla, capsys)
    assert f"«{mistyped}»" in rows[0]["errores"]


@pytest.mark.parametrize(
    "cell", ['<c r="A4" t="e"><v>#REF!</v></c>', '<c r="A4"><f>A1</f><v /></c>'], ids=["error", "uncached"]
)
def test_an_unreadable_referencia_cell_blocks_above_and_below(tmp_path, capsys, cell):
    planilla = write_rows(tmp_path / "mes.xlsx", sheet("=A1"))
    patch_cells(planilla, {"A4": cell})
    assert_neighbours_blocked(planilla, capsys)


def test_a_row_without_referencia_that_does_not_continue_blocks_above_and_below(tmp_path, capsys):
    rows = sheet(None)
    rows[2]["fecha"] = date(2025, 7, 10)  # differs from FA-1: not a continuation, no comprobante
    planilla = write_rows(tmp_path / "mes.xlsx", rows)
    result = assert_neighbours_blocked(planilla, capsys)
    assert "(referencia): falta; la fila no continúa el comprobante FA-1" in result[2]["errores"]


def test_a_blank_referencia_under_a_comprobante_is_still_a_line_of_it(tmp_path, capsys):
    planilla = write_rows(tmp_path / "mes.xlsx", sheet(None))
    assert run(planilla) == 0
    assert "Enviados en esta ejecución: 3" in capsys.readouterr().out
    rows = results(planilla)
    assert [r["estado"] for r in rows] == ["EMITIDO"] * 5
    assert rows[0]["comprobante_numero"] == rows[2]["comprobante_numero"]


def test_a_broken_line_with_a_valid_referencia_blocks_only_its_comprobante(tmp_path, capsys):
    rows = sheet("FA-1")
    rows[2]["cantidad"] = "mucho"
    planilla = write_rows(tmp_path / "mes.xlsx", rows)
    assert run(planilla) == 1
    assert "Enviados en esta ejecución: 2" in capsys.readouterr().out
    result = results(planilla)
    assert [r["estado"] for r in result] == ["INVALIDO"] * 3 + ["EMITIDO"] * 2
    assert "cantidad" in result[2]["errores"]


def test_validate_counts_the_rows_that_belong_to_no_comprobante(tmp_path, capsys):
    rows = [valid_row(referencia=f"FA-{i}", fecha=HOY) for i in range(1, 41)]
    rows.insert(20, line("F A"))  # row 22: a mistyped referencia between FA-20 and FA-21
    planilla = write_rows(tmp_path / "mes.xlsx", rows)
    assert main(["validate", str(planilla), "--hoy", HOY.strftime("%d/%m/%Y")]) == 1
    out = capsys.readouterr().out
    assert "Comprobantes: 40 · Válidos: 38 · Inválidos: 2 · Filas sin comprobante: 1" in out
    assert "Comprobante FA-20: La fila 22 tiene una referencia inválida («F A»)" in out
    assert "Comprobante FA-21: La fila 22" in out


def test_validate_counts_a_comprobante_that_could_not_be_built(tmp_path, capsys):
    rows = [valid_row(referencia="FA-1", fecha=HOY), valid_row(referencia="FA-2", fecha=HOY, tipo=None)]
    planilla = write_rows(tmp_path / "mes.xlsx", rows)
    assert main(["validate", str(planilla), "--hoy", HOY.strftime("%d/%m/%Y")]) == 1
    out = capsys.readouterr().out
    assert "Comprobantes: 2 · Válidos: 1 · Inválidos: 1" in out
    assert "Filas sin comprobante" not in out


def test_status_and_dry_run_count_the_comprobantes_that_could_not_be_built(tmp_path, capsys):
    from importer.dominio.reloj import hoy_en_argentina

    hoy = hoy_en_argentina()  # status validates against the real date
    rows = [
        valid_row(referencia="FA-1", fecha=hoy),
        line(
            None, descripcion="Flete", precio_unitario=1, fecha=hoy - timedelta(days=1)
        ),  # not a continuation
        valid_row(referencia="FA-2", fecha=hoy, cliente_documento_nro=CUIT_CLIENTE_2),
        valid_row(referencia="FA-3", fecha=hoy),
        valid_row(referencia="FA-4", fecha=hoy, tipo="FACTURA Z"),  # cannot be built
    ]
    rows[1]["fecha"] = hoy - timedelta(days=1)
    planilla = write_rows(tmp_path / "mes.xlsx", rows)
    assert main(["status", str(planilla), "--sandbox"]) == 0
    out = capsys.readouterr().out
    assert "INVALIDO: 3" in out and "PENDIENTE: 1" in out  # FA-1, FA-2 blocked; FA-4 unbuilt; FA-3
    code = main(["run", str(planilla), "--sandbox", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Inválidos (no se envían): 3" in out and "Filas sin comprobante (no se envían): 1" in out
