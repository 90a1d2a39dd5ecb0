"""The layout of the written workbooks, read back as a person (or a printer) meets them: where estado
and errores are, what is frozen, the faulty cells, the links of Errores, how every sheet prints,
and which cells are formulas. Both writers; the example month is rendered by LibreOffice."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importer.cli.main import main
from importer.dominio.comprobantes import EMITIDO, INVALIDO, Emision
from importer.dominio.problems import Problem
from importer.resultados.results import RunInfo, write_report
from tests.conftest import CUIT_CLIENTE_2
from tests.resultados.libro import only_tool_formulas, print_settings
from tests.resultados.test_results import Scenario, scenario  # noqa: F401 - `scenario` is a fixture
from tests.resultados.test_results_tributos import Caso, caso  # noqa: F401 - `caso` is a fixture

FAULTY_FILL = "FF8B8B"
PAGE = "Página &P de &N"  # Excel's codes: page X of N


@pytest.fixture(params=["fast", "plain"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "plain":  # the fallback, as when openpyxl's internals moved
        monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    return str(request.param)


def report(s: Scenario) -> Path:
    info = RunInfo(**{**s.info.__dict__, "modo": "VALIDACIÓN", "rate": None})
    return write_report(s.folder / "julio-reporte.xlsx", s.validacion, info)


def header_of(ws: object) -> list[object]:
    return [c.value for c in ws[1]]  # type: ignore[index]


# --- Resultados: estado and errores where the eye is --------------------------------------------------


def test_estado_and_errores_follow_referencia_and_stay_in_sight(scenario: Scenario, writer: str) -> None:  # noqa: F811
    for path in (scenario.write(), report(scenario)):
        ws = load_workbook(path)["Resultados"]
        header = header_of(ws)
        assert header[:4] == ["referencia", "estado", "errores", "fecha"], path.name
        assert ws.freeze_panes == "C2"  # the header row, referencia and estado
        assert ws["B8"].value == INVALIDO and ws["A8"].value == "INV-0001"


def test_faulty_cells_are_filled_and_carry_their_message(scenario: Scenario, writer: str) -> None:  # noqa: F811
    # Row 3 (FA-0001's second line) left fecha empty: a required cell is marked even when empty.
    scenario.validacion.problems.append(Problem("fecha.falta", "fecha: falta la fecha", 3, "fecha", "B"))
    for path in (scenario.write(), report(scenario)):
        ws = load_workbook(path)["Resultados"]
        header = header_of(ws)
        cuit = ws.cell(8, header.index("cliente_documento_nro") + 1)
        assert cuit.value == int(CUIT_CLIENTE_2)  # the value as typed, only marked
        assert cuit.fill.fgColor.rgb.endswith(FAULTY_FILL)
        assert cuit.comment is not None
        assert cuit.comment.text == "el dígito verificador es incorrecto (debería ser 3)"
        fecha = ws.cell(3, header.index("fecha") + 1)
        assert fecha.value is None and fecha.fill.fgColor.rgb.endswith(FAULTY_FILL)
        assert fecha.comment.text == "falta la fecha"  # the column is the cell itself: not repeated
        # Cells without a problem are not marked: the rest of the row, and the other rows.
        razon = ws.cell(8, header.index("cliente_razon_social") + 1)
        assert razon.comment is None and not razon.fill.fgColor.rgb.endswith(FAULTY_FILL)
        assert ws.cell(2, header.index("fecha") + 1).comment is None


def test_every_row_of_an_invalid_comprobante_says_why(scenario: Scenario, writer: str) -> None:  # noqa: F811
    # FA-0001 (rows 2 and 3) is wrong on row 2 only, and was not sent.
    v = scenario.validacion
    v.problems.append(
        Problem("cantidad.cero", "cantidad: debe ser mayor que 0", 2, "cantidad", "D", referencia="FA-0001")
    )
    scenario.validacion = dataclasses.replace(v, invalidas={*v.invalidas, "FA-0001"}, filas_invalidas={8, 2})
    del scenario.emisiones["FA-0001"]
    for path in (scenario.write(), report(scenario)):
        ws = load_workbook(path)["Resultados"]
        assert [ws["B2"].value, ws["B3"].value] == [INVALIDO, INVALIDO]
        assert ws["C2"].value == "columna G (cantidad): debe ser mayor que 0"  # G in Resultados
        assert ws["C3"].value == (
            "El comprobante FA-0001 tiene errores en otras filas (Comprobantes fila 2): no se envía hasta "
            "que se corrijan (vea la hoja Errores)."
        )
        for row in ws.iter_rows(min_row=2):
            if row[1].value == INVALIDO:
                assert row[2].value, row[0].row  # never an empty errores


def test_a_comprobantes_total_is_on_its_first_row_only(scenario: Scenario, writer: str) -> None:  # noqa: F811
    ws = load_workbook(scenario.write())["Resultados"]
    col = header_of(ws).index("total") + 1
    # FA-0001 is rows 2 and 3: 1000 + 210 + 999,99 + 105,00 (10,5 % of 999,99 is 104,99895).
    assert ws.cell(2, col).value == pytest.approx(2314.99) and ws.cell(3, col).value is None


# --- Errores: each row links to its cell -----------------------------------------------------------------


def test_errores_rows_link_to_their_cell(scenario: Scenario, writer: str) -> None:  # noqa: F811
    ws = load_workbook(scenario.write())["Errores"]
    rows = {(r[2].value, r[4].value): r for r in ws.iter_rows(min_row=2)}
    cuit = rows[("INV-0001", "cuit.digito_verificador")][1]
    # Resultados: referencia A, estado B, errores C, fecha D, cliente_documento_nro E.
    assert cuit.value == 8 and cuit.hyperlink.location == "'Resultados'!E8"
    assert cuit.hyperlink.target is None  # inside the workbook, no file
    rejected = next(r for (ref, _), r in rows.items() if ref == "FB-0001")[1]
    assert rejected.hyperlink.location == "'Resultados'!C6"  # no column: the row's errores
    file_level = next(r for r in ws.iter_rows(min_row=2) if r[1].value is None)
    assert file_level[1].hyperlink is None  # nowhere to go
    assert ws["B1"].comment is not None  # the header says the number is a link


def test_errores_rows_of_the_tributos_sheet_link_there(caso: Caso, writer: str) -> None:  # noqa: F811
    path = caso.results()
    ws = load_workbook(path)["Errores"]
    links = {
        (r[0].value, r[1].value): r[1].hyperlink.location for r in ws.iter_rows(min_row=2) if r[1].hyperlink
    }
    # Tributos: referencia A, estado B, errores C, tributo D, regimen E.
    assert links[("Tributos", 7)] == "'Tributos'!A7" and links[("Tributos", 13)] == "'Tributos'!E13"
    tributos = load_workbook(path)["Tributos"]
    assert tributos["E13"].fill.fgColor.rgb.endswith(FAULTY_FILL) and "Narnia" in tributos["E13"].comment.text


def test_an_empty_errores_sheet_has_nothing_to_print(scenario: Scenario, writer: str) -> None:  # noqa: F811
    scenario.validacion = dataclasses.replace(
        scenario.validacion, problems=[], invalidas=set(), filas_invalidas=set()
    )
    scenario.emisiones = {
        ref: Emision(ref, EMITIDO, f"00001-{n:08d}", n, f"7123456789{n:04d}")
        for n, ref in enumerate(scenario.emisiones | {"INV-0001": None, "PEN-0001": None}, start=1)
    }
    ws = load_workbook(scenario.write())["Errores"]
    assert [c.value for row in ws.iter_rows() for c in row if c.value is not None] == []
    assert ws.print_area is None or ws.print_area == ""


# --- Printing -----------------------------------------------------------------------------------------


def test_every_sheet_prints_one_page_wide_with_header_and_footer(scenario: Scenario, writer: str) -> None:  # noqa: F811
    wb = load_workbook(scenario.write())
    footer = ("Planilla: julio.xlsx", PAGE, "Períodos 07/2025 a 08/2025")  # no issuer CUIT known here
    expected = {
        "Resultados": ("portrait", "$1:$1", "'Resultados'!$A$1:$C$12"),  # referencia, estado, errores
        "Comprobantes": ("landscape", "$1:$1", "'Comprobantes'!$A$1:$Q$13"),  # ARCA's columns
        "Resumen": ("portrait", None, ""),
        "Errores": ("landscape", "$1:$1", ""),
        "Ejecución": ("portrait", None, ""),
    }
    for title, (orientation, titles, area) in expected.items():
        got = print_settings(wb[title])
        assert got == {
            "orientation": orientation,
            "fit": (True, 1, 0),  # one page wide, as many long as it takes
            "titles": titles,
            "area": area,
            "footer": footer,
        }, title


def test_the_footer_names_the_issuer_when_known(scenario: Scenario, writer: str) -> None:  # noqa: F811
    scenario.emisiones = {
        ref: dataclasses.replace(e, emisor_cuit="30712345678", cuenta="Local & Centro")
        for ref, e in scenario.emisiones.items()
    }
    ws = load_workbook(scenario.write())["Comprobantes"]
    assert ws.oddFooter.left.text == "Emisor: CUIT 30-71234567-8 (Local && Centro)"  # & doubled: a code


def test_formulas_only_where_the_tool_put_them(scenario: Scenario, writer: str) -> None:  # noqa: F811
    scenario.datos.loc[2, "vendedor"] = "=SUBTOTAL(109,A1:A9)"  # a user's text stays text
    path = scenario.write()
    found = only_tool_formulas(path)
    rows = {re.sub("[A-Z]+", "", coordinate) for _, coordinate in found}
    assert len(found) == 16 and rows == {"7"}  # one footer row, below the 5 emitted
    assert only_tool_formulas(report(scenario)) == {}
    ws = load_workbook(path)["Resultados"]
    vendedor = ws.cell(2, header_of(ws).index("vendedor") + 1)
    assert vendedor.data_type == "s" and vendedor.value == "=SUBTOTAL(109,A1:A9)"


# --- The example month through LibreOffice ---------------------------------------------------------


@pytest.mark.slow
def test_the_example_month_prints_in_at_most_eight_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) no está instalado: no se puede contar las páginas impresas.")
    from pypdf import PdfReader

    ejemplo = tmp_path / "ejemplo.xlsx"
    shutil.copy(Path(__file__).parents[2] / "data" / "ejemplo.xlsx", ejemplo)
    assert main(["run", str(ejemplo), "--sandbox", "--rate", "0"]) == 0
    capsys.readouterr()
    resultados = tmp_path / "ejemplo-resultados.xlsx"
    profile = (tmp_path / "perfil").as_uri()  # a LibreOffice profile of its own: runs do not collide
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(resultados),
        ],  # fmt: skip
        check=True,
        capture_output=True,
        timeout=240,
    )
    pages = PdfReader(tmp_path / "pdf" / "ejemplo-resultados.pdf").pages
    assert len(pages) <= 8, len(pages)
    texts = [p.extract_text() for p in pages]
    assert all(f"Página {i} de {len(pages)}" in t for i, t in enumerate(texts, start=1))
    assert all("Período" in t and "Emisor: CUIT" in t for t in texts)
    assert not any("Qué hacer" in t for t in texts)  # nothing to fix: Errores prints nothing
    # Comprobantes prints with its header on every page: the invoice number beside its amounts.
    flat = [" ".join(t.split()) for t in texts]  # a header may wrap inside its cell
    comprobantes = [t for t in flat if "Cód. Autorización" in t]
    assert comprobantes and all("Número Desde" in t and "Imp. Total" in t for t in comprobantes)
