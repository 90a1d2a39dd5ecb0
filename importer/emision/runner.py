"""The emission loop: plan, reconcile what is in doubt, send in order, record every step.

Exactly-once rests on four rules (design.md, "Exactly-once"):
1. `sending` is committed to the ledger before each POST; at start-up `sending` becomes `in_doubt`.
2. Nothing new is sent for a punto de venta while one of its comprobantes is in doubt: first it is
   looked up by `external_reference` (and by number through `numeracion` + `consulta`).
3. "Not found" proves absence only after the attempt's in-flight window: a request of a killed
   process may still be committed later. At send time the window is send time + the longest
   connect phase + read timeout + margin (what a crash leaves); once the attempt ends in doubt it
   is end time + margin after a read timeout, or end time + read timeout + margin after an early
   error answer (the server may go on working after answering).
4. Only a certain "not received" (connect failure, 429, AFIP down, maintenance) is sent again
   without a lookup; the transport never re-sends a POST.
5. Every POST carries an explicit `numero` (see numbering.py), fixed before the lookup that proves
   the referencia absent: of two computers emitting the same referencia at once, AFIP lets one
   win and answers 10016 to the other, which then finds the winner's comprobante and adopts it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from importer.dominio.comprobantes import EMITIDO, EN_DUDA, PENDIENTE, RECHAZADO, Comprobante, Emision
from importer.emision import ledger as L
from importer.emision.api import LookupFailed
from importer.emision.pdfs import pdf_name, pdf_ok
from importer.emision.run_state import PuntoDeVentaBlocked, RunOptions, RunReport, StopRun
from importer.emision.sending import MAX_SEQUENCE_RETRIES, Sending
from importer.emision.verificacion import verificar

__all__ = [
    "MAX_SEQUENCE_RETRIES",
    "PuntoDeVentaBlocked",
    "RunOptions",
    "RunReport",
    "Runner",
    "StopRun",
    "emision_from_record",
    "pdf_name",
]

logger = logging.getLogger(__name__)


class Runner(Sending):
    """One run over the comprobantes of a sheet: `run()` plans, settles doubts, sends, reports."""

    # --- planning ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Record every comprobante of the sheet; flag emitted ones whose rows changed since."""
        self.ledger.sending_to_in_doubt(self.acc)
        to_plan: dict[str, dict[str, Any]] = {}
        for c in self.comprobantes:
            body, fp = self.payload(c)
            record = self.ledger.get(self.acc, c.referencia)
            if record is None or record.state in (L.PENDING, L.REJECTED):
                to_plan[c.referencia] = self._plan_data(c, body, fp)
            elif record.state == L.EMITTED and (record.emitted_fingerprint or record.fingerprint) != fp:
                origin = (
                    f" desde la planilla {record.planilla}"
                    if record.planilla and record.planilla != self.opt.planilla
                    else ""
                )
                self.note(
                    c.referencia,
                    f"Ya emitido{origin} con otros datos: no se vuelve a enviar; "
                    "para corregirlo emita una nota de crédito.",
                )
        self.ledger.upsert_pending_many(self.acc, to_plan)

    def to_send(self) -> list[Comprobante]:
        out = []
        for c in self.comprobantes:
            record = self.ledger.get(self.acc, c.referencia)
            if record is None or record.state != L.EMITTED:
                out.append(c)
        return out

    # --- the loop ---------------------------------------------------------------------------------

    def list_dates(self) -> None:
        """Learn the numbers, then list the dates that have several new referencias (listados.py):
        one request per date instead of one lookup per referencia. In that order: a listing only
        vouches for numbers learned before it."""
        nuevos = [c for c in self.to_send() if self._never_sent(c)]
        por_fecha = Counter(c.fecha for c in nuevos)
        fechas = [f for f, n in por_fecha.items() if n >= 2]  # one referencia: one lookup is cheaper
        if not fechas:
            return
        try:
            for pv, tipo in sorted({(c.punto_venta, c.tipo) for c in nuevos if c.fecha in fechas}):
                self.numbering.next(pv, tipo)
        except LookupFailed:
            return  # the send path asks again and says why it cannot go on
        self.listado.cargar(fechas, self._interrupted)

    def _never_sent(self, c: Comprobante) -> bool:
        record = self.ledger.get(self.acc, c.referencia)
        return record is None or (record.state == L.PENDING and not record.attempts)

    def run(self) -> RunReport:
        self.prepare()
        if self.opt.precheck:
            self.list_dates()
        doubt_pvs = {r.punto_venta for r in self.ledger.in_state(self.acc, L.IN_DOUBT)}
        remaining = sorted({c.punto_venta for c in self.to_send()} | doubt_pvs)
        waiting: dict[int, float] = {}
        try:
            while remaining and not self._interrupted():
                for pv in list(remaining):
                    if self._interrupted():
                        break
                    state, until = self.reconcile_pv(pv)
                    if state == "wait":
                        waiting[pv] = until
                        continue
                    waiting.pop(pv, None)
                    if state == "undecidable":
                        remaining.remove(pv)
                        self.pv_fuera.add(pv)
                        continue
                    try:
                        state, until = self.send_pv(pv)
                    except PuntoDeVentaBlocked as blocked:
                        self.report.blocked.append(str(blocked))
                        remaining.remove(pv)
                        continue
                    if state == "done":
                        remaining.remove(pv)
                    elif state == "wait":
                        waiting[pv] = until
                if remaining and all(pv in waiting for pv in remaining):
                    self._wait_until(min(waiting.values()))
        except StopRun as stop:
            self.report.stop_reason = str(stop)
        if self.report.blocked and not self.report.stop_reason:
            self.report.stop_reason = " ".join(self.report.blocked)
        if not self.report.interrupted and not self.report.stop_reason:
            self.pdfs.ensure(self.by_ref, self._interrupted)
            if self.opt.verify:
                self.verify()
        self.report.unresolved = [r.referencia for r in self.ledger.in_state(self.acc, L.IN_DOUBT)]
        return self.report

    def verify(self) -> None:
        """What TusFacturas recorded for each comprobante emitted (verificacion.py)."""
        differences = verificar(
            self.ledger,
            self.acc,
            self.by_ref,
            lambda fecha: self._lookup_with_backoff(
                lambda: self.client.listar_fecha(fecha, before_page=self.pacer.wait), paced=False
            ),
            self._interrupted,
        )
        for referencia, message in differences.items():
            self.note(referencia, message)
        self.report.differences.update(differences)

    def _wait_until(self, until: float) -> None:
        delay = max(0.0, until - self.reloj.now())
        if delay:
            hora = datetime.fromtimestamp(until).strftime("%H:%M:%S")
            logger.info(
                "Hay comprobantes en duda: se confirmarán con TusFacturas a las %s "
                "(dentro de %.0f s), cuando ya no pueda haber un envío en curso.",
                hora,
                delay,
            )
        self._sleep_interruptible(delay)


def emision_from_record(record: L.Record | None, referencia: str, notes: list[str]) -> Emision:
    """The results' view of one comprobante, from its ledger record."""
    estado = {
        L.EMITTED: EMITIDO,
        L.REJECTED: RECHAZADO,
        L.PENDING: PENDIENTE,
        L.SENDING: EN_DUDA,
        L.IN_DOUBT: EN_DUDA,
    }.get(record.state if record else L.PENDING, PENDIENTE)
    if record is None:
        return Emision(referencia, estado, errores=tuple(notes))
    errores = tuple(record.error_list) + tuple(notes)
    return Emision(
        referencia=referencia,
        estado=estado,
        comprobante_nro=record.comprobante_nro or "",
        numero=record.numero,
        cae=record.cae or "",
        cae_vencimiento=date.fromisoformat(record.cae_vencimiento) if record.cae_vencimiento else None,
        pdf=record.pdf_path if record.pdf_path and pdf_ok(Path(record.pdf_path)) else "",
        errores=errores,
        observaciones=record.observaciones or "",
        qr=record.qr or "",
        total_tusfacturas=Decimal(record.tf_total) if record.tf_total else None,
        verificacion=record.verificacion or "",
    )
