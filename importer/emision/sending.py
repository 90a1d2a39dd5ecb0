"""Sending one comprobante: its explicit number, the lookup, the POST, and what the answer means.

Order (design.md, "Exactly-once"): number → lookup → POST; a 10016 (number taken) created nothing,
so the number is learned again and the referencia looked up again before the next POST — another
computer may have emitted it under the number we tried. `sending` is committed before each POST;
only a certain "not received" is sent again without a lookup.
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import date
from typing import Any

from importer.dominio.comprobantes import EMITIDO, RECHAZADO, Comprobante
from importer.emision import fce
from importer.emision import ledger as L
from importer.emision.adoption import Adoption
from importer.emision.api import CONNECT_BUDGET, EmissionResult, LookupFailed, Outcome
from importer.emision.reconcile import Found
from importer.emision.run_state import PuntoDeVentaBlocked, StopRun
from importer.emision.stop_messages import pause_message, stop_message

logger = logging.getLogger("importer.emision.runner")

MAX_429_BACKOFF = 60.0
MAX_SERVICE_BACKOFF = 30.0
# 10016 answers to one comprobante in one run, each followed by a new number: more means another
# emitter keeps taking the numbers of this punto de venta.
MAX_SEQUENCE_RETRIES = 5
NUMBERS_CHECKED_AFTER_10016 = 20
# AFIP authorises before TusFacturas records: before blaming the date for a 10016 to the right
# number, wait this long and look again for another computer's comprobante.
SEQUENCE_SETTLE = 5.0
RECHECK = "recheck"  # not a ledger state: look again after SEQUENCE_SETTLE


class Sending(Adoption):
    def queue(self, punto_venta: int) -> list[Comprobante]:
        items = [c for c in self.comprobantes if c.punto_venta == punto_venta]
        return sorted(items, key=lambda c: (c.fecha, self.order[c.referencia]))

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
                if record.punto_venta in self.pv_fuera:  # its punto de venta cannot settle it this run
                    raise PuntoDeVentaBlocked(
                        f"{c.referencia}: quedó en duda en el punto de venta {record.punto_venta}, que no "
                        f"se pudo verificar en esta ejecución; no se envía nada más en el punto de venta {pv}."
                    )
                if record.punto_venta != pv:  # sent on another punto de venta: settled there first
                    return "wait", record.inflight_until or self.reloj.now()
                return "again", 0.0
            last = self.ledger.last_emitted_date(self.acc, pv)
            if last and c.fecha.isoformat() < last:
                ultimo = date.fromisoformat(last).strftime("%d/%m/%Y")
                message = (
                    f"No se envió: la fecha {c.fecha:%d/%m/%Y} es anterior al último comprobante "
                    f"emitido en el punto de venta {pv} ({ultimo}) y AFIP no la acepta: "
                    + _fecha_desde(date.fromisoformat(last), pv)
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
            self._check_other_accounts(c)
            if not self.cupo.reservar(self.acc, c.referencia, self._interrupted):
                self.report.limit_reached = True  # stop sending; doubts of this run still settle
                return "done", 0.0
            try:
                ended = self.send_one(c)
            finally:
                if c.referencia not in self._attempted:  # nothing POSTed: the place goes back
                    self.cupo.devolver(self.acc, c.referencia)
            if ended == L.IN_DOUBT:
                return "again", 0.0
        return "done", 0.0

    def _check_other_accounts(self, c: Comprobante) -> None:
        """A referencia sent from another account (its row moved to another punto de venta or
        CUIT) and still unsettled there may yet be emitted there: nothing is sent here until that
        account's run settles it. One emitted there by the same issuer is never sent again."""
        for other in self.ledger.en_otras_cuentas(self.acc, c.referencia):
            if other.account in self.opt.otras_cuentas and other.account not in self.opt.mismo_emisor:
                continue  # another client of the run reusing the referencia: another sale
            if other.account not in self.opt.otras_cuentas:
                # Credentials no longer configured (regenerated): nobody settles it there. Once no
                # request of it can still land, this account's lookups decide when they see its
                # punto de venta (the same one); otherwise nothing is sent until it is settled.
                if other.state not in (L.SENDING, L.IN_DOUBT):
                    continue
                landed_or_never = (other.inflight_until or 0) <= self.reloj.now()
                if landed_or_never and other.punto_venta == c.punto_venta:
                    continue
                raise PuntoDeVentaBlocked(
                    f"{c.referencia}: quedó en duda en el punto de venta {other.punto_venta} con credenciales "
                    "que ya no están configuradas; hasta verificarlo no se envía nada más en el punto de venta "
                    f"{c.punto_venta}. Agregue esa cuenta a cuentas.toml (con sus credenciales nuevas) y vuelva "
                    "a ejecutar: esa cuenta lo verifica."
                )
            if other.state in (L.SENDING, L.IN_DOUBT):
                raise PuntoDeVentaBlocked(
                    f"{c.referencia}: quedó en duda cuando se envió por otra cuenta (punto de venta "
                    f"{other.punto_venta}); hasta verificarlo allí no se envía nada más en el punto de "
                    f"venta {c.punto_venta}. Vuelva a ejecutar: la cuenta de origen lo verifica primero."
                )
            if other.state == L.EMITTED and other.account in self.opt.mismo_emisor:
                raise PuntoDeVentaBlocked(
                    f"{c.referencia}: ya fue emitido por otra cuenta del mismo emisor ({other.tipo} "
                    f"{other.comprobante_nro or ''}); no se vuelve a enviar. Para corregirlo emita una nota "
                    "de crédito y use una referencia nueva."
                )

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
            record = self._record(c.referencia)
            if self.opt.precheck and not looked_up and self.precheck(c, record):
                return self._record(c.referencia).state
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
            self.cupo.confirmar(self.acc, c.referencia)
            self.pacer.wait()
            now = self.reloj.now()
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
                errores = list(result.errores)
                if result.reason == "requiere_fce":  # say which FCE tipo to use
                    errores.append(fce.mensaje_requiere_fce(c))
                self.ledger.transition(
                    self.acc,
                    c.referencia,
                    L.SENDING,
                    L.REJECTED,
                    result.reason,
                    errores=json.dumps(errores, ensure_ascii=False),
                )
                if result.reason == "requiere_fce":
                    self._fce_threshold(c, errores)
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
                raise StopRun(stop_message(result))
            if paused_since is None:
                paused_since = self.reloj.now()
            if self.reloj.now() - paused_since > self.opt.max_pause:
                raise StopRun(pause_message(result, self.opt.max_pause))
            if result.reason == "http_429":
                logger.info("TusFacturas pide bajar el ritmo (HTTP 429): espera de %.0f s.", backoff)
                self.pacer.back_off(backoff)
                backoff = min(backoff * 2, MAX_429_BACKOFF)
            else:
                service_delay = self._pause_for_service(result, paused_since, service_delay)
            if self._interrupted():
                return L.PENDING

    def _fce_threshold(self, c: Comprobante, errores: list[str]) -> None:
        """After a `requiere_fec` rejection (recorded first: nothing was created), ask once from
        what amount this customer must receive FCE and add it to the message."""
        requisito = fce.consultar_requisito(self.client, self.pacer, c)
        if requisito is not None and requisito.obligado and requisito.importe_desde is not None:
            errores[-1] = fce.mensaje_requiere_fce(c, requisito)
            self.ledger.update(self.acc, c.referencia, errores=json.dumps(errores, ensure_ascii=False))

    def _after_sequence_error(self, c: Comprobante, numero: int, result: EmissionResult) -> str | None:
        """After a 10016 to our explicit number: learn the number again, then look the referencia
        up. Returns the state the comprobante was settled in, or None to send it again (the new
        number is fixed and the lookup made after it, as the exactly-once order requires)."""
        settled = self._check_after_sequence_error(c, numero, result, final=False)
        if settled != RECHECK:
            return settled
        self._sleep_interruptible(SEQUENCE_SETTLE)
        if self._interrupted():
            return L.PENDING
        return self._check_after_sequence_error(c, numero, result, final=True)

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
        record = self._record(c.referencia)
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
                "TusFacturas (cuando figure allí, vuelva a ejecutar y se tomará su CAE) o, si ya lo buscó en "
                "ARCA (Mis Comprobantes), registre lo que encontró con «tf-import resolver "
                f"{c.referencia} --emitido --numero N --cae CAE» o «--no-emitido»."
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
        ultima = self._ultima_fecha_conocida(c.punto_venta)
        if ultima is not None and ultima > c.fecha:
            message += " Según lo emitido que se conoce, " + _fecha_desde(ultima, c.punto_venta)
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

    def _ultima_fecha_conocida(self, pv: int) -> date | None:
        """The newest date known to be emitted in the punto de venta: ours (the ledger) or one the
        date listings showed (another computer's, a lost ledger's)."""
        fechas = []
        if last := self.ledger.last_emitted_date(self.acc, pv):
            fechas.append(date.fromisoformat(last))
        for dia in {x.fecha for x in self.comprobantes}:
            for found in map(Found.parse, self.listado.todos(dia) or ()):
                if found.emitted and found.punto_venta == pv and found.fecha:
                    fechas.append(date.fromisoformat(found.fecha))
        return max(fechas, default=None)

    def _numbers_taken_since(self, c: Comprobante, numero: int, last: int) -> list[dict[str, Any]]:
        """The comprobantes numbered from ours to the last one: where a referencia that the lookup
        by referencia does not show yet would already be visible by its number."""
        found = []
        for n in range(last, max(numero, last - NUMBERS_CHECKED_AFTER_10016 + 1) - 1, -1):  # newest first
            item = self._lookup_with_backoff(
                functools.partial(self.client.consultar, c.tipo, c.punto_venta, n)
            )
            if item is not None:
                comp = item.get("comprobante") if isinstance(item.get("comprobante"), dict) else item
                found.append({"comprobante": comp, "cliente": item.get("cliente") or {}})
        return found

    def _record_doubt(self, c: Comprobante, record: L.Record | None, result: EmissionResult) -> str:
        """The attempt may have created the comprobante: record it in doubt, or settle what is known."""
        errores = list(result.errores)
        self.numbering.forget(c.punto_venta, c.tipo)  # whether our number was used is unknown now
        finished = self.reloj.now()
        sent = record.sent_at if record is not None and record.sent_at else finished
        if result.reason == "timeout":  # the server had the request for the whole read timeout
            until = max(sent + self.opt.timeout, finished) + self.opt.margin
        else:  # answered early: the server may go on working as long as a normal request could
            until = finished + self.opt.timeout + self.opt.margin
        manual = result.reason == "existe_en_afip"
        if manual:
            errores.append(
                "AFIP autorizó este comprobante pero TusFacturas no lo registró: no se volverá a "
                "enviar. Resuélvalo con el soporte de TusFacturas (cuando figure allí, vuelva a "
                "ejecutar y se tomará su CAE) o, si ya lo buscó en ARCA (Mis Comprobantes), registre lo que "
                f"encontró con «tf-import resolver {c.referencia} --emitido --numero N --cae CAE» o "
                "«--no-emitido»."
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
            if self.reloj.now() - since > self.opt.max_pause:
                raise StopRun(pause_message(result, self.opt.max_pause))
            try:
                self.pacer.wait()
                status = self.client.estado_servicios()
            except LookupFailed:
                status = None
            if status is not None and status.ok:
                logger.info("El servicio volvió: se reanuda la emisión.")
                break
        return delay


def _fecha_desde(ultima: date, pv: int) -> str:
    """AFIP refuses a date before the last one emitted in the punto de venta: say which it takes."""
    return f"use una fecha desde el {ultima:%d/%m/%Y} (la del último comprobante emitido en el punto de venta {pv})."
