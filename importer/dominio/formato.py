"""How dates, pesos and loopback addresses are written and recognised: one home for each.

Messages, workbooks and payloads all write dates as `dd/mm/aaaa` and money the Argentine way
(`$ 1.234,56`); the sandbox-only guards need one definition of "this computer".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

DATE_FORMAT = "%d/%m/%Y"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def fecha_texto(value: date) -> str:
    """date(2026, 7, 14) -> '14/07/2026' (AFIP's, TusFacturas' and the user's way)."""
    return value.strftime(DATE_FORMAT)


def fecha_de_texto(text: str) -> date:
    """'14/07/2026' -> date(2026, 7, 14); ValueError otherwise."""
    return datetime.strptime(text.strip(), DATE_FORMAT).date()


def pesos(amount: Decimal, moneda: str = "PES") -> str:
    """Argentine money format: `$ 1.234,56` (other currencies carry their code: `DOL 1.234,56`)."""
    text = f"{abs(amount):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    sign = "-" if amount < 0 else ""
    symbol = "$" if moneda == "PES" else moneda
    return f"{sign}{symbol} {text}"


def es_loopback(url: str) -> bool:
    """Whether `url` points at this computer (the only place a sandbox may be)."""
    return urlsplit(url).hostname in LOOPBACK_HOSTS
