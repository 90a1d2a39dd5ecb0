"""The account's comprobantes on the sheet's dates, listed once instead of looked up one by one.

Before its first POST every referencia must be shown absent from TusFacturas (adoption.py). One
`consulta_avanzada` `F` per account and date (paged, 1,000 per page) answers that for a whole day
of the sheet; `EXT_REF` stays for settling doubts and for whatever the listing cannot vouch for.

When a listing may stand in for the lookup (design.md, "Exactly-once": number → lookup → POST):
the lookup must come after the number was learned. A listing taken after `numeracion` answered
for the comprobante's punto de venta and tipo is such a lookup: anything another computer emits
afterwards takes a number, so our POST with the learned one (or one after our own successes)
is refused with 10016 and settled by `EXT_REF`. Once the number is learned again (after a doubt
or a 10016) the listing is older than the number and the referencia is looked up by itself.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from importer.emision.api import LookupFailed

logger = logging.getLogger("importer.emision.runner")

_orden = itertools.count(1)


def marca() -> int:
    """A point in this process's sequence of lookups: what was learned before what."""
    return next(_orden)


class ListadoPorFecha:
    """What TusFacturas holds for the account on some dates, by external_reference."""

    def __init__(self, listar: Callable[[date], list[dict[str, Any]]]) -> None:
        self._listar = listar  # consulta_avanzada F for one date, every page (paced by the caller)
        self._desde: dict[date, int] = {}  # date -> marca taken just before its listing was asked
        self._por_referencia: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def cargar(self, fechas: Iterable[date], interrupted: Callable[[], bool]) -> None:
        """List each date once; a date whose listing fails is left out (its referencias are then
        looked up one by one, as before)."""
        for fecha in sorted(set(fechas)):
            if fecha in self._desde or interrupted():
                continue
            desde = marca()
            try:
                items = self._listar(fecha)
            except LookupFailed as exc:
                logger.info(
                    "No se pudo listar los comprobantes del %s (%s): se consultan uno por uno.", fecha, exc
                )
                continue
            for item in items:
                comp = item.get("comprobante") if isinstance(item, dict) else None
                ref = str((comp or {}).get("external_reference", "")).strip()
                if ref:
                    self._por_referencia[ref].append(item)
            self._desde[fecha] = desde

    def items(
        self, referencia: str, fecha: date, numero_aprendido: int | None
    ) -> list[dict[str, Any]] | None:
        """The listed comprobantes with this referencia, or None when the listing cannot vouch for
        it: its date was not listed, or the number was learned after the listing was asked."""
        desde = self._desde.get(fecha)
        if desde is None or numero_aprendido is None or numero_aprendido > desde:
            return None
        return list(self._por_referencia.get(referencia, ()))

    def todos(self, fecha: date) -> list[dict[str, Any]] | None:
        """Everything listed for a date (None if it was not listed): the post-run verification."""
        if fecha not in self._desde:
            return None
        return [
            item
            for items in self._por_referencia.values()
            for item in items
            if str((item.get("comprobante") or {}).get("fecha", "")).strip() == f"{fecha:%d/%m/%Y}"
        ]
