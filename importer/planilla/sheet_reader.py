"""The cells of one worksheet, read only after the used-range scan said it is safe.

calamine is read directly (python-calamine: no per-cell pandas conversion, the grid built a
column at a time); openpyxl goes through pandas, and is the fallback when calamine cannot read a
file. Both give the same `Grid`; the scan's findings are laid over it: cells Excel shows although
readers see nothing (errors, formulas without a value) and the cells shown as percentages.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Callable
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException

from importer.dominio.problems import PlanillaError
from importer.planilla.grid import Grid, from_rows
from importer.planilla.letras_columna import get_column_letter
from importer.planilla.xlsx_extent import MAX_COLUMNS, Extent, check_extent, outside
from importer.planilla.xlsx_package import Hoja

if TYPE_CHECKING:
    from python_calamine import CalamineSheet, CalamineWorkbook

logger = logging.getLogger(__name__)

ENGINES = ("calamine", "openpyxl")
HEADER_SEARCH_ROWS = 20  # how far down a misplaced header row is looked for


class SheetReader:
    """Reads sheets of one workbook."""

    def __init__(
        self,
        name: str,
        data: bytes,
        archive: zipfile.ZipFile,
        shared: str | None,
        engine: str,
        max_rows: int,
        percent_styles: frozenset[int] = frozenset(),
    ) -> None:
        self.name, self.data, self.archive, self.shared = name, data, archive, shared
        self.engine, self.max_rows, self.percent_styles = engine, max_rows, percent_styles
        # Room below the data for a header misplaced a few rows down (reported, not read).
        self.row_limit = max_rows + HEADER_SEARCH_ROWS
        self._extents: dict[str, Extent] = {}
        self._calamine: CalamineWorkbook | None = None  # opened on the first sheet read with calamine

    def extent(self, hoja: Hoja) -> Extent:
        if hoja.title not in self._extents:
            where = f"{self.name} (hoja '{hoja.title}')"
            if hoja.part is None:
                raise PlanillaError(f"{where}: el archivo está dañado (no se encuentra la hoja en el libro).")
            self._extents[hoja.title] = check_extent(
                where,
                self.archive,
                hoja.part,
                self.shared,
                row_limit=self.row_limit,
                max_rows=self.max_rows,
                percent_styles=self.percent_styles,
            )
        return self._extents[hoja.title]

    def rows_with_values(self, hoja: Hoja) -> int:
        return self.extent(hoja).rows_with_values

    def read(self, hoja: Hoja, nrows: int | None = None) -> Grid:
        """All rows of one sheet, header included, positional (row 1 = Excel row 1)."""
        extent = self.extent(hoja)
        where = f"{self.name} (hoja '{hoja.title}')"
        limit = self.row_limit if nrows is None else nrows
        engines = ENGINES if self.engine == "calamine" else (self.engine,)
        failure: Exception | None = None
        for current in engines:
            try:
                # One more row than allowed: a value there means the scan missed it.
                if current == "calamine":
                    grid = self._calamine_grid(hoja, limit + 1)
                else:
                    grid = _pandas_grid(self.data, hoja, limit + 1, current)
            except MemoryError:
                raise PlanillaError(f"{where}: es demasiado grande para leerla.") from None
            except Exception as exc:  # noqa: BLE001 - any parser failure is reported in one line below
                logger.debug("engine %s could not read %s: %r", current, self.name, exc)
                failure = failure or exc
                continue
            if current != self.engine:
                logger.debug("read %s with %s after %s failed", self.name, current, self.engine)
            if nrows is None and (len(grid) > limit or grid.width > MAX_COLUMNS):
                far = f"{get_column_letter(min(grid.width, 16384))}{len(grid)}"
                raise outside(where, far, self.row_limit)
            if len(grid) > limit:
                grid = Grid(grid.filas[:limit], [column[:limit] for column in grid.columns], grid.raw)
            _overlay(grid, extent.unreadable)
            return grid
        raise PlanillaError(f"{self.name}: no se pudo leer la hoja '{hoja.title}': {_reason(failure)}")

    def percent_cells(self, hoja: Hoja) -> frozenset[tuple[int, int]]:
        """(row, column), 1-based, of the cells whose format shows a percentage."""
        return self.extent(hoja).percent

    def _calamine_grid(self, hoja: Hoja, nrows: int) -> Grid:
        from python_calamine import CalamineWorkbook

        if self._calamine is None:
            self._calamine = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        sheet = self._calamine.get_sheet_by_name(hoja.title)
        grid = _deduplicated_grid(sheet, nrows)
        if grid is not None:
            return grid
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
        del sheet  # calamine's own copy of the cells: gone before the grid doubles them
        return from_rows(rows)


BATCH_ROWS = 4096


def _deduplicated_grid(sheet: CalamineSheet, nrows: int) -> Grid | None:
    """The grid `to_python(skip_empty_area=False)` gives, read a batch of rows at a time with one
    object per distinct text (columns repeat a few values on every row): the whole sheet as
    Python rows next to calamine's own copy was the peak memory of a run. None when the rows do
    not have the shape expected (the caller then reads the sheet at once, as before)."""
    if sheet.start is None or sheet.end is None:
        return None
    (top, left), (bottom, right) = sheet.start, sheet.end
    height, width = bottom + 1, right + 1
    if nrows < height:
        return None  # a few rows (a header): `to_python` reads only those
    columns: list[list[object]] = [[] for _ in range(width)]
    table: dict[object, object] = {}  # one table: cheaper than one per column
    keep = table.setdefault
    batch: list[list[object]] = []
    count = 0
    for row in sheet.iter_rows():
        # iter_rows starts at row 1 but at the first used column (python-calamine 0.9).
        cells: list[object] = list(row)
        if len(cells) == width - left:
            cells = [""] * left + cells
        elif len(cells) != width:
            return None
        batch.append(cells)
        count += 1
        if len(batch) == BATCH_ROWS:
            _extend(columns, keep, batch)
            batch = []
    _extend(columns, keep, batch)
    if count == height - top:  # started at the first used row instead
        columns = [[""] * top + column for column in columns]
        count = height
    if count != height:
        return None
    return Grid(list(range(1, height + 1)), columns, raw=True)


def _extend(
    columns: list[list[object]], keep: Callable[[object, object], object], batch: list[list[object]]
) -> None:
    for column, cells in zip(columns, zip(*batch, strict=True), strict=False):
        column.extend([keep(v, v) if type(v) is str else v for v in cells])


def _pandas_grid(data: bytes, hoja: Hoja, nrows: int, engine: str) -> Grid:
    import pandas as pd

    raw = pd.read_excel(
        io.BytesIO(data),
        sheet_name=hoja.title,
        engine=engine,
        header=None,
        dtype=object,
        keep_default_na=False,
        na_values=[""],
        nrows=nrows,
    )
    return Grid(list(range(1, len(raw) + 1)), [raw[c].tolist() for c in raw.columns])


def _overlay(grid: Grid, unreadable: dict[tuple[int, int], str]) -> None:
    """Cells every reader shows as empty get the text Excel shows (so they are validated)."""
    for (row, column), shown in unreadable.items():
        if row <= len(grid) and column <= grid.width:
            grid.mutable(column - 1)[row - 1] = shown


def _reason(exc: BaseException | None) -> str:
    seen = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException) or "entit" in str(seen).lower():
            return "contiene entidades XML no permitidas; no se procesa por seguridad."
        seen = seen.__cause__ or seen.__context__
    detail = " ".join(str(exc).split())[:160] if exc is not None else ""
    return f"el archivo está dañado o no es un .xlsx válido ({type(exc).__name__}: {detail})."
