"""Command-line arguments: numeric options refused at parsing, every argparse message in Spanish."""

from __future__ import annotations

import subprocess
import sys

import pytest

from importer.cli.main import main
from tests.conftest import valid_row

ENGLISH = (
    "usage:",
    "options:",
    "positional arguments",
    "optional arguments",
    "show this help",
    "error: argument ",
    "the following arguments are required",
    "invalid choice",
    "unrecognized arguments",
    "expected one argument",
    "invalid float value",
    "invalid int value",
    "ambiguous option",
    "Traceback",
)


def spanish_only(text: str) -> None:
    for english in ENGLISH:
        assert english not in text, (english, text)


@pytest.fixture
def planilla(write_workbook):
    return write_workbook([valid_row()], name="mes.xlsx")


# --- numbers -----------------------------------------------------------------------------------------

RUN_NUMBERS = [
    ("--timeout", "nan", "entre 1 y 3600"),
    ("--timeout", "inf", "entre 1 y 3600"),
    ("--timeout", "-inf", "entre 1 y 3600"),
    ("--timeout", "0", "entre 1 y 3600"),
    ("--timeout", "1e9", "entre 1 y 3600"),
    ("--timeout", "abc", "entre 1 y 3600"),
    ("--margen", "nan", "entre 0 y 3600"),
    ("--margen", "-1", "entre 0 y 3600"),
    ("--margen", "inf", "entre 0 y 3600"),
    ("--rate", "nan", "entre 0 y 1000"),
    ("--rate", "inf", "entre 0 y 1000"),
    ("--rate", "-2", "entre 0 y 1000"),
    ("--max-pausa", "nan", "entre 0 y 86400"),
    ("--max-pausa", "inf", "entre 0 y 86400"),
    ("--max-pausa", "-5", "entre 0 y 86400"),
    ("--limit", "0", "entero entre 1 y 1000000"),
    ("--limit", "nan", "entero entre 1 y 1000000"),
    ("--limit", "1.5", "entero entre 1 y 1000000"),
    ("--limit", "inf", "entero entre 1 y 1000000"),
    ("--tope-cf", "nan", "monto mayor que 0"),
    ("--tope-cf", "inf", "monto mayor que 0"),
    ("--tope-cf", "0", "monto mayor que 0"),
]


@pytest.mark.parametrize(("option", "value", "accepted"), RUN_NUMBERS)
def test_run_refuses_a_number_out_of_range_before_reading_anything(planilla, option, value, accepted, capsys):
    code = main(["run", str(planilla), "--sandbox", f"{option}={value}"])  # "=": "-inf" is a value
    out = capsys.readouterr()
    assert code == 2
    assert option in out.err and accepted in out.err and value in out.err
    assert "Filas:" not in out.out  # refused at parsing: nothing read, nothing sent
    assert not planilla.with_name("mes-resultados.xlsx").exists()
    spanish_only(out.err)


@pytest.mark.parametrize("value", ["nan", "inf", "0"])
def test_validate_refuses_a_bad_tope(planilla, value, capsys):
    code = main(["validate", str(planilla), "--tope-cf", value])
    err = capsys.readouterr().err
    assert code == 2 and "--tope-cf" in err and "monto mayor que 0" in err
    spanish_only(err)


def test_an_ambiguous_tope_is_explained_as_in_a_cell(planilla, capsys):
    """`1.234` means the same on the command line as in a cell: ambiguous, and the user is told why."""
    assert main(["validate", str(planilla), "--tope-cf", "1.234"]) == 2
    err = capsys.readouterr().err
    assert "«1.234» es ambiguo (¿miles o decimales?)" in err
    spanish_only(err)


@pytest.mark.parametrize("value", ["70000", "-1", "nan", "1e3"])
def test_sandbox_refuses_a_port_out_of_range(value, capsys):
    code = main(["sandbox", "--port", value])
    err = capsys.readouterr().err
    assert code == 2 and "--port" in err and "entero entre 0 y 65535" in err
    spanish_only(err)


def test_numbers_in_range_are_accepted_with_a_decimal_comma(planilla, capsys):
    code = main(
        ["run", str(planilla), "--sandbox", "--dry-run", "--timeout", "1,5", "--margen", "0", "--rate", "0"]
    )
    assert code == 0, capsys.readouterr()


# --- argparse's own messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "falta el argumento obligatorio: COMANDO"),
        (["run"], "falta el argumento obligatorio: PLANILLA.xlsx"),
        (["emitir"], "«emitir» no es una opción válida (opciones: template, validate, run, status"),
        (["validate", "x.xlsx", "--motor", "excel"], "--motor: «excel» no es una opción válida"),
        (["validate", "x.xlsx", "--bogus", "1"], "argumentos desconocidos: --bogus 1"),
        (["run", "x.xlsx", "--timeout"], "--timeout: falta el valor"),
        # No abbreviations: a shortened option is unknown, never guessed (--cuenta is not --cuentas).
        (["run", "x.xlsx", "--rat", "1"], "argumentos desconocidos: --rat 1"),
        (["validate", "x.xlsx", "--cuenta", "c.toml"], "argumentos desconocidos: --cuenta c.toml"),
        (["sandbox", "--semilla", "x"], "--semilla: «x» no es un número entero"),
    ],
)
def test_argparse_errors_are_spanish_and_exit_2(argv, expected, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert "uso: tf-import" in err
    spanish_only(err)


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["validate", "-h"], ["sandbox", "--help"]])
def test_help_is_spanish(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("uso: tf-import")
    assert "opciones:" in out and "muestra esta ayuda y termina" in out
    spanish_only(out)


def test_the_installed_command_exits_2_in_spanish_without_traceback(tmp_path):
    planilla = tmp_path / "mes.xlsx"
    planilla.write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "importer", "run", str(planilla), "--timeout", "nan"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--timeout" in done.stderr and "entre 1 y 3600" in done.stderr
    spanish_only(done.stderr)
