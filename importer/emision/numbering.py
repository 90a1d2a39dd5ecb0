"""The next number of each punto de venta and tipo, sent explicitly with every emission.

Why: TusFacturas does not deduplicate by `external_reference` (tusfacturas-api.md §7.1), so two
computers emitting the same sheet at the same moment would both emit every comprobante; a lookup
before sending cannot close that race. AFIP authorises only the exact next number, so with an
explicit `numero` one of two identical requests wins and the other gets 10016; the loser then
finds the winner's comprobante by its referencia and adopts it.

The rules (design.md, "Exactly-once"):
- the number is fixed BEFORE the lookup that proves a referencia absent (number → lookup → POST);
  learning it after the lookup would let another computer emit the referencia under the number
  just learned while ours goes out under the next one;
- it is learned from `numeracion` when unknown (first use in a run, after a doubt) and after
  every 10016, and advanced locally on our own successes. A stale number is never dangerous: AFIP
  refuses it with 10016, which sends the comprobante back to the start.
"""

from __future__ import annotations

from collections.abc import Callable


class Numbering:
    """Next numbers of one account, per (punto de venta, tipo); in memory for one run."""

    def __init__(
        self, last_number: Callable[[str, int], int], marca: Callable[[], int] | None = None
    ) -> None:
        self._last_number = last_number  # numeracion(tipo, punto_venta) -> last issued number
        self._marca = marca  # orders this learning against the date listings (listados.py)
        self._next: dict[tuple[int, str], int] = {}
        self._aprendido: dict[tuple[int, str], int] = {}

    def next(self, punto_venta: int, tipo: str) -> int:
        """The number to send; asks TusFacturas only when it is not known."""
        key = (punto_venta, tipo)
        if key not in self._next:
            self.learn(punto_venta, tipo)
        return self._next[key]

    def learn(self, punto_venta: int, tipo: str) -> int:
        """Ask TusFacturas for the last number issued; returns it (the next is one more)."""
        last = self._last_number(tipo, punto_venta)
        self._next[(punto_venta, tipo)] = last + 1
        if self._marca is not None:
            self._aprendido[(punto_venta, tipo)] = self._marca()  # taken after the answer came back
        return last

    def aprendido(self, punto_venta: int, tipo: str) -> int | None:
        """When the number in use was last learned from TusFacturas (a `listados.marca`), if known."""
        return self._aprendido.get((punto_venta, tipo)) if (punto_venta, tipo) in self._next else None

    def emitted(self, punto_venta: int, tipo: str, numero: int) -> None:
        """One of ours (or one adopted) got this number: the next one follows it."""
        key = (punto_venta, tipo)
        self._next[key] = max(self._next.get(key, 0), numero + 1)

    def forget(self, punto_venta: int, tipo: str) -> None:
        """After a doubt nobody knows whether the number was used: learn it again before sending."""
        self._next.pop((punto_venta, tipo), None)
        self._aprendido.pop((punto_venta, tipo), None)
