"""Reading request fields one by one, collecting every problem (TusFacturas answers them all)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from importer.sandbox.values import as_date, as_decimal, as_int, as_text

SI_NO = frozenset({"S", "N"})


@dataclass(frozen=True)
class Rejection:
    """One message of an `error: "S"` answer; `code` is a TusFacturas TFC code when it has one."""

    text: str
    code: str | None = None


AFIP_PREFIX = "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145."


def afip(code: int, text: str) -> Rejection:
    """An AFIP rejection as TusFacturas wraps it in `errores` (tusfacturas-api.md §5.2)."""
    return Rejection(f"{AFIP_PREFIX}{code} - {text}")


class FieldReader:
    """Reads fields and collects every problem (TusFacturas answers them all at once)."""

    def __init__(self) -> None:
        self.errors: list[Rejection] = []

    def fail(self, text: str, code: str | None = None) -> None:
        self.errors.append(Rejection(text, code))

    def get(self, obj: dict[str, Any], key: str, path: str, required: bool) -> Any:
        value = obj.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"El campo {path} es obligatorio.")
            return None
        return value

    def invalid(self, path: str, value: Any) -> None:
        self.fail(f"El campo {path} no es válido (valor recibido: {value}).")

    def text(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        max_len: int = 255,
        min_len: int = 0,
    ) -> str | None:
        raw = self.get(obj, key, path, required)
        if raw is None:
            return None
        value = as_text(raw)
        if value is None:
            self.invalid(path, raw)
            return None
        if not min_len <= len(value) <= max_len:
            rango = f"entre {min_len} y {max_len}" if min_len else f"hasta {max_len}"
            self.fail(f"El campo {path} debe tener {rango} caracteres.")
            return None
        return value

    def integer(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        lo: int = 0,
        hi: int | None = None,
    ) -> int | None:
        raw = self.get(obj, key, path, required)
        if raw is None:
            return None
        value = as_int(raw)
        if value is None or value < lo or (hi is not None and value > hi):
            self.invalid(path, raw)
            return None
        return value

    def decimal(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = False,
        minimum: Decimal | None = Decimal(0),
        positive: bool = False,
    ) -> Decimal | None:
        raw = self.get(obj, key, path, required)
        if raw is None:
            return None
        value = as_decimal(raw)
        if value is None or (minimum is not None and value < minimum) or (positive and value <= 0):
            self.invalid(path, raw)
            return None
        return value

    def date(self, obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> date | None:
        raw = self.get(obj, key, path, required)
        if raw is None:
            return None
        value = as_date(raw)
        if value is None:
            self.fail(f"El campo {path} debe ser una fecha dd/mm/aaaa (valor recibido: {raw}).")
        return value

    def choice(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        choices: frozenset[str] | tuple[str, ...],
        *,
        required: bool = False,
    ) -> str | None:
        raw = self.get(obj, key, path, required)
        if raw is None:
            return None
        value = as_text(raw)
        if value not in choices:
            self.invalid(path, raw)
            return None
        return value

    def block(self, obj: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = obj.get(key)
        if not isinstance(value, dict):
            self.fail(f"El campo {path} es obligatorio.")
            return None
        return value
