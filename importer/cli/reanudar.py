r"""The command that continues a run, ready to paste into the user's shell.

It repeats every option that changes what the run does (where it sends, which ledger, where it
writes, the simulated date, pace and limits), so that pasting it resumes the same run and not a
different one. On Linux and macOS it is quoted for a POSIX shell (`shlex.join`); on Windows for
both cmd.exe and PowerShell, which share double quotes (`""` is a quote inside them; for cmd
through the C runtime's rules, which also make backslashes before a quote special). They disagree
on `$`: PowerShell expands `$name` inside double quotes, so the character after such a `$` is
written outside them (`C":\Ventas $"j"ulio.xlsx"`, one word in both). cmd expands `%NAME%` even
inside quotes: a lone `%` stays literal in an interactive cmd, a `%NAME%` of a defined variable
cannot be protected in a line that must also suit PowerShell.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

# Options of `run` whose defaults are left out (they would only make the command longer).
_DEFAULTS = {"rate": 2.0, "timeout": 180.0, "margen": 60.0, "max_pausa": 1800.0, "motor": "calamine"}
_PLAIN_WINDOWS = re.compile(r"[\w\-./:\\+=]+")
_NAME_CHAR = re.compile(r"\w")


def resume_command(args: argparse.Namespace, *, windows: bool | None = None) -> str:
    """`tf-import run …` with the options of this run that change its outcome."""
    parts = ["tf-import", "run", str(args.planilla)]
    if args.sandbox:
        parts.append("--sandbox")
    for option, value in (
        ("--base-url", args.base_url),
        ("--estado", args.estado),
        ("--cuentas", getattr(args, "cuentas", None)),
        ("--cuenta", getattr(args, "cuenta", None)),
        ("--pdf-dir", args.pdf_dir),
        ("--resultados", args.resultados),
        ("--hoy", args.hoy),
        ("--tope-cf", args.tope_cf),
    ):
        if value:
            parts += [option, str(value)]
    for option, name in (("--rate", "rate"), ("--timeout", "timeout"), ("--margen", "margen")):
        if getattr(args, name) != _DEFAULTS[name]:
            parts += [option, _number(getattr(args, name))]
    if args.max_pausa != _DEFAULTS["max_pausa"]:
        parts += ["--max-pausa", _number(args.max_pausa)]
    if args.limit is not None:
        parts += ["--limit", str(args.limit)]
    if args.sin_verificar_referencias:
        parts.append("--sin-verificar-referencias")
    if args.motor != _DEFAULTS["motor"]:
        parts += ["--motor", args.motor]
    return command_line(parts, windows=os.name == "nt" if windows is None else windows)


def command_line(parts: Sequence[str | Path], *, windows: bool) -> str:
    """The words as one line for the shell they will be pasted into (POSIX, or cmd/PowerShell)."""
    words = [str(p) for p in parts]
    if not windows:
        return shlex.join(words)
    return " ".join(_windows_word(w) for w in words)


def _windows_word(word: str) -> str:
    if _PLAIN_WINDOWS.fullmatch(word):
        return word
    pieces = _pieces(word)
    # PowerShell splits a word that opens quoted and goes on unquoted (`"a"b` is two words): then
    # its first character, when plain, goes unquoted. If it is not, the word is quoted whole, and
    # PowerShell may expand a `$name` in it (cmd keeps it).
    if any(not quoted for quoted, _ in pieces):
        if not _PLAIN_WINDOWS.fullmatch(word[0]):
            pieces = [(True, word)]
        elif pieces[0][0]:
            pieces = [(False, word[0]), (True, pieces[0][1][1:]), *pieces[1:]]
    return "".join(_quoted(text) if quoted else text for quoted, text in pieces if text or quoted)


def _pieces(word: str) -> list[tuple[bool, str]]:
    """(quoted, text) pieces: a `$` before a name character closes the quotes, the name character
    goes unquoted (the same in both shells); trailing backslashes go after the closing quote, where
    the C runtime does not read them as escaping it."""
    body = word.rstrip("\\")
    tail = word[len(body) :]
    pieces: list[tuple[bool, str]] = []
    segment = ""
    i = 0
    while i < len(body):
        segment += body[i]
        if body[i] == "$" and i + 1 < len(body) and _NAME_CHAR.match(body[i + 1]):
            pieces += [(True, segment), (False, body[i + 1])]
            segment = ""
            i += 2
            continue
        i += 1
    if segment or not pieces:
        pieces.append((True, segment))
    if tail:
        pieces.append((False, tail))
    return pieces


def _quoted(text: str) -> str:
    # `""` is a quote inside double quotes for both shells; the C runtime reads backslashes before
    # a quote as escapes, so those are doubled (a trailing run too, when it stays inside).
    text = re.sub(r'(\\+)(?="|$)', lambda m: m.group(1) * 2, text).replace('"', '""')
    return f'"{text}"'


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
