"""The in-process TusFacturas simulator, handed to the emission service for `--sandbox`.

emision never imports the simulator (an independent implementation): the command line, which may,
adapts it to the service's `Simulador`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from importer.emision.cuentas import Cuenta
from importer.emision.secrets import Credentials


class SimuladorIntegrado:
    """The sandbox in this process, on a free loopback port, checking our totals as it emits."""

    def credenciales(self) -> dict[str, str]:
        from importer.sandbox.server import DEMO_CREDENTIALS

        return dict(DEMO_CREDENTIALS)

    def cuit_emisor(self) -> str | None:
        from importer.sandbox import IssuerProfile

        return str(IssuerProfile().cuit) or None

    def cuentas_demo(self) -> list[Cuenta]:
        """The simulator's built-in accounts (RI in pv 1–10, monotributo in 11 and 12)."""
        from importer.sandbox.emisores import emisores_demo

        return [
            Cuenta(
                nombre=e.nombre,
                cuit=e.profile.cuit,
                punto_venta=e.punto_venta,
                credentials=_credentials(e.credentials),
                condicion_iva=e.profile.condicion_iva,
                origen="cuentas de demostración del simulador",
                credenciales_desde="el simulador (credenciales de demostración)",
            )
            for e in emisores_demo()
        ]

    def credenciales_de(self, cuit: str, punto_venta: int) -> Credentials:
        """The simulator's demo triple for (CUIT, punto de venta), the same in every run."""
        from importer.sandbox.emisores import demo_credentials

        return _credentials(demo_credentials(cuit, punto_venta))

    @contextmanager
    def en_marcha(self, hoy: date, datos: Path, cuentas: Sequence[Cuenta] = ()) -> Iterator[str]:
        """Run it for the length of the `with`; `cuentas` are registered (each with the triple of
        `credenciales_de`, never its own secrets). Yields the base URL."""
        from importer.sandbox import Sandbox
        from importer.sandbox.emisores import emisor

        registradas = [emisor(c.cuit, c.punto_venta, c.condicion_iva, c.nombre) for c in cuentas]
        # Checking totals makes every rehearsal a cross-check of our arithmetic.
        with Sandbox(hoy=hoy, datos=datos, check_totals=True, cuentas=registradas) as sandbox:
            yield sandbox.base_url


def _credentials(values: dict[str, str]) -> Credentials:
    return Credentials(values["usertoken"], values["apikey"], values["apitoken"])
