"""How the workbook's values look: style ids, input cells as typed, CAE and PDF cells, sheet layout.

Public openpyxl only (styles and the sheet's layout attributes), so the fast writer and the plain
fallback share it: a style is asked of the `Sheet` being written, which knows how it keeps them.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from urllib.parse import quote

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from importer.dominio.comprobantes import EMITIDO, INVALIDO, RECHAZADO, VALIDO
from importer.resultados.celdas import Book, Cell, Sheet, number_text
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, RunInfo, naive

SANDBOX_NOTE = "SANDBOX — SIN VALIDEZ FISCAL: CAE simulado, no autorizado por ARCA."
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = "#,##0.00"

_GREEN = PatternFill("solid", fgColor="C6EFCE")
_RED = PatternFill("solid", fgColor="FFC7CE")
_AMBER = PatternFill("solid", fgColor="FFEB9C")
_FAULTY = PatternFill("solid", fgColor="FF8B8B")  # stronger than INVALIDO's: the cell to fix
_FAULTY_FONT = Font(bold=True, color="9C0006")


@dataclass
class Styles:
    """The style ids every sheet uses (ids are per workbook)."""

    date: int
    datetime: int
    money: int
    digits: int
    bold: int
    wrap: int
    link: int
    header: int
    output_header: int
    banner: int
    title: int
    heading: int  # a part of a sheet (one issuer CUIT of the Resumen)
    bold_money: int
    estado: dict[str, int]
    formats: dict[str, int]
    format_of: dict[int, str] = field(default_factory=dict)  # style id → its number format
    faulty_of: dict[int, int] = field(default_factory=dict)  # style id → the same, marked faulty

    @classmethod
    def of(cls, ws: Sheet) -> Styles:
        fills = {EMITIDO: _GREEN, VALIDO: _GREEN, RECHAZADO: _RED, INVALIDO: _RED}
        formats = (DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT, "0")
        ids = {f: ws.style(number_format=f) for f in formats}
        return cls(
            date=ids[DATE_FORMAT],
            datetime=ids[DATETIME_FORMAT],
            money=ids[MONEY_FORMAT],
            digits=ids["0"],
            bold=ws.style(font=Font(bold=True)),
            wrap=ws.style(alignment=Alignment(wrap_text=True, vertical="top")),
            link=ws.style(font=Font(color="0563C1", underline="single")),
            header=ws.style(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E1F2")),
            output_header=ws.style(font=Font(bold=True), fill=PatternFill("solid", fgColor="FCE4D6")),
            banner=ws.style(font=Font(bold=True, color="9C0006", size=14), fill=_RED),
            title=ws.style(font=Font(bold=True, size=12)),
            heading=ws.style(font=Font(bold=True, size=14, color="1F3864")),
            bold_money=ws.style(number_format=MONEY_FORMAT, font=Font(bold=True)),
            estado={e: ws.style(font=Font(bold=True), fill=fills.get(e, _AMBER)) for e in ESTADOS},
            formats={},
            format_of={i: f for f, i in ids.items()},
        )

    def number(self, ws: Sheet, number_format: str) -> int:
        if number_format not in self.formats:
            self.formats[number_format] = ws.style(number_format=number_format)
            self.format_of[self.formats[number_format]] = number_format
        return self.formats[number_format]

    def faulty(self, ws: Sheet, style: int) -> int:
        """`style` (an input cell's: plain, a date, a number format) filled red: the cell is wrong."""
        if style not in self.faulty_of:
            number_format = self.format_of.get(style, "General")
            self.faulty_of[style] = ws.style(number_format=number_format, fill=_FAULTY, font=_FAULTY_FONT)
        return self.faulty_of[style]


def _is_missing(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NaTType", "NAType")


def input_cell(value: object, st: Styles, number_style: int = 0) -> object:
    """An input cell as typed: text stays text, numbers stay numbers, datetimes become dates."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is float:
        if value != value:  # NaN: an empty cell
            return None
        if kind is float and math.isinf(value):  # type: ignore[arg-type]
            return str(value)
        if not number_style and abs(value) >= 1e10 and value == int(value):  # type: ignore[arg-type, call-overload]
            number_style = st.digits  # an ID typed as a number: no 2,01E+10 on screen
        return Cell(value, number_style) if number_style else value
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        moment = naive(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
        return Cell(moment.date(), st.date) if moment.time() == time(0) else Cell(moment, st.datetime)
    if isinstance(value, date):
        return Cell(value, st.date)
    if isinstance(value, numbers.Number) and number_text(value) is not None:
        return input_cell(
            float(value) if not isinstance(value, numbers.Integral) else int(value),  # type: ignore[arg-type]
            st,
            number_style,
        )
    return str(value)


def header(names: list[str], style: int) -> list[object]:
    return [Cell(name, style) for name in names]


def table_sheet(
    book: Book, title: str, widths: Sequence[float], rows: int, info: RunInfo, frozen_columns: int = 0
) -> Sheet:
    """A sheet of one table: header (and `frozen_columns` first columns) frozen, a filter over its
    `rows` when there are any."""
    ws = book.add_sheet(title)
    ws.worksheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}2"
    if rows:
        ws.worksheet.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{rows + 1}"
    layout(ws, widths, info)
    return ws


def layout(ws: Sheet, widths: Sequence[float], info: RunInfo) -> None:
    """Column widths, and the sandbox's banner in the page header and a red tab."""
    sheet = ws.worksheet
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if info.sandbox:
        sheet.oddHeader.center.text = SANDBOX_BANNER
        sheet.sheet_properties.tabColor = "C00000"


def cae_cell(cae: str, info: RunInfo) -> object:
    """The CAE as text; in the sandbox with a note saying it is worth nothing."""
    if not cae:
        return None
    return Cell(cae, note=SANDBOX_NOTE) if info.sandbox else cae


@functools.lru_cache(maxsize=64)
def _relative_folder(directory: str, folder: str) -> str | None:
    """`directory` as a relative URL prefix seen from `folder` ("" when the same); None across drives."""
    try:
        relative = Path(os.path.relpath(directory, folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return None
    return "" if relative == "." else relative + "/"


def pdf_cell(pdf: str, folder: str, st: Styles) -> Cell | None:
    """The PDF's file name, linked relative to the workbook's folder (`folder`, absolute)."""
    if not pdf:
        return None
    directory, name = os.path.split(pdf)
    if not os.path.isabs(pdf):
        return Cell(name, st.link, link=_quote(Path(pdf).as_posix()))
    prefix = _relative_folder(directory, folder)
    target = _quote(prefix + name) if prefix is not None else Path(pdf).as_uri()
    return Cell(name, st.link, link=target)


def _quote(path: str) -> str:
    """A relative URL; a folder name that is not UTF-8 (POSIX bytes) keeps its bytes."""
    try:
        return quote(path, errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, errors="replace")
