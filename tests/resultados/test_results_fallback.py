"""Results are never lost: when the fast writer fails, the plain-openpyxl one writes the same workbook."""

from __future__ import annotations

import gc
import logging
import re
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from importer.dominio.comprobantes import INVALIDO, VALIDO
from importer.resultados import results as results_module
from importer.resultados import xlsx as xlsx_module
from importer.resultados.results import RunInfo, write_report, write_results
from tests.resultados.libro import only_tool_formulas, print_settings
from tests.resultados.test_results import INJECTIONS, Scenario, scenario  # noqa: F401 - `scenario` is a fixture

SHEETS = ["Resultados", "Comprobantes", "Resumen", "Errores", "Ejecución"]


def snapshot(path: Path) -> dict[str, object]:
    """Everything a reader of the workbook sees: values, types, formats, fills, links, notes, layout."""
    wb = load_workbook(path)
    seen: dict[str, object] = {
        "sheets": wb.sheetnames,
        "title": wb.properties.title,
        "creator": wb.properties.creator,
    }
    for ws in wb:
        cells = {
            c.coordinate: (
                c.value,
                c.data_type,
                bool(c.quotePrefix),
                c.number_format,
                bool(c.font.b),
                c.font.u,
                c.font.color.rgb if c.font.color is not None else None,
                c.fill.fgColor.rgb,
                bool(c.alignment.wrap_text),
                (c.hyperlink.target, c.hyperlink.location) if c.hyperlink is not None else None,
                c.comment.text if c.comment is not None else None,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.comment is not None or c.hyperlink is not None
        }
        tab = ws.sheet_properties.tabColor
        seen[ws.title] = {
            "cells": cells,
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "widths": {key: dim.width for key, dim in ws.column_dimensions.items()},
            "page header": ws.oddHeader.center.text,
            "tab": tab.rgb if tab is not None else None,
            "print": print_settings(ws),
        }
    calamine = CalamineWorkbook.from_path(path)
    seen["calamine"] = {name: calamine.get_sheet_by_name(name).to_python() for name in wb.sheetnames}
    # The fast writer caches the footers' SUBTOTAL values; openpyxl's public API cannot, so a reader
    # that does not calculate sees them only in the fast writer's file. The formulas themselves match.
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    seen["calamine"][ws.title][c.row - 1][c.column - 1] = None  # type: ignore[index]
    return seen


def no_formulas_anywhere(path: Path) -> None:
    """No formula but the SUBTOTAL footers the tool builds, and no error value."""
    only_tool_formulas(path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert 't="e"' not in archive.read(name).decode(), name


# --- ways the fast writer can fail -------------------------------------------------------------------


def openpyxl_without_internals(mp: pytest.MonkeyPatch) -> None:
    """A release that moved the internals: importing the fast writer fails."""
    mp.setitem(sys.modules, "importer.resultados.xlsx", None)


def openpyxl_of_another_series(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(openpyxl, "__version__", "3.2.0")


def fails_at_the_first_sheet(mp: pytest.MonkeyPatch) -> None:
    def gone(cls: type, wb: object, title: str) -> None:
        raise AttributeError("'Workbook' object has no attribute '_add_sheet'")

    mp.setattr(xlsx_module.SafeSheet, "add", classmethod(gone))


def fails_halfway_through_the_rows(mp: pytest.MonkeyPatch) -> None:
    real = xlsx_module.SafeSheet._render
    calls = {"n": 0}

    def render(self: xlsx_module.SafeSheet, row: list[object], index: int) -> str:
        calls["n"] += 1
        if calls["n"] == 6:  # row 6 of Resultados: five rows already on disk
            raise TypeError("'NoneType' object is not subscriptable")
        return real(self, row, index)

    mp.setattr(xlsx_module.SafeSheet, "_render", render)


def fails_halfway_through_the_package(mp: pytest.MonkeyPatch) -> None:
    """The first sheet is already in the zip when its notes fail."""

    def broken(self: object, ws: object) -> None:
        raise KeyError("legacy_drawing")

    mp.setattr(xlsx_module._PackageWriter, "_write_comment", broken)


BREAKS: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    "import": openpyxl_without_internals,
    "version": openpyxl_of_another_series,
    "first sheet": fails_at_the_first_sheet,
    "rows": fails_halfway_through_the_rows,
    "package": fails_halfway_through_the_package,
}


@pytest.fixture
def clean_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system's temporary folder, for this test alone: openpyxl spools sheets there."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("how", list(BREAKS))
@pytest.mark.parametrize("modo", ["SANDBOX", "PRODUCCIÓN"])
def test_a_failing_fast_writer_still_writes_the_same_workbook(
    scenario: Scenario,  # noqa: F811
    clean_temp: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    how: str,
    modo: str,
) -> None:
    expected = snapshot(scenario.write("rapido.xlsx", modo=modo))
    assert expected["sheets"] == SHEETS

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    target = scenario.folder / "julio-resultados.xlsx"
    target.write_bytes(b"last run's workbook")
    with caplog.at_level(logging.DEBUG, logger="importer"), pytest.MonkeyPatch.context() as mp:
        BREAKS[how](mp)
        written = scenario.write("julio-resultados.xlsx", modo=modo)

    assert written == target
    assert snapshot(target) == expected
    no_formulas_anywhere(target)
    fallback = [r for r in caplog.records if r.name == results_module.__name__]
    assert [r.levelno for r in fallback] == [logging.DEBUG] and "julio-resultados.xlsx" in fallback[0].message
    assert [p.name for p in scenario.folder.iterdir() if p.name.startswith(".~")] == []
    gc.collect()
    assert unraisable == []
    assert list(clean_temp.iterdir()) == []  # no spooled sheet left behind by the abandoned attempt


def test_the_fallback_keeps_text_as_text(
    scenario: Scenario,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Checked on the plain writer's own output, not only against the fast one."""
    fails_at_the_first_sheet(monkeypatch)
    path = scenario.write(modo="SANDBOX")
    ws = load_workbook(path)["Resultados"]
    header = [c.value for c in ws[1]]
    razones = [row[header.index("cliente_razon_social")] for row in ws.iter_rows(min_row=2)]
    injected = [c for c in razones if c.value in INJECTIONS[:4]]
    assert [c.value for c in injected] == list(INJECTIONS[:4])
    assert all(c.data_type == "s" and c.quotePrefix for c in injected)
    vendedor = [row[header.index("vendedor")] for row in ws.iter_rows(min_row=2, max_row=3)]
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in vendedor] == [
        ("@cmd", "s", True),
        ("#N/A", "s", True),
    ]
    cae = next(row[header.index("cae")] for row in ws.iter_rows(min_row=2) if row[header.index("cae")].value)
    assert cae.data_type == "s" and "SIN VALIDEZ FISCAL" in cae.comment.text


def test_the_validation_report_falls_back_too(
    scenario: Scenario,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = RunInfo(**{**scenario.info.__dict__, "modo": "VALIDACIÓN", "rate": None})
    expected = snapshot(write_results(scenario.folder / "rapido.xlsx", scenario.validacion, None, info))
    fails_halfway_through_the_rows(monkeypatch)
    assert snapshot(write_report(scenario.folder / "reporte.xlsx", scenario.validacion, info)) == expected


def test_write_report_is_the_validation_report(scenario: Scenario) -> None:  # noqa: F811
    info = RunInfo(**{**scenario.info.__dict__, "modo": "VALIDACIÓN", "rate": None})
    path = write_report(scenario.folder / "reporte.xlsx", scenario.validacion, info)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Resultados", "Errores", "Ejecución"]
    assert wb.properties.title == "Informe de validación de julio.xlsx"
    ws = wb["Resultados"]
    estado = [c.value for c in ws[1]].index("estado")
    assert {row[estado].value for row in ws.iter_rows(min_row=2) if row[0].value is not None} == {
        VALIDO,
        INVALIDO,
    }


def test_a_full_disk_is_not_hidden_by_the_fallback(
    scenario: Scenario,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The file system's refusal is the same for any writer: it is reported for the caller to act on."""
    written: list[str] = []

    def full_disk(self: object, path: Path) -> None:
        written.append(type(self).__name__)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx_module.FastBook, "save", full_disk)
    with pytest.raises(results_module.OutputError) as raised:
        scenario.write()
    assert raised.value.reason == "no queda espacio en el disco"
    assert written == ["FastBook"]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def test_openpyxl_is_pinned_to_the_series_the_fast_writer_was_read_in() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if re.match(r"openpyxl\b", d)]
    assert len(pins) == 1
    bounds = dict(re.findall(r"(>=|<)\s*([0-9.]+)", pins[0]))
    lower, upper = _version(bounds[">="]), _version(bounds["<"])
    assert lower <= _version(version("openpyxl")) < upper
    assert upper == (lower[0], lower[1] + 1)  # one minor series, no more
    assert f"{lower[0]}.{lower[1]}." == xlsx_module.TESTED_OPENPYXL


def test_when_both_writers_fail_the_last_workbook_stays_and_nothing_is_left_behind(
    scenario: Scenario,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importer.resultados import plano

    def broken(self: object, path: Path) -> None:
        raise RuntimeError("plain writer broken too")

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    target = scenario.folder / "julio-resultados.xlsx"
    target.write_bytes(b"last run's workbook")
    fails_halfway_through_the_rows(monkeypatch)
    monkeypatch.setattr(plano.PlainBook, "save", broken)
    with pytest.raises(RuntimeError, match="plain writer broken too"):
        scenario.write()
    assert target.read_bytes() == b"last run's workbook"
    assert [p.name for p in scenario.folder.iterdir() if p.name.startswith(".~")] == []
    gc.collect()
    assert unraisable == []
