"""Excel column letters (A, …, Z, AA, …, XFD) and their numbers, 1-based.

The same answers as `openpyxl.utils` without importing openpyxl: reading a planilla needs only
these two functions, and the package costs memory and time before the sheet is even read.
"""

from __future__ import annotations

from functools import lru_cache

MAX_LETTER_COLUMN = 18_278  # ZZZ: the largest column three letters can name


@lru_cache(maxsize=1024)
def get_column_letter(index: int) -> str:
    """1 -> A, 27 -> AA, 16384 -> XFD."""
    if not 1 <= index <= MAX_LETTER_COLUMN:
        raise ValueError(f"Invalid column index {index}")
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index_from_string(letters: str) -> int:
    """A -> 1, AA -> 27, XFD -> 16384 (any case, at most three letters)."""
    letters = letters.upper()
    if not 1 <= len(letters) <= 3 or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"{letters} is not a valid column name")
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index
