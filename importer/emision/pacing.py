"""The rate limiter: one request every `1 / rate` seconds, counted from each request's start.

Pacing by start times keeps the asked rate even when requests take time (sleeping a fixed interval
after each answer would not). It runs on the run's `Reloj`, so tests never sleep; the wall clock
may be set back while it runs (NTP, the user), so a booking moves back with it instead of turning
into a long sleep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.dominio.reloj import RELOJ, Reloj


@dataclass
class Pacer:
    rate: float | None  # requests per second; None or 0 = unlimited
    reloj: Reloj = RELOJ
    _next: float = field(default=float("-inf"), init=False)
    _last: float = field(default=float("-inf"), init=False)  # the clock at the last booking

    @property
    def interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    def wait(self) -> None:
        """Block until the next request may start, and book the slot after it."""
        now = self._now()
        if now < self._next:
            self.reloj.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval
        self._last = now

    def back_off(self, seconds: float) -> None:
        """Push the next slot at least `seconds` into the future (429, AFIP down…)."""
        self._next = max(self._next, self._now() + seconds)

    def _now(self) -> float:
        now = self.reloj.now()
        if now < self._last:  # the clock went back: keep the distance to the booked slot
            self._next -= self._last - now
        self._last = now
        return now
