"""The cells of one sheet as the readers hand them over, before any header is looked at.

Cells follow pandas' Excel conventions, so every reader yields the same values: empty cells are
NaN, integral numbers `int`, dates `datetime`. A `Grid` is stored by column: validation works a
column at a time, and a column is one list however wide the sheet is.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

NAN = float("nan")


@dataclass
class Grid:
    filas: list[int]  # the Excel row (or CSV line) of every row
    columns: list[list[object]]  # columns[c][r]: the cell of row position r, column position c
    raw: bool = False  # cells still as python-calamine gives them: `clean_column` converts them

    @property
    def width(self) -> int:
        return len(self.columns)

    def __len__(self) -> int:
        return len(self.filas)

    def row(self, position: int) -> list[object]:
        """One row, converted (the header, rows searched for a misplaced header)."""
        cells = [column[position] for column in self.columns]
        return [convert(v) for v in cells] if self.raw else cells

    def any_filled(self) -> bool:
        return any(filled(value) for column in self.columns for value in column)

    def mutable(self, column: int) -> list[object]:
        if not isinstance(self.columns[column], list):
            self.columns[column] = list(self.columns[column])
        return self.columns[column]


def filled(value: object) -> bool:
    """Whether a raw cell holds something: not NaN/None, not only spaces."""
    if value is None or (type(value) is float and math.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def from_rows(rows: Sequence[Sequence[object]]) -> Grid:
    """A grid from rows as python-calamine returns them ("" for empty, floats for numbers, `date`)."""
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    columns: list[list[object]] = list(zip(*rows, strict=True)) if rows else []  # type: ignore[arg-type]
    return Grid(list(range(1, len(rows) + 1)), columns, raw=True)


def convert(value: object) -> object:
    """pandas' conversion of one calamine cell: "" → NaN, 5.0 → 5, date → datetime at midnight."""
    if type(value) is float:
        return int(value) if value.is_integer() else value
    if type(value) is str:
        return NAN if value == "" else value
    if type(value) is datetime.date:  # exactly `date`: a `datetime` is one too, and stays as it is
        return datetime.datetime(value.year, value.month, value.day)
    return value


def clean_column(cells: list[object] | tuple[object, ...]) -> list[object]:
    """Cells as pandas would give them, text trimmed and blank text NaN (one pass, by cell kinds)."""
    kinds = set(map(type, cells))
    # One object per distinct text: readers make a new string for every cell, and columns repeat
    # a few values on 100,000 rows (the table lives as long as the run: this is most of its memory).
    table: dict[str, str] = {}
    keep = table.setdefault
    if kinds <= {str}:
        texts = cast("list[str] | tuple[str, ...]", cells)  # every cell is exactly a `str`
        return [keep(text, text) if (text := value.strip()) else NAN for value in texts]
    if kinds <= {str, float}:
        # Every cell is exactly a `str` or a `float`, so `isinstance` tells them apart.
        mixed = cast("list[str | float] | tuple[str | float, ...]", cells)
        return [
            (keep(text, text) if (text := value.strip()) else NAN)
            if isinstance(value, str)
            else int(value)
            if value.is_integer()
            else value
            for value in mixed
        ]
    return [keep(value, value) if type(value) is str else value for value in map(_clean, cells)]


def _clean(value: object) -> object:
    value = convert(value)
    if type(value) is str:
        return value.strip() or NAN
    return value
