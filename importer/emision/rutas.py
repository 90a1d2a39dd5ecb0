"""Where a run reads and writes: the data folder, the ledger, the results workbook, the PDFs.

Defaults follow the planilla (`<planilla>-resultados.xlsx`, `<planilla>-pdf/`); what cannot be
written where asked falls back under the data folder and says so, so that nothing is lost and the
input workbook is never written over.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from importer.dominio.archivos import folder_problem, same_file
from importer.dominio.errores import UsageError

RESULTS_SUFFIX = "-resultados"


def data_dir() -> Path:
    """Per-user folder for the ledger, the sandbox's data and the logs (TF_IMPORT_DATOS overrides)."""
    override = os.environ.get("TF_IMPORT_DATOS")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tf-import", appauthor=False))


def ledger_path(estado: Path | None, sandbox: bool, datos: Path) -> Path:
    """The ledger asked for (`--estado`, or TF_IMPORT_ESTADO resolved by the caller), or the one
    of the data folder; the simulator's is a different file, so a rehearsal never mixes in."""
    if estado:
        return estado
    return datos / ("registro-sandbox.sqlite" if sandbox else "registro.sqlite")


def default_results_path(planilla: Path, is_results: bool = False) -> Path:
    """`<planilla>-resultados.xlsx`; a results workbook (sheet Resultados) fed back in is updated in
    place, but never a planilla, a CSV or a template, whatever its name."""
    if is_results and planilla.suffix.lower() == ".xlsx":
        return planilla
    return planilla.with_name(f"{planilla.stem}{RESULTS_SUFFIX}.xlsx")


def default_pdf_dir(planilla: Path, sandbox: bool = False) -> Path:
    """`<planilla>-pdf/`; the simulator's PDFs go to `<planilla>-pdf-sandbox/` so that a rehearsal
    can never leave a "sin validez fiscal" file where the real PDF of the same number belongs."""
    stem = planilla.stem.removesuffix(RESULTS_SUFFIX)
    return planilla.with_name(f"{stem}-pdf-sandbox" if sandbox else f"{stem}-pdf")


def refuse_over_input(output: Path, planilla: Path, option: str) -> None:
    """Writing a workbook over the planilla being read would destroy it (a CSV, the instructions)."""
    if same_file(output, planilla):
        raise UsageError(
            f"{option} {output} es la misma planilla que se lee: se perdería. "
            "Elija otro nombre para el libro de salida."
        )


def usable_pdf_dir(folder: Path, datos: Path, warn: Callable[[str], None]) -> Path:
    """The PDF folder, or a folder under the data folder when it cannot be written (told to the user)."""
    problem = folder_problem(folder)
    if problem is None:
        return folder
    fallback = datos / "pdf" / (folder.name or "pdf")
    if folder_problem(fallback) is None:
        warn(f"Atención: no se pueden guardar los PDF en {folder} ({problem}); se guardan en {fallback}.")
        return fallback
    warn(
        f"Atención: no se pueden guardar los PDF en {folder} ({problem}) ni en {fallback}: "
        "se descargarán en una próxima ejecución."
    )
    return folder
