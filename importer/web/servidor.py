"""`tf-import web`: its options, the loopback socket, the start-up URL with its token, the browser.

Kept light at import time (the CLI builds every subcommand's parser on each start): starlette and
uvicorn are imported only when the page is actually served.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import secrets
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from importer.dominio.errores import ExitCode, UsageError
from importer.web.configuracion import PUERTO

HOST = "127.0.0.1"  # loopback only, whatever the options say


def add_web_arguments(p: argparse.ArgumentParser) -> None:
    from importer.cli.main import add_api_options, number

    p.add_argument(
        "--port",
        type=number(0, 65535, integer=True),
        metavar="N",
        help=f"puerto local (por defecto {PUERTO}, u otro libre si está ocupado; 0 = uno libre)",
    )
    p.add_argument(
        "--carpeta",
        type=Path,
        metavar="DIR",
        help="carpeta de trabajo: planillas subidas, reportes, resultados y PDF (por defecto, en la "
        "carpeta de datos de tf-import)",
    )
    p.add_argument("--no-abrir", action="store_true", help="no abre el navegador; solo muestra la dirección")
    add_api_options(p)
    p.add_argument("--cuentas", type=Path, metavar="RUTA", help="archivo de cuentas (TOML)")
    p.add_argument("--estado", type=Path, metavar="RUTA", help="archivo del registro de emisiones (SQLite)")
    p.add_argument(
        "--pdf-dir",
        type=Path,
        metavar="DIR",
        help="carpeta de los PDF (por defecto, en la carpeta de trabajo)",
    )


def abrir_socket(puerto: int | None) -> socket.socket:
    """A listening socket on loopback: the asked port, else 8470, else any free one."""
    pedido = PUERTO if puerto is None else puerto
    try:
        return _escuchar(pedido)
    except OSError as exc:
        if puerto is not None or exc.errno not in (errno.EADDRINUSE, errno.EACCES):
            raise UsageError(
                f"No se pudo usar el puerto {pedido} de {HOST}: está en uso o no está permitido. "
                "Elija otro con --port (o --port 0 para uno libre)."
            ) from None
        return _escuchar(0)


def _escuchar(puerto: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, puerto))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _carpeta(args: argparse.Namespace, datos: Path) -> Path:
    from importer.dominio.archivos import folder_problem

    carpeta = (args.carpeta or datos / "web").expanduser().resolve()
    problema = folder_problem(carpeta)
    if problema:
        raise UsageError(f"--carpeta {carpeta}: {problema}. Elija otra carpeta de trabajo.")
    carpeta.mkdir(parents=True, exist_ok=True)  # the folder the start-up message points to
    return carpeta


def configuracion(args: argparse.Namespace, puerto: int) -> Any:
    from importer.emision.rutas import data_dir
    from importer.web.configuracion import ConfigWeb

    datos = data_dir()
    estado = args.estado or (
        Path(os.environ["TF_IMPORT_ESTADO"]) if os.environ.get("TF_IMPORT_ESTADO") else None
    )
    return ConfigWeb(
        carpeta=_carpeta(args, datos),
        datos=datos,
        token=secrets.token_urlsafe(32),
        csrf=secrets.token_urlsafe(32),
        puerto=puerto,
        base_url=args.base_url,
        estado=estado,
        rate=args.rate,
        timeout=args.timeout,
        pdf_dir=args.pdf_dir,
        cuentas=args.cuentas,
    )


def web_command(args: argparse.Namespace) -> int:
    import uvicorn

    from importer.web.app import crear_app
    from importer.web.mesa import Mesa

    sock = abrir_socket(args.port)
    try:
        config = configuracion(args, sock.getsockname()[1])
        mesa = Mesa(config)
        url = f"http://{HOST}:{config.puerto}/?token={config.token}"
        servidor = uvicorn.Server(
            uvicorn.Config(
                crear_app(config, mesa),
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=3,
            )
        )
        print("tf-import web: abra esta dirección en el navegador (solo funciona en esta computadora):")
        print(f"  {url}")
        print(f"Carpeta de trabajo: {config.carpeta}")
        print("Para terminar: Ctrl-C (un envío en curso termina el comprobante que está enviando).")
        sys.stdout.flush()
        if not args.no_abrir:
            threading.Thread(target=_abrir_navegador, args=(servidor, url), daemon=True).start()
        # uvicorn hands Ctrl-C back once it has shut down: for this command that is the normal end
        with contextlib.suppress(KeyboardInterrupt):
            servidor.run(sockets=[sock])
    finally:
        sock.close()
    if mesa.interrumpida:
        print(
            "El envío en curso se detuvo al cerrar; vuelva a abrir la página y use Reintentar para continuar."
        )
        return ExitCode.INTERRUPTED
    print("tf-import web terminado.")
    return ExitCode.OK


def _abrir_navegador(servidor: Any, url: str) -> None:
    import webbrowser

    for _ in range(100):  # open it once the server answers (at most ~10 s)
        if servidor.started:
            break
        time.sleep(0.1)
    with contextlib.suppress(Exception):  # no browser here: the printed URL is enough
        webbrowser.open(url)
