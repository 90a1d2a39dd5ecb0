"""Several accounts in one run: one stream per account, all at the same time.

TusFacturas gives one credential triple per CUIT and punto de venta (interface.md §10), so a shop
with two puntos de venta or an accountant with twenty clients has several accounts. Each one is
an independent stream: its own client, pacing (`--rate` is per account), numbering, date order and
lookups; a stream that must stop (its account is misconfigured, its punto de venta blocked) stops
alone. What they share is made safe for threads: the ledger (one connection under a lock), the
`--limit` places (`Cupo`), the progress callback and the stop request (Ctrl-C settles the request
in flight of every stream).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from importer.dominio.comprobantes import Comprobante
from importer.dominio.reloj import Reloj
from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient
from importer.emision.run_state import Cupo
from importer.emision.runner import Runner, RunOptions, RunReport

logger = logging.getLogger("importer.emision.runner")


@dataclass(frozen=True)
class Flujo:
    """One account's part of the run."""

    nombre: str  # shown in messages ("Local Centro", or "" for the only account)
    opciones: RunOptions  # with this account's key and issuer CUIT
    cliente: TusFacturasClient
    comprobantes: tuple[Comprobante, ...]


def pendientes(flujos: Sequence[Flujo], ledger: L.Ledger) -> int:
    """Comprobantes not yet emitted, over every stream (the progress bar's total)."""
    total = 0
    for f in flujos:
        for c in f.comprobantes:
            record = ledger.get(f.opciones.account, c.referencia)
            total += record is None or record.state != L.EMITTED
    return total


def emitir_flujos(
    flujos: Sequence[Flujo],
    ledger: L.Ledger,
    *,
    progress: Callable[[str, str], None],
    account_progress: Callable[[str, str, str], None] = lambda _c, _r, _e: None,
    reloj: Reloj,
    should_stop: Callable[[], bool],
    limit: int | None,
) -> dict[str, RunReport]:
    """Run every stream to its end, concurrently; their reports by account key."""
    cupo = Cupo(limit)
    lock = threading.Lock()

    def safe_progress(nombre: str) -> Callable[[str, str], None]:
        def report(referencia: str, estado: str) -> None:
            with lock:  # a progress bar is not made for several threads
                progress(referencia, estado)
                account_progress(nombre, referencia, estado)

        return report

    runners = {
        f.opciones.account: Runner(
            list(f.comprobantes),
            f.cliente,
            ledger,
            f.opciones,
            progress=safe_progress(f.nombre),
            reloj=reloj,
            should_stop=should_stop,
            cupo=cupo,
        )
        for f in flujos
    }
    if len(runners) == 1:  # no thread for the common case: tracebacks and debuggers stay simple
        ((account, runner),) = runners.items()
        return {account: runner.run()}
    names = {f.opciones.account: f.nombre for f in flujos}
    with ThreadPoolExecutor(max_workers=len(runners), thread_name_prefix="cuenta") as pool:
        futures = {account: pool.submit(_run, runner, names[account]) for account, runner in runners.items()}
        return {account: future.result() for account, future in futures.items()}


def _run(runner: Runner, nombre: str) -> RunReport:
    try:
        return runner.run()
    except Exception:  # one stream's bug must not take the others' results with it
        logger.exception("La cuenta %s se detuvo por un error inesperado.", nombre)
        report = runner.report
        report.stop_reason = report.stop_reason or f"La cuenta {nombre} se detuvo por un error inesperado."
        return report


def unir(reports: dict[str, RunReport], nombres: dict[str, str]) -> RunReport:
    """One report for the whole run; stops are prefixed with their account when there are several."""
    total = RunReport()
    several = len(reports) > 1
    for account, r in reports.items():
        prefix = f"[{nombres.get(account) or account[:8]}] " if several else ""
        total.sent += r.sent
        total.emitted_now += r.emitted_now
        total.rejected_now += r.rejected_now
        total.reconciled += r.reconciled
        if r.stop_reason:
            total.stop_reason = " ".join(filter(None, (total.stop_reason, prefix + r.stop_reason)))
        total.interrupted = total.interrupted or r.interrupted
        total.unresolved.extend(r.unresolved)
        for ref, notes in r.notes.items():
            total.notes.setdefault(ref, []).extend(n for n in notes if n not in total.notes.get(ref, []))
        total.limit_reached = total.limit_reached or r.limit_reached
        total.blocked.extend(prefix + b for b in r.blocked)
        total.differences.update(r.differences)
    return total
