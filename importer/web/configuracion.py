"""What one `tf-import web` server was started with: folders, secrets of the session, run options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from importer.emision.conexion import Simulador
from importer.emision.secrets import load_settings

LIMITE_SUBIDA = 50 * 1024 * 1024  # the largest planilla the reader accepts (50 MB)
PUERTO = 8470


def _simulador() -> Simulador:
    # The CLI's provider of the in-process sandbox: emision must not import the simulator itself.
    from importer.cli.simulador import SimuladorIntegrado

    return SimuladorIntegrado()


@dataclass(frozen=True)
class ConfigWeb:
    carpeta: Path  # the working folder: uploads, reports, results and PDFs live under it
    datos: Path  # the data folder shared with the CLI: ledgers, the simulator's data
    token: str  # the secret of the start-up URL (then an HttpOnly cookie)
    csrf: str  # the per-session token every POST must carry
    puerto: int
    base_url: str | None = None
    estado: Path | None = None  # the real ledger (--estado or TF_IMPORT_ESTADO)
    rate: float = 2.0
    timeout: float = 180.0
    pdf_dir: Path | None = None
    cuentas: Path | None = None  # --cuentas: passed on when the service knows accounts
    limite_subida: int = LIMITE_SUBIDA
    simulador: Callable[[], Simulador] = _simulador
    ajustes: Callable[[], dict[str, str]] = field(default=load_settings)

    @property
    def hosts(self) -> frozenset[str]:
        """The Host headers this server answers to: loopback by name or number (DNS rebinding)."""
        return frozenset({f"127.0.0.1:{self.puerto}", f"localhost:{self.puerto}"})

    @property
    def origenes(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    def demasiado_grande(self) -> str:
        megas = self.limite_subida // (1024 * 1024)
        return f"El archivo supera el máximo de {megas} MB: divida la planilla en partes más chicas."

    @property
    def cookie(self) -> str:
        # Cookies ignore the port: one name per port keeps two servers from logging each other out.
        return f"tf_import_{self.puerto}"
