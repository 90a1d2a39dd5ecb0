"""Argentine identity numbers: CUIT/CUIL/CDI check digit and DNI shape (afip-rules.md §1–§2)."""

from __future__ import annotations

import re

CUIT_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
CUIT_PREFIXES = frozenset({"20", "23", "24", "27", "30", "33", "34", "50", "51", "55"})


def clean_document(raw: object) -> str:
    """Digits of a document number as typed: dots, dashes and spaces removed.

    An integral float (a CUIT typed as a number, read back as 20123456786.0) keeps its digits;
    anything else with other characters is returned as is (trimmed) so it fails validation.
    """
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else str(raw)
    text = str(raw).strip()
    cleaned = re.sub(r"[\s.\-]", "", text)
    return cleaned if cleaned.isdigit() else text


def cuit_check_digit(first10: str) -> int | None:
    """Expected check digit for the first 10 digits; None when mod 11 gives 10 (never issued)."""
    total = sum(w * int(d) for w, d in zip(CUIT_WEIGHTS, first10, strict=True))
    r = 11 - total % 11
    if r == 11:
        return 0
    if r == 10:
        return None
    return r


def cuit_problem(digits: str) -> str | None:
    """Why an 11-digit CUIT/CUIL/CDI is invalid (Spanish), or None when it is valid."""
    if not re.fullmatch(r"\d{11}", digits):
        return "debe tener 11 dígitos"
    if digits[:2] not in CUIT_PREFIXES:
        return f"el prefijo {digits[:2]} no existe (válidos: 20, 23, 24, 27, 30, 33, 34, 50, 51, 55)"
    expected = cuit_check_digit(digits[:10])
    if expected is None:
        return "el dígito verificador no puede calcularse (AFIP no emite este número)"
    if int(digits[10]) != expected:
        return f"el dígito verificador es incorrecto (debería ser {expected})"
    return None


def cuit_valido(digits: str) -> bool:
    return cuit_problem(digits) is None


def dni_valido(digits: str) -> bool:
    return re.fullmatch(r"\d{7,8}", digits) is not None
