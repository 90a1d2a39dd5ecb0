"""Settling what TusFacturas already has: the lookup before a first POST, and reconciliation.

A comprobante in doubt is looked up (by `external_reference`, then by number) before anything new
is sent on its punto de venta; one TusFacturas already has with our data is adopted (its CAE taken,
never sent again), one with other data is refused. "Not found" proves absence only after the
attempt's in-flight window (reconcile.py decides; this module records the verdicts).
"""

from __future__ import annotations

import json
import logging
from datetime import date

from importer.dominio.comprobantes import EMITIDO, RECHAZADO, Comprobante
from importer.emision import ledger as L
from importer.emision.api import LookupFailed
from importer.emision.reconcile import Decision, Found, Verdict
from importer.emision.run_state import PuntoDeVentaBlocked, RunState, StopRun

logger = logging.getLogger("importer.emision.runner")

# A comprobante proven absent this many times in one run (every attempt ended in doubt) stops the
# run: each attempt is a billed request and something is wrong on the other side.
MAX_VERIFIED_RESENDS = 3


class Adoption(RunState):
    def precheck(self, c: Comprobante, record: L.Record) -> bool:
        """Before a POST, ask TusFacturas whether it already has the referencia.

        The ledger is the first guard; this lookup (not billed) is the second, for what the ledger
        cannot know: a lost or moved ledger, regenerated credentials, another computer that
        finished earlier, or a referencia reused from an earlier month. The explicit number closes
        the race with a computer emitting at the same moment. The answer comes from the date
        listing when it was taken after the number was learned (listados.py), else from an
        `EXT_REF` lookup. True when settled here.
        """
        items = self.listado.items(c.referencia, c.fecha, self.numbering.aprendido(c.punto_venta, c.tipo))
        try:
            if items is None:  # the date listing cannot vouch for it: ask for this referencia
                items = self._lookup_with_backoff(lambda: self.client.consultar_referencia(c.referencia))
        except LookupFailed as exc:
            if self._interrupted():
                return True  # nothing sent: it stays pending
            # Without the lookup a lost ledger would emit the sheet again under fresh numbers.
            raise PuntoDeVentaBlocked(
                f"{c.referencia}: no se pudo consultar TusFacturas ({exc}) para saber si esta referencia ya "
                f"fue emitida; no se envió nada más en el punto de venta {c.punto_venta}. Vuelva a ejecutar "
                "más tarde."
            ) from None
        existing = [f for f in map(Found.parse, items) if f.emitted]
        if not existing:
            return False
        self._settle_existing(c, record, existing, "referencia, antes de enviar")
        return True

    def _settle_existing(self, c: Comprobante, record: L.Record, existing: list[Found], why: str) -> str:
        """TusFacturas already has this referencia: adopt it when it is ours, refuse it otherwise."""
        same = [f for f in existing if f.ours(record) and f.same_content(record)]
        if same:
            self._adopt(
                record,
                Decision(Verdict.EMITTED, tuple(sorted(same, key=lambda f: -(f.numero or 0))), how=why),
                old=L.PENDING,
            )
            self.note(
                c.referencia,
                "Ya estaba emitido en TusFacturas (no figuraba en el registro de esta "
                "computadora): se tomó su CAE y no se volvió a enviar.",
            )
            return L.EMITTED
        other = existing[0]
        message = (
            f"No se envió: la referencia {c.referencia} ya existe en TusFacturas ({other.tipo} "
            f"{other.punto_venta:05d}-{other.numero or 0:08d}"
            + (f" del {date.fromisoformat(other.fecha):%d/%m/%Y}" if other.fecha else "")
            + ") con otros datos. Use una referencia nueva para este comprobante."
        )
        self.ledger.transition(
            self.acc,
            c.referencia,
            L.PENDING,
            L.REJECTED,
            "referencia existente",
            errores=json.dumps([message], ensure_ascii=False),
        )
        self.report.rejected_now += 1
        self.progress(c.referencia, RECHAZADO)
        return L.REJECTED

    def reconcile_pv(self, pv: int) -> tuple[str, float]:
        """Settle every in-doubt comprobante of the punto de venta: 'ok', 'wait' or 'undecidable'."""
        earliest_wait = 0.0
        for record in self.ledger.in_state(self.acc, L.IN_DOUBT):
            if record.punto_venta != pv:
                continue
            state = self.reconcile(record)
            if state == "wait":
                until = record.inflight_until or 0.0
                earliest_wait = until if not earliest_wait else min(earliest_wait, until)
            elif state == "undecidable":
                return "undecidable", 0.0
        if earliest_wait:
            return "wait", earliest_wait
        return "ok", 0.0

    def reconcile(self, record: L.Record) -> str:
        """'emitted', 'absent', 'wait' (absence not provable yet) or 'undecidable'."""
        decision = self.reconciler.decide(record)
        if decision.verdict is Verdict.EMITTED:
            return self._adopt(record, decision)
        if decision.verdict is Verdict.UNDECIDABLE:
            return self._undecidable(record, decision.why)
        if decision.verdict is Verdict.WAIT:
            return "wait"
        self.ledger.transition(
            self.acc,
            record.referencia,
            L.IN_DOUBT,
            L.PENDING,
            "verificado: no emitido",
            errores=None,
            absent_checks=record.absent_checks + 1,
        )
        self.report.reconciled += 1
        count = self._absent_in_run.get(record.referencia, 0) + 1
        self._absent_in_run[record.referencia] = count
        if count >= MAX_VERIFIED_RESENDS:
            raise StopRun(
                f"{record.referencia}: {count} envíos seguidos quedaron sin respuesta clara y TusFacturas "
                "confirma que no se emitió. Se detiene para no gastar más pedidos; revise el estado del "
                "servicio y vuelva a ejecutar más tarde."
            )
        logger.info("%s: TusFacturas confirma que no fue emitido; se enviará en orden.", record.referencia)
        return "absent"

    def _adopt(self, record: L.Record, decision: Decision, old: str = L.IN_DOUBT) -> str:
        first: Found = decision.found[0]
        fields = dict(first.fields)
        if first.numero is not None:
            fields.setdefault("numero", first.numero)
        self._record_emitted(record.referencia, old, fields, None)
        self.report.reconciled += 1
        self.progress(record.referencia, EMITIDO)
        logger.info(
            "%s: ya estaba emitido (encontrado por %s); no se vuelve a enviar.",
            record.referencia,
            decision.how,
        )
        if len(decision.found) > 1:
            self.note(
                record.referencia,
                f"TusFacturas tiene {len(decision.found)} comprobantes con esta referencia y los mismos "
                "datos: revise si hay duplicados.",
            )
        return "emitted"

    def _undecidable(self, record: L.Record, why: str) -> str:
        message = f"En duda: {why}. Vuelva a ejecutar el mismo comando más tarde."
        # A doubt awaiting a person keeps the explanation of what to do (resolver).
        kept = [e for e in record.error_list if record.manual and not e.startswith("En duda: ")]
        self.ledger.update(
            self.acc, record.referencia, errores=json.dumps([message, *kept], ensure_ascii=False)
        )
        logger.warning("%s: %s", record.referencia, message)
        return "undecidable"
