"""A local simulator of the TusFacturas.app API v2 (no fiscal validity), for rehearsals and tests.

`Sandbox` serves it on loopback; `FaultPlan` makes it fail on demand (see `faults.py` for the
`--fallas` language); `IssuerProfile` says who the simulated accounts invoice as; `emisores.py`
registers accounts of one CUIT and punto de venta each (built-in demo ones and a cuentas.toml's).
"""

from importer.sandbox.faults import FaultPlan
from importer.sandbox.profile import IssuerProfile
from importer.sandbox.server import Sandbox

__all__ = ["FaultPlan", "IssuerProfile", "Sandbox"]
