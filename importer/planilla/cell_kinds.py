"""What kind of thing each raw cell is, and how a raw cell is shown to the user.

Readers hand over cells as Excel typed them (`dtype=object`): text, numbers, booleans, dates.
The parsers tell them apart a whole column at a time; messages show a cell the way the user
recognises it (dates dd/mm/aaaa, Excel numbers with at most 15 significant digits).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

# The cells of the NUMBER class (see `_TYPE_CLASS` and `_classify_slow`).
Number: TypeAlias = int | float | np.integer | np.floating

# Cell classes, from the Python type of each raw cell (one dict look-up per cell).
TEXT, NUMBER, BOOL, DATE, OTHER = "s", "n", "b", "d", "o"
_TYPE_CLASS: dict[type, str] = {
    str: TEXT,
    int: NUMBER,
    float: NUMBER,
    np.int64: NUMBER,
    np.float64: NUMBER,
    bool: BOOL,
    np.bool_: BOOL,
    dt.datetime: DATE,
    dt.date: DATE,
    pd.Timestamp: DATE,
}


def blank_mask(raw: pd.Series) -> pd.Series:
    """True where a cell is empty: NA, or text made only of spaces."""
    return cell_kinds(raw)[1]


# Whole-column fast paths: most columns hold one kind of cell, which pandas can tell in one pass.
_INFERRED_CLASS = {
    "string": TEXT,
    "integer": NUMBER,
    "floating": NUMBER,
    "mixed-integer-float": NUMBER,
    "datetime": DATE,
    "date": DATE,
    "boolean": BOOL,
}


def cell_kinds(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(class of every cell, NA where empty; True where the cell is empty)."""
    missing = raw.isna()
    inferred = pd.api.types.infer_dtype(raw, skipna=True)
    if inferred == "empty":
        return pd.Series(None, index=raw.index, dtype=object), missing
    single = _INFERRED_CLASS.get(inferred)
    if single is not None:
        classes = pd.Series(single, index=raw.index, dtype=object).where(~missing)
    else:
        # One dict look-up per cell in a plain loop: two pandas `map`s cost several times more.
        found = [_TYPE_CLASS.get(kind) for kind in map(type, raw.to_numpy(dtype=object))]
        classes = pd.Series(found, index=raw.index, dtype=object).where(~missing)
        unknown = classes.isna() & ~missing
        if unknown.any():  # subclasses (numpy scalars, datetime subclasses) are rare: one by one
            classes[unknown] = raw[unknown].map(_classify_slow)
    blank = missing.copy()
    text = classes.eq(TEXT)
    if text.any():
        spaces = [value for value in pd.unique(raw[text]) if not value.strip()]
        if spaces:
            blank |= raw.isin(spaces) & text
    return classes, blank


def _classify_slow(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return BOOL
    if isinstance(value, int | float | np.integer | np.floating):
        return NUMBER
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, str):
        return TEXT
    return OTHER


def number_text(value: Number) -> str:
    """Excel numbers as Excel shows them: at most 15 significant digits, so 0.1 + 0.2 is 0.3."""
    if isinstance(value, int | np.integer) and (abs(int(value)) < 10**15 or abs(int(value)) > 10**300):
        return str(int(value))  # (the second case: no float holds it, and no reader makes one)
    # Beyond 15 digits an Excel number is a float even when a reader hands it over as an int.
    text = format(float(value), ".15g")
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def map_unique(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """`values.map(fn)` calling `fn` once per distinct value (columns repeat values a lot).

    The rows take their result by integer code (`factorize`), not by hashing every cell again
    in a dict `map`; the results get the dtype `map` would give them."""
    if not len(values):
        return values.map({})
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    out = pd.Series([fn(value) for value in uniques]).take(codes)
    out.index = values.index
    out.name = values.name
    return out


def display(value: object) -> str:
    """A raw cell the way a user recognises it in a message: dates dd/mm/aaaa, 5.0 as 5."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool | np.bool_):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, int | float | np.integer | np.floating):
        return number_text(value)
    return str(value).strip()
