"""`tf-import resolver`: settling by hand a comprobante that only a person can settle.

When TusFacturas answers that a comprobante "existe en ARCA pero no en TusFacturas" (or a 10016
follows an attempt that ended without an answer), the ledger keeps it in doubt with `manual=1`:
no lookup can tell whether AFIP authorised it, so the run never sends it again and blocks its
punto de venta. The user looks it up in ARCA («Mis Comprobantes») and records what they found:

- emitted, with the número and CAE ARCA shows → EMITIDO (never sent again);
- not emitted → PENDIENTE: the next run sends it after the usual lookup.

Only through ledger transitions (compare-and-set from `in_doubt`, with an event), never by editing
the ledger otherwise; a referencia that is not awaiting manual resolution is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from importer.dominio.errores import UsageError
from importer.emision import ledger as L
from importer.emision.desenlace import ESTADO_DE
from importer.emision.destinos import Destino, cargar
from importer.emision.opciones import Dependencias
from importer.emision.rutas import ledger_path

OBSERVACION_EMITIDO = (
    "Registrado a mano con tf-import resolver con los datos de ARCA (Mis Comprobantes): "
    "TusFacturas no tiene este comprobante ni su PDF."
)


@dataclass(frozen=True)
class HallazgoArca:
    """What the user found in ARCA for an emitted comprobante."""

    numero: int
    cae: str
    vencimiento_cae: date | None = None


@dataclass(frozen=True)
class OpcionesResolucion:
    datos: Path  # the data folder (default ledgers)
    referencia: str
    hallazgo: HallazgoArca | None  # None: ARCA shows it was not emitted
    sandbox: bool = False
    estado: Path | None = None  # --estado (or TF_IMPORT_ESTADO, resolved by the caller)
    cuentas: Path | None = None  # --cuentas
    cuenta: str | None = None  # --cuenta NOMBRE


@dataclass(frozen=True)
class Resolucion:
    referencia: str
    cuenta: str  # the account's description
    registro: Path
    antes: L.Record
    despues: L.Record

    def lineas(self) -> list[str]:
        """What the command tells the user."""
        r = self.despues
        if r.state == L.EMITTED:
            vence = (
                f", vencimiento del CAE {date.fromisoformat(r.cae_vencimiento):%d/%m/%Y}"
                if r.cae_vencimiento
                else ""
            )
            return [
                f"{self.referencia} ({self.cuenta}): registrado como EMITIDO, {r.tipo} {r.comprobante_nro}, "
                f"CAE {r.cae}{vence}.",
                "No se enviará nunca más. TusFacturas no lo tiene: no habrá PDF de TusFacturas para este "
                "comprobante (descárguelo de ARCA si lo necesita).",
                "Vuelva a ejecutar tf-import run con la planilla para seguir con los demás comprobantes.",
            ]
        return [
            f"{self.referencia} ({self.cuenta}): registrado como NO emitido; queda PENDIENTE.",
            "La próxima ejecución de tf-import run lo consultará en TusFacturas y, si no figura, lo enviará.",
        ]


# --- parsing what the user typed ------------------------------------------------------------------


def leer_numero(texto: str) -> int:
    """The número as ARCA shows it, without the punto de venta: 1 to 8 digits, not zero."""
    limpio = texto.strip()
    if re.fullmatch(r"\d{1,5}-\d{1,8}", limpio):
        raise UsageError(
            f"--numero {texto}: indique solo el número, sin el punto de venta (por ejemplo "
            f"{int(limpio.split('-')[1])} en lugar de {limpio})."
        )
    if not re.fullmatch(r"\d{1,8}", limpio) or int(limpio) == 0:
        raise UsageError(
            f"--numero {texto}: debe ser el número del comprobante, de 1 a 8 dígitos (por ejemplo 125)."
        )
    return int(limpio)


def leer_cae(texto: str) -> str:
    limpio = texto.strip()
    if not re.fullmatch(r"\d{14}", limpio):
        raise UsageError(f"--cae {texto}: el CAE tiene exactamente 14 dígitos, sin espacios ni guiones.")
    return limpio


def leer_fecha(texto: str, opcion: str) -> date:
    try:
        return datetime.strptime(texto.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise UsageError(f"{opcion}: «{texto}» no es una fecha dd/mm/aaaa.") from None


# --- the service ----------------------------------------------------------------------------------


def resolver(opciones: OpcionesResolucion, deps: Dependencias) -> Resolucion:
    """Find the referencia's account, then record what the user found in ARCA (exit 2 on refusal)."""
    o = opciones
    referencia = o.referencia.strip()
    destinos = cargar(sandbox=o.sandbox, opcion=o.cuentas, settings=deps.ajustes(), simulador=deps.simulador)
    path = ledger_path(o.estado, o.sandbox, o.datos)
    if not path.exists():
        raise UsageError(f"No hay registro de emisiones en {path}: no hay nada que resolver.")
    try:
        ledger = L.Ledger(path, reloj=deps.reloj)  # exclusive: never while a run is using it
    except L.LedgerLocked:
        raise UsageError(
            f"El registro {path} está en uso por otra ejecución de tf-import. Espere a que termine."
        ) from None
    except L.LedgerError as exc:
        raise UsageError(str(exc)) from None
    with ledger:
        destino = elegir_cuenta(ledger, destinos.destinos, referencia, o.cuenta, path)
        antes = ledger.get(destino.account, referencia)
        despues = resolver_en_registro(ledger, destino.account, referencia, o.hallazgo)
    assert antes is not None  # elegir_cuenta found it
    return Resolucion(referencia, _describir(destino), path, antes, despues)


def elegir_cuenta(
    ledger: L.Ledger, destinos: Sequence[Destino], referencia: str, nombre: str | None, path: Path
) -> Destino:
    """The account of `--cuenta`, else the only one whose ledger rows have the referencia."""
    if nombre:
        clave = nombre.strip().casefold()
        elegidas = [d for d in destinos if d.nombre.strip().casefold() == clave]
        if not elegidas:
            hay = ", ".join(f"«{d.nombre}»" for d in destinos if d.nombre) or "ninguna con nombre"
            raise UsageError(f"--cuenta {nombre}: no hay ninguna cuenta con ese nombre (hay: {hay}).")
    else:
        elegidas = list(destinos)
    con_ella = [d for d in elegidas if ledger.get(d.account, referencia) is not None]
    if not con_ella:
        donde = f" para la cuenta «{nombre}»" if nombre else ""
        raise UsageError(
            f"La referencia {referencia} no figura en el registro {path}{donde}. Revise la referencia, "
            "el registro (--estado) y el archivo de cuentas (--cuentas)."
        )
    if len(con_ella) > 1:
        cuales = ", ".join(f"«{d.nombre}»" for d in con_ella)
        raise UsageError(
            f"La referencia {referencia} figura en varias cuentas ({cuales}): indique cuál con --cuenta NOMBRE."
        )
    return con_ella[0]


def resolver_en_registro(
    ledger: L.Ledger, account: str, referencia: str, hallazgo: HallazgoArca | None
) -> L.Record:
    """Record the user's finding for a comprobante awaiting manual resolution; returns the new record."""
    record = ledger.get(account, referencia)
    if record is None:
        raise UsageError(f"La referencia {referencia} no figura en el registro de esa cuenta.")
    if record.state != L.IN_DOUBT or not record.manual:
        estado = ESTADO_DE.get(record.state, "PENDIENTE")
        motivo = (
            "está en duda pero no espera resolución manual: la próxima ejecución la verifica sola en TusFacturas"
            if record.state == L.IN_DOUBT
            else f"está {estado}, no en duda"
        )
        raise UsageError(
            f"La referencia {referencia} no espera resolución manual ({motivo}). Solo se resuelven a mano "
            "los comprobantes que AFIP/ARCA pudo autorizar sin que TusFacturas los registre."
        )
    if hallazgo is None:
        ledger.transition(
            account,
            referencia,
            L.IN_DOUBT,
            L.PENDING,
            "resuelto a mano: no emitido según ARCA",
            manual=0,
            errores=None,
            absent_checks=0,  # the earlier attempts are known not to have been authorised
            inflight_until=None,
        )
    else:
        _refuse_conflicts(ledger, account, record, hallazgo)
        nro = f"{record.punto_venta:05d}-{hallazgo.numero:08d}"
        ledger.transition(
            account,
            referencia,
            L.IN_DOUBT,
            L.EMITTED,
            f"resuelto a mano: emitido según ARCA, {nro}, CAE {hallazgo.cae}",
            manual=0,
            errores=None,
            numero=hallazgo.numero,
            comprobante_nro=nro,
            cae=hallazgo.cae,
            cae_vencimiento=hallazgo.vencimiento_cae.isoformat() if hallazgo.vencimiento_cae else None,
            observaciones=OBSERVACION_EMITIDO,
            emitted_fingerprint=record.fingerprint,
        )
    after = ledger.get(account, referencia)
    assert after is not None
    return after


def _refuse_conflicts(ledger: L.Ledger, account: str, record: L.Record, h: HallazgoArca) -> None:
    """A número or CAE the ledger already gives to another comprobante is a typo, not a finding."""
    if h.vencimiento_cae is not None and h.vencimiento_cae.isoformat() < record.fecha:
        raise UsageError(
            f"--vencimiento-cae {h.vencimiento_cae:%d/%m/%Y}: es anterior a la fecha del comprobante "
            f"({date.fromisoformat(record.fecha):%d/%m/%Y})."
        )
    for other in ledger.all(account):
        if other.referencia == record.referencia or other.state != L.EMITTED:
            continue
        if other.tipo == record.tipo and other.punto_venta == record.punto_venta and other.numero == h.numero:
            raise UsageError(
                f"--numero {h.numero}: el registro ya tiene {other.tipo} {other.comprobante_nro} para la "
                f"referencia {other.referencia}. Revise el número en ARCA."
            )
        if other.cae == h.cae:
            raise UsageError(
                f"--cae {h.cae}: el registro ya tiene ese CAE para la referencia {other.referencia}. "
                "Revise el CAE en ARCA."
            )


def _describir(destino: Destino) -> str:
    return f"cuenta «{destino.nombre}»" if destino.nombre else destino.describir()
