"""Builders for planillas whose text holds characters XML 1.0 forbids (U+FFFE, U+FFFF, C0 controls).

openpyxl refuses to write them, so the planillas are written as CSV text or as a raw `.xlsx` whose
sheet XML carries the characters as they are (what a broken export or another program can leave).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from tests.corpus.hostile_workbooks import data_cells, header_cells, sheet_xml, write_xlsx

# Text no XML 1.0 document may carry, in a column that is copied to the results but never sent.
NOTE_COLUMN = "nota"
BAD_NOTE = "pedido \ufffe urgente \uffff fin"
CONTROL_NOTE = "tab\tok, control \x01 y \x1f"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


def _columns(rows: Sequence[dict[str, object]]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


def csv_planilla(path: Path, rows: Sequence[dict[str, object]]) -> Path:
    """A `;`-separated UTF-8 CSV with the rows' text exactly as given (no quoting needed)."""
    columns = _columns(rows)
    lines = [";".join(columns)] + [";".join(_text(row.get(c)) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="")
    return path


def raw_xlsx_planilla(path: Path, rows: Sequence[dict[str, object]]) -> Path:
    """Sheet `Comprobantes` as raw XML: the forbidden characters sit in the file unescaped."""
    columns = _columns(rows)
    cells = header_cells(columns)
    for offset, row in enumerate(rows, start=2):
        cells += data_cells(
            {c: _text(v) if isinstance(v, date) else v for c, v in row.items()}, offset, columns
        )
    return write_xlsx(path, {"Comprobantes": sheet_xml(cells)})
