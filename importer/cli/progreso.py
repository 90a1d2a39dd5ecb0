"""What the console shows and catches while a run sends: the progress bar, Ctrl-C, the log file.

The emission service calls `emitiendo(total)` around the sending; here that means a tqdm bar with
log lines routed around it, a SIGINT handler that asks the run to stop after the comprobante in
flight, and a DEBUG log file beside the ledger.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from importer.emision.secrets import SecretFilter

logger = logging.getLogger("importer")


def setup_log_file(datos: Path) -> Path | None:
    """A DEBUG log per run, beside the ledger (secrets masked like everywhere else)."""
    folder = datos / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"tf-import-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setLevel(logging.DEBUG)
    handler.addFilter(SecretFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return path


@contextmanager
def graceful_interrupt() -> Iterator[Callable[[], bool]]:
    """First Ctrl-C: finish the comprobante in flight, save and stop. Second: stop at once."""
    state = {"stop": False}

    def handler(signum: int, frame: object) -> None:
        if state["stop"]:
            raise KeyboardInterrupt
        state["stop"] = True
        print(
            "\nDeteniendo después del comprobante en curso… (Ctrl-C otra vez para salir ya)", file=sys.stderr
        )

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread (tests): no handler, plain KeyboardInterrupt
        previous = None
    try:
        yield lambda: state["stop"]
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class ProgresoEnConsola:
    """The console side of one run: pass `emitiendo`, `on_progress` and `should_stop` to the service."""

    def __init__(self, datos: Path) -> None:
        self.datos = datos
        self._bar: Any = None
        self._total = 0
        self._counts = {"emitidos": 0, "rechazados": 0}
        self._por_cuenta: dict[str, list[int]] = {}  # account name -> [emitidos, rechazados]
        self._stop: Callable[[], bool] = lambda: False

    def should_stop(self) -> bool:
        return self._stop()

    @contextmanager
    def emitiendo(self, total: int) -> Iterator[None]:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        log_path = setup_log_file(self.datos)
        console = [
            h
            for h in logger.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
        ]
        level = min((h.level for h in console), default=logging.INFO)
        with (
            graceful_interrupt() as stop_flag,
            logging_redirect_tqdm(loggers=[logger]),
            tqdm(total=total, unit="cbte", disable=None, dynamic_ncols=True, desc="Emitiendo") as bar,
        ):
            for handler in logger.handlers:  # the bar's handler: same level and masking as the console
                if handler not in console and not isinstance(handler, logging.FileHandler):
                    handler.setLevel(level)
                    handler.addFilter(SecretFilter())
            self._stop, self._bar, self._total = stop_flag, bar, total
            try:
                yield
            finally:
                self._bar = None
        if log_path:
            logger.debug("log file: %s", log_path)

    def on_progress(self, referencia: str, estado: str) -> None:
        bar = self._bar
        if bar is None:
            return
        key = "emitidos" if estado == "EMITIDO" else "rechazados"
        self._counts[key] += 1
        bar.update(1)
        self._postfix(bar)

    def on_account_progress(self, cuenta: str, referencia: str, estado: str) -> None:
        """Per account, a short «nombre emitidos/rechazados» in the bar (several accounts only)."""
        counts = self._por_cuenta.setdefault(cuenta, [0, 0])
        counts[0 if estado == "EMITIDO" else 1] += 1
        if self._bar is not None and len(self._por_cuenta) > 1:
            self._postfix(self._bar)

    def _postfix(self, bar: Any) -> None:
        text = (
            f"emitidos={self._counts['emitidos']}, rechazados={self._counts['rechazados']}, "
            f"pendientes={max(0, self._total - bar.n)}"
        )
        if len(self._por_cuenta) > 1:
            text += " · " + " · ".join(f"{c or '—'} {e}/{r}" for c, (e, r) in self._por_cuenta.items())
        bar.set_postfix_str(text, refresh=False)
