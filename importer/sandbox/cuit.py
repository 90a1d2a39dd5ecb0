"""The CUIT/CUIL/CDI check digit, the simulator's stand-in for AFIP's padrón (afip-rules.md §1).

Written from the spec, not shared with the client's validation: the sandbox is the second opinion.
"""

from __future__ import annotations

WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PREFIXES = frozenset({"20", "23", "24", "27", "30", "33", "34", "50", "51", "55"})


def check_digit(first10: str) -> int | None:
    """Mod 11 over the first ten digits; None when it gives 10, a number AFIP never issues."""
    digit = 11 - sum(w * int(d) for w, d in zip(WEIGHTS, first10, strict=True)) % 11
    if digit == 11:
        return 0
    return None if digit == 10 else digit


def is_valid_cuit(number: str) -> bool:
    """Eleven ASCII digits, a known prefix and the right check digit."""
    if len(number) != 11 or not (number.isascii() and number.isdigit()):
        return False
    return number[:2] in PREFIXES and check_digit(number[:10]) == int(number[10])
