"""Argentina's date and time, from one injectable clock.

AFIP judges dates in Argentina's time (UTC−3, no daylight saving since 2009), whatever the
machine's zone: between 21:00 and 24:00 in Buenos Aires it is already tomorrow in UTC. Every stage
that needs "now" or "today" takes a `Reloj`, so tests can stand at any instant (say 02:30 UTC on
the 1st, still the last day of the month in Argentina).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

ARGENTINA = timezone(timedelta(hours=-3), "ART")


@dataclass(frozen=True)
class Reloj:
    """`now` gives seconds since the epoch (time.time by default); `sleep` waits."""

    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def ahora(self) -> datetime:
        """Now, in Argentina (aware)."""
        return datetime.fromtimestamp(self.now(), ARGENTINA)

    def hoy(self) -> date:
        """Today in Argentina: the date AFIP compares comprobante dates with."""
        return self.ahora().date()

    @classmethod
    def fijo(cls, instante: datetime) -> Reloj:
        """A clock stopped at `instante` (aware), for tests and rehearsals."""
        stamp = instante.timestamp()
        return cls(now=lambda: stamp, sleep=lambda _seconds: None)


RELOJ = Reloj()


def hoy_en_argentina() -> date:
    return RELOJ.hoy()
