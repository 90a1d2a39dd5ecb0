"""The real used range of a worksheet, found cheaply before any Excel reader loads it.

calamine allocates a dense grid from A1 to the farthest cell holding a value, so one character in
XFD1048576 asks for hundreds of GB and aborts the process; openpyxl reads the first rows and
silently drops the rest. The `<dimension>` tag lies (Excel and other tools leave it stale), so the
sheet XML itself is scanned: streamed, in bounded chunks, with C-speed regular expressions per row.
Only a row that looks suspicious (a far reference, a far row, very many cells) is examined cell by
cell. Cells without a value (`<c r="…" s="1"/>`, left by formatting) never count.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import defusedxml.ElementTree as safe_xml

from importer.dominio.problems import PlanillaError
from importer.planilla.letras_columna import column_index_from_string, get_column_letter
from importer.planilla.xlsx_package import ZIP_READ_ERRORS, miles

MAX_COLUMNS = 200  # the template has ~35 columns; the rest is room for the user's own
CHUNK_BYTES = 1 << 20
MAX_ROW_XML_BYTES = 64 << 20  # one row of 200 cells of 32,767 characters is about 40 MB of XML

_P = rb"(?:[\w.-]+:)?"  # any namespace prefix: the scan must see what the parsers see
_ROW_TAG = re.compile(rb"<row\b([^>]*?)/?>")  # a literal start: 4x faster than with a prefix
_ROW_TAG_PREFIXED = re.compile(rb"<" + _P + rb"row\b([^>]*?)/?>")
_SHEETDATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>")
_CANONICAL_REF = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]{1,9})"')
_NOT_CANONICAL_CELL = re.compile(rb'<c(?! r=")')  # one pass: twice as fast as comparing two counts
_VALUE = re.compile(rb"<" + _P + rb"(?:v|is)\b")  # what makes calamine place a cell
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c\s*>)", re.S)
_REF = re.compile(rb"(?:^|\s)r\s*=\s*[\"']\s*([A-Za-z]*)(\d*)")
_TYPE = re.compile(rb"(?:^|\s)t\s*=\s*[\"']\s*(\w*)")
_TEXT = re.compile(rb"<" + _P + rb"(?:t|v)\b[^>]*?(?:/>|>(.*?)</" + _P + rb"(?:t|v)\s*>)", re.S)
if get_column_letter(MAX_COLUMNS) != "GR":  # _BEYOND_GR below spells this limit out
    raise RuntimeError("MAX_COLUMNS changed: update _BEYOND_GR")
_BEYOND_GR = rb"(?:[A-Za-z]{3,}|[H-Zh-z][A-Za-z]|[Gg][S-Zs-z])\d"
# Cells every reader shows as empty although Excel shows something: an error (#REF!, #DIV/0!…) or
# a formula saved without its computed value. Read as empty, a referencia would silently join the
# comprobante above; they are handed to the validator as text instead.
_UNREADABLE = re.compile(
    rb"(?:^|\s)t\s*=\s*[\"']e[\"']"
    rb"|</" + _P + rb"f\s*>\s*(?:</" + _P + rb"c\s*>|<" + _P + rb"v\s*/>|<" + _P + rb"v\s*>\s*</)"
    rb"|<" + _P + rb"f\b[^>]*/>\s*(?:</" + _P + rb"c\s*>|<" + _P + rb"v\s*/>|<" + _P + rb"v\s*>\s*</)"
)
_FORMULA = re.compile(rb"<" + _P + rb"f\b[^>]*?(?:/>|>(.*?)</" + _P + rb"f\s*>)", re.S)
_VALUE_TEXT = re.compile(rb"<" + _P + rb"v\b[^>]*?(?:/>|>(.*?)</" + _P + rb"v\s*>)", re.S)


@lru_cache(maxsize=8)
def _far_reference(row_limit: int) -> re.Pattern[bytes]:
    """A reference past column GR, or with as many digits as the row limit (checked exactly later)."""
    digits = len(str(row_limit))
    # Starts with a literal "r" for speed; "xr=" or "attr=" may match too: only a closer look follows.
    return re.compile(rb"r\s*=\s*[\"']\s*(?:" + _BEYOND_GR + rb"|[A-Za-z]*\d{%d,})" % digits)


@lru_cache(maxsize=8)
def _far_canonical(row_limit: int) -> re.Pattern[bytes]:
    """`_far_reference` for chunks whose every cell starts `<c r="`: a literal prefix, 20x faster."""
    digits = len(str(row_limit))
    return re.compile(rb'<c r="(?:' + _BEYOND_GR + rb"|[A-Za-z]*\d{%d,})" % digits)


@lru_cache(maxsize=64)
def _percent_cell(styles: frozenset[int]) -> re.Pattern[bytes]:
    """A cell start tag whose style `s` is one of `styles` (any prefix, spacing and quotes)."""
    return re.compile(
        rb"<" + _P + rb"c\b([^>]*?\ss\s*=\s*[\"']\s*0*(?:" + _alternatives(styles) + rb")\s*[\"'][^>]*?)/?>"
    )


@lru_cache(maxsize=64)
def _percent_style_canonical(styles: frozenset[int]) -> re.Pattern[bytes]:
    """The style attribute of a percent cell as Excel and openpyxl write it: a literal prefix."""
    return re.compile(rb' s="(?:' + _alternatives(styles) + rb')"')


def _alternatives(styles: frozenset[int]) -> bytes:
    return b"|".join(str(n).encode() for n in sorted(styles))


def too_many_rows(where: str, max_rows: int) -> PlanillaError:
    return PlanillaError(
        f"{where}: tiene más de {miles(max_rows)} filas de datos, el máximo admitido; "
        "divídala en varias planillas."
    )


def outside(where: str, ref: str, row_limit: int, *, blank: bool = False) -> PlanillaError:
    zone = f"filas 1 a {miles(row_limit)}, columnas A a {get_column_letter(MAX_COLUMNS)}"
    if blank:
        return PlanillaError(
            f"{where}: la celda {ref} tiene solo espacios y está fuera de la zona que se lee "
            f"({zone}); bórrela (o elimine esas filas o columnas) y vuelva a intentar."
        )
    return PlanillaError(
        f"{where}: hay datos en la celda {ref}, fuera de la zona que se lee ({zone}); si no son "
        "parte de la planilla, bórrelos (o elimine esas filas o columnas) y vuelva a intentar."
    )


@dataclass(frozen=True)
class Extent:
    """What the scan of one worksheet found (rows and columns 1-based)."""

    rows_with_values: int  # rows holding at least one value, header included
    unreadable: dict[tuple[int, int], str]  # cells readers show empty but Excel does not → shown text
    percent: frozenset[tuple[int, int]]  # cells whose style shows the number as a percentage


@dataclass(frozen=True)
class _Hints:
    """What one chunk of rows may hold, from a few C-speed searches over the whole chunk."""

    careful: bool = True  # a far reference, or cells whose place the fast checks cannot see
    unreadable: bool = True  # an error cell or a formula
    percent: bool = True  # a cell with a percent style


class _Scan:
    def __init__(
        self,
        where: str,
        archive: zipfile.ZipFile,
        shared: str | None,
        row_limit: int,
        max_rows: int,
        percent_styles: frozenset[int] = frozenset(),
    ):
        self.where, self.archive, self.shared = where, archive, shared
        self.row_limit, self.max_rows = row_limit, max_rows
        self.far = _far_reference(row_limit)
        self.far_canonical = _far_canonical(row_limit)
        self.percent_cell = _percent_cell(percent_styles) if percent_styles else None
        self.percent_canonical = _percent_style_canonical(percent_styles) if percent_styles else None
        self.many_tags = MAX_COLUMNS  # fewer tags than that cannot reach past column 200
        self.row = 0
        self.rows_with_values = 0
        self.unreadable: dict[tuple[int, int], str] = {}  # (row, column), 1-based → text shown instead
        self.percent: set[tuple[int, int]] = set()

    def hints(self, region: bytes) -> _Hints:
        """Chunk-wide searches; where every cell starts `<c r="` and every style is written `s="…"`,
        percent cells are found here, from their style attribute back to their reference."""
        careful = _needs_care(self.far_canonical, region)
        canonical_styles = (  # only worth two passes when some style shows a percentage
            self.percent_canonical is not None
            and not careful
            and region.count(b"s=") == region.count(b' s="')
        )
        if self.percent_canonical is not None and canonical_styles:
            for match in self.percent_canonical.finditer(region):
                ref = _CANONICAL_REF.match(region, region.rfind(b'<c r="', 0, match.start()))
                if ref is not None:
                    row, column = int(ref.group(2)), _column(ref.group(1))
                    if row <= self.row_limit and column <= MAX_COLUMNS:
                        self.percent.add((row, column))
        return _Hints(
            careful=careful,
            unreadable=_may_be_unreadable(region),
            percent=self.percent_cell is not None and not canonical_styles,
        )

    def segment(self, body: bytes, row_attrs: bytes | None, hints: _Hints = _Hints()) -> None:
        """One row: its start tag's attributes (None: text before the first row) and its body."""
        if row_attrs is not None:
            ref = _REF.search(row_attrs)
            self.row = int(ref.group(2)[:9]) if ref and ref.group(2) else self.row + 1
        if hints.unreadable and _UNREADABLE.search(body) is not None:
            self.find_unreadable(body)
        if hints.percent:
            self.find_percent(body)
        # `<v>` and `<is>` are how every writer spells a value; anything else gets the full search.
        has_value = b"<v>" in body or b"<is>" in body or _VALUE.search(body) is not None
        self.rows_with_values += has_value
        if not has_value:
            return  # only formatting: whatever its references say, no reader places a cell
        if self.row > self.row_limit or (
            hints.careful and (self.far.search(body) is not None or body.count(b"<") > self.many_tags)
        ):
            self.cells(body)

    def find_percent(self, body: bytes) -> None:
        pattern = self.percent_cell
        if pattern is None:
            return
        for match in pattern.finditer(body):
            ref = _REF.search(match.group(1))
            if ref is None or not ref.group(1) or not ref.group(2):
                self.percent.update(self.positions(body, pattern))  # cells placed by their order
                return
            row, column = int(ref.group(2)[:9]), _column(ref.group(1))
            if row <= self.row_limit and column <= MAX_COLUMNS:
                self.percent.add((row, column))

    def positions(self, body: bytes, wanted: re.Pattern[bytes]) -> list[tuple[int, int]]:
        """(row, column) of every cell of a row whose start tag matches `wanted`, walking the cells."""
        found = []
        column = 0
        for match in _CELL.finditer(body):
            ref = _REF.search(match.group(1))
            letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
            column = _column(letters) if letters else column + 1
            row = int(digits[:9]) if digits else max(self.row, 1)
            if wanted.match(body, match.start()) and row <= self.row_limit and column <= MAX_COLUMNS:
                found.append((row, column))
        return found

    def cells(self, body: bytes) -> None:
        column = 0
        for match in _CELL.finditer(body):
            attrs, content = match.group(1), match.group(2)
            ref = _REF.search(attrs)
            letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
            column = _column(letters) if letters else column + 1
            row = int(digits[:9]) if digits else max(self.row, 1)
            if content is None or not _VALUE.search(content):
                continue
            if row <= self.row_limit and column <= MAX_COLUMNS:
                continue
            if self.rows_with_values > self.max_rows + 1:
                raise too_many_rows(self.where, self.max_rows)
            if letters and digits and len(letters) <= 3:
                name = (letters + digits).decode("ascii").upper()
            else:
                name = f"{get_column_letter(min(column, 16384))}{row}"
            raise outside(self.where, name, self.row_limit, blank=self.blank(attrs, content))

    def find_unreadable(self, body: bytes) -> None:
        column = 0
        for match in _CELL.finditer(body):
            attrs, content = match.group(1), match.group(2) or b""
            ref = _REF.search(attrs)
            letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
            column = _column(letters) if letters else column + 1
            row = int(digits[:9]) if digits else max(self.row, 1)
            if row > self.row_limit or column > MAX_COLUMNS:
                continue  # refused by the extent check anyway
            kind = _TYPE.search(attrs)
            value = _VALUE_TEXT.search(content)
            shown = html.unescape((value.group(1) or b"").decode("utf-8", "replace")).strip() if value else ""
            if kind and kind.group(1) == b"e":
                self.unreadable[(row, column)] = shown or "#ERROR"
                continue
            formula = _FORMULA.search(content)
            if formula is not None and not shown:
                text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace")).strip()
                self.unreadable[(row, column)] = (
                    f"={text} (fórmula sin calcular)" if text else "(fórmula sin calcular)"
                )

    def blank(self, attrs: bytes, content: bytes) -> bool:
        """Whether a cell's value is only spaces (for the message; either way it is refused)."""
        texts = [
            html.unescape(m.group(1).decode("utf-8", "replace"))
            for m in _TEXT.finditer(content)
            if m.group(1)
        ]
        kind = _TYPE.search(attrs)
        if kind and kind.group(1) == b"s":
            try:
                return not _shared_string(self.archive, self.shared, int("".join(texts).strip())).strip()
            except (ValueError, PlanillaError):
                return False
        return not "".join(texts).strip()


@lru_cache(maxsize=1024)
def _column(letters: bytes) -> int:
    if len(letters) > 3:
        return 1 << 30  # absurd: far past any limit
    return column_index_from_string(letters.decode("ascii").upper())


def _shared_string(archive: zipfile.ZipFile, part: str | None, index: int) -> str:
    """Text of one shared string, streamed: the table may be large and this is the error path."""
    if part is None or index < 0:
        raise PlanillaError("no shared strings")
    seen = 0
    try:
        with archive.open(part) as stream:
            for _, element in safe_xml.iterparse(stream, events=("end",)):
                if element.tag.rsplit("}", 1)[-1] != "si":
                    continue
                if seen == index:
                    return "".join(element.itertext())
                seen += 1
                element.clear()
    except Exception:  # noqa: BLE001 - only the wording of a refusal depends on it
        pass
    raise PlanillaError("shared string not found")


def _needs_care(far_canonical: re.Pattern[bytes], region: bytes) -> bool:
    """Whether rows in `region` must be checked one by one: cells whose place the canonical search
    cannot see (no `r="…"` right after `<c`, a namespace prefix), or a far reference."""
    # `b":" in` is a memchr: most chunks hold no colon at all, so no prefixed tag either.
    if (b":" in region and b":c" in region) or _NOT_CANONICAL_CELL.search(region) is not None:
        return True  # (`<col`, `<cfRule` around the rows only make a chunk careful: still correct)
    return far_canonical.search(region) is not None


def _may_be_unreadable(region: bytes) -> bool:
    """Whether `_UNREADABLE` can match in `region`: it needs an error type or a formula tag."""
    return (
        b'"e"' in region
        or (b"'" in region and b"'e'" in region)  # memchr first: a quote is rare, a colon too
        or b"<f" in region
        or (b":" in region and b":f" in region)
    )


def check_extent(
    where: str,
    archive: zipfile.ZipFile,
    part: str,
    shared: str | None,
    *,
    row_limit: int,
    max_rows: int,
    percent_styles: frozenset[int] = frozenset(),
) -> Extent:
    """Refuse a sheet with values beyond `row_limit` rows or `MAX_COLUMNS` columns.

    Returns how many rows hold at least one value (header included), the cells that readers show
    as empty but Excel does not (errors, formulas without a computed value) with the text to
    validate instead, and the cells whose style (one of `percent_styles`) shows a percentage.
    """
    scan = _Scan(where, archive, shared, row_limit, max_rows, percent_styles)
    pending = b""
    first = True
    try:
        with archive.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK_BYTES)
                pending += chunk
                # `in` is a C-speed search for a rare word; the regex tries every `</` of the chunk.
                end = _SHEETDATA_END.search(pending) if b"sheetData" in pending else None
                last = not chunk or end is not None
                if end is not None:
                    pending = pending[: end.start()]
                row_tag = _ROW_TAG_PREFIXED if b":" in pending and b":row" in pending else _ROW_TAG
                starts = list(row_tag.finditer(pending))
                # Rows are complete up to the last row start, or all of them at the end.
                done = len(starts) if last else len(starts) - 1
                if first and (starts or last):
                    scan.segment(pending[: starts[0].start()] if starts else pending, None)
                    first = False
                cut = starts[done].start() if done < len(starts) else len(pending)
                hints = scan.hints(pending[:cut])
                for i in range(max(done, 0)):
                    stop = starts[i + 1].start() if i + 1 < len(starts) else len(pending)
                    scan.segment(pending[starts[i].end() : stop], starts[i].group(1), hints)
                if last:
                    break
                if done > 0:
                    pending = pending[starts[done].start() :]
                if len(pending) > MAX_ROW_XML_BYTES:
                    raise PlanillaError(
                        f"{where}: la fila {miles(scan.row + 1)} es demasiado grande para leerla."
                    )
    except ZIP_READ_ERRORS:
        raise PlanillaError(f"{where}: el archivo está dañado ({part} no se puede descomprimir).") from None
    return Extent(scan.rows_with_values, scan.unreadable, frozenset(scan.percent))
