"""Where each comprobante goes: the accounts of a run and the account of each comprobante.

Three cases (interface.md §10):
- an accounts file (`--cuentas`, `TF_IMPORT_CUENTAS` or the per-user `cuentas.toml`): one account
  per (CUIT, punto de venta); a comprobante goes to the account of its (`emisor_cuit`,
  `punto_venta`), and one that has none is INVALIDO with a message naming what to add;
- no file: the environment's triple (`TUSFACTURAS_*`) is one account for every punto de venta,
  with `TUSFACTURAS_CUIT` as its issuer, as before accounts existed;
- `--sandbox`: the simulator's accounts — the file's, each with the simulator's own triple (its
  real secrets are never read), or else the built-in demo accounts.
Loading the accounts needs no network, so `validate` uses the same routing; connecting (the base
URL, the embedded simulator) is `conectar`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from importer.dominio.comprobantes import Comprobante, DatosFce
from importer.dominio.errores import TfImportError, UsageError
from importer.dominio.formato import es_loopback
from importer.dominio.problems import Problem
from importer.emision import ledger as L
from importer.emision.api import DEFAULT_BASE_URL
from importer.emision.conexion import Simulador
from importer.emision.cuentas import Cuenta, cargar_cuentas, con_guiones, cuenta_de, ruta_cuentas
from importer.emision.desenlace import Buscar
from importer.emision.fce import FceDefaults, fce_defaults
from importer.emision.secrets import Credentials, load_credentials, missing_credential_names

SIN_CUENTA = "cuenta.inexistente"


@dataclass(frozen=True)
class Destino:
    """One account of the run."""

    nombre: str  # "" for the environment's triple
    credentials: Credentials
    cuit: str | None  # the issuer (11 digits), sent in the asociados of notas
    fce: DatosFce
    cuenta: Cuenta | None  # None: the environment's triple, for every punto de venta

    @property
    def account(self) -> str:
        """The ledger's key of this account (a one-way hash of the triple)."""
        return self.credentials.account_key()

    def describir(self) -> str:
        return (
            self.cuenta.describir()
            if self.cuenta
            else "la cuenta de TUSFACTURAS_* (todos los puntos de venta)"
        )


@dataclass(frozen=True)
class Destinos:
    destinos: tuple[Destino, ...]
    archivo: Path | None  # the accounts file, if one is used
    sandbox: bool

    @property
    def varias(self) -> bool:
        return len(self.destinos) > 1 or self.archivo is not None

    def de(self, c: Comprobante) -> Destino | str:
        """The account of a comprobante, or why it has none (Spanish)."""
        if not self.varias:
            unica = self.destinos[0]
            if c.emisor_cuit and c.emisor_cuit != unica.cuit:
                # A multi-client sheet on a computer without its accounts file must not be
                # invoiced by whichever CUIT the environment's triple belongs to.
                configurada = (
                    f"es {con_guiones(unica.cuit)}"
                    if unica.cuit
                    else "no está configurada (TUSFACTURAS_CUIT)"
                )
                return (
                    f"la fila indica la CUIT emisora {con_guiones(c.emisor_cuit)}, y la de la cuenta de "
                    f"TUSFACTURAS_* {configurada}: configure las cuentas en cuentas.toml (vea tf-import "
                    "cuentas) o defina TUSFACTURAS_CUIT si es la misma."
                )
            return unica
        cuentas = [d.cuenta for d in self.destinos if d.cuenta is not None]
        found = cuenta_de(cuentas, c.emisor_cuit, c.punto_venta)
        if isinstance(found, str):
            return found
        return next(d for d in self.destinos if d.cuenta is found)

    def fce_defaults(self, settings: Mapping[str, str]) -> FceDefaults:
        """The FCE defaults of a comprobante's account over the environment's, field by field."""
        del_entorno = fce_defaults(settings)

        def defaults(emisor_cuit: str, punto_venta: int) -> DatosFce:
            base = del_entorno(emisor_cuit, punto_venta)
            cuentas = [d.cuenta for d in self.destinos if d.cuenta is not None]
            cuenta = cuenta_de(cuentas, emisor_cuit, punto_venta) if cuentas else None
            if not isinstance(cuenta, Cuenta):
                return base
            own = {k: v for k, v in dataclasses.asdict(cuenta.fce).items() if v}
            return dataclasses.replace(base, **own)

        return defaults


def cargar(
    *, sandbox: bool, opcion: Path | None, settings: Mapping[str, str], simulador: Simulador | None
) -> Destinos:
    """The accounts of a run (no network). Missing credentials stop here (exit 2)."""
    archivo = ruta_cuentas(opcion, settings)
    if sandbox:
        if simulador is None:
            raise TfImportError("El simulador de TusFacturas no está disponible en esta instalación.")
        if archivo is not None:
            cuentas = cargar_cuentas(archivo, settings, simuladas=simulador.credenciales_de)
        else:
            cuentas = simulador.cuentas_demo()
        return Destinos(tuple(_de_cuenta(c) for c in cuentas), archivo, True)
    if archivo is not None:
        return Destinos(tuple(_de_cuenta(c) for c in cargar_cuentas(archivo, settings)), archivo, False)
    missing = missing_credential_names(dict(settings))
    credentials = load_credentials(dict(settings))
    if missing or credentials is None:
        raise UsageError(
            "Faltan las credenciales de TusFacturas: defina "
            + ", ".join(missing)
            + " (en el entorno o en un archivo .env), o configure sus cuentas en cuentas.toml "
            "(vea tf-import cuentas). Para probar sin credenciales use --sandbox."
        )
    cuit = settings.get("TUSFACTURAS_CUIT", "").replace("-", "").strip() or None
    return Destinos((Destino("", credentials, cuit, DatosFce(), None),), None, False)


def destinos_para_validar(opcion: Path | None, settings: Mapping[str, str]) -> Destinos | None:
    """The accounts `validate` routes to: the accounts file's (its secrets are not needed, nor
    read), else the environment's triple when configured (it refuses another issuer's rows as `run`
    does); None without either."""
    archivo = ruta_cuentas(opcion, settings)
    if archivo is None:
        entorno = load_credentials(dict(settings))
        if entorno is None:
            return None
        cuit = settings.get("TUSFACTURAS_CUIT", "").replace("-", "").strip() or None
        return Destinos((Destino("", entorno, cuit, DatosFce(), None),), None, False)

    def sin_secretos(cuit: str, punto_venta: int) -> Credentials:
        marca = f"validar-{cuit}-{punto_venta}"  # one per account, like real triples
        return Credentials(marca, marca, marca)

    cuentas = cargar_cuentas(archivo, settings, simuladas=sin_secretos)
    return Destinos(tuple(_de_cuenta(c) for c in cuentas), archivo, False)


def _de_cuenta(c: Cuenta) -> Destino:
    return Destino(c.nombre, c.credentials, c.cuit, c.fce, c)


def base_url(
    destinos: Destinos,
    *,
    opcion: str | None,
    dry_run: bool,
    settings: Mapping[str, str],
    simulador: Simulador | None,
    hoy: date,
    datos: Path,
    stack: ExitStack,
) -> str:
    """The API of this run ("" for a --dry-run: nothing is sent); an embedded simulator stays up as
    long as `stack`."""
    if not destinos.sandbox:
        return opcion or settings.get("TUSFACTURAS_BASE_URL") or DEFAULT_BASE_URL
    if opcion:
        if not es_loopback(opcion):
            raise UsageError(
                "--sandbox con --base-url solo acepta un simulador en esta computadora "
                "(127.0.0.1 o localhost): para emitir de verdad, quite --sandbox."
            )
        return opcion
    if dry_run or simulador is None:
        return ""
    registradas = [d.cuenta for d in destinos.destinos if d.cuenta is not None] if destinos.archivo else []
    return stack.enter_context(simulador.en_marcha(hoy, datos / "sandbox", registradas))


def asignar(validacion: Any, destinos: Destinos) -> tuple[Any, dict[str, Destino], list[str]]:
    """Each valid comprobante's account; one without an account becomes INVALIDO (problem on its
    first row, at `emisor_cuit` or `punto_venta`). Returns the validation, the routing by
    referencia and the lines to show."""
    v = validacion
    routing: dict[str, Destino] = {}
    problems: list[Problem] = []
    for c in v.comprobantes:  # the invalid ones too: one emitted earlier is shown from its ledger
        found = destinos.de(c)
        if isinstance(found, Destino):
            routing[c.referencia] = found
            continue
        if c.referencia in v.invalidas:
            continue
        columna = "emisor_cuit" if c.emisor_cuit else "punto_venta"
        problems.append(
            Problem(
                SIN_CUENTA,
                f"Sin cuenta de TusFacturas: {found}",
                fila=c.primera_fila,
                columna=columna,
                letra=v.planilla.letra(columna),
                hoja=v.planilla.hoja,
                referencia=c.referencia,
            )
        )
    if not problems:
        return v, routing, []
    refs = {p.referencia for p in problems if p.referencia}
    merged = sorted([*v.problems, *problems], key=_orden_de(v.planilla.hoja))
    donde = f" ({destinos.archivo})" if destinos.archivo else ""
    lines = [f"{len(refs)} comprobantes no tienen cuenta{donde} y no se envían: {problems[0].mensaje}"]
    return dataclasses.replace(v, problems=merged, invalidas=v.invalidas | refs), routing, lines


def _orden_de(hoja: str):  # noqa: ANN202 - a sort key
    def key(p: Problem) -> tuple[int, int]:
        return (0 if p.hoja in (None, hoja) else 1, p.fila or 0)

    return key


def nombres(destinos: Sequence[Destino]) -> dict[str, str]:
    return {d.account: d.nombre for d in destinos}


def buscador(ledger: L.Ledger, destinos: Destinos, routing: Mapping[str, Destino]) -> Buscar:
    """A referencia's record in its account's ledger rows (any account's, for a referencia whose
    comprobante could not even be built), and that account's issuer CUIT."""

    def buscar(referencia: str) -> tuple[L.Record | None, str | None]:
        destino = routing.get(referencia)
        if destino is not None:
            return ledger.get(destino.account, referencia), destino.cuit
        for d in destinos.destinos:
            record = ledger.get(d.account, referencia)
            if record is not None:
                return record, d.cuit
        return None, None

    return buscar


def segun_registro(
    comprobantes: Sequence[Comprobante], routing: dict[str, Destino], destinos: Destinos, ledger: L.Ledger
) -> tuple[dict[str, Destino], dict[str, Destino]]:
    """What the ledger already says wins over the sheet's routing: a referencia emitted by another
    account of the same issuer stays there (shown as emitted, its changed rows reported, never sent
    again); one sent by another account and still in doubt is set apart (that account's stream
    settles it; nothing is sent for it this run). Returns the routing and the set-apart ones."""
    routing = dict(routing)
    apartados: dict[str, Destino] = {}
    for c in comprobantes:
        destino = routing.get(c.referencia)
        if destino is None:
            continue
        for other in destinos.destinos:
            if other is destino:
                continue
            record = ledger.get(other.account, c.referencia)
            if record is None:
                continue
            if record.state == L.EMITTED and other.cuit == destino.cuit:
                routing[c.referencia] = other
                break
            if record.state in (L.SENDING, L.IN_DOUBT) and other.cuit == destino.cuit:
                routing[c.referencia] = apartados[c.referencia] = other
                break
    return routing, apartados
