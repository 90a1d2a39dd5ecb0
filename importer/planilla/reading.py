"""Reading a planilla safely: one `.xlsx` sheet (or a `.csv`) into a DataFrame of raw cells.

Cells are kept as Excel typed them (text, numbers, dates); parsing Argentine numbers, dates and
codes is the validator's job, which quotes the raw cell in its messages. Everything a hostile or
broken file can do (zip bombs, XML entities, huge cells, millions of rows, a value in the last cell
of the sheet, a FIFO, a renamed Word file, an encrypted workbook) ends in a `PlanillaError` with
one Spanish line that names the file. The package checks live in `xlsx_package`, the used-range
scan that keeps the Excel readers from exploding in `xlsx_extent`.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from importer.dominio.problems import PlanillaError
from importer.planilla.columns import NAMES, OUTPUT_COLUMNS, REQUIRED_NAMES
from importer.planilla.xlsx_extent import MAX_COLUMNS, check_extent, outside, too_many_rows
from importer.planilla.xlsx_package import (  # noqa: F401 - FECHA_SIMULADA_PROPERTY, XML_PROLOG_BYTES re-exported
    FECHA_SIMULADA_PROPERTY,
    XML_PROLOG_BYTES,
    Hoja,
    check_archive,
    check_signature,
    fecha_simulada,
    miles,
    open_zip,
    workbook_sheets,
)

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000  # data rows per planilla (documented limit)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 20  # how far down a misplaced header row is looked for

ENGINES = ("calamine", "openpyxl")
RESULTS_SHEET = "resultados"
DATA_SHEET = "comprobantes"

_KNOWN_COLUMNS = frozenset(NAMES) | frozenset(OUTPUT_COLUMNS)
_NAN = float("nan")


class _SinDatos(PlanillaError):
    """The visible sheets hold no comprobantes: a hidden sheet may be the one the user meant."""


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

    def letra(self, columna: str) -> str | None:
        return self.letras.get(columna)


def normalize_header(value: object) -> str:
    """`  Cliente Razón Social ` -> `cliente_razon_social`."""
    text = unicodedata.normalize("NFKD", str(value).strip())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", "_", text.lower())


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
        rows, line_numbers = _csv_rows(name, data, max_rows)
        raw = pd.DataFrame(rows, index=line_numbers, dtype=object).replace("", _NAN)
        planilla = _build(path, name, raw, sha, None, max_rows)
        assert planilla is not None
        return planilla
    check_signature(name, data)
    with open_zip(name, data) as archive:
        check_archive(name, archive)
        hojas, shared = workbook_sheets(name, archive)
        fecha = fecha_simulada(name, archive)
        reader = _SheetReader(name, data, archive, shared, engine, max_rows)
        visible = [h for h in hojas if not h.hidden]
        try:
            return _choose(path, visible, reader, sha, fecha, max_rows)
        except _SinDatos:
            hidden = _hidden_with_comprobantes([h for h in hojas if h.hidden], reader)
            if hidden is None:
                raise
            raise PlanillaError(
                f"{name}: la hoja '{hidden}' está oculta y es la que tiene los comprobantes: "
                "muéstrela en Excel (clic derecho sobre una pestaña → Mostrar) y vuelva a intentar."
            ) from None


def _choose(
    path: Path, sheets: list[Hoja], reader: _SheetReader, sha: str, fecha: datetime.date | None, max_rows: int
) -> Planilla:
    """Several data sheets: a results workbook fed back in (its Resultados sheet has `estado`),
    else our Comprobantes sheet; anything else is ambiguous."""
    name = path.name
    if not sheets:
        raise _SinDatos(f"{name}: el libro no tiene ninguna hoja visible con datos.")
    by_key = {h.title.strip().lower(): h for h in sheets}
    candidates: list[tuple[Hoja, bool]] = [(sheets[0], False)] if len(sheets) == 1 else []
    if not candidates and RESULTS_SHEET in by_key:
        candidates.append((by_key[RESULTS_SHEET], True))
    if len(sheets) > 1 and DATA_SHEET in by_key:
        candidates.append((by_key[DATA_SHEET], False))
    for hoja, needs_estado in candidates:
        raw = reader.read(hoja)
        planilla = _build(path, hoja.title, raw, sha, fecha, max_rows, needs_estado=needs_estado)
        if planilla is not None:
            return planilla
    listed = ", ".join(f"'{h.title}'" for h in sheets)
    raise _SinDatos(
        f"{name}: tiene varias hojas ({listed}) y no se sabe cuál leer: deje una sola hoja "
        "o llame 'Comprobantes' a la hoja con los datos."
    )


def _hidden_with_comprobantes(hidden: list[Hoja], reader: _SheetReader) -> str | None:
    """The first hidden sheet whose row 1 has our columns and that has rows below it."""
    for hoja in hidden:
        try:
            if reader.rows_with_values(hoja) < 2:
                continue
            header = reader.read(hoja, nrows=1)
        except PlanillaError:
            continue  # a broken hidden sheet is not the one to point at
        names = {normalize_header(v) for v in (header.iloc[0] if len(header) else ()) if _filled(v)}
        if len(names & _KNOWN_COLUMNS) >= 2:
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


# --- the cells ----------------------------------------------------------------------------------


class _SheetReader:
    """Reads sheets of one workbook with pandas, after the used-range scan said it is safe."""

    def __init__(
        self, name: str, data: bytes, archive: zipfile.ZipFile, shared: str | None, engine: str, max_rows: int
    ) -> None:
        self.name, self.data, self.archive, self.shared = name, data, archive, shared
        self.engine, self.max_rows = engine, max_rows
        # Room below the data for a header misplaced a few rows down (reported, not read).
        self.row_limit = max_rows + HEADER_SEARCH_ROWS
        self._scanned: dict[str, int] = {}
        self._unreadable: dict[str, dict[tuple[int, int], str]] = {}

    def rows_with_values(self, hoja: Hoja) -> int:
        if hoja.title not in self._scanned:
            where = f"{self.name} (hoja '{hoja.title}')"
            if hoja.part is None:
                raise PlanillaError(f"{where}: el archivo está dañado (no se encuentra la hoja en el libro).")
            self._scanned[hoja.title], self._unreadable[hoja.title] = check_extent(
                where, self.archive, hoja.part, self.shared, row_limit=self.row_limit, max_rows=self.max_rows
            )
        return self._scanned[hoja.title]

    def read(self, hoja: Hoja, nrows: int | None = None) -> pd.DataFrame:
        """All rows of one sheet, header included, positional (row 1 = Excel row 1)."""
        self.rows_with_values(hoja)
        where = f"{self.name} (hoja '{hoja.title}')"
        limit = self.row_limit if nrows is None else nrows
        engines = ENGINES if self.engine == "calamine" else (self.engine,)
        failure: Exception | None = None
        for current in engines:
            try:
                raw = pd.read_excel(
                    io.BytesIO(self.data),
                    sheet_name=hoja.title,
                    engine=current,
                    header=None,
                    dtype=object,
                    keep_default_na=False,
                    na_values=[""],
                    nrows=limit + 1,  # one more than allowed: a value there means the scan missed it
                )
            except MemoryError:
                raise PlanillaError(f"{where}: es demasiado grande para leerla.") from None
            except Exception as exc:  # noqa: BLE001 - any parser failure is reported in one line below
                logger.debug("engine %s could not read %s: %r", current, self.name, exc)
                failure = failure or exc
                continue
            if current != self.engine:
                logger.debug("read %s with %s after %s failed", self.name, current, self.engine)
            if nrows is None and (len(raw) > limit or raw.shape[1] > MAX_COLUMNS):
                far = f"{get_column_letter(min(raw.shape[1], 16384))}{len(raw)}"
                raise outside(where, far, self.row_limit)
            raw.index = range(1, len(raw) + 1)
            raw = raw.iloc[:limit]
            unreadable = self._unreadable.get(hoja.title, {})
            if unreadable:
                raw = raw.copy()
            for (row, column), shown in unreadable.items():
                if row <= len(raw) and column <= raw.shape[1]:
                    raw.iat[row - 1, column - 1] = shown
            return raw
        raise PlanillaError(f"{self.name}: no se pudo leer la hoja '{hoja.title}': {_reason(failure)}")


def _reason(exc: BaseException | None) -> str:
    seen = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException) or "entit" in str(seen).lower():
            return "contiene entidades XML no permitidas; no se procesa por seguridad."
        seen = seen.__cause__ or seen.__context__
    detail = " ".join(str(exc).split())[:160] if exc is not None else ""
    return f"el archivo está dañado o no es un .xlsx válido ({type(exc).__name__}: {detail})."


def _csv_rows(name: str, data: bytes, max_rows: int) -> tuple[list[list[str]], list[int]]:
    """Records of a .csv as text, with the line number each record starts on.

    Blank records after the first are skipped (a million empty lines cost nothing) and trailing
    empty fields are dropped (Excel pads every line with `;`); a value past `MAX_COLUMNS` is refused,
    like in an .xlsx.
    """
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\0" in text[:4096]:
        raise PlanillaError(f"{name}: no es un archivo CSV de texto.")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for record in reader:
            width = len(record)
            while width and not record[width - 1].strip():
                width -= 1
            if width > MAX_COLUMNS:
                raise PlanillaError(
                    f"{name}: la línea {start} tiene datos en la columna {miles(width)}; el máximo "
                    f"es {MAX_COLUMNS} columnas. Borre lo que sobra a la derecha."
                )
            if width or not rows:
                rows.append(record[:width])
                starts.append(start)
            start = reader.line_num + 1
            if len(rows) > max_rows + 1:
                break
    except csv.Error as exc:
        raise PlanillaError(
            f"{name}: no se pudo leer la línea {reader.line_num + 1} del CSV ({exc})."
        ) from None
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows], starts


def _build(
    path: Path,
    hoja: str,
    raw: pd.DataFrame,
    sha: str,
    fecha: datetime.date | None,
    max_rows: int,
    *,
    needs_estado: bool = False,
) -> Planilla | None:
    """Header checks, column names, clean cells, Excel row index. None: no `estado` when needed."""
    name = path.name
    is_csv = path.suffix.lower() == ".csv"
    where = name if is_csv else f"{name} (hoja '{hoja}')"
    header_cells = list(raw.iloc[0]) if len(raw) else []
    names = [normalize_header(v) if _filled(v) else "" for v in header_cells]
    if needs_estado and "estado" not in names:
        return None
    if raw.empty or not raw.notna().to_numpy().any():
        raise _SinDatos(f"{where}: está vacía; la fila 1 debe tener los nombres de las columnas.")
    if not _KNOWN_COLUMNS.intersection(names):
        _complain_about_header_row(where, raw)
    positions: dict[str, int] = {}
    originals: dict[str, str] = {}
    duplicates: dict[str, list[str]] = {}
    for position, (column, original) in enumerate(zip(names, header_cells, strict=True)):
        letter = get_column_letter(position + 1)
        if not column:
            if raw.iloc[1:, position].notna().any():
                column = f"columna_{letter.lower()}"
                original = ""
            else:
                continue
        if column in positions:
            duplicates.setdefault(column, [get_column_letter(positions[column] + 1)]).append(letter)
            continue
        positions[column] = position
        originals[column] = str(original) if _filled(original) else ""
    if duplicates:
        listed = "; ".join(f"'{c}' (columnas {', '.join(ls)})" for c, ls in duplicates.items())
        raise PlanillaError(f"{where}: hay columnas repetidas en la fila 1: {listed}. Deje una sola de cada.")
    missing = [c for c in REQUIRED_NAMES if c not in positions]
    if missing:
        error = _SinDatos if not _KNOWN_COLUMNS.intersection(names) else PlanillaError
        raise error(f"{where}: faltan columnas obligatorias en la fila 1: {', '.join(missing)}.")
    body = raw.iloc[1:]
    kept = [c for c in positions if c not in OUTPUT_COLUMNS]
    columns: dict[str, list[object]] = {}
    for column in kept:
        columns[column] = _clean(
            where, column, get_column_letter(positions[column] + 1), body.iloc[:, positions[column]]
        )
    datos = pd.DataFrame(columns, index=pd.Index(body.index, name="fila", dtype="int64"), dtype=object)
    datos = datos[datos.notna().any(axis=1)] if len(datos.columns) else datos
    datos.index = pd.Index(datos.index.to_numpy(dtype="int64"), name="fila")
    # Counted after blank rows are dropped: the limit is on data rows, the same for every reader.
    if len(datos) > max_rows:
        raise too_many_rows(where, max_rows)
    if datos.empty:
        place = "debajo de los encabezados" if is_csv else f"en la hoja '{hoja}'"
        raise _SinDatos(
            f"{name}: no tiene filas con datos {place}: no hay nada que revisar ni emitir "
            "(complete los comprobantes desde la fila 2)."
        )
    return Planilla(
        path=path,
        hoja=hoja,
        datos=datos,
        letras={c: get_column_letter(positions[c] + 1) for c in kept},
        extras=tuple(c for c in kept if c not in NAMES),
        sha256=sha,
        fecha_simulada=fecha,
        encabezados_originales={c: originals[c] for c in kept},
    )


def _filled(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return not (isinstance(value, str) and not value.strip())


def _complain_about_header_row(where: str, raw: pd.DataFrame) -> None:
    """Row 1 has no known column: say where the header is, if it is further down."""
    for position in range(1, min(len(raw), HEADER_SEARCH_ROWS)):
        cells = {normalize_header(v) for v in raw.iloc[position] if _filled(v)}
        if len(cells & _KNOWN_COLUMNS) >= 2:
            raise PlanillaError(
                f"{where}: los encabezados deben estar en la fila 1; se encontraron en la "
                f"fila {raw.index[position]}. Borre las filas de arriba."
            )
    if not any(_filled(v) for v in raw.iloc[0]):
        raise _SinDatos(
            f"{where}: la fila 1 está vacía; debe tener los nombres de las columnas "
            "(use la plantilla de tf-import)."
        )


def _clean(where: str, column: str, letter: str, cells: pd.Series) -> list[object]:
    """Strip text, turn blank text into NaN, refuse cells longer than Excel allows."""
    out: list[object] = []
    append = out.append
    for value in cells.to_numpy():
        if type(value) is str:
            value = value.strip()
            if not value:
                value = _NAN
            elif len(value) > MAX_CELL_CHARS:
                fila = cells.index[len(out)]
                raise PlanillaError(
                    f"{where}: la celda de la fila {fila}, columna {letter} ({column}) tiene "
                    f"{miles(len(value))} caracteres; el máximo es {miles(MAX_CELL_CHARS)}."
                )
        append(value)
    return out
