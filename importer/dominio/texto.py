"""Text rules shared by every stage: what XML can carry, and how TusFacturas stores a text.

One home for them, so that what validation measures is exactly what the payload sends and what
every workbook writes.
"""

from __future__ import annotations

import re

# XML 1.0 forbids these outright (no Excel escape helps): lone surrogates and U+FFFE/U+FFFF.
_XML_INVALID = re.compile(r"[\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# What can never be sent to TusFacturas: the above plus C0 controls but tab and line breaks.
INVALID_TO_SEND = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_LINE_BREAK = re.compile(r"\r\n|\n|\r")


def has_invalid_xml(text: str) -> bool:
    """Whether `text` holds characters a workbook writer must replace (see `xml_clean`)."""
    return _XML_INVALID.search(text) is not None


def xml_clean(text: str) -> str:
    """`text` with the characters XML 1.0 forbids outright (U+FFFE, U+FFFF, lone surrogates) as U+FFFD."""
    return _XML_INVALID.sub(REPLACEMENT, text) if _XML_INVALID.search(text) else text


def plain_xml_text(text: str) -> str:
    """Text for places without Excel's `_xHHHH_` escape (document properties): C0 controls replaced too."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", REPLACEMENT, xml_clean(text))


def tf_text(text: str) -> str:
    """TusFacturas' escapes inside printed texts: `%` → `#&#`, line break → `#@#`."""
    return _LINE_BREAK.sub("#@#", text.replace("%", "#&#"))


def sent_length(text: str) -> int:
    """How many characters TusFacturas stores for `text` (its limits count the escaped text)."""
    return len(tf_text(text))
