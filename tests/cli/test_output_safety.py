"""Output files are never lost nor broken, and never written over the input.

Real planillas in tmp_path, the real CLI. A folder that refuses writes is a path whose parent is a
regular file (root can write anywhere else), or `tempfile.mkstemp` refusing given folders.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from importer.cli.main import main
from importer.dominio.reloj import hoy_en_argentina
from tests.conftest import valid_row, write_rows
from tests.corpus.invalid_xml_text import (
    BAD_NOTE,
    CONTROL_NOTE,
    NOTE_COLUMN,
    csv_planilla,
    raw_xlsx_planilla,
)

HOY = hoy_en_argentina()


def assert_well_formed(path: Path) -> None:
    """Every XML part of the package parses (expat refuses what XML 1.0 forbids)."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(archive.read(name))


def sheet_rows(path: Path, sheet: str = "Resultados") -> list[dict[str, object]]:
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def no_leaks(text: str) -> None:
    assert "Traceback" not in text
    assert "Errno" not in text
    for english in ("Permission denied", "Not a directory", "File exists", "No such file"):
        assert english not in text


def run_sandbox(planilla: Path, *extra: object) -> int:
    return main(["run", str(planilla), "--sandbox", "--rate", "0", *map(str, extra)])


def refuse_mkstemp(monkeypatch: pytest.MonkeyPatch, refused: Callable[[Path, str], bool]) -> None:
    """`tempfile.mkstemp` raising PermissionError when `refused(folder, prefix)`, like chmod 0o500."""
    real = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        folder = Path(kwargs.get("dir") or tempfile.gettempdir()).resolve()
        if refused(folder, str(kwargs.get("prefix") or "")):
            raise PermissionError(13, "Permission denied", str(folder))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


# --- characters XML cannot carry --------------------------------------------------------------


def test_forbidden_characters_in_a_csv_are_replaced_in_the_report_and_said_so(tmp_path, capsys):
    rows = [
        valid_row(referencia="FA-1", fecha=HOY, descripcion="Tornillo \ufffe hexagonal", nota=BAD_NOTE),
        valid_row(referencia="FA-2", fecha=HOY, nota=CONTROL_NOTE),
    ]
    planilla = csv_planilla(tmp_path / "mes.csv", rows)
    reporte = tmp_path / "reporte.xlsx"
    code = main(["validate", str(planilla), "--reporte", str(reporte)])
    out = capsys.readouterr()
    assert code in (0, 1), out
    assert_well_formed(reporte)
    first, second = sheet_rows(reporte)
    assert first[NOTE_COLUMN] == "pedido \ufffd urgente \ufffd fin"
    assert first["descripcion"] == "Tornillo \ufffd hexagonal"
    assert "Se reemplazaron caracteres no válidos" in first["errores"]
    assert "(descripcion)" in first["errores"] and f"({NOTE_COLUMN})" in first["errores"]
    # Tab and C0 controls are kept (Excel's _xHHHH_ escape): nothing replaced, nothing to say.
    assert "reemplazaron" not in (second["errores"] or "")
    assert "control" in second[NOTE_COLUMN]


def test_forbidden_characters_in_an_xlsx_leave_results_that_open(tmp_path, capsys):
    rows = [valid_row(referencia="FA-1", fecha=HOY, nota=BAD_NOTE), valid_row(referencia="FA-2", fecha=HOY)]
    planilla = raw_xlsx_planilla(tmp_path / "mes.xlsx", rows)
    code = run_sandbox(planilla)
    out = capsys.readouterr()
    assert code == 0, out
    resultados = tmp_path / "mes-resultados.xlsx"
    assert_well_formed(resultados)
    first, second = sheet_rows(resultados)
    assert first["estado"] == second["estado"] == "EMITIDO"
    assert first[NOTE_COLUMN] == "pedido \ufffd urgente \ufffd fin"
    # The extra column comes after the others, in Resultados where estado and errores follow referencia.
    letter = get_column_letter(len(valid_row()) + 3)
    assert f"columna {letter} ({NOTE_COLUMN})" in first["errores"]
    assert second["errores"] is None


# --- folders that cannot be written -------------------------------------------------------------


def test_a_report_whose_folder_cannot_be_written_goes_to_the_data_folder(
    write_workbook, tmp_path, isolated_user_data, capsys
):
    planilla = write_workbook([valid_row()], name="mes.xlsx")
    blocker = tmp_path / "f.txt"
    blocker.write_text("no soy una carpeta")
    code = main(["validate", str(planilla), "--reporte", str(blocker / "reporte.xlsx")])
    out = capsys.readouterr()
    assert code == 0, out
    fallback = isolated_user_data / "resultados" / "reporte.xlsx"
    assert [r["estado"] for r in sheet_rows(fallback)] == ["VALIDO"]
    assert str(fallback) in out.out
    assert "una parte de la ruta es un archivo" in out.out
    no_leaks(out.out + out.err)


def test_a_read_only_report_folder_is_told_in_spanish(
    write_workbook, tmp_path, isolated_user_data, monkeypatch, capsys
):
    planilla = write_workbook([valid_row()], name="mes.xlsx")
    locked = tmp_path / "solo-lectura"
    locked.mkdir()
    refuse_mkstemp(monkeypatch, lambda folder, prefix: folder == locked.resolve())
    code = main(["validate", str(planilla), "--reporte", str(locked / "reporte.xlsx")])
    out = capsys.readouterr()
    assert code == 0, out
    assert "no hay permiso para escribir" in out.out
    assert (isolated_user_data / "resultados" / "reporte.xlsx").exists()
    assert not (locked / "reporte.xlsx").exists()
    no_leaks(out.out + out.err)


def test_a_report_that_cannot_be_written_anywhere_exits_2(write_workbook, tmp_path, monkeypatch, capsys):
    planilla = write_workbook([valid_row()], name="mes.xlsx")
    blocker = tmp_path / "f.txt"
    blocker.write_text("x")
    monkeypatch.setenv("TF_IMPORT_DATOS", str(blocker / "datos"))
    code = main(["validate", str(planilla), "--reporte", str(blocker / "reporte.xlsx")])
    out = capsys.readouterr()
    assert code == 2
    assert "No se pudo escribir el reporte" in out.err
    no_leaks(out.out + out.err)


def test_results_and_pdfs_of_a_run_are_saved_elsewhere_when_their_folders_refuse(
    write_workbook, tmp_path, isolated_user_data, capsys
):
    planilla = write_workbook([valid_row(referencia="FA-1"), valid_row(referencia="FA-2")], name="mes.xlsx")
    blocker = tmp_path / "f.txt"
    blocker.write_text("x")
    code = run_sandbox(planilla, "--resultados", blocker / "r.xlsx", "--pdf-dir", blocker / "pdf")
    out = capsys.readouterr()
    assert code == 0, out
    results = isolated_user_data / "resultados" / "r.xlsx"
    pdfs = isolated_user_data / "pdf" / "pdf"
    assert str(results) in out.out and str(pdfs) in out.out
    rows = sheet_rows(results)
    assert [r["estado"] for r in rows] == ["EMITIDO", "EMITIDO"]
    assert sorted(p.name for p in pdfs.iterdir()) == [
        "FACTURA_A_00001-00000001.pdf",
        "FACTURA_A_00001-00000002.pdf",
    ]
    ws = load_workbook(results)["Resultados"]
    header = [c.value for c in ws[1]]
    link = ws.cell(row=2, column=header.index("pdf") + 1).hyperlink
    assert link is not None and (results.parent / link.target).resolve().exists()
    no_leaks(out.out + out.err)


def test_a_pdf_dir_that_is_a_file_gets_a_fallback_folder_and_no_english(
    write_workbook, tmp_path, isolated_user_data, capsys
):
    planilla = write_workbook([valid_row(referencia="FA-1")], name="mes.xlsx")
    archivo = tmp_path / "archivo"
    archivo.write_text("x")
    code = run_sandbox(planilla, "--pdf-dir", archivo)
    out = capsys.readouterr()
    assert code == 0, out
    assert archivo.read_text() == "x"
    assert [p.name for p in (isolated_user_data / "pdf" / "archivo").iterdir()] == [
        "FACTURA_A_00001-00000001.pdf"
    ]
    assert "ya existe un archivo con ese nombre" in out.out or "es un archivo" in out.out
    no_leaks(out.out + out.err)


def test_a_run_whose_results_cannot_be_written_anywhere_stops_resumable(
    write_workbook, tmp_path, isolated_user_data, monkeypatch, capsys
):
    planilla = write_workbook([valid_row(referencia="FA-1")], name="mes.xlsx")
    blocked = [True]
    refuse_mkstemp(monkeypatch, lambda folder, prefix: blocked[0] and prefix.startswith(".~mes-resultados"))
    code = run_sandbox(planilla)
    out = capsys.readouterr()
    assert code == 3, out
    assert "no se pudieron guardar" in out.err
    assert "Vuelva a ejecutar" in out.err
    no_leaks(out.out + out.err)
    blocked[0] = False
    assert run_sandbox(planilla) == 0  # the same command later: the workbook, nothing sent again
    assert "Enviados en esta ejecución: 0" in capsys.readouterr().out
    assert [r["estado"] for r in sheet_rows(tmp_path / "mes-resultados.xlsx")] == ["EMITIDO"]


# --- never over the input -------------------------------------------------------------------------


def test_a_report_over_the_input_csv_is_refused(tmp_path, capsys):
    planilla = csv_planilla(tmp_path / "mes.csv", [valid_row(fecha=HOY)])
    before = planilla.read_bytes()
    code = main(["validate", str(planilla), "--reporte", str(tmp_path / "sub" / ".." / "mes.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--reporte" in err and "mes.csv" in err and "planilla" in err
    assert planilla.read_bytes() == before


def test_results_over_the_input_planilla_are_refused_before_sending(write_workbook, tmp_path, capsys):
    planilla = write_rows(
        tmp_path / "mes.xlsx", [valid_row()], extra_sheets={"Instrucciones": [["Cómo completar la planilla"]]}
    )
    before = planilla.read_bytes()
    code = run_sandbox(planilla, "--resultados", planilla)
    out = capsys.readouterr()
    assert code == 2
    assert "--resultados" in out.err and "Enviados" not in out.out
    assert planilla.read_bytes() == before


def test_results_over_the_ledger_are_refused(write_workbook, tmp_path, capsys):
    planilla = write_workbook([valid_row()], name="mes.xlsx")
    registro = tmp_path / "registro.sqlite"
    assert run_sandbox(planilla, "--estado", registro) == 0
    before = registro.read_bytes()
    code = run_sandbox(planilla, "--estado", registro, "--resultados", registro)
    assert code == 2
    assert "registro" in capsys.readouterr().err
    assert registro.read_bytes() == before


def test_a_planilla_named_like_results_is_not_overwritten(tmp_path, capsys):
    planilla = write_rows(
        tmp_path / "julio-resultados.xlsx",
        [valid_row()],
        extra_sheets={"Instrucciones": [["Cómo completar la planilla"]]},
    )
    before = planilla.read_bytes()
    code = run_sandbox(planilla)
    out = capsys.readouterr().out
    assert code == 0, out
    assert planilla.read_bytes() == before
    written = tmp_path / "julio-resultados-resultados.xlsx"
    assert str(written.name) in out
    assert [r["estado"] for r in sheet_rows(written)] == ["EMITIDO"]


def test_a_results_workbook_fed_back_is_still_updated_in_place(write_workbook, tmp_path, capsys):
    planilla = write_workbook([valid_row(referencia="FA-1")], name="mes.xlsx")
    assert run_sandbox(planilla) == 0
    resultados = tmp_path / "mes-resultados.xlsx"
    assert run_sandbox(resultados, "--resultados", resultados) == 0
    assert "Enviados en esta ejecución: 0" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["mes-resultados.xlsx", "mes.xlsx"]
    assert [r["estado"] for r in sheet_rows(resultados)] == ["EMITIDO"]


def test_an_os_error_reaching_the_cli_is_told_in_spanish(write_workbook, tmp_path, capsys):
    planilla = write_workbook([valid_row()], name="mes.xlsx")
    blocker = tmp_path / "f.txt"
    blocker.write_text("x")
    code = run_sandbox(planilla, "--estado", blocker / "registro.sqlite")
    out = capsys.readouterr()
    assert code == 2
    assert "f.txt" in out.err and "Error inesperado" not in out.err
    assert "es un archivo" in out.err or "ya existe un archivo" in out.err
    no_leaks(out.out + out.err)


@pytest.mark.parametrize("column", ["descripcion", "cliente_razon_social", "leyenda"])
def test_forbidden_characters_in_a_sent_column_are_a_row_error_naming_the_cell(tmp_path, capsys, column):
    """Copied into the report safely is not enough for what would be sent to TusFacturas."""
    row = valid_row(fecha=HOY, **{column: "Servicio \ufffe de \x01 mantenimiento"})
    planilla = csv_planilla(tmp_path / "mes.csv", [row])
    assert main(["validate", str(planilla), "--hoy", f"{HOY:%d/%m/%Y}"]) == 1
    out = capsys.readouterr().out
    assert f"({column}): {column}: tiene caracteres de control o no válidos" in out


def test_a_descripcion_longer_than_255_once_escaped_is_an_error(write_workbook, capsys):
    text = "Servicio al 100% " + "x" * 236  # 253 typed, 255 sent: fits
    ok = write_workbook([valid_row(fecha=HOY, descripcion=text)], name="ok.xlsx")
    assert main(["validate", str(ok), "--hoy", f"{HOY:%d/%m/%Y}"]) == 0
    long = write_workbook([valid_row(fecha=HOY, descripcion=text + "\nx")], name="largo.xlsx")
    assert main(["validate", str(long), "--hoy", f"{HOY:%d/%m/%Y}"]) == 1
    out = capsys.readouterr().out
    assert "descripcion: debe tener entre 4 y 255 caracteres y tiene 255 (259 al enviarla" in out
