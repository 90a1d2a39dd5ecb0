"""Exit codes and the one base type of every user-facing failure.

Whatever stage fails (a workbook that cannot be read, an option out of range, a ledger in use),
it raises a `TfImportError` with a Spanish message that names the place; the command line maps
it to its exit code in one place and never shows a traceback.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    PROBLEMS = 1  # invalid rows or rejected comprobantes
    CANNOT_START = 2  # bad arguments, unreadable workbook, missing credentials, ledger locked
    STOPPED = 3  # resumable stop: AFIP down, maintenance, account error, unreconciled doubt
    INTERRUPTED = 130


class TfImportError(Exception):
    """A failure the user must see, in Spanish; `exit_code` says how the command ends."""

    exit_code: ExitCode = ExitCode.CANNOT_START


class UsageError(TfImportError):
    """A problem with what the user asked for (exit 2)."""
