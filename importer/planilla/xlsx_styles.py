"""Which cell styles of a workbook show numbers as percentages.

A cell typed `10%` in Excel holds 0.1 and a percent number format; both Excel readers hand over
0.1, so the format has to be read from the package: a cell's `s` attribute indexes `cellXfs` in
the styles part, whose `numFmtId` is either built in (9 `0%`, 10 `0.00%`) or one of the workbook's
own `numFmts`, a percent one when its code has a `%` outside quotes, escapes and brackets
(`0"%"` and `0\\%` print a sign without scaling the value).
"""

from __future__ import annotations

import zipfile

from importer.planilla.xlsx_package import local_name, relationships, resolve_part, workbook_part, xml_part

_BUILTIN_PERCENT = frozenset({9, 10})


def is_percent_format(code: str) -> bool:
    """Whether an Excel number format code scales the value by 100 (an unquoted `%`)."""
    quoted = bracketed = escaped = False
    for ch in code:
        if escaped:
            escaped = False
        elif quoted:
            quoted = ch != '"'
        elif bracketed:
            bracketed = ch != "]"
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = True
        elif ch == "[":
            bracketed = True
        elif ch == "%":
            return True
    return False


def percent_styles(name: str, archive: zipfile.ZipFile) -> frozenset[int]:
    """Indexes into `cellXfs` (a cell's `s`) whose number format is a percentage."""
    root = xml_part(name, archive, _styles_part(name, archive))
    if root is None:
        return frozenset()
    custom: dict[int, str] = {}
    styles: list[int] = []
    for element in root:
        kind = local_name(element.tag)
        if kind == "numFmts":
            for fmt in element:
                number = _int(fmt.get("numFmtId"))
                if number is not None:
                    custom[number] = fmt.get("formatCode", "")
        elif kind == "cellXfs":
            styles = [_int(xf.get("numFmtId")) or 0 for xf in element if local_name(xf.tag) == "xf"]
    percent = {
        number
        for number in set(styles)
        if (is_percent_format(custom[number]) if number in custom else number in _BUILTIN_PERCENT)
    }
    return frozenset(i for i, number in enumerate(styles) if number in percent)


def _styles_part(name: str, archive: zipfile.ZipFile) -> str:
    part = workbook_part(archive) or "xl/workbook.xml"
    folder, _, base = part.rpartition("/")
    rels = relationships(name, archive, f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels")
    for kind, target in rels.values():
        if kind.endswith("/styles"):
            return resolve_part(folder, target)
    return resolve_part(folder, "styles.xml")


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
