"""The results workbook: what happened to every row and comprobante, for the accountant.

`write_results` builds the accounting model once (`modelo`), writes its sheets (`hojas`) with the
fast writer (`xlsx`: rows rendered straight to XML, 100,000 rows in about 10 s) into a temporary
file beside the target, and moves it into place (`guardado`), so a crash never leaves half a
workbook. No text ever becomes a formula: the only formulas are the `SUBTOTAL` footers of
`Comprobantes`, which the tool itself builds.

Results must never be lost after emission. The fast writer leans on openpyxl internals; if it
fails for any reason but the file system's (an `OSError`: disk full, no permission — the same for
any writer, reported as `OutputError` for the caller to try another folder), the same sheets are
written again from scratch with openpyxl's public API (`plano`), and the failure is logged at
debug level.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from importer.dominio.archivos import os_error_text
from importer.dominio.comprobantes import Emision
from importer.resultados.celdas import (
    AUTHOR,
    FORMULA_LEADS,
    MAX_CELL_TEXT,
    MAX_LINKS,
    NOTE_SIZE,
    Book,
    Cell,
    safe_text,
)
from importer.resultados.estilos import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT, SANDBOX_NOTE, input_cell
from importer.resultados.guardado import OutputError, place, reserve
from importer.resultados.hojas import write_sheets
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, Outcome, RunInfo
from importer.resultados.plano import PlainBook

if TYPE_CHECKING:
    from importer.planilla.validation import Validacion

# Callers import these from here. MAX_LINKS is a copy: to lower it, patch `importer.resultados.celdas`.
__all__ = [
    "AUTHOR",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "ESTADOS",
    "FORMULA_LEADS",
    "MAX_CELL_TEXT",
    "MAX_LINKS",
    "MONEY_FORMAT",
    "NOTE_SIZE",
    "SANDBOX_BANNER",
    "SANDBOX_NOTE",
    "Cell",
    "OutputError",
    "RunInfo",
    "input_cell",
    "safe_text",
    "write_report",
    "write_results",
]

logger = logging.getLogger(__name__)


def write_results(
    path: Path, validacion: Validacion, emisiones: Mapping[str, Emision] | None, info: RunInfo
) -> Path:
    """Write the results workbook (or, with `emisiones=None`, the validation report).

    Returns the path actually written: `path`, or `<stem>-YYYYMMDD-HHMMSS.xlsx` beside it when
    `path` cannot be replaced (open in Excel, locked, or a folder). Raises `OutputError` (Spanish
    reason) when its folder takes no file at all.
    """
    target = Path(path)
    tmp = reserve(target)  # before any work: a folder that takes no file fails at once
    try:
        out = Outcome(validacion, emisiones)
        try:
            _write_either(out, info, target, tmp)
        except OSError as exc:
            raise OutputError(target, os_error_text(exc)) from None
        return place(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_report(path: Path, validacion: Validacion, info: RunInfo) -> Path:
    """Write the validation report: `Resultados` (VALIDO / INVALIDO), `Errores` and `Ejecución`."""
    return write_results(path, validacion, None, info)


def _write_either(out: Outcome, info: RunInfo, target: Path, tmp: Path) -> None:
    """Into `tmp`, the fast writer; when it fails for its own reasons, the plain one, from scratch."""
    folder = os.path.abspath(target.parent)  # the PDF links are relative to it
    try:
        _write(_fast_book, out, info, folder, tmp)
    except OSError:
        raise  # the file system's answer: the plain writer would get the same
    except Exception as exc:  # openpyxl internals that moved, a bug of the fast writer
        logger.debug(
            "El escritor rápido de xlsx falló (%r); %s se escribe con openpyxl común.",
            exc,
            target.name,
            exc_info=True,
        )
        _write(PlainBook, out, info, folder, tmp)


def _fast_book() -> Book:
    # Imported here: an openpyxl whose internals moved fails this import, and the fallback still runs.
    from importer.resultados.xlsx import FastBook

    return FastBook()


def _write(new_book: Callable[[], Book], out: Outcome, info: RunInfo, folder: str, tmp: Path) -> None:
    """Build every sheet in a new book and save it into `tmp` (overwriting whatever is there)."""
    book = new_book()
    try:
        write_sheets(book, out, info, folder)
        book.save(tmp)
    except BaseException:
        book.discard()
        raise
