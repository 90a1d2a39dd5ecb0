"""Cell parsers: raw Excel cells (as read, `dtype=object`) to typed values, one column at a time.

Every parser is vectorised (pandas string ops, `pd.to_datetime`, `pd.to_numeric`) and never raises:
a cell that cannot be parsed becomes NA in `values` and gets a stable error code in `errors`, so a
typo in one cell never hides the problems of another cell of the same column (pandera's own
coercion would turn one bad cell into a failure of every check of the column).

Accepted input (interface.md §4):

- numbers: Excel numbers, or text `1234.56`, `1234,56`, `1.234,56` or `1,234.56`; surrounding
  spaces and a leading `$` are ignored. A lone separator followed by exactly three digits after
  one to three leading digits (`1.234`, `12,500`) reads as a thousands separator in Argentina and
  as a decimal point elsewhere: such text is rejected (`numero_ambiguo`) instead of guessed,
  because guessing wrong multiplies an amount by a thousand. `0.125` and `1234.567` are not
  ambiguous. Excel numbers never are.
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
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from importer.dominio.catalogs import Catalog
from importer.planilla import columns

# Error codes produced while parsing (stable; see mensajes.py for the messages).
TIPO_INVALIDO = "tipo_invalido"
NUMERO_INVALIDO = "numero_invalido"
NUMERO_AMBIGUO = "numero_ambiguo"
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
    "cotizacion": 4,
}
DIGITOS_ENTEROS_GENERAL = 15

# Cell classes, from the Python type of each raw cell (one dict look-up per cell).
_TEXT, _NUMBER, _BOOL, _DATE, _OTHER = "s", "n", "b", "d", "o"
_TYPE_CLASS: dict[type, str] = {
    str: _TEXT,
    int: _NUMBER,
    float: _NUMBER,
    np.int64: _NUMBER,
    np.float64: _NUMBER,
    bool: _BOOL,
    np.bool_: _BOOL,
    dt.datetime: _DATE,
    dt.date: _DATE,
    pd.Timestamp: _DATE,
}

_NUM = r"[+-]?"
_AMBIGUOUS = rf"{_NUM}[1-9][0-9]{{0,2}}[.,][0-9]{{3}}"
_PLAIN = rf"{_NUM}[0-9]+"
_DOT_DECIMAL = rf"{_NUM}[0-9]*\.[0-9]+"
_COMMA_DECIMAL = rf"{_NUM}[0-9]*,[0-9]+"
_AR_THOUSANDS = rf"{_NUM}[0-9]{{1,3}}(?:\.[0-9]{{3}})+(?:,[0-9]+)?"
_EN_THOUSANDS = rf"{_NUM}[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?"
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
        return self.values.isna() & self.errors.isna()

    @property
    def typed(self) -> pd.Series:
        """True where the user wrote something, valid or not."""
        return ~self.blank


def blank_mask(raw: pd.Series) -> pd.Series:
    """True where a cell is empty: NA, or text made only of spaces."""
    return _cells(raw)[1]


# Whole-column fast paths: most columns hold one kind of cell, which pandas can tell in one pass.
_INFERRED_CLASS = {
    "string": _TEXT,
    "integer": _NUMBER,
    "floating": _NUMBER,
    "mixed-integer-float": _NUMBER,
    "datetime": _DATE,
    "date": _DATE,
    "boolean": _BOOL,
}


def _cells(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(class of every cell, NA where empty; True where the cell is empty)."""
    missing = raw.isna()
    inferred = pd.api.types.infer_dtype(raw, skipna=True)
    if inferred == "empty":
        return pd.Series(None, index=raw.index, dtype=object), missing
    single = _INFERRED_CLASS.get(inferred)
    if single is not None:
        classes = pd.Series(single, index=raw.index, dtype=object).where(~missing)
    else:
        classes = raw.map(type).map(_TYPE_CLASS).where(~missing)
        unknown = classes.isna() & ~missing
        if unknown.any():  # subclasses (numpy scalars, datetime subclasses) are rare: one by one
            classes[unknown] = raw[unknown].map(_classify_slow)
    blank = missing.copy()
    text = classes.eq(_TEXT)
    if text.any():
        spaces = [value for value in pd.unique(raw[text]) if not value.strip()]
        if spaces:
            blank |= raw.isin(spaces) & text
    return classes, blank


def _classify_slow(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return _BOOL
    if isinstance(value, int | float | np.integer | np.floating):
        return _NUMBER
    if isinstance(value, dt.date):
        return _DATE
    if isinstance(value, str):
        return _TEXT
    return _OTHER


def _empty_errors(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NA, index=index, dtype=object)


def _number_text(value: object) -> str:
    """Excel numbers as Excel shows them: at most 15 significant digits, so 0.1 + 0.2 is 0.3."""
    if isinstance(value, int | np.integer) and (abs(int(value)) < 10**15 or abs(int(value)) > 10**300):
        return str(int(value))  # (the second case: no float holds it, and no reader makes one)
    # Beyond 15 digits an Excel number is a float even when a reader hands it over as an int.
    text = format(float(value), ".15g")
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def map_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`values.map(fn)` calling `fn` once per distinct value (columns repeat values a lot)."""
    table = {value: fn(value) for value in pd.unique(values)}
    return values.map(table)


def _all_blank(raw: pd.Series, dtype: str = "object") -> Parsed:
    """The parse of a column with nothing written (absent optional columns are common)."""
    values = pd.Series(pd.NaT if dtype.startswith("datetime") else np.nan, index=raw.index, dtype=dtype)
    text = pd.Series(pd.NA, index=raw.index, dtype=object) if dtype == "float64" else None
    return Parsed(values, _empty_errors(raw.index), text)


def parse_text(raw: pd.Series) -> Parsed:
    """Text as typed, trimmed. Numbers become their digits (a referencia typed as 125 is "125")."""
    classes, blank = _cells(raw)
    if blank.all():
        return _all_blank(raw)
    text = classes.eq(_TEXT) & ~blank
    values = raw.where(text).str.strip() if text.any() else pd.Series(np.nan, index=raw.index, dtype=object)
    values = values.astype(object)
    number = classes.eq(_NUMBER)
    if number.any():
        values[number] = map_unique(raw[number], _number_text)
    date = classes.eq(_DATE)
    if date.any():
        values[date] = raw[date].map(lambda v: v.strftime("%d/%m/%Y"))
    other = classes.isin([_BOOL, _OTHER]) & ~blank
    if other.any():
        values[other] = raw[other].map(str)
    return Parsed(values, _empty_errors(raw.index))


_SPACES_RE = re.compile(r"[\s\u00a0$]")
_AMBIGUOUS_RE = re.compile(_AMBIGUOUS)
_DECIMAL_FORMS = (  # (pattern, how to turn it into canonical decimal text)
    (re.compile(_PLAIN), lambda t: t),
    (re.compile(_DOT_DECIMAL), lambda t: t),
    (re.compile(_COMMA_DECIMAL), lambda t: t.replace(",", ".")),
    (re.compile(_AR_THOUSANDS), lambda t: t.replace(".", "").replace(",", ".")),
    (re.compile(_EN_THOUSANDS), lambda t: t.replace(",", "")),
)


def number_from_text(text: str) -> tuple[str | None, str | None]:
    """(canonical decimal text, None) or (None, error code) for a number typed as text."""
    t = _SPACES_RE.sub("", text)
    if _AMBIGUOUS_RE.fullmatch(t):
        return None, NUMERO_AMBIGUO
    for pattern, convert in _DECIMAL_FORMS:
        if pattern.fullmatch(t):
            return convert(t), None
    return None, NUMERO_INVALIDO


def _number_cell(value: object) -> tuple[str | None, str | None]:
    if isinstance(value, str):
        return number_from_text(value)
    if isinstance(value, int | np.integer):  # always finite; float() of a huge one would overflow
        return _number_text(value), None
    if not np.isfinite(float(value)):  # type: ignore[arg-type]
        return None, NUMERO_INVALIDO
    return _number_text(value), None


def parse_decimal(raw: pd.Series) -> Parsed:
    """Decimal numbers: float64 `values` for range checks, exact `text` for `Decimal`."""
    classes, blank = _cells(raw)
    if blank.all():
        return _all_blank(raw, "float64")
    canon = pd.Series(pd.NA, index=raw.index, dtype=object)
    errors = _empty_errors(raw.index)
    readable = classes.isin([_NUMBER, _TEXT]) & ~blank
    if readable.any():
        cells = raw[readable]
        numbers, codes = {}, {}
        for value in pd.unique(cells):
            numbers[value], codes[value] = _number_cell(value)
        canon[readable] = cells.map(numbers)
        errors[readable] = cells.map(codes)
    errors[classes.isin([_BOOL, _DATE, _OTHER]) & ~blank] = TIPO_INVALIDO
    canon = canon.where(canon.notna(), pd.NA)
    errors = errors.where(errors.notna(), pd.NA)
    values = pd.to_numeric(canon, errors="coerce").astype("float64")
    return Parsed(values, errors, canon)


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
    classes, blank = _cells(raw)
    if blank.all():
        return _all_blank(raw, "datetime64[us]")
    values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    errors = _empty_errors(raw.index)
    date = classes.eq(_DATE)
    if date.any():
        values[date] = _in_range(pd.to_datetime(raw[date], errors="coerce"))
    text = classes.eq(_TEXT) & ~blank
    if text.any():
        values[text] = _in_range(pd.to_datetime(map_unique(raw[text], date_from_text), errors="coerce"))
    values = values.dt.normalize()
    errors[~blank & values.isna()] = FECHA_INVALIDA
    return Parsed(values, errors)


def _in_range(values: pd.Series) -> pd.Series:
    values = values.astype("datetime64[us]")
    return values.where((values.dt.year >= 1900) & (values.dt.year <= 2100))


def parse_code(raw: pd.Series, catalog: Catalog) -> Parsed:
    """Catalog codes; each distinct value is looked up once (columns repeat a handful of values)."""
    _, blank = _cells(raw)
    if blank.all():
        return _all_blank(raw)
    values = pd.Series(np.nan, index=raw.index, dtype=object)
    errors = _empty_errors(raw.index)
    filled = raw[~blank]
    if len(filled):
        keys = filled.map(_code_key)
        table = {key: catalog.lookup(key) for key in pd.unique(keys)}
        found = keys.map(table)
        values[~blank] = found
        errors[found.index[found.isna()]] = VALOR_DESCONOCIDO
    return Parsed(values, errors)


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
    classes, blank = _cells(raw)
    if blank.all():
        return _all_blank(raw)
    values = pd.Series(np.nan, index=raw.index, dtype=object)
    text = (classes == _TEXT) & ~blank
    if text.any():
        trimmed = raw[text].str.strip()
        cleaned = trimmed.str.replace(r"[\s.\-]", "", regex=True)
        values[text] = cleaned.where(cleaned.str.isdigit(), trimmed)
    number = classes == _NUMBER
    if number.any():
        values[number] = raw[number].map(_document_number)
    other = classes.isin([_BOOL, _DATE, _OTHER]) & ~blank
    if other.any():
        values[other] = raw[other].map(str)
    return Parsed(values, _empty_errors(raw.index))


def _document_number(value: object) -> str:
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(number)


def display(value: object) -> str:
    """A raw cell the way a user recognises it in a message: dates dd/mm/aaaa, 5.0 as 5."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool | np.bool_):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int | float | np.integer | np.floating):
        return _number_text(value)
    return str(value).strip()


_PARSERS: dict[str, Callable[[pd.Series], Parsed]] = {
    columns.TEXT: parse_text,
    columns.DATE: parse_date,
    columns.DECIMAL: parse_decimal,
    columns.INTEGER: parse_integer,
    columns.DOCUMENT: parse_document,
}


def parse_column(spec: columns.ColumnSpec, raw: pd.Series) -> Parsed:
    """Parse one column of raw cells the way its spec says (kind and catalog)."""
    if spec.kind == columns.CODE:
        assert spec.catalog is not None
        return parse_code(raw, spec.catalog)
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
