"""Reading a written results workbook back the way its tests need: formulas, print settings, tables."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

# The one formula the tool writes: a filter-following sum over the emitted rows of one column.
SUBTOTAL = re.compile(r"^=SUBTOTAL\(109,([A-Z]+)2:([A-Z]+)(\d+)\)$")


def formulas(path: Path) -> dict[tuple[str, str], str]:
    """Every formula cell of the workbook: (sheet, coordinate) → its text."""
    wb = load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    }


def only_tool_formulas(path: Path) -> dict[tuple[str, str], str]:
    """Asserts the workbook's only formulas are the SUBTOTAL footers of `Comprobantes`, each over its
    own column and ending on the row just above it; returns them."""
    found = formulas(path)
    for (sheet, coordinate), text in found.items():
        assert sheet == "Comprobantes", (sheet, coordinate, text)
        match = SUBTOTAL.match(text)
        assert match, (coordinate, text)
        column = re.match(r"[A-Z]+", coordinate).group(0)  # type: ignore[union-attr]
        row = int(coordinate[len(column) :])
        assert match.group(1) == match.group(2) == column and int(match.group(3)) == row - 1, text
    with zipfile.ZipFile(path) as archive:  # nothing that could be an external or array formula
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = archive.read(name).decode()
                assert xml.count("<f>") == xml.count("<f>SUBTOTAL(109,") and "<f " not in xml, name
    return found


def subtotal_value(ws: Any, formula: str) -> Decimal:
    """What a `SUBTOTAL(109, …)` adds up with no filter on: the numbers of its range."""
    match = SUBTOTAL.match(formula)
    assert match
    column, last = match.group(1), int(match.group(3))
    cells = ws[f"{column}2:{column}{last}"]
    return sum((Decimal(str(r[0].value)) for r in cells if isinstance(r[0].value, int | float)), Decimal(0))


def print_settings(ws: Any) -> dict[str, object]:
    """How a sheet prints, as openpyxl reads it back."""
    setup = ws.page_setup
    props = ws.sheet_properties.pageSetUpPr
    return {
        "orientation": setup.orientation,
        "fit": (props.fitToPage if props is not None else None, setup.fitToWidth, setup.fitToHeight),
        "titles": ws.print_title_rows,
        "area": ws.print_area,
        "footer": (ws.oddFooter.left.text, ws.oddFooter.center.text, ws.oddFooter.right.text),
    }
