"""Reading a planilla safely: one `.xlsx` sheet (or a `.csv`) into a DataFrame of raw cells.

Cells are kept as Excel typed them (text, numbers, dates); parsing Argentine numbers, dates and
codes is the validator's job, which quotes the raw cell in its messages. Everything a hostile or
broken file can do (zip bombs, XML entities, huge cells, millions of rows, a renamed Word file, an
encrypted workbook) ends in a `PlanillaError` with one Spanish line that names the file.
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
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml
import pandas as pd
from defusedxml import DefusedXmlException
from openpyxl.utils import get_column_letter

from importer.columns import NAMES, OUTPUT_COLUMNS, REQUIRED_NAMES
from importer.problems import PlanillaError

logger = logging.getLogger(__name__)

MAX_ROWS = 100_000  # data rows per planilla (documented limit)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024  # declared size of all the parts of an .xlsx
MAX_COMPRESSION_RATIO = 100  # real workbooks compress about 10:1; bombs about 1000:1
RATIO_CHECK_MIN_BYTES = 16 * 1024 * 1024  # tiny archives may compress well and harm nobody
MAX_ZIP_MEMBERS = 10_000
HEADER_SEARCH_ROWS = 20  # how far down a misplaced header row is looked for
XML_PROLOG_BYTES = 64 * 1024  # a DTD can only sit in the prolog, before the first element

ENGINES = ("calamine", "openpyxl")
FECHA_SIMULADA_PROPERTY = "tf_import_fecha_simulada"
NON_DATA_SHEETS = frozenset({"listas", "instrucciones"})
RESULTS_SHEET = "resultados"
DATA_SHEET = "comprobantes"

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
_KNOWN_COLUMNS = frozenset(NAMES) | frozenset(OUTPUT_COLUMNS)
_NAN = float("nan")
# What reading a damaged member can raise (RuntimeError: an encrypted member).
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError)


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
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        raw = pd.DataFrame(rows, index=line_numbers, dtype=object).replace("", _NAN)
        planilla = _build(path, name, raw, sha, None, max_rows)
        assert planilla is not None
        return planilla
    _check_signature(name, data)
    with _open_zip(name, data) as archive:
        _check_archive(name, archive)
        sheets = _data_sheets(name, archive)
        fecha = _fecha_simulada(name, archive)

    def build(sheet: str, *, needs_estado: bool = False) -> Planilla | None:
        raw = _read_sheet(name, data, sheet, engine, max_rows)
        return _build(path, sheet, raw, sha, fecha, max_rows, needs_estado=needs_estado)

    # Several data sheets: a results workbook fed back in (its Resultados sheet has `estado`),
    # else our Comprobantes sheet; anything else is ambiguous.
    by_key = {s.strip().lower(): s for s in sheets}
    candidates: list[tuple[str, bool]] = [(sheets[0], False)] if len(sheets) == 1 else []
    if not candidates and RESULTS_SHEET in by_key:
        candidates.append((by_key[RESULTS_SHEET], True))
    if len(sheets) > 1 and DATA_SHEET in by_key:
        candidates.append((by_key[DATA_SHEET], False))
    for sheet, needs_estado in candidates:
        planilla = build(sheet, needs_estado=needs_estado)
        if planilla is not None:
            return planilla
    listed = ", ".join(f"'{s}'" for s in sheets)
    raise PlanillaError(
        f"{name}: tiene varias hojas ({listed}) y no se sabe cuál leer: deje una sola hoja "
        "o llame 'Comprobantes' a la hoja con los datos."
    )


# --- the file -----------------------------------------------------------------------------------


def _kind_of(path: Path) -> str:
    name = path.name
    if not path.exists():
        raise PlanillaError(f"{name}: el archivo no existe ({path}).")
    if path.is_dir():
        raise PlanillaError(f"{name}: es una carpeta, no una planilla.")
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


def _check_signature(name: str, data: bytes) -> None:
    if data.startswith(_OLE_SIGNATURE):
        raise PlanillaError(
            f"{name}: no se puede leer: está protegido con contraseña o es un .xls antiguo "
            "renombrado; quite la contraseña y guárdelo como 'Libro de Excel (.xlsx)'."
        )
    if data.startswith(b"%PDF"):
        raise PlanillaError(f"{name}: no es una planilla de Excel sino un PDF con otra extensión.")
    if not data.startswith(_ZIP_SIGNATURE):
        raise PlanillaError(
            f"{name}: no es una planilla de Excel (.xlsx) válida; ¿es otro tipo de archivo "
            "con la extensión cambiada?"
        )


def _open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise PlanillaError(
            f"{name}: el archivo está dañado o no es una planilla de Excel (.xlsx)."
        ) from None


def _check_archive(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs from the declared sizes, before any parser decompresses anything."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise PlanillaError(
            f"{name}: el archivo tiene {len(infos)} partes internas; no parece una planilla "
            "normal y no se procesa."
        )
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > MAX_UNCOMPRESSED_BYTES or (
        total > RATIO_CHECK_MIN_BYTES and total / packed > MAX_COMPRESSION_RATIO
    ):
        raise PlanillaError(
            f"{name}: el archivo declara {_miles(total // 2**20)} MB descomprimidos "
            f"(compresión {_miles(total // packed)}:1); parece una 'bomba zip' y no se procesa."
        )
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names and _workbook_part(archive) is None:
        if "word/document.xml" in names:
            hint = "parece un documento de Word (.docx) con la extensión cambiada"
        elif "ppt/presentation.xml" in names:
            hint = "parece una presentación de PowerPoint con la extensión cambiada"
        else:
            hint = "el archivo comprimido no contiene un libro de Excel"
        raise PlanillaError(f"{name}: no es una planilla de Excel: {hint}.")
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")):
            try:
                with archive.open(info) as member:
                    head = member.read(XML_PROLOG_BYTES)
            except _ZIP_READ_ERRORS:
                raise PlanillaError(
                    f"{name}: el archivo está dañado ({info.filename} no se puede descomprimir)."
                ) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise PlanillaError(
                    f"{name}: contiene definiciones XML (DTD/entidades) que una planilla de "
                    f"Excel nunca usa ({info.filename}); no se procesa por seguridad."
                )


def _xml(name: str, archive: zipfile.ZipFile, part: str) -> Element | None:
    try:
        raw = archive.read(part)
    except KeyError:
        return None
    except _ZIP_READ_ERRORS:
        raise PlanillaError(f"{name}: el archivo está dañado ({part} no se puede descomprimir).") from None
    try:
        return safe_xml.fromstring(raw)
    except DefusedXmlException:
        raise PlanillaError(
            f"{name}: contiene entidades XML no permitidas ({part}); no se procesa por seguridad."
        ) from None
    except ParseError:
        raise PlanillaError(f"{name}: el archivo está dañado ({part} no es XML válido).") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Element, local_name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == local_name:
            return value
    return None


def _relationships(name: str, archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target) of a `.rels` part."""
    root = _xml(name, archive, part)
    if root is None:
        return {}
    return {
        rel.get("Id", ""): (rel.get("Type", ""), rel.get("Target", ""))
        for rel in root
        if _local(rel.tag) == "Relationship"
    }


def _workbook_part(archive: zipfile.ZipFile) -> str | None:
    try:
        root = safe_xml.fromstring(archive.read("_rels/.rels"))
    except Exception:  # noqa: BLE001 - any failure here means "no workbook"; reported by the caller
        return None
    for rel in root:
        if rel.get("Type", "").endswith("/officeDocument"):
            target = rel.get("Target", "").lstrip("/")
            return target if target in archive.namelist() else None
    return None


def _data_sheets(name: str, archive: zipfile.ZipFile) -> list[str]:
    """Visible worksheets that may hold data (not our Listas/Instrucciones, not chart sheets)."""
    part = _workbook_part(archive) or "xl/workbook.xml"
    root = _xml(name, archive, part)
    if root is None:
        raise PlanillaError(f"{name}: no es una planilla de Excel: falta el libro ({part}).")
    folder, _, base = part.rpartition("/")
    rels = _relationships(name, archive, f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
    sheets: list[str] = []
    for element in root.iter():
        if _local(element.tag) != "sheet":
            continue
        title = element.get("name", "")
        rel_type = rels.get(_attr(element, "id") or "", ("", ""))[0]
        if rel_type and not rel_type.endswith("/worksheet"):
            continue
        if element.get("state", "visible") != "visible" or title.strip().lower() in NON_DATA_SHEETS:
            continue
        sheets.append(title)
    if not sheets:
        raise PlanillaError(f"{name}: el libro no tiene ninguna hoja con datos.")
    return sheets


def _fecha_simulada(name: str, archive: zipfile.ZipFile) -> datetime.date | None:
    """The custom document property an example workbook carries (see the README's demo)."""
    part = "docProps/custom.xml"
    for rel_type, target in _relationships(name, archive, "_rels/.rels").values():
        if rel_type.endswith("/custom-properties"):
            part = target.lstrip("/")
    root = _xml(name, archive, part)
    if root is None:
        return None
    for prop in root:
        if prop.get("name") != FECHA_SIMULADA_PROPERTY:
            continue
        text = "".join(prop.itertext()).strip()
        try:
            return datetime.date.fromisoformat(text[:10])
        except ValueError:
            raise PlanillaError(
                f"{name}: la propiedad {FECHA_SIMULADA_PROPERTY} tiene una fecha inválida "
                f"({text!r}); se espera aaaa-mm-dd."
            ) from None
    return None


# --- the cells ----------------------------------------------------------------------------------


def _read_sheet(name: str, data: bytes, sheet: str, engine: str, max_rows: int) -> pd.DataFrame:
    """All rows of one sheet, header included, positional (row 0 = Excel row 1)."""
    engines = ENGINES if engine == "calamine" else (engine,)
    failure: Exception | None = None
    for current in engines:
        try:
            raw = pd.read_excel(
                io.BytesIO(data),
                sheet_name=sheet,
                engine=current,
                header=None,
                dtype=object,
                keep_default_na=False,
                na_values=[""],
                nrows=max_rows + 2,
            )
        except MemoryError:
            raise PlanillaError(f"{name}: la hoja '{sheet}' es demasiado grande para leerla.") from None
        except Exception as exc:  # noqa: BLE001 - any parser failure is reported in one line below
            logger.debug("engine %s could not read %s: %r", current, name, exc)
            failure = failure or exc
            continue
        if current != engine:
            logger.debug("read %s with %s after %s failed", name, current, engine)
        raw.index = range(1, len(raw) + 1)
        return raw
    raise PlanillaError(f"{name}: no se pudo leer la hoja '{sheet}': {_reason(failure)}")


def _reason(exc: BaseException | None) -> str:
    seen = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException) or "entit" in str(seen).lower():
            return "contiene entidades XML no permitidas; no se procesa por seguridad."
        seen = seen.__cause__ or seen.__context__
    detail = " ".join(str(exc).split())[:160] if exc is not None else ""
    return f"el archivo está dañado o no es un .xlsx válido ({type(exc).__name__}: {detail})."


def _csv_rows(name: str, data: bytes, max_rows: int) -> tuple[list[list[str]], list[int]]:
    """Records of a .csv as text, with the line number each record starts on."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for record in reader:
            rows.append(record)
            starts.append(start)
            start = reader.line_num + 1
            if len(rows) > max_rows + 1:
                break
    except csv.Error as exc:
        raise PlanillaError(
            f"{name}: no se pudo leer la línea {reader.line_num + 1} del CSV ({exc})."
        ) from None
    if "\0" in text[:4096]:
        raise PlanillaError(f"{name}: no es un archivo CSV de texto.")
    return rows, starts


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
    where = f"{name} (hoja '{hoja}')" if path.suffix.lower() != ".csv" else name
    header_cells = list(raw.iloc[0]) if len(raw) else []
    names = [normalize_header(v) if _filled(v) else "" for v in header_cells]
    if needs_estado and "estado" not in names:
        return None
    if raw.empty or not raw.notna().to_numpy().any():
        raise PlanillaError(f"{where}: está vacía; la fila 1 debe tener los nombres de las columnas.")
    if len(raw) - 1 > max_rows:
        raise PlanillaError(
            f"{where}: tiene más de {_miles(max_rows)} filas de datos, el máximo admitido; "
            "divídala en varias planillas."
        )
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
        raise PlanillaError(f"{where}: faltan columnas obligatorias en la fila 1: {', '.join(missing)}.")
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


def _miles(number: int) -> str:
    """12345 -> 12.345, as Argentine readers expect."""
    return f"{number:,}".replace(",", ".")


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
        raise PlanillaError(
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
                    f"{_miles(len(value))} caracteres; el máximo es {_miles(MAX_CELL_CHARS)}."
                )
        append(value)
    return out
