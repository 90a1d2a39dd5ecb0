"""After a run: does TusFacturas hold what we think we emitted? (número, CAE, total)

One `consulta_avanzada` `F` per account and date of the comprobantes emitted and not yet verified
(listados.py fetches it). The result is kept in the ledger (`verificacion`: "ok", or the Spanish
description of the difference, and `tf_total`, TusFacturas' total when it differs), so the results
workbook shows it in every later run and the accountant's figures are AFIP's. How TusFacturas
rounds IVA (per line or per alícuota, tusfacturas-api.md §9.3) is not documented: a real difference
would surface here.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from importer.emision import ledger as L
from importer.emision.api import LookupFailed
from importer.emision.reconcile import Found, money

logger = logging.getLogger("importer.emision.runner")

VERIFICADO = "ok"


def diferencias(record: L.Record, found: Found) -> list[str]:
    """What TusFacturas shows differently from the ledger, in Spanish."""
    out = []
    if found.numero is not None and record.numero is not None and found.numero != record.numero:
        out.append(f"número {found.numero} (el registro dice {record.numero})")
    cae = str(found.fields.get("cae", "")).strip()
    if cae and record.cae and cae != record.cae:
        out.append(f"CAE {cae} (el registro dice {record.cae})")
    ours = money(record.total)
    if found.total is not None and ours is not None and found.total != ours:
        out.append(f"total {found.total} (calculado {ours})")
    return out


def verificar(
    ledger: L.Ledger,
    account: str,
    referencias: Iterable[str],
    listar: Callable[[date], list[dict[str, Any]]],
    interrupted: Callable[[], bool],
) -> dict[str, str]:
    """Verify the emitted, not yet verified comprobantes among `referencias`; returns the
    differences found (referencia → message). Dates whose listing fails stay for the next run."""
    por_fecha: dict[str, list[L.Record]] = defaultdict(list)
    for ref in referencias:
        record = ledger.get(account, ref)
        if record is not None and record.state == L.EMITTED and not record.verificacion:
            por_fecha[record.fecha].append(record)
    found: dict[str, str] = {}
    for fecha, records in sorted(por_fecha.items()):
        if interrupted():
            break
        try:
            items = listar(date.fromisoformat(fecha))
        except LookupFailed as exc:
            logger.info(
                "No se pudo verificar lo emitido el %s (%s): se verificará en otra ejecución.", fecha, exc
            )
            continue
        by_ref: dict[str, list[Found]] = defaultdict(list)
        for item in items:
            f = Found.parse(item)
            if f.emitted and f.referencia:
                by_ref[f.referencia].append(f)
        for record in records:
            found.update(_verificar_uno(ledger, account, record, by_ref.get(record.referencia, [])))
    return found


def _verificar_uno(
    ledger: L.Ledger, account: str, record: L.Record, candidatos: list[Found]
) -> dict[str, str]:
    mine = [f for f in candidatos if f.ours(record) and (f.numero is None or f.numero == record.numero)]
    if not mine:
        mine = [f for f in candidatos if f.ours(record)]
    if not mine:
        # TusFacturas may still be indexing it: not a verdict, try again next run.
        logger.info(
            "%s: todavía no figura en el listado de TusFacturas; se verificará más adelante.",
            record.referencia,
        )
        return {}
    differences = diferencias(record, mine[0])
    distintos = {(f.tipo, f.punto_venta, f.numero) for f in candidatos}  # a page may repeat one
    if len(distintos) > 1:  # the one place a duplicate would show
        differences.append(f"{len(distintos)} comprobantes emitidos con esta referencia: revise duplicados")
    if not differences:
        ledger.update(account, record.referencia, verificacion=VERIFICADO)
        return {}
    message = "TusFacturas registra " + "; ".join(differences) + "."
    tf_total = mine[0].total
    ledger.update(
        account,
        record.referencia,
        verificacion=message,
        tf_total=str(tf_total) if tf_total is not None and tf_total != money(record.total) else None,
    )
    logger.warning("%s: %s", record.referencia, message)
    return {record.referencia: message}
