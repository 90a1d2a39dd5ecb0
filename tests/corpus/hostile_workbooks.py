"""Builders for hostile `.xlsx` files, written as raw zip parts so that nothing normalises them.

Each builder writes a tiny but complete workbook (content types, relationships, workbook, one or
more worksheets, optional shared strings) whose sheet XML is exactly what the test asks for: a
value in the last cell Excel allows, a `<dimension>` that lies, cells that are only styled, etc.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from importer.planilla.columns import NAMES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{REL_NS}/worksheet"
SHARED_STRINGS_TYPE = f"{REL_NS}/sharedStrings"

# A cell as (reference, value): str -> inline string, int/float -> number, None -> styled, no value.
Cell = tuple[str, object]


def inline_cell(ref: str, value: object, *, shared: dict[str, int] | None = None) -> str:
    """The XML of one cell; strings go to `shared` (index by text) when it is given."""
    if value is None:
        return f'<c r="{ref}" s="1"/>'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        if shared is not None:
            index = shared.setdefault(text, len(shared))
            return f'<c r="{ref}" t="s"><v>{index}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _row_number(ref: str) -> int:
    return int("".join(ch for ch in ref if ch.isdigit()))


def sheet_xml(
    cells: Iterable[Cell], *, dimension: str | None = None, shared: dict[str, int] | None = None
) -> bytes:
    """A worksheet part with the given cells grouped into rows (cells must come in row order)."""
    rows: dict[int, list[str]] = {}
    for ref, value in cells:
        rows.setdefault(_row_number(ref), []).append(inline_cell(ref, value, shared=shared))
    body = "".join(f'<row r="{r}">{"".join(xml)}</row>' for r, xml in sorted(rows.items()))
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}">{dim}<sheetData>{body}</sheetData></worksheet>'
    ).encode()


def header_cells(columns: Sequence[str] = NAMES, row: int = 1) -> list[Cell]:
    return [(f"{get_column_letter(i)}{row}", name) for i, name in enumerate(columns, start=1)]


def data_cells(values: dict[str, object], row: int, columns: Sequence[str] = NAMES) -> list[Cell]:
    return [
        (f"{get_column_letter(i)}{row}", values[name])
        for i, name in enumerate(columns, start=1)
        if values.get(name) is not None
    ]


def write_xlsx(
    path: Path,
    sheets: dict[str, bytes],
    *,
    hidden: Sequence[str] = (),
    shared_strings: Sequence[str] | None = None,
) -> Path:
    """Write a workbook whose worksheets are the given raw XML parts, in order."""
    overrides = [
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
    ]
    sheet_entries = []
    rels = []
    for index, title in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{index}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        state = ' state="hidden"' if title in hidden else ""
        sheet_entries.append(f'<sheet name="{escape(title)}" sheetId="{index}"{state} r:id="rId{index}"/>')
        rels.append(
            f'<Relationship Id="rId{index}" Type="{WORKSHEET_TYPE}" Target="worksheets/sheet{index}.xml"/>'
        )
    if shared_strings is not None:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(f'<Relationship Id="rIdSS" Type="{SHARED_STRINGS_TYPE}" Target="sharedStrings.xml"/>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/>{"".join(overrides)}</Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f"<sheets>{''.join(sheet_entries)}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            f"{''.join(rels)}</Relationships>"
        ),
    }
    for index, xml in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{index}.xml"] = xml  # type: ignore[assignment]
    if shared_strings is not None:
        items = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in shared_strings)
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(shared_strings)}" '
            f'uniqueCount="{len(shared_strings)}">{items}</sst>'
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return path


def planilla_with_far_cell(
    path: Path,
    far: str,
    value: object = "x",
    *,
    rows: Sequence[dict[str, object]] = (),
    shared: bool = False,
    dimension: str | None = None,
) -> Path:
    """Header + `rows` on sheet Comprobantes, plus one cell `far` (e.g. XFD1048576) holding `value`."""
    cells = header_cells()
    for offset, values in enumerate(rows, start=2):
        cells += data_cells(values, offset)
    cells.append((far, value))
    table: dict[str, int] | None = {} if shared else None
    xml = sheet_xml(cells, dimension=dimension, shared=table)
    strings = list(table) if table is not None else None
    return write_xlsx(path, {"Comprobantes": xml}, shared_strings=strings)


def planilla_styled_to_the_end(path: Path, rows: Sequence[dict[str, object]]) -> Path:
    """Data rows, then cells with a style and no value down to row 1048576 and out to XFD.

    What Excel leaves after formatting whole columns or rows; the dimension claims the full sheet.
    """
    cells = header_cells()
    for offset, values in enumerate(rows, start=2):
        cells += data_cells(values, offset)
    cells += [("A1048576", None), ("XFD1048576", None), ("XFD1", None)]
    cells.sort(key=lambda c: _row_number(c[0]))
    return write_xlsx(path, {"Comprobantes": sheet_xml(cells, dimension="A1:XFD1048576")})
