"""The resume command: every option that changes the outcome, quoted for the shell it is pasted in.

Windows lines are read back with small models of the two shells: cmd.exe (which hands the line to
the program, whose C runtime splits it) and PowerShell (argument mode); both must give back the
very words, whatever the path holds.
"""

from __future__ import annotations

import re
import shlex

import pytest

from importer.cli.main import build_parser
from importer.cli.reanudar import command_line, resume_command

HOSTILE = [
    r"C:\Users\Ana María\Ventas & Cía\julio 100% $julio.xlsx",
    r"C:\Mis PDF\ ",
    r"C:\Mis PDF" + "\\",
    r'D:\raro "entre comillas"\x.xlsx',
    r"C:\dir$\50%%PATH%.xlsx",
    r".\$2024 &(x).xlsx",
    "",
]


def cmd_then_c_runtime(line: str) -> list[str]:
    """What a program started from cmd.exe receives (no %VARIABLES% defined, no delayed expansion)."""
    inside = False
    for char in line:  # cmd's own pass: quotes toggle; outside them these chars end the command
        if char == '"':
            inside = not inside
        elif not inside and char in "&|<>^":
            raise AssertionError(f"cmd.exe would act on {char!r}: {line}")
    args, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] in " \t":
            i += 1
        if i >= n:
            break
        word, quoted = "", False
        while i < n and (quoted or line[i] not in " \t"):
            if line[i] == "\\":
                j = i
                while j < n and line[j] == "\\":
                    j += 1
                count = j - i
                if j < n and line[j] == '"':
                    word += "\\" * (count // 2)
                    if count % 2:
                        word += '"'
                        i = j + 1
                    else:
                        i = j
                else:
                    word += "\\" * count
                    i = j
            elif line[i] == '"':
                if quoted and i + 1 < n and line[i + 1] == '"':
                    word += '"'
                    i += 2
                else:
                    quoted = not quoted
                    i += 1
            else:
                word += line[i]
                i += 1
        args.append(word)
    return args


def powershell(line: str) -> list[str]:
    """PowerShell's argument mode for a native command (no variables defined): `$name` expands to
    nothing in double quotes and bare words; a word that opens quoted and goes on bare is split."""
    args, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        if i >= n:
            break
        parts: list[tuple[bool, str]] = []  # (quoted, text)
        while i < n and line[i] != " ":
            if line[i] == '"':
                i += 1
                text = ""
                while True:
                    if i >= n:
                        raise AssertionError(f"unclosed quote: {line}")
                    if line[i] == '"':
                        if i + 1 < n and line[i + 1] == '"':
                            text, i = text + '"', i + 2
                            continue
                        i += 1
                        break
                    if line[i] == "`":
                        raise AssertionError(f"backtick escape: {line}")
                    if line[i] == "$" and i + 1 < n and re.match(r"[\w{(?^$:]", line[i + 1]):
                        raise AssertionError(f"PowerShell would expand {line[i : i + 2]!r}: {line}")
                    text, i = text + line[i], i + 1
                parts.append((True, text))
            else:
                char = line[i]
                if char in "&|;,(){}<>`'@#" or (char == "$" and i + 1 < n and line[i + 1] not in ' "'):
                    raise AssertionError(f"PowerShell would act on {char!r}: {line}")
                if parts and not parts[-1][0]:
                    parts[-1] = (False, parts[-1][1] + char)
                else:
                    parts.append((False, char))
                i += 1
        if parts[0][0] and len(parts) > 1:
            args += [parts[0][1], "".join(text for _, text in parts[1:])]  # PowerShell's quirk
        else:
            args.append("".join(text for _, text in parts))
    return args


@pytest.mark.parametrize("path", HOSTILE)
def test_windows_line_gives_the_same_words_in_cmd_and_powershell(path):
    words = ["tf-import", "run", path, "--sandbox", "--pdf-dir", path]
    line = command_line(words, windows=True)
    assert cmd_then_c_runtime(line) == words
    assert powershell(line) == words


@pytest.mark.parametrize("path", HOSTILE)
def test_posix_line_gives_the_same_words(path):
    words = ["tf-import", "run", path, "--estado", "/tmp/it's $HOME & `x`"]
    assert shlex.split(command_line(words, windows=False)) == words


def test_plain_words_stay_unquoted_on_windows():
    assert command_line(["tf-import", "run", r"C:\ventas\julio.xlsx", "--rate", "0.5"], windows=True) == (
        r"tf-import run C:\ventas\julio.xlsx --rate 0.5"
    )


def test_resume_command_carries_every_option_that_changes_the_outcome():
    argv = [
        "run",
        "/datos/julio 2026.xlsx",
        "--sandbox",
        "--base-url",
        "http://127.0.0.1:8080/app/api/v2",
        "--estado",
        "/datos/registro.sqlite",
        "--pdf-dir",
        "/datos/pdf",
        "--resultados",
        "/datos/r.xlsx",
        "--hoy",
        "31/07/2026",
        "--tope-cf",
        "5.000.000",
        "--rate",
        "0,5",
        "--timeout",
        "90",
        "--margen",
        "30",
        "--max-pausa",
        "600",
        "--limit",
        "10",
        "--sin-verificar-referencias",
        "--motor",
        "openpyxl",
    ]
    args = build_parser().parse_args(argv)
    command = resume_command(args, windows=False)
    words = shlex.split(command)
    assert words[:2] == ["tf-import", "run"]
    again = build_parser().parse_args(words[1:])
    outcome = [
        "planilla", "sandbox", "base_url", "estado", "pdf_dir", "resultados", "hoy", "tope_cf", "rate",
        "timeout", "margen", "max_pausa", "limit", "sin_verificar_referencias", "motor", "dry_run",
    ]  # fmt: skip
    assert {k: getattr(again, k) for k in outcome} == {k: getattr(args, k) for k in outcome}


def test_resume_command_leaves_defaults_out():
    args = build_parser().parse_args(["run", "julio.xlsx", "--sandbox"])
    assert resume_command(args, windows=False) == "tf-import run julio.xlsx --sandbox"
    assert resume_command(args, windows=True) == "tf-import run julio.xlsx --sandbox"
