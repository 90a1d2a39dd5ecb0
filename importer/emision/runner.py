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

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from importer.dominio.amounts import comprobante_totals
from importer.dominio.comprobantes import EMITIDO, EN_DUDA, PENDIENTE, RECHAZADO, Comprobante, Emision
from importer.emision import ledger as L
from importer.emision.api import CONNECT_BUDGET, EmissionResult, LookupFailed, Outcome, TusFacturasClient
from importer.emision.numbering import Numbering
from importer.emision.pacing import Pacer
from importer.emision.payload import build_payload, canonical_json, fingerprint
from importer.emision.pdfs import PdfStore, pdf_name, pdf_ok  # noqa: F401 - pdf_name is part of this API
from importer.emision.reconcile import Decision, Found, Reconciler, Verdict, iso_date, parse_numero

logger = logging.getLogger(__name__)

LOOKUP_BACKOFF = (0.0, 1.0, 3.0, 7.0)  # seconds before each lookup attempt
MAX_429_BACKOFF = 60.0
MAX_SERVICE_BACKOFF = 30.0
# A comprobante proven absent this many times in one run (every attempt ended in doubt) stops the
# run: each attempt is a billed request and something is wrong on the other side.
MAX_VERIFIED_RESENDS = 3
# 10016 answers to one comprobante in one run, each followed by a new number: more means another
# emitter keeps taking the numbers of this punto de venta.
MAX_SEQUENCE_RETRIES = 5
NUMBERS_CHECKED_AFTER_10016 = 20
# AFIP authorises before TusFacturas records: before blaming the date for a 10016 to the right
# number, wait this long and look again for another computer's comprobante.
SEQUENCE_SETTLE = 5.0
RECHECK = "recheck"  # not a ledger state: look again after SEQUENCE_SETTLE


@dataclass(frozen=True)
class RunOptions:
    account: str
    timeout: float = 180.0
    margin: float = 60.0  # added to the read timeout to get the in-flight window
    rate: float | None = 2.0
    limit: int | None = None
    max_pause: float = 1800.0  # longest wait for AFIP / TusFacturas to come back
    pdf_dir: Path = Path("pdf")
    planilla: str = ""  # file name, recorded in the ledger
    cuit_emisor: str | None = None
    precheck: bool = True  # look a never-sent referencia up in TusFacturas before its first POST


@dataclass
class RunReport:
    sent: int = 0  # POSTs made in this run
    emitted_now: int = 0
    rejected_now: int = 0
    reconciled: int = 0
    stop_reason: str = ""  # Spanish; a resumable stop (exit 3)
    interrupted: bool = False
    unresolved: list[str] = field(default_factory=list)  # referencias still in doubt
    notes: dict[str, list[str]] = field(default_factory=dict)  # per referencia, for the results
    limit_reached: bool = False
    blocked: list[str] = field(default_factory=list)  # puntos de venta stopped for this run (Spanish)


class StopRun(Exception):
    """Stop the whole run (resumable, exit 3). Spanish message."""


class PuntoDeVentaBlocked(Exception):
    """Stop sending on one punto de venta for this run (the others go on; exit 3). Spanish message."""


class Runner:
    def __init__(
        self,
        comprobantes: list[Comprobante],
        client: TusFacturasClient,
        ledger: L.Ledger,
        options: RunOptions,
        *,
        progress: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.comprobantes = comprobantes
        self.by_ref = {c.referencia: c for c in comprobantes}
        self.order = {c.referencia: i for i, c in enumerate(comprobantes)}
        self.client = client
        self.ledger = ledger
        self.opt = options
        self.acc = options.account
        self.clock = clock
        self.sleep = sleep
        self.should_stop = should_stop
        self.progress = progress or (lambda ref, estado: None)
        self.pacer = Pacer(options.rate, sleep=sleep)
        self.report = RunReport()
        self._payloads: dict[str, tuple[dict[str, Any], str]] = {}
        self._attempted: set[str] = set()  # comprobantes POSTed in this run (for --limit)
        self._absent_in_run: dict[str, int] = {}
        self.reconciler = Reconciler(client, ledger, self.acc, self._lookup_with_backoff, clock)
        self.pdfs = PdfStore(client, ledger, self.acc, options.pdf_dir, self.pacer)
        self.numbering = Numbering(
            lambda tipo, pv: self._lookup_with_backoff(lambda: self.client.numeracion(tipo, pv))
        )

    # --- planning ---------------------------------------------------------------------------------

    def payload(self, c: Comprobante) -> tuple[dict[str, Any], str]:
        if c.referencia not in self._payloads:
            body = build_payload(c, cuit_emisor=self.opt.cuit_emisor)
            self._payloads[c.referencia] = (body, fingerprint(body))
        return self._payloads[c.referencia]

    def note(self, referencia: str, text: str) -> None:
        notes = self.report.notes.setdefault(referencia, [])
        if text not in notes:
            notes.append(text)

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

    def _plan_data(self, c: Comprobante, body: dict[str, Any], fp: str) -> dict[str, Any]:
        return {
            "fingerprint": fp,
            "payload": canonical_json(body),
            "tipo": c.tipo,
            "punto_venta": c.punto_venta,
            "fecha": c.fecha.isoformat(),
            "total": str(comprobante_totals(c).total),
            "cliente_documento": c.cliente.documento_nro,
            "planilla": self.opt.planilla,
        }

    def _upsert(self, c: Comprobante, body: dict[str, Any], fp: str) -> L.Record:
        return self.ledger.upsert_pending(self.acc, c.referencia, **self._plan_data(c, body, fp))

    def queue(self, punto_venta: int) -> list[Comprobante]:
        items = [c for c in self.comprobantes if c.punto_venta == punto_venta]
        return sorted(items, key=lambda c: (c.fecha, self.order[c.referencia]))

    def to_send(self) -> list[Comprobante]:
        out = []
        for c in self.comprobantes:
            record = self.ledger.get(self.acc, c.referencia)
            if record is None or record.state != L.EMITTED:
                out.append(c)
        return out

    # --- the loop ---------------------------------------------------------------------------------

    def run(self) -> RunReport:
        self.prepare()
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
        self.report.unresolved = [r.referencia for r in self.ledger.in_state(self.acc, L.IN_DOUBT)]
        return self.report

    def _interrupted(self) -> bool:
        if self.should_stop():
            self.report.interrupted = True
        return self.report.interrupted

    def _wait_until(self, until: float) -> None:
        delay = max(0.0, until - self.clock())
        if delay:
            hora = datetime.fromtimestamp(until).strftime("%H:%M:%S")
            logger.info(
                "Hay comprobantes en duda: se confirmarán con TusFacturas a las %s "
                "(dentro de %.0f s), cuando ya no pueda haber un envío en curso.",
                hora,
                delay,
            )
        self._sleep_interruptible(delay)

    def _sleep_interruptible(self, delay: float) -> None:
        end = self.clock() + delay
        while not self._interrupted():
            left = end - self.clock()
            if left <= 0:
                return
            self.sleep(min(left, 0.5))

    # --- sending --------------------------------------------------------------------------------

    def send_pv(self, pv: int) -> tuple[str, float]:
        """Send the punto de venta's pending comprobantes in order.

        'done' (nothing left to send here in this run), 'again' (one ended in doubt: reconcile it
        first) or 'wait' until a time (one of them is in doubt on another punto de venta).
        """
        for c in self.queue(pv):
            if self._interrupted():
                return "again", 0.0
            record = self.ledger.get(self.acc, c.referencia)
            if record is None or record.state in (L.EMITTED, L.REJECTED):
                continue
            if record.state == L.IN_DOUBT:
                if record.punto_venta != pv:  # sent on another punto de venta: settled there first
                    return "wait", record.inflight_until or self.clock()
                return "again", 0.0
            if (
                self.opt.limit is not None
                and c.referencia not in self._attempted
                and len(self._attempted) >= self.opt.limit
            ):
                self.report.limit_reached = True  # stop sending; doubts of this run still settle
                return "done", 0.0
            last = self.ledger.last_emitted_date(self.acc, pv)
            if last and c.fecha.isoformat() < last:
                ultimo = date.fromisoformat(last).strftime("%d/%m/%Y")
                message = (
                    f"No se envió: la fecha {c.fecha:%d/%m/%Y} es anterior al último comprobante "
                    f"emitido en el punto de venta {pv} ({ultimo}) y AFIP no la acepta. "
                    "Corrija la fecha."
                )
                self.ledger.transition(
                    self.acc,
                    c.referencia,
                    L.PENDING,
                    L.REJECTED,
                    "fecha anterior",
                    errores=json.dumps([message], ensure_ascii=False),
                )
                self.progress(c.referencia, RECHAZADO)
                continue
            if self.send_one(c) == L.IN_DOUBT:
                return "again", 0.0
        return "done", 0.0

    def precheck(self, c: Comprobante, record: L.Record) -> bool:
        """Before a POST, ask TusFacturas whether it already has the referencia.

        The ledger is the first guard; this lookup (not billed) is the second, for what the ledger
        cannot know: a lost or moved ledger, regenerated credentials, another computer that
        finished earlier, or a referencia reused from an earlier month. The explicit number closes
        the race with a computer emitting at the same moment. True when settled here.
        """
        try:
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

    def send_one(self, c: Comprobante) -> str:
        """Emit one comprobante: number → lookup → POST, again after each 10016; returns the ledger
        state it ends in."""
        body, fp = self.payload(c)
        record = self.ledger.get(self.acc, c.referencia)
        if record is not None and record.fingerprint != fp:
            record = self._upsert(c, body, fp)
        looked_up = False  # True right after a 10016, whose handling learned the number, then looked up
        for _ in range(MAX_SEQUENCE_RETRIES + 1):
            numero = self._number_for(c)
            if numero is None:
                return L.PENDING  # interrupted while learning the number: nothing was sent
            record = self.ledger.get(self.acc, c.referencia)
            assert record is not None
            if self.opt.precheck and not looked_up and self.precheck(c, record):
                return self.ledger.get(self.acc, c.referencia).state  # type: ignore[union-attr]
            outcome = self._post(c, body, fp, numero)
            if isinstance(outcome, str):
                return outcome
            settled = self._after_sequence_error(c, numero, outcome)
            if settled is not None:
                return settled
            looked_up = True
        raise StopRun(
            f"{c.referencia}: AFIP rechazó {MAX_SEQUENCE_RETRIES + 1} veces seguidas el número por estar "
            f"ocupado: otro sistema está emitiendo {c.tipo} en el punto de venta {c.punto_venta} al mismo "
            "tiempo. Nada se emitió dos veces; vuelva a ejecutar cuando termine."
        )

    def _number_for(self, c: Comprobante) -> int | None:
        """The explicit number for the next POST (None if interrupted while asking for it)."""
        try:
            return self.numbering.next(c.punto_venta, c.tipo)
        except LookupFailed as exc:
            if self._interrupted():
                return None
            raise StopRun(
                f"No se pudo consultar la numeración de {c.tipo} en el punto de venta {c.punto_venta} "
                f"({exc}). Sin ella no se envía nada, para no emitir dos veces; vuelva a ejecutar más tarde."
            ) from None

    def _post(self, c: Comprobante, body: dict[str, Any], fp: str, numero: int) -> str | EmissionResult:
        """POST with this number until the outcome is settled (the ledger state it ends in), or
        return AFIP's 10016 answer: the number was taken, so this request created nothing."""
        sent = {**body, "comprobante": {**body["comprobante"], "numero": numero}}
        backoff = 1.0
        service_delay = 2.0
        paused_since: float | None = None
        while True:
            if self._interrupted():
                return L.PENDING
            self._attempted.add(c.referencia)  # --limit counts what was really sent
            self.pacer.wait()
            now = self.clock()
            record = self.ledger.get(self.acc, c.referencia)
            self.ledger.transition(
                self.acc,
                c.referencia,
                L.PENDING,
                L.SENDING,
                f"envío con número {numero}",
                attempts=(record.attempts if record else 0) + 1,
                sent_at=now,
                inflight_until=now + CONNECT_BUDGET + self.opt.timeout + self.opt.margin,
                numero_enviado=numero,
            )
            record = self.ledger.get(self.acc, c.referencia)
            self.report.sent += 1
            result = self.client.emitir(sent)
            logger.debug("%s: %s (%s)", c.referencia, result.outcome.value, result.reason)
            if result.outcome is Outcome.EMITTED:
                self._record_emitted(c.referencia, L.SENDING, result.body, fp)
                self.report.emitted_now += 1
                self.progress(c.referencia, EMITIDO)
                return L.EMITTED
            if result.outcome is Outcome.REJECTED:
                self.ledger.transition(
                    self.acc,
                    c.referencia,
                    L.SENDING,
                    L.REJECTED,
                    result.reason,
                    errores=json.dumps(list(result.errores), ensure_ascii=False),
                )
                self.report.rejected_now += 1
                self.progress(c.referencia, RECHAZADO)
                return L.REJECTED
            if result.reason == "numeracion":
                # AFIP checks the explicit number before authorising: a 10016 created nothing.
                self.ledger.transition(self.acc, c.referencia, L.SENDING, L.PENDING, "10016: número ocupado")
                return result
            if result.outcome is Outcome.IN_DOUBT:
                return self._record_doubt(c, record, result)
            # RETRY and STOP: certainly nothing was created.
            self.ledger.transition(self.acc, c.referencia, L.SENDING, L.PENDING, result.reason)
            if result.outcome is Outcome.STOP:
                raise StopRun(_stop_message(result))
            if paused_since is None:
                paused_since = self.clock()
            if self.clock() - paused_since > self.opt.max_pause:
                raise StopRun(_pause_message(result, self.opt.max_pause))
            if result.reason == "http_429":
                logger.info("TusFacturas pide bajar el ritmo (HTTP 429): espera de %.0f s.", backoff)
                self.pacer.back_off(backoff)
                backoff = min(backoff * 2, MAX_429_BACKOFF)
            else:
                service_delay = self._pause_for_service(result, paused_since, service_delay)
            if self._interrupted():
                return L.PENDING

    def _after_sequence_error(self, c: Comprobante, numero: int, result: EmissionResult) -> str | None:
        """After a 10016 to our explicit number: learn the number again, then look the referencia
        up. Returns the state the comprobante was settled in, or None to send it again (the new
        number is fixed and the lookup made after it, as the exactly-once order requires)."""
        for final in (False, True):
            settled = self._check_after_sequence_error(c, numero, result, final=final)
            if settled != RECHECK:
                return settled
            self._sleep_interruptible(SEQUENCE_SETTLE)
            if self._interrupted():
                return L.PENDING
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_after_sequence_error(
        self, c: Comprobante, numero: int, result: EmissionResult, *, final: bool
    ) -> str | None:
        try:
            last = self.numbering.learn(c.punto_venta, c.tipo)
            items = self._lookup_with_backoff(lambda: self.client.consultar_referencia(c.referencia))
            if not any(Found.parse(i).emitted for i in items):
                items = self._numbers_taken_since(c, numero, last)
        except LookupFailed as exc:
            if self._interrupted():
                return L.PENDING
            raise StopRun(
                f"{c.referencia}: AFIP indicó que el número {numero} ya fue usado (10016) y no se pudo "
                f"consultar TusFacturas ({exc}) para saber si otra computadora emitió esta referencia. "
                "No se envió de nuevo; vuelva a ejecutar más tarde."
            ) from None
        record = self.ledger.get(self.acc, c.referencia)
        assert record is not None
        existing = [
            f
            for f in map(Found.parse, items)
            if f.emitted
            and (
                f.referencia == c.referencia
                # found by its number before its referencia shows: same checks as reconciliation
                or (
                    not f.referencia and f.ours(record) and f.same_content(record) and f.documento and f.fecha
                )
            )
        ]
        if existing:
            return self._settle_existing(c, record, existing, "la emitió otra computadora al mismo tiempo")
        if last + 1 != numero:
            logger.info(
                "%s: el número %d ya fue usado por otro emisor; se envía con el %d.",
                c.referencia,
                numero,
                last + 1,
            )
            return None
        if not final:
            return RECHECK
        if record.absent_checks:
            # An earlier attempt ended without an answer: AFIP may hold it although TusFacturas does
            # not (the "existe en ARCA" case, silent). Re-sending it some day could be a second invoice.
            message = (
                f"AFIP rechazó el número {numero} (10016), que según TusFacturas es el próximo, y un envío "
                "anterior de este comprobante quedó sin respuesta: AFIP puede tenerlo autorizado aunque "
                "TusFacturas no lo muestre. No se volverá a enviar: consúltelo con el soporte de "
                "TusFacturas; cuando figure allí, vuelva a ejecutar y se tomará su CAE."
            )
            self.ledger.transition(
                self.acc,
                c.referencia,
                L.PENDING,
                L.IN_DOUBT,
                "10016 después de una duda",
                errores=json.dumps([*result.errores, message], ensure_ascii=False),
                manual=1,
            )
            raise StopRun(f"{c.referencia}: {message}")
        # Our number was the next one and AFIP still said no: the fecha is out of sequence, or the
        # numbering of TusFacturas and AFIP differ. Either way a person must look.
        message = (
            f"AFIP rechazó el comprobante por número o fecha fuera de secuencia (10016) aunque {numero} es "
            f"el próximo número según TusFacturas: la fecha {c.fecha:%d/%m/%Y} es anterior a la del último "
            f"comprobante del punto de venta {c.punto_venta}, o la numeración de TusFacturas y AFIP no "
            "coincide. Revise la fecha; si es correcta, consulte al soporte de TusFacturas."
        )
        self.ledger.transition(
            self.acc,
            c.referencia,
            L.PENDING,
            L.REJECTED,
            "10016 con el número correcto",
            errores=json.dumps([*result.errores, message], ensure_ascii=False),
        )
        self.report.rejected_now += 1
        self.progress(c.referencia, RECHAZADO)
        return L.REJECTED

    def _numbers_taken_since(self, c: Comprobante, numero: int, last: int) -> list[dict[str, Any]]:
        """The comprobantes numbered from ours to the last one: where a referencia that the lookup
        by referencia does not show yet would already be visible by its number."""
        found = []
        for n in range(last, max(numero, last - NUMBERS_CHECKED_AFTER_10016 + 1) - 1, -1):  # newest first
            item = self._lookup_with_backoff(lambda n=n: self.client.consultar(c.tipo, c.punto_venta, n))
            if item is not None:
                comp = item.get("comprobante") if isinstance(item.get("comprobante"), dict) else item
                found.append({"comprobante": comp, "cliente": item.get("cliente") or {}})
        return found

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

    def _record_doubt(self, c: Comprobante, record: L.Record | None, result: EmissionResult) -> str:
        """The attempt may have created the comprobante: record it in doubt, or settle what is known."""
        errores = list(result.errores)
        self.numbering.forget(c.punto_venta, c.tipo)  # whether our number was used is unknown now
        finished = self.clock()
        sent = record.sent_at if record is not None and record.sent_at else finished
        if result.reason == "timeout":  # the server had the request for the whole read timeout
            until = max(sent + self.opt.timeout, finished) + self.opt.margin
        else:  # answered early: the server may go on working as long as a normal request could
            until = finished + self.opt.timeout + self.opt.margin
        manual = result.reason == "existe_en_afip"
        if manual:
            errores.append(
                "AFIP autorizó este comprobante pero TusFacturas no lo registró: no se volverá a "
                "enviar. Resuélvalo con el soporte de TusFacturas; cuando figure allí, vuelva a "
                "ejecutar y se tomará su CAE."
            )
        self.ledger.transition(
            self.acc,
            c.referencia,
            L.SENDING,
            L.IN_DOUBT,
            result.reason,
            errores=json.dumps(errores, ensure_ascii=False),
            inflight_until=until,
            manual=int(manual),
        )
        if manual:
            raise StopRun(f"{c.referencia}: {errores[-1]}")
        logger.warning(
            "%s quedó en duda (%s): se verificará en TusFacturas antes de seguir.",
            c.referencia,
            "; ".join(result.errores) or result.reason,
        )
        return L.IN_DOUBT

    def _pause_for_service(self, result: EmissionResult, since: float, delay: float) -> float:
        """AFIP down, maintenance or no connection: wait with growing pauses (kept across retries
        of the same comprobante) until the status endpoint says OK; returns the next pause."""
        what = {
            "afip_caido": "AFIP/ARCA no está funcionando",
            "mantenimiento": "TusFacturas está en mantenimiento",
            "sin_conexion": "no hay conexión con TusFacturas",
        }.get(result.reason, result.reason)
        logger.warning("Pausa: %s. Nada fue emitido; se reintentará solo.", what)
        while not self._interrupted():
            self._sleep_interruptible(delay)
            delay = min(delay * 2, MAX_SERVICE_BACKOFF)
            if self.clock() - since > self.opt.max_pause:
                raise StopRun(_pause_message(result, self.opt.max_pause))
            try:
                self.pacer.wait()
                status = self.client.estado_servicios()
            except LookupFailed:
                status = None
            if status is not None and status.ok:
                logger.info("El servicio volvió: se reanuda la emisión.")
                break
        return delay

    def _record_emitted(
        self, referencia: str, old: str | tuple[str, ...], fields: dict[str, Any], fp: str | None
    ) -> None:
        numero = parse_numero(fields)
        record = self.ledger.get(self.acc, referencia)
        assert record is not None
        if numero is None and old == L.SENDING and record.numero_enviado:
            numero = record.numero_enviado  # the answer to our POST: AFIP authorised the number we sent
        nro = str(fields.get("comprobante_nro", "")).strip()
        if not re.fullmatch(r"\d{5}-\d{8}", nro) and numero is not None:
            nro = f"{record.punto_venta:05d}-{numero:08d}"
        observaciones = str(fields.get("observaciones") or fields.get("afip_observaciones") or "").strip()
        self.ledger.transition(
            self.acc,
            referencia,
            old,
            L.EMITTED,
            "emitido",
            numero=numero,
            comprobante_nro=nro,
            cae=str(fields.get("cae", "")).strip(),
            cae_vencimiento=iso_date(fields.get("vencimiento_cae", "")),
            vencimiento_pago=iso_date(fields.get("vencimiento_pago", "")),
            qr=str(fields.get("afip_qr", "")).strip(),
            pdf_url=str(fields.get("comprobante_pdf_url", "")).strip(),
            pdf_path=str(self.pdfs.path(record.tipo, record.punto_venta, numero)) if numero else None,
            observaciones=observaciones,
            errores=None,
            emitted_fingerprint=fp or record.fingerprint,
        )
        if numero is not None:
            self.numbering.emitted(record.punto_venta, record.tipo, numero)
        url = str(fields.get("comprobante_pdf_url", "")).strip()
        if url and numero is not None:
            self.pdfs.download(referencia, record.tipo, record.punto_venta, numero, url)

    # --- reconciliation ----------------------------------------------------------------------------

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

    def _lookup_with_backoff(self, call: Callable[[], Any]) -> Any:
        error: LookupFailed | None = None
        for delay in LOOKUP_BACKOFF:
            if delay:
                self._sleep_interruptible(delay)
            if self._interrupted():
                break
            try:
                self.pacer.wait()
                return call()
            except LookupFailed as exc:
                error = exc
        raise error or LookupFailed("interrumpido")

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
        self.ledger.update(self.acc, record.referencia, errores=json.dumps([message], ensure_ascii=False))
        logger.warning("%s: %s", record.referencia, message)
        return "undecidable"


def _stop_message(result: EmissionResult) -> str:
    detail = "; ".join(result.errores)
    plain = {
        "credenciales": "TusFacturas rechazó las credenciales: revise TUSFACTURAS_USERTOKEN, "
        "TUSFACTURAS_APIKEY y TUSFACTURAS_APITOKEN.",
        "url": "La dirección de la API no es válida: revise --base-url o TUSFACTURAS_BASE_URL.",
        "certificado": "El certificado de AFIP/ARCA de la cuenta tiene un problema: revíselo en TusFacturas.",
        "delegacion": "AFIP/ARCA no reconoce la delegación del certificado: revísela en TusFacturas.",
        "punto_de_venta": "El punto de venta no está habilitado para factura electrónica por web service.",
        "no_autorizado": "La CUIT no está autorizada para emitir este tipo de comprobante.",
        "suscripcion": "La suscripción de TusFacturas no permite emitir más comprobantes.",
        "cola": "El punto de venta tiene comprobantes en cola: solo admite envíos encolados.",
    }.get(result.reason, "TusFacturas informó un problema de la cuenta o su configuración.")
    return f"{plain} ({detail})" if detail else plain


def _pause_message(result: EmissionResult, max_pause: float) -> str:
    minutes = max_pause / 60
    what = {
        "afip_caido": "AFIP/ARCA sigue sin funcionar",
        "mantenimiento": "TusFacturas sigue en mantenimiento",
        "http_429": "TusFacturas sigue rechazando pedidos por exceso (HTTP 429)",
        "sin_conexion": "No hay conexión con TusFacturas",
    }.get(result.reason, "El servicio no responde")
    return f"{what} después de {minutes:.0f} minutos de espera. Nada quedó a medias."


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
    )
