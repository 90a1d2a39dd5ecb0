"""Deciding what happened to a comprobante in doubt, from TusFacturas' own lookups.

The verdicts (tusfacturas-api.md §7.4):
- EMITTED     TusFacturas has it: a comprobante with our reference (or, in the numbering
              fallback, a new number without reference) whose tipo, punto de venta, fecha,
              customer and total are ours;
- ABSENT      proven not emitted: nothing found by reference nor among the numbers issued since
              the last one we know, by lookups made after the attempt's in-flight window;
- WAIT        nothing found yet, but the attempt may still be in flight: ask again later;
- UNDECIDABLE the lookups fail, or what they show contradicts our data, or the comprobante needs a
              person (AFIP has it, TusFacturas does not): never re-send automatically.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from importer.dominio.reloj import Reloj
from importer.emision import ledger as L
from importer.emision.api import LookupFailed, TusFacturasClient

NUMERACION_SCAN_LIMIT = 50  # numbers checked one by one when the reference lookup finds nothing


class Verdict(StrEnum):
    EMITTED = "emitted"
    ABSENT = "absent"
    WAIT = "wait"
    UNDECIDABLE = "undecidable"


def parse_numero(fields: dict[str, Any]) -> int | None:
    """The number from `comprobante_nro` (`PPPPP-NNNNNNNN`) or `numero` (int or padded text)."""
    nro = str(fields.get("comprobante_nro", "")).strip()
    match = re.fullmatch(r"(\d+)-(\d+)", nro)
    if match:
        return int(match.group(2))
    raw = str(fields.get("numero", "")).strip()
    if raw.isdigit():
        return int(raw)
    return int(nro) if nro.isdigit() else None


def money(value: object) -> Decimal | None:
    try:
        return Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def iso_date(text: object) -> str | None:
    try:
        return datetime.strptime(str(text).strip(), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class Found:
    """A comprobante as a lookup returns it, reduced to what reconciliation compares."""

    referencia: str
    tipo: str
    punto_venta: int
    numero: int | None
    emitted: bool
    total: Decimal | None
    documento: str
    fecha: str | None  # ISO
    fields: dict[str, Any]

    @classmethod
    def parse(cls, item: dict[str, Any]) -> Found:
        comp = item.get("comprobante") or {}
        cli = item.get("cliente") or {}
        cae = str(comp.get("cae", "")).strip()
        status = str(comp.get("status", "")).strip().upper()
        try:
            pv = int(str(comp.get("punto_venta", "0")).strip() or 0)
        except ValueError:
            pv = 0
        return cls(
            referencia=str(comp.get("external_reference", "")).strip(),
            tipo=str(comp.get("tipo", "")).strip().upper(),
            punto_venta=pv,
            numero=parse_numero(comp),
            emitted=status == "EMITIDO" or (not status and bool(cae)),
            total=money(comp.get("total", "")),
            documento=str(cli.get("documento_nro", "")).strip(),
            fecha=iso_date(comp.get("fecha", "")),
            fields=comp,
        )

    def same_content(self, record: L.Record) -> bool:
        """Same total, customer and date as what we sent (fields the lookup omits are not held against it)."""
        return (
            (self.total is None or self.total == money(record.total))
            and (not self.documento or self.documento == record.cliente_documento)
            and (self.fecha is None or self.fecha == record.fecha)
        )

    def ours(self, record: L.Record) -> bool:
        return self.tipo == record.tipo.upper() and self.punto_venta == record.punto_venta


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    found: tuple[Found, ...] = ()  # for EMITTED: the adopted one first, then any duplicates
    why: str = ""  # Spanish, for UNDECIDABLE
    how: str = ""  # "referencia" or "numeración", for EMITTED


class Reconciler:
    def __init__(
        self,
        client: TusFacturasClient,
        ledger: L.Ledger,
        account: str,
        lookup: Callable[[Callable[[], Any]], Any],
        reloj: Reloj,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.account = account
        self.lookup = lookup  # runs one lookup call with pacing and retries; raises LookupFailed
        self.reloj = reloj  # the runner's: its in-flight windows are counted on it

    def decide(self, record: L.Record) -> Decision:
        try:
            items = self.lookup(lambda: self.client.consultar_referencia(record.referencia))
        except LookupFailed as exc:
            return Decision(Verdict.UNDECIDABLE, why=f"no se pudo consultar TusFacturas ({exc})")
        candidates = [f for f in map(Found.parse, items) if f.emitted and f.ours(record)]
        agreeing = sorted((f for f in candidates if f.same_content(record)), key=lambda f: -(f.numero or 0))
        if agreeing:
            # The newest one is the one this attempt created; older ones are earlier duplicates.
            return Decision(Verdict.EMITTED, tuple(agreeing), how="referencia")
        if candidates:
            return Decision(
                Verdict.UNDECIDABLE,
                why="TusFacturas tiene un comprobante con esta referencia pero con otra fecha, total o "
                "cliente; revíselo antes de volver a emitir",
            )
        if record.manual:
            return Decision(Verdict.UNDECIDABLE, why=record.error_list[0] if record.errores else "")
        if self.reloj.now() < (record.inflight_until or 0.0):
            return Decision(Verdict.WAIT)
        try:
            return self._scan_numbers(record)
        except LookupFailed as exc:
            return Decision(Verdict.UNDECIDABLE, why=f"no se pudo consultar la numeración ({exc})")

    def _scan_numbers(self, record: L.Record) -> Decision:
        """Every number issued after the last one we know: ours, or one that lost its reference."""
        last = self.lookup(lambda: self.client.numeracion(record.tipo, record.punto_venta))
        known = self.ledger.max_numero(self.account, record.punto_venta, record.tipo) or 0
        first = max(known + 1, last - NUMERACION_SCAN_LIMIT + 1, 1)
        for numero in range(last, first - 1, -1):
            data = self.lookup(
                functools.partial(self.client.consultar, record.tipo, record.punto_venta, numero)
            )
            if data is None:
                continue
            found = Found.parse(data)
            if not found.emitted:
                continue
            if found.referencia == record.referencia:
                if found.same_content(record):
                    return Decision(Verdict.EMITTED, (found,), how="numeración")
                return Decision(
                    Verdict.UNDECIDABLE,
                    why=f"el número {numero} tiene esta referencia pero otros datos; revíselo en TusFacturas",
                )
            if not found.referencia and found.same_content(record) and found.documento and found.fecha:
                return Decision(Verdict.EMITTED, (found,), how="numeración")
        return Decision(Verdict.ABSENT)
