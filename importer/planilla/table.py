"""From a sheet's cells to the planilla's table: the header row, column names, clean cells.

Row 1 names the columns (normalised: `Cliente Razón Social` is `cliente_razon_social`); a header
found further down, repeated columns or missing required ones are refused with one Spanish line.
Cells are trimmed (blank text is empty), longer than Excel allows is refused, and a number
formatted as a percentage in a percent column (`10%` in Excel holds 0.1) becomes the number shown.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from importer.dominio.problems import PlanillaError
from importer.planilla.column_spec import ColumnSpec
from importer.planilla.columnas_tributos import TRIBUTOS_BY_NAME, TRIBUTOS_NAMES, TRIBUTOS_REQUIRED
from importer.planilla.columns import BY_NAME, NAMES, OUTPUT_COLUMNS, REQUIRED_NAMES
from importer.planilla.grid import Grid, clean_column, filled
from importer.planilla.letras_columna import get_column_letter
from importer.planilla.sheet_reader import HEADER_SEARCH_ROWS
from importer.planilla.xlsx_extent import too_many_rows
from importer.planilla.xlsx_package import miles

MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
KNOWN_COLUMNS = frozenset(NAMES) | frozenset(OUTPUT_COLUMNS)


@dataclass(frozen=True)
class Esquema:
    """The columns one kind of sheet has: known names, required ones, and their specs. Output
    columns of a results workbook fed back in are known on every sheet (and ignored)."""

    names: tuple[str, ...]
    required: tuple[str, ...]
    by_name: Mapping[str, ColumnSpec]
    known: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "known", frozenset(self.names) | frozenset(OUTPUT_COLUMNS))


COMPROBANTES = Esquema(NAMES, REQUIRED_NAMES, BY_NAME)
TRIBUTOS = Esquema(TRIBUTOS_NAMES, TRIBUTOS_REQUIRED, TRIBUTOS_BY_NAME)


class SinDatos(PlanillaError):
    """The sheet holds no comprobantes: a hidden sheet may be the one the user meant."""


class SinFilas(SinDatos):
    """The sheet is empty, or has its header and no row below it (a blank template)."""


@dataclass(frozen=True)
class Tabla:
    datos: pd.DataFrame  # clean cells; index "fila" = Excel row; columns = normalised names
    letras: dict[str, str]
    extras: tuple[str, ...]
    encabezados_originales: dict[str, str]


def normalize_header(value: object) -> str:
    """`  Cliente Razón Social ` -> `cliente_razon_social`."""
    text = unicodedata.normalize("NFKD", str(value).strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", "_", text.lower())


def header_names(grid: Grid) -> list[str]:
    return [normalize_header(v) if filled(v) else "" for v in (grid.row(0) if len(grid) else [])]


def build_table(
    name: str,
    where: str,
    grid: Grid,
    max_rows: int,
    *,
    blank_place: str,
    percent: frozenset[tuple[int, int]] = frozenset(),
    esquema: Esquema = COMPROBANTES,
) -> Tabla:
    """Header checks, column names, clean cells, Excel row index (`name`: the file's; `where`: the
    file and sheet, for messages; `blank_place`: where rows were expected, for an empty table;
    `esquema`: the sheet's columns, `Comprobantes` unless told)."""
    known = esquema.known
    header_cells = grid.row(0) if len(grid) else []
    names = header_names(grid)
    if not len(grid) or not grid.any_filled():
        raise SinFilas(f"{where}: está vacía; la fila 1 debe tener los nombres de las columnas.")
    if not known.intersection(names):
        _complain_about_header_row(where, grid, known)
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    duplicates: dict[str, list[str]] = {}
    for position, (column, original) in enumerate(zip(names, header_cells, strict=True)):
        letter = get_column_letter(position + 1)
        if not column:
            if any(filled(v) for v in grid.columns[position][1:]):  # (raw "" is not filled either)
                column = f"columna_{letter.lower()}"
                original = ""
            else:
                continue
        if column in positions:
            duplicates.setdefault(column, [get_column_letter(positions[column] + 1)]).append(letter)
            continue
        positions[column] = position
        originals[column] = str(original) if filled(original) else ""
    if duplicates:
        listed = "; ".join(f"'{c}' (columnas {', '.join(ls)})" for c, ls in duplicates.items())
        raise PlanillaError(f"{where}: hay columnas repetidas en la fila 1: {listed}. Deje una sola de cada.")
    missing = [c for c in esquema.required if c not in positions]
    if missing:
        error = SinDatos if not known.intersection(names) else PlanillaError
        raise error(f"{where}: faltan columnas obligatorias en la fila 1: {', '.join(missing)}.")
    filas = grid.filas[1:]
    kept = [c for c in positions if c not in OUTPUT_COLUMNS]
    columns: dict[str, list[object]] = {}
    for column in kept:
        position = positions[column]
        letter = get_column_letter(position + 1)
        cells = _clean(where, column, letter, grid.columns[position][1:], filas)
        spec = esquema.by_name.get(column)
        if spec is not None and spec.porcentaje and percent:
            _as_shown(cells, filas, {row for row, col in percent if col == position + 1})
        columns[column] = cells
    datos = pd.DataFrame(columns, index=pd.Index(filas, name="fila", dtype="int64"), dtype=object)
    if len(datos.columns):
        filled_rows = datos.notna().any(axis=1)
        if not filled_rows.all():  # (a copy of the whole table only when some row is blank)
            datos = datos[filled_rows]
    datos.index = pd.Index(datos.index.to_numpy(dtype="int64"), name="fila")
    # Counted after blank rows are dropped: the limit is on data rows, the same for every reader.
    if len(datos) > max_rows:
        raise too_many_rows(where, max_rows)
    if datos.empty:
        raise SinFilas(
            f"{name}: no tiene filas con datos {blank_place}: no hay nada que revisar "
            "ni emitir (complete los comprobantes desde la fila 2)."
        )
    return Tabla(
        datos=datos,
        letras={c: get_column_letter(positions[c] + 1) for c in kept},
        extras=tuple(c for c in kept if c not in esquema.by_name),
        encabezados_originales={c: originals[c] for c in kept},
    )


def _complain_about_header_row(where: str, grid: Grid, known: frozenset[str]) -> None:
    """Row 1 has no known column: say where the header is, if it is further down."""
    for position in range(1, min(len(grid), HEADER_SEARCH_ROWS)):
        cells = {normalize_header(v) for v in grid.row(position) if filled(v)}
        if len(cells & known) >= 2:
            raise PlanillaError(
                f"{where}: los encabezados deben estar en la fila 1; se encontraron en la "
                f"fila {grid.filas[position]}. Borre las filas de arriba."
            )
    if not any(filled(v) for v in grid.row(0)):
        raise SinDatos(
            f"{where}: la fila 1 está vacía; debe tener los nombres de las columnas (use la plantilla de tf-import)."
        )


def _clean(where: str, column: str, letter: str, cells: list[object], filas: list[int]) -> list[object]:
    """Clean cells (`grid.clean_column`); refuse cells longer than Excel allows."""
    out = clean_column(cells)
    # A raw length bounds the trimmed one: measured with C-speed `map` where the column is all text.
    all_text = set(map(type, cells)) == {str}
    longest = max(map(len, cells), default=0) if all_text else _longest(out)  # type: ignore[arg-type]
    if longest > MAX_CELL_CHARS and _longest(out) > MAX_CELL_CHARS:
        position = next(i for i, v in enumerate(out) if type(v) is str and len(v) > MAX_CELL_CHARS)
        raise PlanillaError(
            f"{where}: la celda de la fila {filas[position]}, columna {letter} ({column}) tiene "
            f"{miles(len(out[position]))} caracteres; el máximo es {miles(MAX_CELL_CHARS)}."  # type: ignore[arg-type]
        )
    return out


def _longest(cells: list[object]) -> int:
    return max(map(len, [v for v in cells if type(v) is str]), default=0)


def _as_shown(cells: list[object], filas: list[int], percent_rows: set[int]) -> None:
    """Numbers Excel shows as percentages become the number shown: 0.105 → 10.5."""
    if not percent_rows:
        return
    for position, fila in enumerate(filas):
        value = cells[position]
        if fila in percent_rows and (type(value) is int or (type(value) is float and math.isfinite(value))):
            cells[position] = _times_100(value)


def _times_100(value: float | int) -> float | int:
    # On the number as Excel shows it (15 significant digits), so 0.07 is 7, never 7.000000000000001.
    exact = type(value) is int and abs(value) < 10**15
    shown = (Decimal(value) if exact else Decimal(format(float(value), ".15g"))).scaleb(2)
    return int(shown) if shown == shown.to_integral_value() else float(shown)
