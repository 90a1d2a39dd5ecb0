"""Which TusFacturas a run talks to: the real one with the account's credentials, or the simulator.

The simulator lives in `importer.sandbox`, which emision never imports: the front end hands in a
`Simulador` (the CLI's starts the in-process sandbox), so the service stays the same for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from importer.dominio.errores import TfImportError, UsageError
from importer.dominio.formato import es_loopback
from importer.emision.api import DEFAULT_BASE_URL
from importer.emision.cuentas import Cuenta
from importer.emision.secrets import Credentials, load_credentials, missing_credential_names


class Simulador(Protocol):
    """The local TusFacturas simulator, as a run needs it."""

    def credenciales(self) -> dict[str, str]:
        """Its demo credentials (usertoken, apikey, apitoken)."""
        ...

    def cuit_emisor(self) -> str | None:
        """The issuer's CUIT it emits for."""
        ...

    def en_marcha(
        self, hoy: date, datos: Path, cuentas: Sequence[Cuenta] = ()
    ) -> AbstractContextManager[str]:
        """Run it for the length of the `with`, dated `hoy`, with `cuentas` registered (each answers
        to `credenciales_de(cuit, punto_venta)`, never to the file's secrets); yields its base URL."""
        ...

    def cuentas_demo(self) -> list[Cuenta]:
        """Its built-in accounts (an RI issuer in pv 1–10, a monotributista in 11 and 12)."""
        ...

    def credenciales_de(self, cuit: str, punto_venta: int) -> Credentials:
        """Its demo triple for the account (CUIT, punto de venta): the same in every run."""
        ...


@dataclass(frozen=True)
class Conexion:
    base_url: str  # "" for a --dry-run rehearsal: nothing is sent
    credentials: Credentials
    cuit_emisor: str | None


def conectar(
    *,
    sandbox: bool,
    base_url: str | None,
    dry_run: bool,
    settings: dict[str, str],
    simulador: Simulador | None,
    hoy: date,
    datos: Path,
    stack: ExitStack,
) -> Conexion:
    """The API, credentials and issuer CUIT of this run; an embedded simulator stays up as long as
    `stack`. Missing credentials or a non-local simulator URL stop here (exit 2)."""
    if sandbox:
        if simulador is None:
            raise TfImportError("El simulador de TusFacturas no está disponible en esta instalación.")
        demo = _credentials(simulador.credenciales())
        if base_url:
            if not es_loopback(base_url):
                raise UsageError(
                    "--sandbox con --base-url solo acepta un simulador en esta computadora "
                    "(127.0.0.1 o localhost): para emitir de verdad, quite --sandbox."
                )
            url, credentials = base_url, load_credentials(settings) or demo
        elif dry_run:
            url, credentials = "", demo
        else:
            # Checking totals makes every rehearsal a cross-check of our arithmetic.
            url, credentials = stack.enter_context(simulador.en_marcha(hoy, datos / "sandbox")), demo
        return Conexion(url, credentials, simulador.cuit_emisor())
    missing = missing_credential_names(settings)
    real = load_credentials(settings)
    if missing or real is None:
        raise UsageError(
            "Faltan las credenciales de TusFacturas: defina "
            + ", ".join(missing)
            + " (en el entorno o en un archivo .env). Para probar sin credenciales use --sandbox."
        )
    url = base_url or settings.get("TUSFACTURAS_BASE_URL") or DEFAULT_BASE_URL
    cuit = settings.get("TUSFACTURAS_CUIT", "").replace("-", "").strip() or None
    return Conexion(url, real, cuit)


def cuenta_para_estado(sandbox: bool, settings: dict[str, str], simulador: Simulador | None) -> Credentials:
    """The credentials whose ledger rows `status` shows (the ledger is organised by account)."""
    if sandbox:
        if simulador is None:
            raise TfImportError("El simulador de TusFacturas no está disponible en esta instalación.")
        return _credentials(simulador.credenciales())
    credentials = load_credentials(settings)
    if credentials is None:
        raise UsageError(
            "Faltan las credenciales de TusFacturas ("
            + ", ".join(missing_credential_names(settings))
            + "): el registro se organiza por cuenta. Use --sandbox para el simulador."
        )
    return credentials


def _credentials(values: dict[str, str]) -> Credentials:
    settings = {
        "TUSFACTURAS_USERTOKEN": values["usertoken"],
        "TUSFACTURAS_APIKEY": values["apikey"],
        "TUSFACTURAS_APITOKEN": values["apitoken"],
    }
    credentials = load_credentials(settings)
    if credentials is None:  # the simulator's own credentials are complete by construction
        raise TfImportError("El simulador no tiene credenciales completas.")
    return credentials
