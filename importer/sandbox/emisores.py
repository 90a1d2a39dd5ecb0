"""Registered issuers: which credential triple is which CUIT and punto de venta.

TusFacturas gives one triple per (CUIT, punto de venta); a registered triple is refused for any
other punto de venta and its lookups see only its own. The simulator registers built-in demo
accounts (an RI issuer with puntos de venta 1–10, a monotributista with 11 and 12) and, on demand,
the accounts of a `cuentas.toml`. Their triples are derived from (CUIT, punto de venta), so they
are the same in every run (a ledger of an earlier run still matches) and are not secrets: the
simulator never takes a user's real credentials. A triple nobody registered keeps the default
behaviour: the sandbox's issuer profile with every one of its puntos de venta.

Independent of the client: the accounts file is read here again (only nombre, cuit, punto_venta
and condicion_iva), with the sandbox's own CUIT check.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from importer.sandbox.cuit import is_valid_cuit
from importer.sandbox.profile import MONOTRIBUTO, RI, IssuerProfile

PUNTOS_VENTA_RI_DEMO = tuple(range(1, 11))
PUNTOS_VENTA_MONOTRIBUTO_DEMO = (11, 12)
_CONDICIONES = {
    "ri": RI,
    "responsable inscripto": RI,
    "m": MONOTRIBUTO,
    "mt": MONOTRIBUTO,
    "monotributo": MONOTRIBUTO,
}


def demo_credentials(cuit: str, punto_venta: int) -> dict[str, str]:
    """The simulator's triple for (CUIT, punto de venta): deterministic, readable, not a secret.

    The apikey has nine digits so that masking it in a client's output never hides a short number.
    """
    digest = hashlib.sha256(f"tf-sandbox-demo-v1\0{cuit}\0{punto_venta}".encode()).hexdigest()
    return {
        "usertoken": f"sandbox-{cuit}-pv{punto_venta}-{digest[:8]}",
        "apikey": str(100_000_000 + int(digest[8:16], 16) % 900_000_000),
        "apitoken": f"sandbox-{digest[16:48]}",
    }


@dataclass(frozen=True)
class Emisor:
    """A registered account: its name, its issuer (with ONE punto de venta) and its triple."""

    nombre: str
    profile: IssuerProfile

    @property
    def punto_venta(self) -> int:
        return next(iter(self.profile.puntos_venta))

    @property
    def credentials(self) -> dict[str, str]:
        return demo_credentials(self.profile.cuit, self.punto_venta)


def emisor(cuit: str, punto_venta: int, condicion_iva: str = RI, nombre: str = "") -> Emisor:
    """An issuer for one account: the demo RI or monotributo profile with this CUIT and pv."""
    base = (
        IssuerProfile.monotributo() if condicion_iva == MONOTRIBUTO else IssuerProfile.responsable_inscripto()
    )
    profile = replace(base, cuit=cuit, puntos_venta=frozenset({punto_venta}))
    if nombre:
        profile = replace(profile, razon_social=nombre.upper())
    return Emisor(nombre or f"CUIT {profile.cuit_con_guiones} PV {punto_venta}", profile)


def emisores_demo() -> list[Emisor]:
    """The built-in accounts: the RI demo issuer in pv 1–10, the monotributista in 11 and 12."""
    ri, mono = IssuerProfile.responsable_inscripto(), IssuerProfile.monotributo()
    cuentas = [
        Emisor(f"Demo RI PV {pv}", replace(ri, puntos_venta=frozenset({pv}))) for pv in PUNTOS_VENTA_RI_DEMO
    ]
    cuentas += [
        Emisor(f"Demo Monotributo PV {pv}", replace(mono, puntos_venta=frozenset({pv})))
        for pv in PUNTOS_VENTA_MONOTRIBUTO_DEMO
    ]
    return cuentas


def leer_cuentas(path: Path) -> list[Emisor]:
    """The issuers of an accounts file (interface.md §10); ValueError with a Spanish message.

    Credentials in the file are not read: the simulator gives each account its demo triple.
    """
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no existe el archivo de cuentas.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: no se pudo leer el archivo de cuentas ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: el archivo de cuentas no es TOML válido ({exc}).") from None
    tablas = data.get("cuenta")
    if not isinstance(tablas, list) or not tablas or not all(isinstance(t, dict) for t in tablas):
        raise ValueError(f"{path}: no hay ninguna tabla [[cuenta]].")
    emisores: list[Emisor] = []
    vistos: set[tuple[str, int]] = set()
    for index, tabla in enumerate(tablas, 1):
        found = _emisor(path, index, tabla)
        key = (found.profile.cuit, found.punto_venta)
        if key in vistos:
            raise ValueError(
                f"{path}, cuenta {index}: repite la CUIT {found.profile.cuit_con_guiones} "
                f"y el punto de venta {found.punto_venta}."
            )
        vistos.add(key)
        emisores.append(found)
    return emisores


def _emisor(path: Path, index: int, tabla: dict[str, Any]) -> Emisor:
    where = f"{path}, cuenta {index}"
    cuit = str(tabla.get("cuit", "")).replace("-", "").replace(" ", "").replace(".", "")
    if not is_valid_cuit(cuit):
        raise ValueError(f"{where}: «cuit» falta o no es una CUIT válida.")
    pv = tabla.get("punto_venta")
    if isinstance(pv, str) and pv.strip().isdigit():
        pv = int(pv)
    if isinstance(pv, bool) or not isinstance(pv, int) or not 1 <= pv <= 99999:
        raise ValueError(f"{where}: «punto_venta» falta o no es un número de 1 a 99999.")
    raw = tabla.get("condicion_iva", "RI")
    condicion = _CONDICIONES.get(raw.strip().lower()) if isinstance(raw, str) else None
    if condicion is None:
        raise ValueError(f'{where}: «condicion_iva» debe ser "RI" o "M".')
    nombre = tabla.get("nombre")
    return emisor(cuit, pv, condicion, nombre.strip() if isinstance(nombre, str) else "")


def describir(emisores: list[Emisor]) -> str:
    """One line per account with its triple, for the simulator's banner."""
    lines = []
    for e in emisores:
        c = e.credentials
        lines.append(
            f"  {e.nombre:<24} CUIT {e.profile.cuit_con_guiones}  PV {e.punto_venta:<5} "
            f"{'RI' if e.profile.condicion_iva == RI else 'M ':<2}  "
            f"usertoken={c['usertoken']}  apikey={c['apikey']}  apitoken={c['apitoken']}"
        )
    return "\n".join(lines)
