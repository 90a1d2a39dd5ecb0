"""The fallback writer: the same sheets through openpyxl's public API only.

Used when the fast writer (`xlsx`, which leans on openpyxl internals) fails, so that results are
never lost after emission. Slower (openpyxl builds an element per cell and an object per note)
but it keeps `celdas`'s contract: text is written as text even when it starts with `=`, `+`, `-`
or `@` (and gets Excel's quote prefix), error-looking text stays text, and characters XML cannot
carry are replaced or escaped exactly as the fast writer does, so both give the same values.
"""

from __future__ import annotations

import numbers
from contextlib import suppress
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.comments import Comment
from openpyxl.worksheet.hyperlink import Hyperlink

from importer.resultados import celdas
from importer.resultados.celdas import AUTHOR, NOTE_SIZE, Cell, Formula, excel_escaped, number_text, safe_text


class PlainBook:
    """A write-only openpyxl workbook; style ids index `styles`, shared by its sheets (0: none)."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self.styles: list[dict[str, object]] = [{}]

    def add_sheet(self, title: str) -> PlainSheet:
        return PlainSheet(self, title)

    def save(self, path: Path) -> None:
        self.workbook.save(path)

    def discard(self) -> None:
        """Finish the sheets' streams, so none complains when collected; openpyxl deletes their
        temporary files at exit."""
        for ws in self.workbook.worksheets:
            with suppress(Exception):  # a sheet already closed, or the failure being reported
                ws.close()


class PlainSheet:
    def __init__(self, book: PlainBook, title: str) -> None:
        self._styles = book.styles
        self.worksheet = book.workbook.create_sheet(title)
        self._links = 0

    def style(self, **attributes: object) -> int:
        self._styles.append(attributes)
        return len(self._styles) - 1

    def append(self, row: list[object]) -> None:
        cells: list[object] = []
        noted = False  # whether openpyxl would write the next plain value into a cell with a note
        for item in row:
            cell = self._cell(item)
            if noted and cell is not None and not isinstance(cell, SheetCell):
                # openpyxl reuses an unstyled, unlinked cell for the plain value after it, note and
                # all: that value gets a cell of its own instead.
                cell = WriteOnlyCell(self.worksheet, cell)
            if isinstance(cell, SheetCell):
                noted = cell.comment is not None and not (cell.has_style or cell.hyperlink)
            cells.append(cell)
        self.worksheet.append(cells)

    def _cell(self, item: object) -> object:
        value, style, link, note = item if type(item) is Cell else (item, 0, "", "")
        if type(value) is Formula:  # built by the tool: the only formulas in the workbook
            cell = WriteOnlyCell(self.worksheet, "=" + value.text)
            for name, attribute in self._styles[style].items():
                setattr(cell, name, attribute)
            return cell
        value, risky = _plain_value(value)
        if value is None and not (type(item) is Cell and (style or note)):
            return None
        if value is not None and type(value) is not str and not (style or link or note):
            return value  # a number, date or bool, as openpyxl writes them
        cell = WriteOnlyCell(self.worksheet, value)
        if type(value) is str:
            cell.data_type = "s"  # openpyxl would take "=…" for a formula and "#N/A" for an error
            cell.quotePrefix = risky
        for name, attribute in self._styles[style].items():
            setattr(cell, name, attribute)
        if link and self._links < celdas.MAX_LINKS:  # Excel ignores those past its per-sheet limit
            # `#'Hoja'!A1` is a cell of this workbook: a location, not a file.
            cell.hyperlink = Hyperlink(ref="", location=link[1:]) if link.startswith("#") else link
            self._links += 1
        if note:
            cell.comment = Comment(excel_escaped(note), AUTHOR, width=NOTE_SIZE[0], height=NOTE_SIZE[1])
        return cell


def _plain_value(value: object) -> tuple[object, bool]:
    """What openpyxl is given for `value`, and whether it is text that needs the quote prefix.

    The same kinds, in the same order, as the fast writer's rendering: numbers Excel cannot store
    and values of any other type become text.
    """
    kind = type(value)
    if value is None or kind is bool:
        return value, False
    if kind is not str:
        if isinstance(value, numbers.Number):
            if number_text(value) is not None:
                if kind is int or kind is float or kind is Decimal:
                    return value, False
                return (int(value) if isinstance(value, numbers.Integral) else float(value)), False  # type: ignore[arg-type]
        elif isinstance(value, datetime | time):
            return value.replace(tzinfo=None), False
        elif isinstance(value, date):
            return value, False
        value = str(value)
    if not value:
        return None, False
    return safe_text(value)  # type: ignore[arg-type]
