"""Numbers typed as text, the one grammar for cells and command-line options.

Accepted: `1234.56`, `1234,56`, `1.234,56`, `1,234.56`, `10.000.000`; surrounding spaces, spaces
between digits and a `$` are ignored. A lone separator followed by exactly three digits after one
to three leading digits (`1.234`, `12,500`) reads as a thousands separator in Argentina and as a
decimal point elsewhere: such text is refused (`NUMERO_AMBIGUO`) instead of guessed, because
guessing wrong multiplies an amount by a thousand. `0.125` and `1234.567` are not ambiguous.
In a percent column a trailing `%` is allowed: `10,5 %` is 10.5.
"""

from __future__ import annotations

import re

# Stable error codes (worded for cells by planilla.mensajes, for options by `explicacion`).
NUMERO_INVALIDO = "numero_invalido"
NUMERO_AMBIGUO = "numero_ambiguo"

_SIGN = r"[+-]?"
_AMBIGUOUS = re.compile(rf"{_SIGN}[1-9][0-9]{{0,2}}[.,][0-9]{{3}}")
_IGNORED = re.compile(r"[\s\u00a0$]")
_PERCENT = re.compile(r"\s*%\s*$")
_FORMS = (  # (pattern, how to turn it into canonical decimal text)
    (re.compile(rf"{_SIGN}[0-9]+"), lambda t: t),
    (re.compile(rf"{_SIGN}[0-9]*\.[0-9]+"), lambda t: t),
    (re.compile(rf"{_SIGN}[0-9]*,[0-9]+"), lambda t: t.replace(",", ".")),
    (
        re.compile(rf"{_SIGN}[0-9]{{1,3}}(?:\.[0-9]{{3}})+(?:,[0-9]+)?"),
        lambda t: t.replace(".", "").replace(",", "."),
    ),
    (re.compile(rf"{_SIGN}[0-9]{{1,3}}(?:,[0-9]{{3}})+(?:\.[0-9]+)?"), lambda t: t.replace(",", "")),
)


def sin_porcentaje(text: str) -> str:
    """`10,5 %` -> `10,5`: a percent written as text means the number before the sign."""
    return _PERCENT.sub("", text)


def number_from_text(text: str, *, porcentaje: bool = False) -> tuple[str | None, str | None]:
    """(canonical decimal text, None) or (None, error code) for a number typed as text.

    `porcentaje`: the column holds a percentage, so a trailing `%` is allowed (and dropped).
    """
    if porcentaje:
        text = sin_porcentaje(text)
    t = _IGNORED.sub("", text)
    if _AMBIGUOUS.fullmatch(t):
        return None, NUMERO_AMBIGUO
    for pattern, convert in _FORMS:
        if pattern.fullmatch(t):
            return convert(t), None
    return None, NUMERO_INVALIDO


def explicacion_ambiguo(text: str) -> str:
    """Why `1.234` is refused and what to write instead, in the user's words."""
    shown = text.strip()
    entero = shown.replace(".", "").replace(",", "")
    decimal = shown.replace(".", ",") + "0"  # a fourth decimal digit is unambiguous
    return (
        f"«{shown}» es ambiguo (¿miles o decimales?). Escriba {entero} si es el número entero, "
        f"o {decimal} si son decimales."
    )
