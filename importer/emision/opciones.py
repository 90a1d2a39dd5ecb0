"""What a front end hands the emission service: options of each command, and its surroundings.

`Dependencias` is everything the service would otherwise take from the process (print, the clock,
Ctrl-C, the network, the environment), so the command line and the web page each pass their own
and tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from importer.dominio.reloj import RELOJ, Reloj
from importer.emision.api import TusFacturasClient
from importer.emision.conexion import Simulador
from importer.emision.secrets import Credentials, load_settings


def _ignore(*_args: object) -> None:
    return None


@contextmanager
def _no_display(_total: int) -> Iterator[None]:
    yield


def _cliente(base_url: str, credentials: Credentials, timeout: float) -> TusFacturasClient:
    return TusFacturasClient(base_url, credentials, timeout=timeout)


@dataclass(frozen=True)
class Dependencias:
    """What the service needs from its surroundings; the defaults do nothing visible."""

    reloj: Reloj = RELOJ
    on_message: Callable[[str], None] = _ignore  # a line for the user
    on_error: Callable[[str], None] = _ignore  # a line for the user's error stream
    on_progress: Callable[[str, str], None] = _ignore  # (referencia, EMITIDO | RECHAZADO)
    # The same, with the account it belongs to (its name; "" for the environment's only account).
    on_account_progress: Callable[[str, str, str], None] = _ignore  # (cuenta, referencia, estado)
    # Wraps the sending of `total` comprobantes: a progress bar, the Ctrl-C handler of a console.
    emitiendo: Callable[[int], AbstractContextManager[object]] = _no_display
    should_stop: Callable[[], bool] = lambda: False  # checked between requests: stop cleanly
    cliente: Callable[[str, Credentials, float], TusFacturasClient] = _cliente  # (base_url, cred., timeout)
    ajustes: Callable[[], dict[str, str]] = load_settings  # environment and .env
    simulador: Simulador | None = None  # the local TusFacturas, for `sandbox=True`


@dataclass(frozen=True)
class OpcionesValidacion:
    datos: Path  # data folder: where a report that cannot be written where asked goes
    reporte: Path | None = None
    hoy: date | None = None  # a simulated "today" (rehearsals); None = Argentina's today
    tope_cf: Decimal | None = None
    motor: str = "calamine"
    cuentas: Path | None = None  # --cuentas: the accounts file (None: TF_IMPORT_CUENTAS or the default)


@dataclass(frozen=True)
class OpcionesEmision:
    datos: Path  # data folder: ledgers, the simulator's data, fallbacks
    sandbox: bool = False
    base_url: str | None = None
    estado: Path | None = None  # the ledger; None = the data folder's
    pdf_dir: Path | None = None
    resultados: Path | None = None
    hoy: date | None = None  # a simulated "today": only with sandbox
    tope_cf: Decimal | None = None
    motor: str = "calamine"
    rate: float = 2.0
    timeout: float = 180.0
    margen: float = 60.0
    max_pausa: float = 1800.0
    limit: int | None = None
    verificar_referencias: bool = True
    dry_run: bool = False
    comando_reanudar: str = ""  # how the user continues this run (shown and written in the book)
    cuenta: str | None = None  # --cuenta NOMBRE: emit only for that account
    cuentas: Path | None = None  # --cuentas: the accounts file (None: TF_IMPORT_CUENTAS or the default)


@dataclass(frozen=True)
class OpcionesEstado:
    datos: Path
    sandbox: bool = False
    estado: Path | None = None
    cuentas: Path | None = None  # --cuentas: the accounts file (None: TF_IMPORT_CUENTAS or the default)
