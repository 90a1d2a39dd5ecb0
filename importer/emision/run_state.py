"""What one run shares: its comprobantes, client, ledger, options, clock, report and helpers.

The run is split by job: `adoption.py` settles what TusFacturas already has (the pre-send lookup,
reconciliation of doubts), `sending.py` sends one comprobante with its explicit number (and the
10016 path), `runner.py` plans and loops over the puntos de venta. Each builds on this base, in
that order; the exactly-once rules they keep together are in runner.py's docstring.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from importer.dominio.amounts import comprobante_totals
from importer.dominio.comprobantes import Comprobante
from importer.dominio.reloj import RELOJ, Reloj
from importer.emision import ledger as L
from importer.emision.api import LookupFailed, TusFacturasClient
from importer.emision.listados import ListadoPorFecha, marca
from importer.emision.numbering import Numbering
from importer.emision.pacing import Pacer
from importer.emision.payload import build_payload, canonical_json, fingerprint
from importer.emision.pdfs import PdfStore
from importer.emision.reconcile import Reconciler, iso_date, parse_numero

logger = logging.getLogger("importer.emision.runner")

LOOKUP_BACKOFF = (0.0, 1.0, 3.0, 7.0)  # seconds before each lookup attempt


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
    verify: bool = True  # after the run, compare what TusFacturas recorded (verificacion.py)
    # The run's other accounts (ledger keys), and those of them of the same CUIT. A key in neither
    # is a triple no longer configured (regenerated credentials).
    otras_cuentas: frozenset[str] = frozenset()
    mismo_emisor: frozenset[str] = frozenset()


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
    differences: dict[str, str] = field(default_factory=dict)  # what TusFacturas recorded otherwise


class Cupo:
    """`--limit` for the whole run, shared by the streams of every account.

    A stream reserves a place before sending a comprobante; the place is confirmed when the POST
    is made and given back when nothing was POSTed (adopted, refused before sending). The places
    never exceed the limit and each confirmed one is a comprobante really sent. A stream that finds
    the places full while some are only reserved waits for them to be settled: one given back is
    its to take.
    """

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._reserved: set[tuple[str, str]] = set()  # (account, referencia), not POSTed yet
        self._confirmed: set[tuple[str, str]] = set()  # POSTed
        self._settled = threading.Condition()

    def reservar(
        self, account: str, referencia: str, should_stop: Callable[[], bool] = lambda: False
    ) -> bool:
        key = (account, referencia)
        with self._settled:
            while True:
                if self.limit is None or key in self._reserved or key in self._confirmed:
                    return True
                if len(self._reserved) + len(self._confirmed) < self.limit:
                    self._reserved.add(key)
                    return True
                if not self._reserved or should_stop():
                    return False  # every place is a comprobante sent: the limit is reached
                self._settled.wait(timeout=0.5)

    def confirmar(self, account: str, referencia: str) -> None:
        with self._settled:
            self._reserved.discard((account, referencia))
            self._confirmed.add((account, referencia))
            self._settled.notify_all()

    def devolver(self, account: str, referencia: str) -> None:
        with self._settled:
            self._reserved.discard((account, referencia))
            self._settled.notify_all()


class StopRun(Exception):
    """Stop the whole run (resumable, exit 3). Spanish message."""


class PuntoDeVentaBlocked(Exception):
    """Stop sending on one punto de venta for this run (the others go on; exit 3). Spanish message."""


class RunState:
    def __init__(
        self,
        comprobantes: list[Comprobante],
        client: TusFacturasClient,
        ledger: L.Ledger,
        options: RunOptions,
        *,
        progress: Callable[[str, str], None] | None = None,
        reloj: Reloj = RELOJ,
        should_stop: Callable[[], bool] = lambda: False,
        cupo: Cupo | None = None,
    ) -> None:
        self.comprobantes = comprobantes
        self.by_ref = {c.referencia: c for c in comprobantes}
        self.order = {c.referencia: i for i, c in enumerate(comprobantes)}
        self.client = client
        self.ledger = ledger
        self.opt = options
        self.acc = options.account
        self.reloj = reloj  # in-flight windows, pauses and pacing all count on this one clock
        self.should_stop = should_stop
        self.progress = progress or (lambda ref, estado: None)
        self.pacer = Pacer(options.rate, reloj=reloj)
        self.report = RunReport()
        self._payloads: dict[str, tuple[dict[str, Any], str]] = {}
        self._attempted: set[str] = set()  # comprobantes POSTed in this run (for --limit)
        self.pv_fuera: set[int] = set()  # puntos de venta left out of this run (undecidable doubts)
        self.cupo = cupo or Cupo(options.limit)  # shared with the other accounts' streams
        self._absent_in_run: dict[str, int] = {}
        self.reconciler = Reconciler(client, ledger, self.acc, self._lookup_with_backoff, reloj)
        self.pdfs = PdfStore(client, ledger, self.acc, options.pdf_dir, self.pacer)
        self.numbering = Numbering(
            lambda tipo, pv: self._lookup_with_backoff(lambda: self.client.numeracion(tipo, pv)), marca
        )
        # Every page of a listing is a request: each one waits its turn.
        self.listado = ListadoPorFecha(
            lambda fecha: self._lookup_with_backoff(
                lambda: self.client.listar_fecha(fecha, before_page=self.pacer.wait), paced=False
            )
        )

    def payload(self, c: Comprobante) -> tuple[dict[str, Any], str]:
        if c.referencia not in self._payloads:
            body = build_payload(c, cuit_emisor=self.opt.cuit_emisor)
            self._payloads[c.referencia] = (body, fingerprint(body))
        return self._payloads[c.referencia]

    def note(self, referencia: str, text: str) -> None:
        notes = self.report.notes.setdefault(referencia, [])
        if text not in notes:
            notes.append(text)

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

    def _record(self, referencia: str) -> L.Record:
        """The ledger row of a comprobante this run has already recorded."""
        record = self.ledger.get(self.acc, referencia)
        if record is None:  # prepare() records every comprobante first: only a bug gets here
            raise L.TransitionError(f"{referencia}: no está en el registro")
        return record

    def _interrupted(self) -> bool:
        if self.should_stop():
            self.report.interrupted = True
        return self.report.interrupted

    def _sleep_interruptible(self, delay: float) -> None:
        end = self.reloj.now() + delay
        while not self._interrupted():
            left = end - self.reloj.now()
            if left <= 0:
                return
            self.reloj.sleep(min(left, 0.5))

    def _lookup_with_backoff(self, call: Callable[[], Any], *, paced: bool = True) -> Any:
        error: LookupFailed | None = None
        for delay in LOOKUP_BACKOFF:
            if delay:
                self._sleep_interruptible(delay)
            if self._interrupted():
                break
            try:
                if paced:
                    self.pacer.wait()
                return call()
            except LookupFailed as exc:
                error = exc
        raise error or LookupFailed("interrumpido")

    def _record_emitted(
        self, referencia: str, old: str | tuple[str, ...], fields: dict[str, Any], fp: str | None
    ) -> None:
        numero = parse_numero(fields)
        record = self._record(referencia)
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
