"""Safe, fast xlsx writing: sheets where no cell can become a formula, saved atomically.

`SafeSheet` is an openpyxl write-only sheet whose rows are rendered straight to XML text, and
`write_package` saves a workbook writing the sheets' notes as text. Both bypass parts of openpyxl
for speed: left to itself, openpyxl builds and serialises an element per cell, about 20 µs each
with either XML library (40 s or more for 100,000 rows), and an object and a tree node per note
(15 s and 600 MB for 120,000 notes). Everything else in the file (styles, views, filters, links,
the package) is still openpyxl's own.

No cell is ever a formula: every string is written as an inline string, and one Excel could take
for a formula also carries Excel's quote prefix. Characters XML 1.0 cannot carry at all (U+FFFE,
U+FFFF, lone surrogates) become U+FFFD; C0 controls are escaped the way Excel does (`_x0001_`).
`save_atomically` writes into a temporary file in the target's folder and moves it into place with
`os.replace`, so a crash never leaves half a workbook; when the target cannot be replaced (open in
Excel, locked) a timestamped name beside it is used, and when the folder takes no file at all
`OutputError` says why, in Spanish.

The openpyxl internals relied on, none of them public API:
- `WriteOnlyWorksheet`: the `_get_writer` hook, the `_write_rows` generator protocol, `_writer`,
  `_already_saved`, `_hyperlinks`, `_comments` and `_rels`;
- `WorksheetWriter`: `get_stream` (fed the part of lxml's `xmlfile` API it uses), `write_top`,
  `xf` and `out`;
- `Workbook._add_sheet`, and `Workbook._cell_styles` holding a `StyleArray` per style id;
- `ExcelWriter._write_comment` with `_comments`, `_archive`, `manifest` and `vba_modified`, and
  `CommentSheet`'s `_id`, `path` and `_rel_type`.
An openpyxl release that changes them breaks the results workbook tests, which read every sheet,
note and link back with openpyxl and calamine.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
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

from importer.dominio.archivos import make_folder, os_error_text
from importer.dominio.errores import TfImportError
from importer.dominio.texto import REPLACEMENT, has_invalid_xml, plain_xml_text, xml_clean  # noqa: F401 - re-exported

AUTHOR = "tf-import"
NOTE_SIZE = (300, 90)  # width, height in points
MAX_CELL_TEXT = 32767  # Excel's limit per cell
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML cannot carry and literal `_xHHHH_` runs, escaped the way Excel does.
_XML_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9A-Fa-f]{4}_")
# Characters no XML 1.0 document may hold, not even escaped: they are replaced.
_ERROR_CODES = frozenset(ERROR_CODES)  # "#N/A" and friends would become error cells
_LETTERS = [get_column_letter(i) for i in range(1, 16385)]  # every column Excel has
# Text that needs more than copying into <t>: XML specials, control characters, `_xHHHH_` runs,
# blanks at either end, and anything Excel could read as a formula or an error value.
_SPECIAL = re.compile(r"[\x00-\x1f&<>\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_|^[=+\-@#\s]|\s$")
MAX_LINKS = 65_530  # Excel's limit of hyperlinks per worksheet


# --- cells ---------------------------------------------------------------------------------------


class Cell(NamedTuple):
    """A value with a style id (from `SafeSheet.style`), and optionally a hyperlink or a note."""

    value: object
    style: int = 0
    link: str = ""
    note: str = ""


def _escape(match: re.Match[str]) -> str:
    found = match.group(0)
    return f"_x{ord(found):04X}_" if len(found) == 1 else "_x005F" + found


def safe_text(value: str) -> tuple[str, bool]:
    """Text Excel stores verbatim, and whether it needs the quote prefix (it looks like a formula)."""
    text = xml_clean(value[:MAX_CELL_TEXT])
    if _XML_ESCAPE.search(text):
        text = _XML_ESCAPE.sub(_escape, text)
    if text.isspace():  # XML writers may drop blank-only text; escaped, it survives
        text = "".join(f"_x{ord(ch):04X}_" for ch in text)
    return text, value.startswith(FORMULA_LEADS) or value in _ERROR_CODES


def number_text(value: object) -> str | None:
    """The `<v>` of a number, or None when Excel cannot store it (NaN, infinity)."""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else None
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)  # type: ignore[arg-type]
    return repr(number) if math.isfinite(number) else None


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

    def __init__(self, parent: Workbook, title: str) -> None:
        super().__init__(parent, title)
        self._quoted_ids: dict[int, int] = {}

    @classmethod
    def add(cls, wb: Workbook, title: str) -> SafeSheet:
        ws = cls(parent=wb, title=title)
        wb._add_sheet(ws)
        return ws

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
        return bool(target) and len(self._hyperlinks) < MAX_LINKS

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
            else:
                value, style = item, 0
            kind = type(value)
            if kind is str:
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
            if kind is int:
                content, kind_attr = str(value), "n"
            elif kind is bool:
                content, kind_attr = str(int(value)), "b"  # type: ignore[call-overload]
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
            self._hyperlinks.append(Hyperlink(ref=ref, target=link))
        if note:
            self._comments.append((ref, note))  # written as text by _PackageWriter


# --- saving ------------------------------------------------------------------------------------


class OutputError(TfImportError, OSError):
    """A workbook could not be written where asked; `reason` is Spanish (from `os_error_text`)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def reserve(target: Path) -> Path:
    """An empty temporary file beside `target` (the folder is created if missing).

    Called before a workbook is built, so a folder that takes no file fails fast, with nothing
    half-written and no work lost; raises `OutputError`.
    """
    try:
        make_folder(target.parent)
        fd, name = tempfile.mkstemp(prefix=f".~{target.stem}-", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(target, os_error_text(exc)) from None
    os.close(fd)
    return Path(name)


def save_atomically(wb: Workbook, target: Path, tmp: Path | None = None) -> Path:
    """Write `wb` through `tmp` (from `reserve`) into `target`, or beside it when `target` is locked."""
    tmp = tmp or reserve(target)
    try:
        write_package(wb, tmp)
        try:
            os.replace(tmp, target)
            return target
        except (PermissionError, IsADirectoryError):
            fallback = _fallback_path(target)
            os.replace(tmp, fallback)
            return fallback
    except OSError as exc:
        raise OutputError(target, os_error_text(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)


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
    text = xml_clean(text)
    if _XML_ESCAPE.search(text):
        text = _XML_ESCAPE.sub(_escape, text)
    return xml_escape(text)


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def write_package(wb: Workbook, path: Path) -> None:
    """`wb.save(path)`, with faster compression: the sheets' XML runs to hundreds of megabytes and
    zlib's default level takes 2.5 times as long for a file only 15 % smaller."""
    wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=3) as archive:
        _PackageWriter(wb, archive).save()


def _fallback_path(target: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}-{stamp}.xlsx")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{stamp}-{n}.xlsx")
        n += 1
    return candidate
