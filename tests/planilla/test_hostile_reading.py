"""Hostile planillas: far cells, rows beyond the limit, FIFOs, hidden sheets, blank templates.

Every file is built by tests/corpus/hostile_workbooks.py (or openpyxl) into tmp_path and read the
way a user would: `read_planilla` with both engines, the CLI in-process, or `python -m importer` in a
subprocess when a crash (abort, hang, huge allocation) is what must not happen.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from importer.cli.main import main
from importer.dominio.problems import PlanillaError
from importer.planilla.columns import NAMES
from importer.planilla.reading import read_planilla
from tests.corpus.hostile_workbooks import (
    header_cells,
    planilla_styled_to_the_end,
    planilla_with_far_cell,
    sheet_xml,
    write_xlsx,
)

ENGINES = ("calamine", "openpyxl")
ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 2 * 2**30  # the process may use at most this much address space


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    """`python -m importer ARGS` with a memory ceiling; returns the result and the seconds it took."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "importer", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        preexec_fn=_limit_memory if sys.platform != "win32" else None,  # noqa: PLW1509 - no threads here
    )
    return result, time.perf_counter() - started


def refusal(path: Path, engine: str, **kwargs: object) -> str:
    with pytest.raises(PlanillaError) as excinfo:
        read_planilla(path, engine=engine, **kwargs)  # type: ignore[arg-type]
    return str(excinfo.value)


# --- rows beyond the limit: both engines agree --------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_a_comprobante_far_below_the_limit_is_refused_by_both_engines(tmp_path, make_row, capsys, engine):
    path = planilla_with_far_cell(tmp_path / "lejos.xlsx", "A150000", "FA-9", rows=[make_row()])
    assert main(["validate", str(path), "--motor", engine]) == 2
    err = capsys.readouterr().err
    assert "lejos.xlsx" in err and "Comprobantes" in err and "A150000" in err, err
    assert "Traceback" not in err


def test_both_engines_read_or_refuse_the_same_rows(tmp_path, make_row):
    # max_rows=5: the sheet may hold data down to row 5 + 20 (room for a misplaced header).
    inside = planilla_with_far_cell(tmp_path / "dentro.xlsx", "A25", "FA-9", rows=[make_row()])
    read = {engine: read_planilla(inside, engine=engine, max_rows=5) for engine in ENGINES}
    assert [list(p.datos.index) for p in read.values()] == [[2, 25], [2, 25]]
    assert [p.datos.at[25, "referencia"] for p in read.values()] == ["FA-9", "FA-9"]

    outside = planilla_with_far_cell(tmp_path / "fuera.xlsx", "A26", "FA-9", rows=[make_row()])
    messages = {engine: refusal(outside, engine, max_rows=5) for engine in ENGINES}
    assert messages["calamine"] == messages["openpyxl"]
    assert "A26" in messages["calamine"] and "fuera.xlsx" in messages["calamine"]


def test_too_many_data_rows_is_the_same_message_for_both_engines(tmp_path, make_row):
    rows = [make_row(referencia=f"FA-{i}") for i in range(8)]
    path = planilla_with_far_cell(tmp_path / "largo.xlsx", "A30", "FA-9", rows=rows)
    messages = {engine: refusal(path, engine, max_rows=5) for engine in ENGINES}
    assert messages["calamine"] == messages["openpyxl"]
    assert "más de 5 filas de datos" in messages["calamine"]


# --- far cells: refused cheaply, never a crash ----------------------------------------------------------


@pytest.mark.parametrize(
    ("far", "value", "shared"),
    [
        ("XFD1048576", "x", False),
        ("XFD1048576", " ", False),  # a single space: no data, but it must not crash either
        ("XFD1048576", "   ", True),  # a blank shared string
        ("CV1048576", "x", False),
        ("XFD2", 7, False),
    ],
)
def test_a_value_in_a_far_cell_is_refused_quickly_in_little_memory(tmp_path, make_row, far, value, shared):
    path = planilla_with_far_cell(tmp_path / "celda.xlsx", far, value, rows=[make_row()], shared=shared)
    assert path.stat().st_size < 4096
    result, seconds = run_cli("validate", str(path))
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "celda.xlsx" in result.stderr and "Comprobantes" in result.stderr
    assert f"celda {far}" in result.stderr and "bórre" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert seconds < 10  # the issue asks for under 2 s; loose here for slow CI machines


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("row", "far"),
    [
        (b'<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>', "A1048576"),
        (b'<row r="2">' + b"<c/>" * 200 + b'<c t="inlineStr"><is><t>x</t></is></c></row>', "GS2"),
        (b"<row/>" * 100_030 + b"<row><c><v>1</v></c></row>", "A100032"),
    ],
    ids=["far-row", "201st-cell", "rows-without-number"],
)
def test_a_far_cell_without_a_reference_is_found_by_its_position(tmp_path, engine, row, far):
    # Cells and rows may omit r="…": their place comes from the ones before them.
    xml = sheet_xml(header_cells()).replace(b"</sheetData>", row + b"</sheetData>")
    path = write_xlsx(tmp_path / "sin-ref.xlsx", {"Comprobantes": xml})
    assert f"celda {far}" in refusal(path, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_column_limit_is_the_same_for_both_engines(tmp_path, make_row, engine):
    inside = planilla_with_far_cell(tmp_path / "ancho.xlsx", "GR2", "nota", rows=[make_row()])
    planilla = read_planilla(inside, engine=engine)
    assert planilla.datos.at[2, "columna_gr"] == "nota"
    outside = planilla_with_far_cell(tmp_path / "ancho2.xlsx", "GS2", "nota", rows=[make_row()])
    assert "celda GS2" in refusal(outside, engine)


@pytest.mark.parametrize("engine", ENGINES)
def test_cells_that_are_only_formatted_down_to_the_last_row_do_not_count(tmp_path, make_row, capsys, engine):
    path = planilla_styled_to_the_end(tmp_path / "formateada.xlsx", [make_row()])
    assert main(["validate", str(path), "--motor", engine]) == 0, capsys.readouterr().err
    assert "Comprobantes: 1" in capsys.readouterr().out


# --- files that are not files ---------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need a POSIX system")
def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "tuberia.xlsx"
    os.mkfifo(fifo)
    result, _ = run_cli("validate", str(fifo), timeout=30)  # before the fix: blocked forever
    assert result.returncode == 2
    assert "tuberia.xlsx" in result.stderr and "no es un archivo común" in result.stderr, result.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused(tmp_path):
    device = tmp_path / "cero.xlsx"
    device.symlink_to("/dev/zero")
    with pytest.raises(PlanillaError, match="cero.xlsx: no es un archivo común"):
        read_planilla(device)


# --- hidden sheets -----------------------------------------------------------------------------------------


def _hidden_comprobantes(path: Path, make_row, visible: dict[str, list[list[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in visible.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    hidden = wb.create_sheet("Comprobantes")
    hidden.append(list(NAMES))
    hidden.append([make_row().get(n) for n in NAMES])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "visible",
    [
        {"Hoja1": []},
        {"Hoja1": [["notas del mes"]]},
        {"Hoja1": [], "Hoja2": []},
        {"Instrucciones": [["ayuda"]]},
    ],
    ids=["vacia", "otra-cosa", "dos-vacias", "solo-instrucciones"],
)
def test_a_hidden_comprobantes_sheet_is_named(tmp_path, make_row, capsys, visible):
    path = _hidden_comprobantes(tmp_path / "oculta.xlsx", make_row, visible)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "oculta.xlsx" in err and "la hoja 'Comprobantes' está oculta" in err and "Mostrar" in err, err


def test_a_visible_sheet_with_data_wins_over_a_hidden_one(tmp_path, make_row):
    header_and_row = [list(NAMES), [make_row(referencia="VISIBLE").get(n) for n in NAMES]]
    path = _hidden_comprobantes(tmp_path / "ambas.xlsx", make_row, {"Ventas": header_and_row})
    planilla = read_planilla(path)
    assert planilla.hoja == "Ventas" and list(planilla.datos["referencia"]) == ["VISIBLE"]


# --- blank templates: nothing to do is said, not silently accepted -----------------------------------


@pytest.mark.parametrize("command", [["validate"], ["run", "--sandbox", "--dry-run"]])
def test_the_blank_template_says_there_is_nothing_to_do(tmp_path, capsys, command):
    path = tmp_path / "nueva.xlsx"
    assert main(["template", str(path)]) == 0
    capsys.readouterr()
    assert main([command[0], str(path), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "nueva.xlsx" in err and "no tiene filas con datos" in err and "nada que revisar" in err, err


def test_the_committed_template_says_there_is_nothing_to_do(capsys):
    assert main(["validate", str(ROOT / "templates" / "comprobantes.xlsx")]) == 2
    assert "no tiene filas con datos en la hoja 'Comprobantes'" in capsys.readouterr().err


def test_a_sheet_of_spaces_has_no_rows_either(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    ws.append(list(NAMES))
    ws.append(["  ", None, " "])
    path = tmp_path / "espacios.xlsx"
    wb.save(path)
    for engine in ENGINES:
        assert "no tiene filas con datos" in refusal(path, engine)


# --- csv: the same limits --------------------------------------------------------------------------------


def _csv_line(row: dict[str, object]) -> str:
    return ";".join("" if row.get(n) is None else str(row[n]) for n in NAMES)


def test_csv_blank_lines_do_not_count_towards_the_row_limit(tmp_path, make_row):
    lines = [";".join(NAMES), _csv_line(make_row()), *([""] * 10), _csv_line(make_row(referencia="FA-9"))]
    path = tmp_path / "huecos.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    datos = read_planilla(path, max_rows=5).datos
    assert list(datos.index) == [2, 13]
    assert datos.at[13, "referencia"] == "FA-9"


def test_csv_padding_to_the_right_is_ignored_but_a_far_value_is_refused(tmp_path, make_row):
    padded = tmp_path / "relleno.csv"
    padded.write_text(
        "\n".join([";".join(NAMES) + ";" * 5000, _csv_line(make_row()) + ";" * 5000]) + "\n", encoding="utf-8"
    )
    assert list(read_planilla(padded).datos.index) == [2]

    far = tmp_path / "lejos.csv"
    far.write_text(
        "\n".join([";".join(NAMES), _csv_line(make_row()) + ";" * 300 + "x"]) + "\n", encoding="utf-8"
    )
    with pytest.raises(PlanillaError, match=r"lejos.csv: la línea 2 tiene datos en la columna 33\d"):
        read_planilla(far)


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_error_cells_and_uncalculated_formulas_are_read_as_what_excel_shows(tmp_path, engine):
    """Both readers return an empty cell for #DIV/0! or a formula saved without its value: a
    referencia would silently join the comprobante above, a price would read as missing."""
    from tests.conftest import valid_row, write_rows
    from tests.planilla.test_hostile_cells import patch_cells

    path = write_rows(tmp_path / "mes.xlsx", [valid_row(), valid_row(referencia="X")])
    patch_cells(
        path,
        {
            "A3": '<c r="A3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
            "B3": '<c r="B3"><f>A1</f></c>',
            "C3": '<c r="C3" t="str"><f>A1</f><v>FACTURA B</v></c>',  # a computed formula reads as usual
        },
    )
    datos = read_planilla(path, engine=engine).datos
    assert datos.loc[3, "referencia"] == "#DIV/0!"
    assert datos.loc[3, "fecha"] == "=A1 (fórmula sin calcular)"
    assert datos.loc[3, "tipo"] == "FACTURA B"
