"""The fast writer: a workbook whose sheets are rendered straight to XML text, notes included.

`FastBook` builds `SafeSheet`s, openpyxl write-only sheets whose rows are rendered straight to XML
text, and saves them with `write_package`, which writes the sheets' notes as text. Both bypass
parts of openpyxl for speed: left to itself, openpyxl builds and serialises an element per cell,
about 20 µs each with either XML library (40 s or more for 100,000 rows), and an object and a tree
node per note (15 s and 600 MB for 120,000 notes). Everything else in the file (styles, views,
filters, links, the package) is still openpyxl's own. The cells keep `celdas`'s contract.

The openpyxl internals relied on, none of them public API:
- `WriteOnlyWorksheet`: the `_get_writer` hook, the `_write_rows` generator protocol, `_writer`,
  `_rows`, `_already_saved`, `_hyperlinks`, `_comments` and `_rels`;
- `WorksheetWriter`: `get_stream` (fed the part of lxml's `xmlfile` API it uses), `write_top`,
  `xf`, `out`, `close` and `cleanup`;
- `Workbook._add_sheet`, and `Workbook._cell_styles` holding a `StyleArray` per style id;
- `ExcelWriter._write_comment` with `_comments`, `_archive`, `manifest` and `vba_modified`, and
  `CommentSheet`'s `_id`, `path` and `_rel_type`.
pyproject.toml pins openpyxl to the minor series tested. Should a release change them anyway,
`results.write_results` falls back to `plano` (public API only), so no results are ever lost;
the results workbook tests, which read every sheet, note and link back, show the change.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr
from zipfile import ZIP_DEFLATED, ZipFile

import openpyxl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments.comment_sheet import CommentSheet
from openpyxl.packaging.relationship import Relationship
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import coordinate_to_tuple, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import tostring

from importer.resultados import celdas
from importer.resultados.celdas import (
    AUTHOR,
    MAX_CELL_TEXT,
    NOTE_SIZE,
    Cell,
    Formula,
    excel_escaped,
    number_text,
    safe_text,
)

# Older names, kept importable from here: the saving moved to `guardado`, the cell contract to `celdas`.
from importer.resultados.guardado import OutputError, reserve  # noqa: F401

# The series pyproject.toml pins and the internals above were read in; with any other the fast
# writer steps aside rather than risk a workbook that is wrong without failing.
TESTED_OPENPYXL = "3.1."
_LETTERS = [get_column_letter(i) for i in range(1, 16385)]  # every column Excel has
# Text that needs more than copying into <t>: XML specials, control characters, `_xHHHH_` runs,
# blanks at either end, and anything Excel could read as a formula or an error value.
_SPECIAL = re.compile(r"[\x00-\x1f&<>\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|^[=+\-@#\s]|\s$")


class _TextStream:
    """The part of lxml's `xmlfile` API that openpyxl's sheet writer uses, writing text directly."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.text = write

    @contextmanager
    def element(self, tag: str, attrib: dict | None = None, **extra: str) -> Iterator[None]:
        attributes = {**(attrib or {}), **extra}
        self.text(f"<{tag}" + "".join(f" {k}={quoteattr(str(v))}" for k, v in attributes.items()) + ">")
        yield
        self.text(f"</{tag}>")

    def write(self, item: object) -> None:
        self.text(xml_escape(item) if isinstance(item, str) else tostring(item).decode())


class _SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer over a plain text stream, so rows can be written as ready XML.

    openpyxl builds and serialises an element per cell, about 20 µs each with either XML
    library: 40 s or more for 100,000 rows. The elements before and after the rows (views,
    filter, hyperlinks…) are still openpyxl's own.
    """

    def get_stream(self):  # noqa: ANN201 - the generator protocol of the base class
        with open(self.out, "w", encoding="utf-8", newline="", buffering=1 << 20) as handle:
            xf = _TextStream(handle.write)
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        item = yield
                        if item is True:
                            yield xf
                        elif item is not None:
                            xf.write(item)
                except GeneratorExit:
                    pass


class SafeSheet(WriteOnlyWorksheet):
    """A write-only sheet where no cell can be a formula, written fast.

    Rows are lists of plain values (str, numbers, dates, bool, None) or `Cell`s, rendered
    straight to XML. A string is always an inline string, never a formula or an error value;
    one that Excel could take for a formula also gets the quote prefix. A workbook with notes
    must be saved with `write_package`, which knows how they are kept.
    """

    _writer: _SheetWriter | None  # the base class's, None until `_get_writer` makes it

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        self._quoted_ids: dict[int, int] = {}

    @classmethod
    def add(cls, wb: Workbook, title: str) -> SafeSheet:
        ws = cls(parent=wb, title=title)
        wb._add_sheet(ws)
        return ws

    @property
    def worksheet(self) -> SafeSheet:
        """The openpyxl sheet the layout is set on: this one."""
        return self

    def style(self, **attributes: object) -> int:
        proto = WriteOnlyCell(self)
        for name, value in attributes.items():
            setattr(proto, name, value)
        return proto.style_id

    def _quoted(self, style: int) -> int:
        """The same style with Excel's quote prefix (the cell stays text even when edited)."""
        if style not in self._quoted_ids:
            array = StyleArray(list(self.parent._cell_styles[style]))
            array.quotePrefix = 1
            self._quoted_ids[style] = self.parent._cell_styles.add(array)
        return self._quoted_ids[style]

    def _link(self, target: str) -> bool:
        """Whether one more hyperlink fits: Excel ignores those past its per-sheet limit."""
        return bool(target) and len(self._hyperlinks) < celdas.MAX_LINKS

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = _SheetWriter(self)
            self._writer.write_top()

    def _write_rows(self):  # noqa: ANN202 - same generator protocol as the base class
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        try:
            with xf.element("sheetData"):
                index = 1
                try:
                    while True:
                        row = yield
                        xf.text(self._render(row, index))
                        index += 1
                except GeneratorExit:
                    pass
        except ValueError:  # the sheet's file was closed first: a workbook dropped after a failed save
            return
        self._writer.xf.send(None)

    def _render(self, row: Iterable[object], index: int) -> str:
        suffix = str(index)
        out = [f'<row r="{index}">']
        append = out.append
        for column, item in enumerate(row):
            if item is None:
                continue
            ref = _LETTERS[column] + suffix
            if type(item) is Cell:
                value, style, link, note = item
                if link or note:
                    self._annotate(ref, link, note)
                if value is None:  # an empty cell that shows its fill (a faulty input left empty)
                    if style:
                        append(f'<c r="{ref}" s="{style}"/>')
                    continue
                if type(value) is Formula:
                    append(_formula_xml(ref, value, style))
                    continue
            else:
                value, style = item, 0
            if type(value) is str:
                if not value:
                    continue
                if _SPECIAL.search(value) is None and len(value) <= MAX_CELL_TEXT:
                    attrs = f' s="{style}"' if style else ""
                    append(f'<c r="{ref}"{attrs} t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    append(self._text_xml(ref, value, style))
                continue
            if value is None:
                continue
            kind = type(value)
            content: str | None
            if kind is int:
                content, kind_attr = str(value), "n"
            elif kind is bool:
                content, kind_attr = ("1" if value else "0"), "b"  # Excel stores booleans as 1 and 0
            elif kind is Decimal or kind is float or isinstance(value, numbers.Number):
                content, kind_attr = number_text(value), "n"
            elif isinstance(value, date | time):
                content, kind_attr = repr(to_excel(value)), "n"
            else:
                content = None
            if content is None:  # anything else, and numbers Excel cannot store, as text
                append(self._text_xml(ref, str(value), style))
                continue
            attrs = f' s="{style}"' if style else ""
            kind_attr = ' t="b"' if kind_attr == "b" else ""  # "n" is the default: 6 bytes a cell saved
            append(f'<c r="{ref}"{attrs}{kind_attr}><v>{content}</v></c>')
        append("</row>")
        return "".join(out)

    def _text_xml(self, ref: str, value: str, style: int) -> str:
        text, risky = safe_text(value)
        if risky:
            style = self._quoted(style)
        if "&" in text or "<" in text or ">" in text:
            text = xml_escape(text)
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        attrs = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{attrs} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def _annotate(self, ref: str, link: str, note: str) -> None:
        if link and self._link(link):
            internal = link.startswith("#")  # a cell of this workbook: no relationship, a location
            self._hyperlinks.append(
                Hyperlink(ref=ref, location=link[1:]) if internal else Hyperlink(ref=ref, target=link)
            )
        if note:
            self._comments.append((ref, note))  # written as text by _PackageWriter


def _formula_xml(ref: str, formula: Formula, style: int) -> str:
    """A formula built by the tool, with its value cached for readers that do not calculate."""
    attrs = f' s="{style}"' if style else ""
    cached = number_text(formula.cached) if formula.cached is not None else None
    value = f"<v>{cached}</v>" if cached is not None else ""
    return f'<c r="{ref}"{attrs}><f>{xml_escape(formula.text)}</f>{value}</c>'


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
    '<o:idmap v:ext="edit" data="{blocks}"/></o:shapelayout><v:shapetype id="_x0000_t202" '
    'coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_VML_SHAPE = (
    '<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
    'margin-top:1.5pt;width:{w}px;height:{h}px;z-index:1;visibility:hidden" fillcolor="#ffffe1" '
    'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow color="black" obscured="t"/>'
    '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div style="text-align:left">'
    '</div></v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
)


class _PackageWriter(ExcelWriter):
    """openpyxl's package writer, with `SafeSheet` notes written as text.

    openpyxl builds an object and a tree node per note: 120,000 sandbox CAE notes took 15 s and
    600 MB that way. Each sheet's VML shapes get their own block of ids, as Excel expects.
    """

    _next_block = 1

    def _write_comment(self, ws: WriteOnlyWorksheet) -> None:
        notes = ws._comments  # (ref, text) pairs from SafeSheet
        sheet = CommentSheet.from_comments([])
        self._comments.append(sheet)
        sheet._id = len(self._comments)
        self.manifest.append(sheet)
        ws.legacy_drawing = f"xl/drawings/commentsDrawing{sheet._id}.vml"
        self.vba_modified.add(ws.legacy_drawing)
        first = self._next_block * 1024 + 1
        self._next_block += len(notes) // 1024 + 1
        blocks = ",".join(str(b) for b in range(first // 1024, self._next_block))
        # Streamed in chunks: the whole text of 100,000 notes would take hundreds of megabytes.
        with self._archive.open(sheet.path[1:], "w", force_zip64=True) as part:
            part.write(
                f'<comments xmlns="{SHEET_MAIN_NS}"><authors><author>{AUTHOR}</author></authors>'
                "<commentList>".encode()
            )
            for chunk in _chunks(notes):
                part.write(
                    "".join(
                        f'<comment ref="{ref}" authorId="0"><text><t xml:space="preserve">{_note_xml(text)}</t>'
                        "</text></comment>"
                        for ref, text in chunk
                    ).encode()
                )
            part.write(b"</commentList></comments>")
        with self._archive.open(ws.legacy_drawing, "w", force_zip64=True) as part:
            part.write(_VML_HEAD.format(blocks=blocks).encode())
            for start, chunk in enumerate(_chunks(notes)):
                part.write(
                    "".join(
                        _VML_SHAPE.format(
                            id=first + start * _CHUNK + i,
                            w=NOTE_SIZE[0],
                            h=NOTE_SIZE[1],
                            row=row - 1,
                            col=col - 1,
                        )
                        for i, (row, col) in enumerate(coordinate_to_tuple(ref) for ref, _ in chunk)
                    ).encode()
                )
            part.write(b"</xml>")
        ws._rels.append(Relationship(Id="comments", type=sheet._rel_type, Target=sheet.path))


_CHUNK = 1000


def _note_xml(text: str) -> str:
    return xml_escape(excel_escaped(text))


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def write_package(wb: Workbook, path: Path) -> None:
    """`wb.save(path)`, with faster compression: the sheets' XML runs to hundreds of megabytes and
    zlib's default level takes 2.5 times as long for a file only 15 % smaller."""
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=3) as archive:
        _PackageWriter(wb, archive).save()


class FastBook:
    """A workbook of `SafeSheet`s, saved by `write_package`."""

    def __init__(self) -> None:
        if not openpyxl.__version__.startswith(TESTED_OPENPYXL):
            raise RuntimeError(f"openpyxl {openpyxl.__version__} is not the tested {TESTED_OPENPYXL}x")
        self.workbook = Workbook(write_only=True)

    def add_sheet(self, title: str) -> SafeSheet:
        return SafeSheet.add(self.workbook, title)

    def save(self, path: Path) -> None:
        write_package(self.workbook, path)

    def discard(self) -> None:
        """Close the sheets' streams and delete their temporary files (openpyxl would at exit)."""
        for ws in self.workbook.worksheets:
            with suppress(Exception):  # a half-built sheet, or the internals that just failed
                if ws._rows is not None:
                    ws._rows.close()
                if ws._writer is not None:
                    ws._writer.close()
                    ws._writer.cleanup()
