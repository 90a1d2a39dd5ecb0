"""`tf-import sandbox`: the simulator in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import textwrap
import threading
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import FrameType

from importer.sandbox.faults import FALLAS_AYUDA, FaultPlan
from importer.sandbox.profile import IssuerProfile
from importer.sandbox.tablas import GRANDES_EMPRESAS
from importer.sandbox.values import as_date, fmt_date

DESCRIPCION = (
    "Ejecuta en primer plano un simulador local de la API de TusFacturas.app (v2), sin validez "
    "fiscal: mismas rutas y respuestas, numeración por punto de venta y tipo, reglas de fechas y "
    "letras de AFIP, CAE de 14 dígitos, QR y un PDF por comprobante. Acepta cualquier terna "
    "usertoken/apikey/apitoken no vacía; cada terna es una cuenta distinta. Además trae cuentas "
    "de demostración (una terna por CUIT y punto de venta: un Responsable Inscripto con los puntos "
    "de venta 1 a 10 y un monotributista con el 11 y el 12) y registra las de un archivo de cuentas "
    "(--cuentas): una terna registrada solo sirve para su punto de venta, como en TusFacturas."
)


def _fallas(text: str) -> FaultPlan:
    try:
        return FaultPlan.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _hoy(text: str) -> date:
    value = as_date(text.strip())
    if value is None:
        raise argparse.ArgumentTypeError(f"fecha inválida {text!r}: use dd/mm/aaaa")
    return value


def _monto(text: str) -> Decimal:
    """A positive amount typed the Argentine way: 10000000, 10.000.000, $ 1.500,50 (or 1500.50)."""
    clean = re.sub(r"[\s$]", "", text)
    if "," in clean:  # decimal comma: dots are thousands
        clean = clean.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", clean):  # only thousands dots
        clean = clean.replace(".", "")
    try:
        value = Decimal(clean) if re.fullmatch(r"\d+(\.\d+)?", clean) else None
    except InvalidOperation:  # pragma: no cover - the regex already guarantees the shape
        value = None
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f"monto inválido: {text!r}")
    return value


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = textwrap.fill(DESCRIPCION, 80)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        FALLAS_AYUDA
        + "\n"
        + (parser.epilog or "Ejemplo: tf-import sandbox --port 8080")
        + '\n         tf-import sandbox --port 8765 --hoy 14/07/2025 --fallas "corte@3; 429@10%"'
    )
    parser.add_argument(
        "--port", type=int, default=8080, metavar="N", help="puerto (por defecto 8080; 0 = uno libre)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="dirección donde escuchar (por defecto 127.0.0.1)"
    )
    parser.add_argument(
        "--fallas",
        type=_fallas,
        default=FaultPlan(),
        metavar="SPEC",
        help="fallas a simular (ver abajo); por defecto ninguna",
    )
    parser.add_argument("--semilla", type=int, metavar="N", help="semilla de las fallas con probabilidad")
    parser.add_argument(
        "--datos",
        type=Path,
        metavar="DIR",
        help="carpeta donde guardar cuentas y numeración (por defecto solo en memoria)",
    )
    parser.add_argument(
        "--hoy",
        type=_hoy,
        metavar="dd/mm/aaaa",
        help="fecha de hoy simulada para las reglas de fechas (por defecto la de Argentina)",
    )
    parser.add_argument(
        "--perfil",
        choices=("ri", "monotributo"),
        default="ri",
        help="emisor simulado: responsable inscripto (A, B, E) o monotributo (C)",
    )
    parser.add_argument(
        "--verificar-totales",
        action="store_true",
        help="rechaza comprobantes cuyo total no coincide con los ítems (TusFacturas no lo hace)",
    )
    parser.add_argument(
        "--tope-cf",
        type=_monto,
        default=Decimal("10000000"),
        metavar="MONTO",
        help="tope para consumidor final sin identificar (por defecto 10.000.000)",
    )
    parser.add_argument(
        "--monto-fce",
        type=_monto,
        default=None,
        metavar="MONTO",
        help="desde qué total las grandes empresas del simulador exigen FCE MiPyME "
        "(por defecto, el mínimo de AFIP vigente en la fecha del comprobante)",
    )
    parser.add_argument(
        "--cuentas",
        type=Path,
        metavar="RUTA",
        help="registra las cuentas de ese archivo (cuentas.toml): cada una con la terna de "
        "demostración que se muestra al iniciar (no se usan las credenciales del archivo)",
    )
    parser.add_argument(
        "--solo-registradas",
        action="store_true",
        help="rechaza (401) las ternas que no son de una cuenta registrada, como la API real",
    )
    parser.add_argument("--silencioso", action="store_true", help="no muestra cada pedido recibido")


def sandbox_command(args: argparse.Namespace) -> int:
    from importer.sandbox.emisores import leer_cuentas
    from importer.sandbox.server import Sandbox

    try:
        cuentas = leer_cuentas(args.cuentas) if args.cuentas else []
    except ValueError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    plan: FaultPlan = args.fallas
    if args.semilla is not None:
        plan = plan.with_seed(args.semilla)
    sandbox = Sandbox(
        plan,
        hoy=args.hoy,
        datos=args.datos,
        profile=IssuerProfile.named(args.perfil),
        check_totals=args.verificar_totales,
        tope_cf=args.tope_cf,
        monto_fce=args.monto_fce,
        host=args.host,
        port=args.port,
        verbose=not args.silencioso,
        cuentas=cuentas,
        solo_registradas=args.solo_registradas,
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(f"Error: no se pudo abrir {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    done = threading.Event()
    previous = _on_terminate(done)
    try:
        _print_banner(sandbox, args)
        while not done.wait(0.5):  # short waits keep Ctrl-C responsive on Windows
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        _restore(previous)
    print("Simulador detenido.", flush=True)
    return 0


def _print_banner(sb: object, args: argparse.Namespace) -> None:
    from importer.sandbox.emisores import describir
    from importer.sandbox.server import Sandbox

    assert isinstance(sb, Sandbox)
    c = sb.credentials
    hoy = fmt_date(args.hoy) if args.hoy else f"{fmt_date(sb.hoy)} (hoy en Argentina)"
    print(
        f"Simulador de TusFacturas — SANDBOX, SIN VALIDEZ FISCAL\n"
        f"  URL:          {sb.base_url}/\n"
        f"  usertoken:    {c['usertoken']}\n"
        f"  apikey:       {c['apikey']}\n"
        f"  apitoken:     {c['apitoken']}\n"
        f"  {_sobre_ternas(sb.solo_registradas)}\n"
        f"  Emisor:       {sb.profile.describe()}\n"
        f"  Hoy (AFIP):   {hoy}\n"
        f"  Tope CF:      $ {_miles(sb.tope_cf)}\n"
        f"  FCE MiPyME:   {_fce(sb.monto_fce)}\n"
        f"  Fallas:       {sb.faults.describe()}\n"
        f"  Datos:        {args.datos or 'solo en memoria'}\n"
        f"Cuentas (cada terna sirve solo para su CUIT y punto de venta; no son secretas):\n"
        f"{describir(sb.emisores)}\n"
        f"Para usarlo: tf-import run PLANILLA.xlsx --sandbox --base-url {sb.base_url}\n"
        f"Ctrl-C para detenerlo.",
        flush=True,
    )


def _sobre_ternas(solo_registradas: bool) -> str:
    if solo_registradas:
        return "(solo sirven las ternas de las cuentas de abajo; cualquier otra recibe 401)"
    return "(sirve cualquier terna no vacía; cada terna es una cuenta aparte con todos los puntos de venta)"


def _fce(monto: Decimal | None) -> str:
    desde = f"$ {_miles(monto)}" if monto is not None else "el mínimo de AFIP vigente"
    return f"CUIT {', '.join(GRANDES_EMPRESAS)} exigen FCE desde {desde}"


def _miles(amount: Decimal) -> str:
    text = f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return text.removesuffix(",00")


def _on_terminate(done: threading.Event) -> list[tuple[int, object]]:
    """Ctrl-C and SIGTERM stop cleanly, also when started in the background with SIGINT ignored."""
    if threading.current_thread() is not threading.main_thread():
        return []

    def handler(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous: list[tuple[int, object]] = []
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            previous.append((number, signal.signal(number, handler)))
    return previous


def _restore(previous: list[tuple[int, object]]) -> None:
    for number, handler in previous:
        signal.signal(number, handler)  # type: ignore[arg-type]
