"""Reading a planilla safely: one `.xlsx` sheet (or a `.csv`) into a DataFrame of raw cells.

Cells are kept as Excel shows them (text, numbers, dates; a percent cell as the percentage shown);
parsing Argentine numbers, dates and codes is the validator's job, which quotes the raw cell in its
messages. Everything a hostile or broken file can do (zip bombs, XML entities, huge cells, millions
of rows, a value in the last cell of the sheet, a FIFO, a renamed Word file, an encrypted workbook)
ends in a `PlanillaError` with one Spanish line that names the file.

The stages, one module each: the package checks (`xlsx_package`), the percent styles
(`xlsx_styles`), the used-range scan that keeps the Excel readers from exploding (`xlsx_extent`),
the cells (`sheet_reader`, `csv_reader`, into a `grid.Grid`), and the header and clean cells
(`table`). This module picks the sheet and puts the `Planilla` together.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from importer.dominio.problems import PlanillaError
from importer.planilla.columnas_tributos import TRIBUTOS_SHEET
from importer.planilla.csv_reader import read_csv
from importer.planilla.memoria import release_freed_memory
from importer.planilla.sheet_reader import ENGINES, HEADER_SEARCH_ROWS, SheetReader
from importer.planilla.table import (  # noqa: F401 - MAX_CELL_CHARS, normalize_header re-exported
    KNOWN_COLUMNS,
    MAX_CELL_CHARS,
    TRIBUTOS,
    SinDatos,
    SinFilas,
    build_table,
    header_names,
    normalize_header,
)
from importer.planilla.xlsx_package import (  # noqa: F401 - FECHA_SIMULADA_PROPERTY, XML_PROLOG_BYTES re-exported
    FECHA_SIMULADA_PROPERTY,
    XML_PROLOG_BYTES,
    Hoja,
    check_archive,
    check_signature,
    fecha_simulada,
    open_zip,
    workbook_sheets,
)
from importer.planilla.xlsx_styles import percent_styles

__all__ = ["ENGINES", "HEADER_SEARCH_ROWS", "Planilla", "read_planilla"]

MAX_ROWS = 100_000  # data rows per planilla (documented limit)
MAX_FILE_BYTES = 50 * 1024 * 1024

RESULTS_SHEET = "resultados"
DATA_SHEET = "comprobantes"


@dataclass(frozen=True, eq=False)
class HojaTributos:
    """The raw cells of the optional `Tributos` sheet (interface.md §8), read like `Comprobantes`."""

    hoja: str  # the sheet's title as written in the workbook
    datos: pd.DataFrame  # raw cells; index "fila" = Excel row number; columns = normalised names
    letras: dict[str, str]  # column name -> Excel column letter
    extras: tuple[str, ...]  # unknown columns (kept, never sent)
    encabezados_originales: dict[str, str]


@dataclass(frozen=True, eq=False)  # eq=False: comparing DataFrames with == is ambiguous
class Planilla:
    path: Path
    hoja: str  # sheet name that was read (the file name for a .csv)
    datos: pd.DataFrame  # raw cells; index "fila" = Excel row number; columns = normalised names
    letras: dict[str, str]  # column name -> Excel column letter ("A", "B", …, "AA")
    extras: tuple[str, ...]  # unknown columns (kept in `datos`, never sent)
    sha256: str  # of the file bytes
    fecha_simulada: datetime.date | None  # the date an example workbook is meant to be emitted on
    encabezados_originales: dict[str, str]  # normalised name -> header text as typed
    tributos: HojaTributos | None = None  # the perceptions sheet, when the workbook has one

    def letra(self, columna: str) -> str | None:
        return self.letras.get(columna)


def read_planilla(path: Path, *, engine: str = "calamine", max_rows: int = MAX_ROWS) -> Planilla:
    """Read one planilla (`.xlsx` or `.csv`); raise `PlanillaError` when it cannot be used."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    path = Path(path)
    name = path.name
    kind = _kind_of(path)
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    if kind == "csv":
        tabla = build_table(
            name, name, read_csv(name, data, max_rows), max_rows, blank_place="debajo de los encabezados"
        )
        return _planilla(path, name, tabla, sha, None)
    check_signature(name, data)
    try:
        return _read_workbook(path, data, sha, max_rows, engine)
    finally:
        release_freed_memory()


def _read_workbook(path: Path, data: bytes, sha: str, max_rows: int, engine: str) -> Planilla:
    name = path.name
    with open_zip(name, data) as archive:
        check_archive(name, archive)
        hojas, shared = workbook_sheets(name, archive)
        fecha = fecha_simulada(name, archive)
        reader = SheetReader(name, data, archive, shared, engine, max_rows, percent_styles(name, archive))
        # The Tributos sheet is never the comprobantes' one: it is read apart, whatever its
        # visibility (a hidden sheet of perceptions still holds amounts the totals must include).
        tributos = next((h for h in hojas if h.title.strip().lower() == TRIBUTOS_SHEET.lower()), None)
        otras = [h for h in hojas if h is not tributos]
        visible = [h for h in otras if not h.hidden]
        try:
            planilla = _choose(path, visible, reader, sha, fecha, max_rows)
        except SinDatos:
            hidden = _hidden_with_comprobantes([h for h in otras if h.hidden], reader)
            if hidden is None:
                raise
            raise PlanillaError(
                f"{name}: la hoja '{hidden}' está oculta y es la que tiene los comprobantes: "
                "muéstrela en Excel (clic derecho sobre una pestaña → Mostrar) y vuelva a intentar."
            ) from None
        if tributos is None:
            return planilla
        return replace(planilla, tributos=_read_tributos(name, tributos, reader, max_rows))


def _read_tributos(name: str, hoja: Hoja, reader: SheetReader, max_rows: int) -> HojaTributos | None:
    """The perceptions sheet, read like Comprobantes; None when it has no rows (the template's).

    A sheet named Tributos whose header is not ours is refused: emitting its comprobantes without
    the perceptions it may hold would leave them out of the invoices."""
    where = f"{name} (hoja '{hoja.title}')"
    try:
        tabla = build_table(
            name,
            where,
            reader.read(hoja),
            max_rows,
            blank_place=f"en la hoja '{hoja.title}'",
            percent=reader.percent_cells(hoja),
            esquema=TRIBUTOS,
        )
    except SinFilas:
        return None
    except SinDatos:
        raise PlanillaError(
            f"{where}: la fila 1 debe tener las columnas de las percepciones "
            f"({', '.join(TRIBUTOS.names)}); si la hoja no es de percepciones, cámbiele el nombre."
        ) from None
    return HojaTributos(
        hoja=hoja.title,
        datos=tabla.datos,
        letras=tabla.letras,
        extras=tabla.extras,
        encabezados_originales=tabla.encabezados_originales,
    )


def _planilla(path: Path, hoja: str, tabla, sha: str, fecha: datetime.date | None) -> Planilla:  # noqa: ANN001
    return Planilla(
        path=path,
        hoja=hoja,
        datos=tabla.datos,
        letras=tabla.letras,
        extras=tabla.extras,
        sha256=sha,
        fecha_simulada=fecha,
        encabezados_originales=tabla.encabezados_originales,
    )


def _choose(
    path: Path, sheets: list[Hoja], reader: SheetReader, sha: str, fecha: datetime.date | None, max_rows: int
) -> Planilla:
    """Several data sheets: a results workbook fed back in (its Resultados sheet has `estado`),
    else our Comprobantes sheet; anything else is ambiguous."""
    name = path.name
    if not sheets:
        raise SinDatos(f"{name}: el libro no tiene ninguna hoja visible con datos.")
    by_key = {h.title.strip().lower(): h for h in sheets}
    candidates: list[tuple[Hoja, bool]] = [(sheets[0], False)] if len(sheets) == 1 else []
    if not candidates and RESULTS_SHEET in by_key:
        candidates.append((by_key[RESULTS_SHEET], True))
    if len(sheets) > 1 and DATA_SHEET in by_key:
        candidates.append((by_key[DATA_SHEET], False))
    for hoja, needs_estado in candidates:
        grid = reader.read(hoja)
        if needs_estado and "estado" not in header_names(grid):
            continue
        where = f"{name} (hoja '{hoja.title}')"
        tabla = build_table(
            name,
            where,
            grid,
            max_rows,
            blank_place=f"en la hoja '{hoja.title}'",
            percent=reader.percent_cells(hoja),
        )
        return _planilla(path, hoja.title, tabla, sha, fecha)
    listed = ", ".join(f"'{h.title}'" for h in sheets)
    raise SinDatos(
        f"{name}: tiene varias hojas ({listed}) y no se sabe cuál leer: deje una sola hoja "
        "o llame 'Comprobantes' a la hoja con los datos."
    )


def _hidden_with_comprobantes(hidden: list[Hoja], reader: SheetReader) -> str | None:
    """The first hidden sheet whose row 1 has our columns and that has rows below it."""
    for hoja in hidden:
        try:
            if reader.rows_with_values(hoja) < 2:
                continue
            header = reader.read(hoja, nrows=1)
        except PlanillaError:
            continue  # a broken hidden sheet is not the one to point at
        names = {n for n in header_names(header) if n}
        if len(names & KNOWN_COLUMNS) >= 2:
            return hoja.title
    return None


# --- the file -----------------------------------------------------------------------------------


def _kind_of(path: Path) -> str:
    name = path.name
    if not path.exists():
        raise PlanillaError(f"{name}: el archivo no existe ({path}).")
    if path.is_dir():
        raise PlanillaError(f"{name}: es una carpeta, no una planilla.")
    if not path.is_file():  # a FIFO would block the read forever; a device never ends
        raise PlanillaError(
            f"{name}: no es un archivo común (es una tubería, un dispositivo o un socket); "
            "indique una planilla .xlsx o .csv guardada en el disco."
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".csv"):
        return suffix[1:]
    if suffix == ".xlsm":
        raise PlanillaError(
            f"{name}: los libros con macros (.xlsm) no se aceptan; guárdelo desde Excel "
            "como 'Libro de Excel (.xlsx)'."
        )
    if suffix == ".xls":
        raise PlanillaError(
            f"{name}: el formato .xls (Excel 97-2003) no se acepta; ábralo en Excel y "
            "guárdelo como 'Libro de Excel (.xlsx)'."
        )
    if suffix == ".ods":
        raise PlanillaError(f"{name}: las planillas OpenDocument (.ods) no se aceptan; guárdela como .xlsx.")
    raise PlanillaError(
        f"{name}: formato no admitido ('{suffix or 'sin extensión'}'); use una planilla "
        ".xlsx o un archivo .csv."
    )


def _read_bytes(path: Path) -> bytes:
    # Read once, up front: the checks, the hash and the parser all see the same bytes even if
    # the file changes or disappears while we work.
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PlanillaError(
                f"{name}: el archivo pesa {size / 2**20:.0f} MB; el máximo admitido es "
                f"{MAX_FILE_BYTES // 2**20} MB. Divídalo en varias planillas."
            )
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise PlanillaError(f"{name}: el archivo desapareció mientras se leía.") from None
    except PermissionError:
        raise PlanillaError(
            f"{name}: no se pudo abrir: no hay permiso o el archivo está abierto en otro "
            "programa (cierre Excel y vuelva a intentar)."
        ) from None
    except OSError as exc:
        raise PlanillaError(f"{name}: no se pudo leer el archivo ({exc.strerror or exc}).") from None
    if len(data) > MAX_FILE_BYTES:
        raise PlanillaError(f"{name}: el archivo supera el máximo admitido de {MAX_FILE_BYTES // 2**20} MB.")
    if not data:
        raise PlanillaError(f"{name}: el archivo está vacío (0 bytes).")
    return data
