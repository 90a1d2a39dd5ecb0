"""Command line: parses arguments, calls the core, prints, maps outcomes to exit codes.

Nothing here knows about Excel, HTTP or SQLite; each subcommand is a thin adapter.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from importer import __version__
from importer.dominio.errores import ExitCode, TfImportError, UsageError

__all__ = ["ExitCode", "UsageError", "build_parser", "main"]

logger = logging.getLogger("importer")


def _cmd_template(args: argparse.Namespace) -> int:
    from importer.planilla.template import write_template

    if args.salida.exists() and not args.forzar:
        raise UsageError(f"{args.salida} ya existe: elija otro nombre o use --forzar para reemplazarlo.")
    write_template(args.salida)
    print(f"Plantilla escrita en {args.salida}")
    return ExitCode.OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from importer.cli.commands import validate_command

    return validate_command(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from importer.cli.commands import run_command

    return run_command(args)


def _cmd_status(args: argparse.Namespace) -> int:
    from importer.cli.commands import status_command

    return status_command(args)


def _cmd_cuentas(args: argparse.Namespace) -> int:
    from importer.cli.cuentas import cuentas_command

    return cuentas_command(args)


def _cmd_resolver(args: argparse.Namespace) -> int:
    from importer.cli.resolver import resolver_command

    return resolver_command(args)


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from importer.sandbox.cli import sandbox_command

    return sandbox_command(args)


def _cmd_web(args: argparse.Namespace) -> int:
    from importer.web.servidor import web_command

    return web_command(args)


# --- argparse in Spanish ----------------------------------------------------------------------------

# argparse's messages keyed by their gettext msgids; the Spanish is a str.format template over the
# same placeholders (`%s` becomes {a0}, {a1}…). Quoted values lose argparse's repr quotes.
_SPANISH = {
    "the following arguments are required: %s": "falta el argumento obligatorio: {a0}",
    "unrecognized arguments: %s": "argumentos desconocidos: {a0}",
    "expected one argument": "falta el valor",
    "expected at most one argument": "admite como máximo un valor",
    "expected at least one argument": "falta al menos un valor",
    "expected %s argument": "se esperaba {a0} valor",
    "expected %s arguments": "se esperaban {a0} valores",
    "invalid choice: %(value)r (choose from %(choices)s)": "«{value}» no es una opción válida (opciones: {choices})",
    "invalid %(type)s value: %(value)r": "«{value}» no es {type}",
    "ambiguous option: %(option)s could match %(matches)s": "opción ambigua: {option} puede ser {matches}",
    "not allowed with argument %s": "no se admite junto con {a0}",
    "one of the arguments %s is required": "falta uno de estos argumentos: {a0}",
    "ignored explicit argument %r": "sobra el valor «{a0}»",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "comando desconocido «{parser_name}» (opciones: {choices})",
    "argument %(argument_name)s: %(message)s": "{argument_name}: {message}",
}
_TYPE_NAMES = {"int": "un número entero", "float": "un número"}


def _msgid_pattern(msgid: str) -> re.Pattern[str]:
    out, positional = [], 0
    for part in re.split(r"(%\(\w+\)[rsd]|%[rsd])", msgid):
        named = re.fullmatch(r"%\((\w+)\)[rsd]", part)
        if named:
            out.append(f"(?P<{named.group(1)}>.+?)")
        elif re.fullmatch(r"%[rsd]", part):
            out.append(f"(?P<a{positional}>.+?)")
            positional += 1
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$", re.S)


_PATTERNS = [(_msgid_pattern(msgid), spanish) for msgid, spanish in _SPANISH.items()]


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else text


def translate(message: str) -> str:
    """argparse's English message in Spanish; a message it does not know (ours) passes unchanged."""
    for pattern, spanish in _PATTERNS:
        match = pattern.match(message)
        if match:
            values = {k: v if k == "choices" else _unquote(v) for k, v in match.groupdict().items()}
            if "message" in values:
                values["message"] = translate(values["message"])
            if "type" in values:
                values["type"] = _TYPE_NAMES.get(values["type"], "un valor válido")
            if "choices" in values:
                values["choices"] = ", ".join(_unquote(c.strip()) for c in values["choices"].split(","))
            return spanish.format(**values)
    return message


def _spanish_formatter(base: type[argparse.HelpFormatter]) -> type[argparse.HelpFormatter]:
    class Spanish(base):  # type: ignore[valid-type, misc]
        def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001, ANN201
            return super().add_usage(usage, actions, groups, "uso: " if prefix is None else prefix)

    return Spanish


class SpanishParser(argparse.ArgumentParser):
    """argparse with its headings, help and errors in Spanish (subcommands inherit it)."""

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs["add_help"] = False  # our own -h, with Spanish help text
        # No abbreviations: `--cuenta` (one account) must never be read as `--cuentas` (the file).
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumentos"
        self._optionals.title = "opciones"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="muestra esta ayuda y termina")

    def _get_formatter(self) -> argparse.HelpFormatter:
        formatter: type[argparse.HelpFormatter] = self.formatter_class  # type: ignore[assignment]
        return _spanish_formatter(formatter)(prog=self.prog)

    def error(self, message: str):  # noqa: ANN201 - NoReturn, as in argparse
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {translate(message)}\nAyuda: {self.prog} --help\n")


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}".replace(".", ",")


def number(low: float, high: float, *, integer: bool = False, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high]; a decimal comma is accepted."""
    kind = "un número entero" if integer else "un número"
    rule = f"{kind} entre {_plain(low)} y {_plain(high)}{unit}"

    def parse(text: str) -> float:
        try:
            value = int(text.strip()) if integer else float(text.strip().replace(",", "."))
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"«{text}» no sirve: debe ser {rule}")
        return int(value) if integer else value

    return parse


def _amount(text: str) -> str:
    from importer.dominio.amounts import parse_pesos

    try:
        parse_pesos(text)
    except ValueError as exc:  # the explanation says why (e.g. an ambiguous 1.234) and what to write
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = SpanishParser(
        prog="tf-import",
        description="Emite comprobantes electrónicos desde una planilla Excel con la API de TusFacturas.app.",
        epilog="Ejemplo: tf-import run data/ejemplo.xlsx --sandbox",
    )
    parser.add_argument(
        "--version", action="version", version=f"tf-import {__version__}", help="muestra la versión y termina"
    )
    parser.add_argument("--debug", action="store_true", help="muestra detalles internos (sin credenciales)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")

    p = sub.add_parser(
        "template",
        help="escribe la planilla modelo en blanco",
        epilog="Ejemplo: tf-import template comprobantes.xlsx",
    )
    p.add_argument("salida", type=Path, metavar="SALIDA.xlsx")
    p.add_argument("--forzar", action="store_true", help="reemplaza SALIDA.xlsx si ya existe")
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser(
        "validate",
        help="revisa la planilla sin enviar nada",
        epilog="Ejemplo: tf-import validate julio.xlsx --reporte julio-reporte.xlsx",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument(
        "--reporte", type=Path, metavar="R.xlsx", help="escribe un libro con el resultado de cada fila"
    )
    _add_validation_options(p)
    _add_cuentas_option(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "run",
        help="valida y emite los comprobantes válidos",
        epilog="Ejemplo: tf-import run julio.xlsx --sandbox",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument(
        "--resultados",
        type=Path,
        metavar="R.xlsx",
        help="libro de resultados (por defecto <planilla>-resultados.xlsx)",
    )
    p.add_argument(
        "--sandbox", action="store_true", help="usa el simulador local de TusFacturas (sin validez fiscal)"
    )
    add_api_options(p)
    p.add_argument(
        "--sin-verificar-referencias",
        action="store_true",
        help="no consulta en TusFacturas cada referencia nueva antes de su primer envío (más rápido, "
        "menos seguro si se perdió el registro)",
    )
    p.add_argument("--dry-run", action="store_true", help="muestra el plan sin enviar nada")
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    p.add_argument(
        "--pdf-dir", type=Path, metavar="DIR", help="carpeta de los PDF (por defecto <planilla>-pdf/)"
    )
    p.add_argument(
        "--limit",
        type=number(1, 1_000_000, integer=True),
        metavar="N",
        help="envía como máximo N comprobantes en esta corrida",
    )
    p.add_argument(
        "--margen",
        type=number(0, 3600, unit=" segundos"),
        default=60.0,
        metavar="S",
        help="segundos que se suman a --timeout antes de dar por no emitido un comprobante en duda "
        "(por defecto 60)",
    )
    p.add_argument(
        "--max-pausa",
        type=number(0, 86400, unit=" segundos"),
        default=1800.0,
        metavar="S",
        help="pausa máxima esperando que AFIP o TusFacturas vuelvan (por defecto 1800 s)",
    )
    _add_validation_options(p)
    _add_cuentas_option(p)
    p.add_argument(
        "--cuenta",
        metavar="NOMBRE",
        help="emite solo para la cuenta con ese nombre (del archivo de cuentas)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "status",
        help="muestra el estado de los comprobantes de una planilla",
        epilog="Ejemplo: tf-import status julio.xlsx",
    )
    p.add_argument("planilla", type=Path, metavar="PLANILLA.xlsx")
    p.add_argument("--sandbox", action="store_true", help="consulta el registro del simulador")
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    _add_cuentas_option(p)
    p.set_defaults(func=_cmd_status)

    p = sub.add_parser(
        "cuentas",
        help="muestra las cuentas configuradas (sin secretos) y, con --probar, cuáles funcionan",
        epilog="Ejemplo: tf-import cuentas --probar",
    )
    from importer.cli.cuentas import add_cuentas_arguments

    add_cuentas_arguments(p)
    p.set_defaults(func=_cmd_cuentas)

    from importer.cli.resolver import EJEMPLO, add_resolver_arguments

    p = sub.add_parser(
        "resolver",
        help="registra lo que muestra ARCA de un comprobante en duda que espera resolución manual",
        epilog=EJEMPLO,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_resolver_arguments(p)
    p.set_defaults(func=_cmd_resolver)

    p = sub.add_parser(
        "sandbox",
        help="ejecuta el simulador local de TusFacturas",
        epilog="Ejemplo: tf-import sandbox --port 8080",
    )
    from importer.sandbox.cli import add_sandbox_arguments

    add_sandbox_arguments(p)
    for action in p._actions:  # the simulator declares --port as a plain int
        if "--port" in action.option_strings:
            action.type = number(0, 65535, integer=True)
    p.set_defaults(func=_cmd_sandbox)

    # --- web: the local page (importer/web) ---
    p = sub.add_parser(
        "web",
        help="abre la página local para validar, ensayar y emitir desde el navegador",
        epilog="Ejemplo: tf-import web",
    )
    from importer.web.servidor import add_web_arguments

    add_web_arguments(p)
    p.set_defaults(func=_cmd_web)
    return parser


def _add_validation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hoy",
        metavar="dd/mm/aaaa",
        help="fecha de referencia para la ventana de fechas de AFIP (solo validate y --sandbox)",
    )
    p.add_argument(
        "--tope-cf",
        type=_amount,
        metavar="MONTO",
        help="tope en pesos para consumidor final sin identificar (por defecto 10.000.000)",
    )
    p.add_argument(
        "--motor",
        choices=("calamine", "openpyxl"),
        default="calamine",
        help="lector de Excel (por defecto calamine, el más rápido)",
    )


def add_api_options(p: argparse.ArgumentParser) -> None:
    """Where and how fast to emit: the options `run` and `web` share."""
    p.add_argument(
        "--base-url", metavar="URL", help="URL de la API (por defecto TUSFACTURAS_BASE_URL o la oficial)"
    )
    p.add_argument(
        "--rate",
        type=number(0, 1000),
        default=2.0,
        metavar="N",
        help="máximo de pedidos por segundo por cuenta (por defecto 2; 0 = sin límite)",
    )
    p.add_argument(
        "--timeout",
        type=number(1, 3600, unit=" segundos"),
        default=180.0,
        metavar="S",
        help="segundos de espera por cada emisión (por defecto 180; AFIP puede tardar 90)",
    )


def _add_cuentas_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cuentas",
        type=Path,
        metavar="RUTA",
        help="archivo de cuentas (por defecto TF_IMPORT_CUENTAS o cuentas.toml de la carpeta de configuración)",
    )


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (tests and tools swap it)."""

    @property
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure_logging(debug: bool) -> None:
    """Console logging for the `importer` logger only, secrets masked, no traceback noise."""
    from importer.emision.secrets import SecretFilter

    handler = StderrHandler()
    handler.setLevel(logging.DEBUG if debug else logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(SecretFilter())
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad argument (already told, in Spanish)
        return exc.code if isinstance(exc.code, int) else ExitCode.CANNOT_START
    configure_logging(args.debug)
    try:
        return int(args.func(args))
    except TfImportError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Interrumpido por el usuario.", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as exc:  # last resort: never a traceback unless --debug
        if args.debug:
            raise
        from importer.emision.secrets import mask_secrets

        if isinstance(exc, OSError) and exc.errno is not None:  # a file or folder refused: say why in Spanish
            from importer.dominio.archivos import os_error_text

            where = f"{exc.filename}: " if exc.filename else ""
            print(f"Error: {mask_secrets(where)}{os_error_text(exc)}.", file=sys.stderr)
            return ExitCode.CANNOT_START

        print(f"Error inesperado: {mask_secrets(str(exc))}. Use --debug para más detalles.", file=sys.stderr)
        return ExitCode.CANNOT_START
