"""The cell contract both workbook writers honour, and the sheet they write into.

A row is a list of plain values (str, numbers, dates, bool, None) or `Cell`s. Whoever writes it
(the fast writer in `xlsx`, or the plain-openpyxl fallback in `plano`) keeps these promises: a
string is always text, never a formula nor an error value, and one that Excel could take for a
formula also gets Excel's quote prefix; characters XML 1.0 cannot carry (U+FFFE, U+FFFF, lone
surrogates) become U+FFFD and C0 controls are escaped the way Excel does (`_x0001_`); numbers
Excel cannot store (NaN, infinity) are written as text. No openpyxl here.
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from importer.dominio.texto import xml_clean

if TYPE_CHECKING:
    from openpyxl import Workbook

AUTHOR = "tf-import"
NOTE_SIZE = (300, 90)  # width, height
MAX_CELL_TEXT = 32767  # Excel's limit per cell
MAX_LINKS = 65_530  # Excel's limit of hyperlinks per worksheet; read at write time (tests lower it)
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# Characters XML cannot carry and literal `_xHHHH_` runs, escaped the way Excel does.
XML_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9A-Fa-f]{4}_")


class Cell(NamedTuple):
    """A value with a style id (from `Sheet.style`), and optionally a hyperlink or a note.

    A `link` starting with `#` goes to a cell of the workbook (`#'Resultados'!F12`); any other is a
    relative or absolute URL. A `None` value with a style or a note is an empty cell that shows them
    (a required input left empty, marked as faulty).
    """

    value: object
    style: int = 0
    link: str = ""
    note: str = ""


class Formula(NamedTuple):
    """A formula the tool itself builds (the `SUBTOTAL` footers), never text from a user.

    `text` has no leading `=`; `cached` is its value at writing time, stored beside it by the fast
    writer so that readers that do not calculate (pandas, calamine) see the figure too.
    """

    text: str
    cached: Decimal | None = None


def _escape(match: re.Match[str]) -> str:
    found = match.group(0)
    return f"_x{ord(found):04X}_" if len(found) == 1 else "_x005F" + found


def excel_escaped(text: str) -> str:
    """`text` with what XML cannot carry replaced or escaped the Excel way (not XML-escaped)."""
    text = xml_clean(text)
    return XML_ESCAPE.sub(_escape, text) if XML_ESCAPE.search(text) else text


def safe_text(value: str) -> tuple[str, bool]:
    """Text Excel stores verbatim, and whether it needs the quote prefix (it looks like a formula)."""
    text = excel_escaped(value[:MAX_CELL_TEXT])
    if text.isspace():  # XML writers may drop blank-only text; escaped, it survives
        text = "".join(f"_x{ord(ch):04X}_" for ch in text)
    return text, value.startswith(FORMULA_LEADS) or value in ERROR_VALUES


def number_text(value: object) -> str | None:
    """The `<v>` of a number, or None when Excel cannot store it (NaN, infinity)."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    return repr(number) if math.isfinite(number) else None


class Sheet(Protocol):
    """A sheet rows are appended to; `worksheet` is the openpyxl sheet for layout (widths, panes)."""

    @property
    def worksheet(self) -> Any: ...  # an openpyxl write-only sheet (openpyxl ships no types)

    def style(self, **attributes: object) -> int:
        """A style id for these openpyxl cell attributes (font, fill, number_format, alignment)."""
        ...

    def append(self, row: list[object]) -> None: ...


class Book(Protocol):
    """A workbook being built: sheets are added in order, then it is saved once, or discarded."""

    @property
    def workbook(self) -> Workbook: ...

    def add_sheet(self, title: str) -> Sheet: ...

    def save(self, path: Path) -> None: ...

    def discard(self) -> None:
        """Let go of a workbook that will not be saved (its temporary files)."""
        ...
