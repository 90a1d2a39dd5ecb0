"""Cell parsers: raw Excel cells (as read, `dtype=object`) to typed values, one column at a time.

Every parser is vectorised (pandas string ops, `pd.to_datetime`, `pd.to_numeric`) and never raises:
a cell that cannot be parsed becomes NA in `values` and gets a stable error code in `errors`, so a
typo in one cell never hides the problems of another cell of the same column (pandera's own
coercion would turn one bad cell into a failure of every check of the column).

Accepted input (interface.md §4):

- numbers: Excel numbers, or text in the grammar of `importer.dominio.numeros` (`1234.56`,
  `1.234,56`, `1,234.56`; `1.234` is ambiguous and refused). Excel numbers never are ambiguous.
  In a percent column (`ColumnSpec.porcentaje`) text may end in `%` (`10,5 %` is 10.5); a cell
  Excel shows as a percent has already been read as the number shown (see `reading`).
- dates: Excel dates or datetimes (the time is dropped), or text `dd/mm/aaaa`, `d/m/aaaa`,
  `dd-mm-aaaa`, `dd.mm.aaaa` or ISO `aaaa-mm-dd`; years 1900 to 2100.
- codes: anything the column's catalog `lookup` accepts (case, accents, names, numbers).
- number sizes: at most `DIGITOS_ENTEROS[column]` integer digits (AFIP's field sizes: amounts
  13+2, the rate 4+6), 15 for any other numeric column; more is `numero.fuera_de_rango`, so no
  value that could overflow a total or a float ever reaches a comprobante.
- documents: `importer.dominio.documentos.clean_document` semantics (dots, dashes and spaces removed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from importer.dominio.catalogs import Catalog
from importer.dominio.numeros import NUMERO_AMBIGUO, NUMERO_INVALIDO, number_from_text, sin_porcentaje
from importer.planilla import cell_kinds as kinds
from importer.planilla import columns
from importer.planilla.cell_kinds import blank_mask, cell_kinds, display, map_unique, number_text

# Re-exported: the codes and helpers of this stage, in one place for validation and messages.
__all__ = ["NUMERO_AMBIGUO", "NUMERO_INVALIDO", "blank_mask", "display", "map_unique", "number_from_text"]

# Error codes produced while parsing (stable; see mensajes.py for the messages).
TIPO_INVALIDO = "tipo_invalido"
NUMERO_NO_ENTERO = "numero_no_entero"
FECHA_INVALIDA = "fecha_invalida"
VALOR_DESCONOCIDO = "valor_desconocido"
FUERA_DE_RANGO = "numero.fuera_de_rango"

# Integer digits a numeric column admits (afip-rules.md, field sizes: amounts Double(13+2),
# MonCotiz 4+6). Other numeric columns have their own range rules; 15 digits only keeps them exact.
DIGITOS_ENTEROS = {
    "cantidad": 13,
    "precio_unitario": 13,
    "total_control": 13,
    "base_imponible": 13,
    "importe": 13,
    "cotizacion": 4,
}
DIGITOS_ENTEROS_GENERAL = 15

_DMY = r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})"
_ISO = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]00:00(?::00)?)?"


@dataclass(frozen=True)
class Parsed:
    """One parsed column.

    `values`: typed values (str, float64 or datetime64), NA where the cell is empty or invalid.
    `errors`: the error code of every non-empty cell that could not be parsed, NA elsewhere.
    `text`: for numbers, the exact decimal text of each value (`Decimal(text)` is exact).
    """

    values: pd.Series
    errors: pd.Series
    text: pd.Series | None = None

    @property
    def blank(self) -> pd.Series:
        """True where the cell was empty (no value and nothing unparseable)."""
        return self._blank.copy()  # a copy: callers may change theirs

    @property
    def typed(self) -> pd.Series:
        """True where the user wrote something, valid or not."""
        return ~self._blank

    @cached_property
    def _blank(self) -> pd.Series:
        # Asked for several times per column; `isna` on 100,000 object cells is not free.
        return self.values.isna() & self.errors.isna()


def _empty_errors(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype=object)


def _all_blank(raw: pd.Series, dtype: str = "object") -> Parsed:
    """The parse of a column with nothing written (absent optional columns are common)."""
    values = pd.Series(pd.NaT if dtype.startswith("datetime") else np.nan, index=raw.index, dtype=dtype)
    text = pd.Series(pd.NA, index=raw.index, dtype=object) if dtype == "float64" else None
    return Parsed(values, _empty_errors(raw.index), text)


def parse_text(raw: pd.Series) -> Parsed:
    """Text as typed, trimmed. Numbers become their digits (a referencia typed as 125 is "125")."""
    classes, blank = cell_kinds(raw)
    if blank.all():
        return _all_blank(raw)
    text = (classes.eq(kinds.TEXT) & ~blank).to_numpy(dtype=bool)
    trimmed = np.full(len(raw), np.nan, dtype=object)
    if text.any():
        # Each distinct text is trimmed once; the rows take theirs by code.
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object)[text])
        trimmed[text] = np.array([value.strip() for value in uniques], dtype=object)[codes]
    values = pd.Series(trimmed, index=raw.index, dtype=object)
    number = classes.eq(kinds.NUMBER)
    if number.any():
        values[number] = map_unique(raw[number], number_text)
    date = classes.eq(kinds.DATE)
    if date.any():
        values[date] = raw[date].map(lambda v: v.strftime("%d/%m/%Y"))
    other = classes.isin([kinds.BOOL, kinds.OTHER]) & ~blank
    if other.any():
        values[other] = raw[other].map(str)
    return Parsed(values, _empty_errors(raw.index))


def _number_cell(value: str | kinds.Number, porcentaje: bool = False) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        return number_from_text(value, porcentaje=porcentaje)
    if isinstance(value, int | np.integer):  # always finite; float() of a huge one would overflow
        return number_text(value), None
    if not math.isfinite(float(value)):
        return None, NUMERO_INVALIDO
    return number_text(value), None


def _as_float(text: str | None) -> float:
    try:
        return float(text) if text is not None else np.nan
    except ValueError:  # (never for a canonical number; NA as `pd.to_numeric(errors="coerce")` gave)
        return np.nan


def parse_decimal(raw: pd.Series, *, porcentaje: bool = False) -> Parsed:
    """Decimal numbers: float64 `values` for range checks, exact `text` for `Decimal`.

    `porcentaje`: text may end in `%` (`10 %` is 10)."""
    classes, blank = cell_kinds(raw)
    if blank.all():
        return _all_blank(raw, "float64")
    size = len(raw)
    canon = np.full(size, pd.NA, dtype=object)
    errors = np.full(size, pd.NA, dtype=object)
    values = np.full(size, np.nan)
    readable = (classes.isin([kinds.NUMBER, kinds.TEXT]) & ~blank).to_numpy(dtype=bool)
    if readable.any():
        # Each distinct cell is read once (columns repeat values); rows take theirs by code.
        where = np.flatnonzero(readable)
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object)[where])
        read = [_number_cell(value, porcentaje) for value in uniques]
        canon[where] = np.array([pd.NA if c is None else c for c, _ in read], dtype=object)[codes]
        errors[where] = np.array([pd.NA if e is None else e for _, e in read], dtype=object)[codes]
        values[where] = np.array([_as_float(c) for c, _ in read], dtype="float64")[codes]
    unreadable = (classes.isin([kinds.BOOL, kinds.DATE, kinds.OTHER]) & ~blank).to_numpy(dtype=bool)
    errors[unreadable] = TIPO_INVALIDO
    index = raw.index
    return Parsed(
        pd.Series(values, index=index, dtype="float64"),
        pd.Series(errors, index=index, dtype=object),
        pd.Series(canon, index=index, dtype=object),
    )


def parse_integer(raw: pd.Series) -> Parsed:
    """Whole numbers (punto de venta, número): a decimal part other than zero is an error."""
    parsed = parse_decimal(raw)
    values, errors = parsed.values.copy(), parsed.errors.copy()
    fractional = values.notna() & (values != np.floor(values))
    errors[fractional] = NUMERO_NO_ENTERO
    values[fractional] = np.nan
    return Parsed(values, errors, parsed.text)


_DMY_RE = re.compile(_DMY)
_ISO_RE = re.compile(_ISO)


def date_from_text(text: str) -> dt.date | None:
    """`dd/mm/aaaa` (also `d/m/aaaa`, `dd-mm-aaaa`, `dd.mm.aaaa`) or ISO `aaaa-mm-dd`; None if invalid."""
    text = text.strip()
    match = _DMY_RE.fullmatch(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_RE.fullmatch(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(raw: pd.Series) -> Parsed:
    """Dates (day first), normalised to midnight; anything else is `fecha_invalida`."""
    classes, blank = cell_kinds(raw)
    if blank.all():
        return _all_blank(raw, "datetime64[us]")
    values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    errors = _empty_errors(raw.index)
    date = classes.eq(kinds.DATE)
    if date.any():
        values[date] = _in_range(pd.to_datetime(raw[date], errors="coerce"))
    text = classes.eq(kinds.TEXT) & ~blank
    if text.any():
        values[text] = _in_range(pd.to_datetime(map_unique(raw[text], date_from_text), errors="coerce"))
    values = values.dt.normalize()
    errors[~blank & values.isna()] = FECHA_INVALIDA
    return Parsed(values, errors)


def _in_range(values: pd.Series) -> pd.Series:
    values = values.astype("datetime64[us]")
    return values.where((values.dt.year >= 1900) & (values.dt.year <= 2100))


def parse_code(raw: pd.Series, catalog: Catalog, *, porcentaje: bool = False) -> Parsed:
    """Catalog codes; each distinct value is looked up once (columns repeat a handful of values).

    `porcentaje`: text may end in `%` (`27 %` is 27)."""
    _, blank = cell_kinds(raw)
    if blank.all():
        return _all_blank(raw)
    values = pd.Series(np.nan, index=raw.index, dtype=object)
    errors = _empty_errors(raw.index)
    filled = raw[~blank]
    if len(filled):
        # Text only: each distinct cell is its own key (no True == 1 == 1.0 to keep apart).
        keys = filled if pd.api.types.infer_dtype(filled) == "string" else filled.map(_code_key)
        table = {key: _lookup(catalog, _code_key(key), porcentaje) for key in pd.unique(keys)}
        found = keys.map(table)
        values[~blank] = found
        errors[found.index[found.isna()]] = VALOR_DESCONOCIDO
    return Parsed(values, errors)


def _lookup(catalog: Catalog, key: object, porcentaje: bool) -> str | None:
    found = catalog.lookup(key)
    if found is None and porcentaje and isinstance(key, str):
        found = catalog.lookup(sin_porcentaje(key))
    return found


def _code_key(value: object) -> object:
    """A hashable, lookup-ready key: numbers stay numbers (the catalog knows 7.0 is "7")."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, int | float):
        return value
    return str(value)


def parse_document(raw: pd.Series) -> Parsed:
    """Document numbers, vectorised `clean_document`: digits without dots, dashes and spaces.

    Text that keeps other characters is returned trimmed, so validation can point at it.
    """
    classes, blank = cell_kinds(raw)
    if blank.all():
        return _all_blank(raw)
    values = pd.Series(np.nan, index=raw.index, dtype=object)
    text = (classes == kinds.TEXT) & ~blank
    if text.any():
        trimmed = raw[text].str.strip()
        cleaned = trimmed.str.replace(r"[\s.\-]", "", regex=True)
        values[text] = cleaned.where(cleaned.str.isdigit(), trimmed)
    number = classes == kinds.NUMBER
    if number.any():
        values[number] = raw[number].map(_document_number)
    other = classes.isin([kinds.BOOL, kinds.DATE, kinds.OTHER]) & ~blank
    if other.any():
        values[other] = raw[other].map(str)
    return Parsed(values, _empty_errors(raw.index))


def _document_number(value: object) -> str:
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(number)


_PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    columns.TEXT: parse_text,
    columns.DATE: parse_date,
    columns.DECIMAL: parse_decimal,
    columns.INTEGER: parse_integer,
    columns.DOCUMENT: parse_document,
}


def parse_column(spec: columns.ColumnSpec, raw: pd.Series) -> Parsed:
    """Parse one column of raw cells the way its spec says (kind and catalog)."""
    if spec.kind == columns.CODE and spec.catalog is not None:
        return parse_code(raw, spec.catalog, porcentaje=spec.porcentaje)
    if spec.kind == columns.DECIMAL:
        parsed = parse_decimal(raw, porcentaje=spec.porcentaje)
    else:
        parsed = _PARSERS[spec.kind](raw)
    if spec.kind in (columns.DECIMAL, columns.INTEGER):
        return _within(parsed, DIGITOS_ENTEROS.get(spec.name, DIGITOS_ENTEROS_GENERAL))
    return parsed


def _within(parsed: Parsed, digits: int) -> Parsed:
    """Numbers with more than `digits` integer digits become `FUERA_DE_RANGO` (read on the exact text,
    so 9999999999999.999 is in and 10000000000000 out, whatever floats would round to)."""
    near = parsed.values.abs().ge(10.0**digits * 0.999).to_numpy()  # only these need the exact text
    if parsed.text is None or not near.any():
        return parsed
    exact = parsed.text[near].map(lambda t: len(str(t).lstrip("+-").lstrip("0").split(".")[0]) > digits)
    too_big = exact.reindex(parsed.values.index, fill_value=False).astype(bool)
    if not too_big.any():
        return parsed
    values, errors = parsed.values.copy(), parsed.errors.copy()
    values[too_big] = np.nan
    errors[too_big] = FUERA_DE_RANGO
    return Parsed(values, errors, parsed.text)


def with_default(spec: columns.ColumnSpec, parsed: Parsed) -> pd.Series:
    """Parsed values with the column's documented default in empty cells."""
    if spec.default is None:
        return parsed.values
    default = spec.catalog.lookup(spec.default) if spec.catalog is not None else spec.default
    return parsed.values.mask(parsed.blank, default)
