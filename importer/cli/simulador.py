"""The in-process TusFacturas simulator, handed to the emission service for `--sandbox`.

emision never imports the simulator (an independent implementation): the command line, which may,
adapts it to the service's `Simulador`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path


class SimuladorIntegrado:
    """The sandbox in this process, on a free loopback port, checking our totals as it emits."""

    def credenciales(self) -> dict[str, str]:
        from importer.sandbox.server import DEMO_CREDENTIALS

        return dict(DEMO_CREDENTIALS)

    def cuit_emisor(self) -> str | None:
        from importer.sandbox import IssuerProfile

        return str(IssuerProfile().cuit) or None

    @contextmanager
    def en_marcha(self, hoy: date, datos: Path) -> Iterator[str]:
        from importer.sandbox import Sandbox

        # Checking totals makes every rehearsal a cross-check of our arithmetic.
        with Sandbox(hoy=hoy, datos=datos, check_totals=True) as sandbox:
            yield sandbox.base_url
