"""The rate limiter: one request every `1 / rate` seconds, counted from each request's start.

Pacing by start times keeps the asked rate even when requests take time (sleeping a fixed interval
after each answer would not). The clock and sleep are injectable so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Pacer:
    rate: float | None  # requests per second; None or 0 = unlimited
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = field(default=float("-inf"), init=False)

    @property
    def interval(self) -> float:
        return 1.0 / self.rate if self.rate else 0.0

    def wait(self) -> None:
        """Block until the next request may start, and book the slot after it."""
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def back_off(self, seconds: float) -> None:
        """Push the next slot at least `seconds` into the future (429, AFIP down…)."""
        self._next = max(self._next, self.clock() + seconds)
