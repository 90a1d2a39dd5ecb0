"""What a column is: its kind of content, and the spec every sheet's columns are written in."""

from __future__ import annotations

from dataclasses import dataclass

from importer.dominio.catalogs import Catalog

# Kinds of cell content; validation knows how to parse each one.
TEXT = "text"
DATE = "date"
DECIMAL = "decimal"
INTEGER = "integer"
DOCUMENT = "document"  # digits, with dots, dashes and spaces removed
CODE = "code"  # a value from a catalog


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    header: bool  # True: describes the comprobante (inherits on continuation rows); False: a line
    required: bool = False
    help: str = ""  # Spanish explanation, used as header note and in Instrucciones
    example: str = ""
    catalog: Catalog | None = None
    excel_format: str = "General"
    width: int = 14
    max_length: int | None = None
    default: str | None = None  # value used when the cell is empty (documented in help)
    # A percentage: `10%` means 10, whether typed as text or shown by a percent cell format
    # (which stores 0.1). Reading scales such cells; parsing drops a trailing `%` from text.
    porcentaje: bool = False
