"""Reading the values of a request the way TusFacturas does, and writing them back.

Numbers arrive as JSON numbers or as strings (`"punto_venta": "0003"` and `3` are the same);
nothing is trimmed, so `" 21"` is not a number. JSON is parsed with `parse_float=Decimal`, so no
amount ever passes through a float on the way in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

ARGENTINA = timezone(timedelta(hours=-3))
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
_INT_TEXT = re.compile(r"\d+")
_DATE_TEXT = re.compile(r"(\d{2})/(\d{2})/(\d{4})")


def hoy_argentina() -> date:
    """AFIP's "today" (N): the date in Argentina, whatever the machine's time zone."""
    return datetime.now(ARGENTINA).date()


def ahora_argentina() -> datetime:
    return datetime.now(ARGENTINA)


def as_int(value: Any) -> int | None:
    """A non-negative integer from a JSON number or a digit string; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value >= 0 else None
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        return int(value)
    return None


def as_decimal(value: Any) -> Decimal | None:
    """A decimal from a JSON number or a `1234.56` string; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):  # stored payloads went back through `plain`
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the regex already guarantees the shape
            return None
    return None


def as_date(value: Any) -> date | None:
    """A `dd/mm/aaaa` date (two-digit day and month, as TusFacturas requires)."""
    if not isinstance(value, str):
        return None
    match = _DATE_TEXT.fullmatch(value)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def as_text(value: Any) -> str | None:
    """A string as sent (numbers are accepted for code-like fields and turned into text)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def fmt_amount(value: Decimal) -> str:
    """Two decimals, the way the store keeps amounts (`1234.50`)."""
    return f"{value.quantize(Decimal('0.01')):.2f}"


def json_number(value: Decimal) -> int | float:
    """A Decimal as a JSON number: integral values as integers, others as the nearest float.

    The lookups and the QR carry numbers, not strings; amounts have at most a few decimals, so the
    float's shortest repr is the decimal itself.
    """
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def plain(value: Any) -> Any:
    """A parsed request with every Decimal turned back into the float `json.loads` would give."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
