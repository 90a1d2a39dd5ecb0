"""Where a workbook lands: a temporary file beside the target, moved into place in one step.

`reserve` takes the temporary file before any work, so a folder that takes no file fails at once;
`place` moves the finished file over the target with `os.replace`, so a crash never leaves half a
workbook, and when the target cannot be replaced (open in Excel, locked, a folder) uses a
timestamped name beside it. `OutputError` says why, in Spanish, when nothing could be written.
No openpyxl here: whichever writer built the file, it is kept the same way.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from importer.dominio.archivos import make_folder, os_error_text
from importer.dominio.errores import TfImportError


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


def place(tmp: Path, target: Path) -> Path:
    """Move the finished `tmp` onto `target`, or beside it when `target` is locked; the path used."""
    try:
        try:
            os.replace(tmp, target)
            return target
        except (PermissionError, IsADirectoryError):
            fallback = fallback_path(target)
            os.replace(tmp, fallback)
            return fallback
    except OSError as exc:
        raise OutputError(target, os_error_text(exc)) from None


def fallback_path(target: Path) -> Path:
    """`<stem>-YYYYMMDD-HHMMSS.xlsx` beside `target`, numbered when taken."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.stem}-{stamp}.xlsx")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{stamp}-{n}.xlsx")
        n += 1
    return candidate
