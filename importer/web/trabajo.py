"""One emission job (a rehearsal in the simulator or the real thing) running in a server thread.

The job calls the emission service with its own `Dependencias`: messages and progress land here,
`should_stop` reads the page's Detener, and the page only ever reads `instantanea()`. So a reload
or a closed tab changes nothing: the thread goes on and the next page shows where it is.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from importer.dominio.errores import ExitCode, TfImportError
from importer.emision.opciones import Dependencias
from importer.emision.secrets import SecretFilter, mask_secrets
from importer.emision.servicio import ResultadoEmision

logger = logging.getLogger("importer")

ENSAYO, EMISION = "ensayo", "emision"
MAX_MENSAJES = 300
ESTADOS = ("EMITIDO", "RECHAZADO", "INVALIDO", "PENDIENTE", "EN_DUDA")

_CIERRES = {
    ExitCode.OK: "Listo: todos los comprobantes válidos están emitidos.",
    ExitCode.PROBLEMS: "Terminó, con comprobantes rechazados o inválidos: corrija la planilla (o el libro "
    "de resultados), súbala y use Reintentar.",
    ExitCode.STOPPED: "Se detuvo antes del final. Use Reintentar para continuar: lo ya emitido no se "
    "vuelve a enviar.",
    ExitCode.INTERRUPTED: "Detenido a pedido suyo, con el comprobante en curso ya resuelto. Use "
    "Reintentar para continuar: lo ya emitido no se vuelve a enviar.",
}


# The service speaks the command line's language in a few places; on the page the same advice
# names the page's buttons.
_EN_LA_PAGINA = (
    ("úsela con --sandbox", "úsela con «Ensayar en el simulador»"),
    ("use --sandbox", "use «Ensayar en el simulador»"),
    ("quite --sandbox", "use «Emitir»"),
)


@dataclass(frozen=True)
class Subida:
    numero: int
    ruta: Path  # chosen by the server, under the working folder
    nombre: str  # the client's file name: shown (escaped), never used as a path

    def para_la_pagina(self, texto: str) -> str:
        """A service line as the page shows it: the user's file name (not ours) and the page's
        buttons instead of command-line options; never a secret."""
        nombre = f"«{self.nombre}»"
        texto = re.sub(rf"(?<![/\\]){re.escape(self.ruta.name)}", lambda _: nombre, str(texto))
        for linea_de_comandos, pagina in _EN_LA_PAGINA:
            texto = texto.replace(linea_de_comandos, pagina)
        return mask_secrets(texto)


class _AlTrabajo(logging.Handler):
    """The engine's log lines (pauses, doubts being settled) shown on the page, secrets masked."""

    def __init__(self, destino: Callable[[str], None]) -> None:
        super().__init__(logging.INFO)
        self.destino = destino
        self.addFilter(SecretFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.destino(record.getMessage())


class Trabajo:
    """A job: started once, it runs to its end in its own thread; every field is read under a lock."""

    def __init__(
        self,
        modo: str,
        subida: Subida,
        ejecutar: Callable[[Dependencias], ResultadoEmision],
        deps: Dependencias,
        *,
        validos: int,
        invalidos: int,
    ) -> None:
        self.modo = modo
        self.subida = subida
        self._ejecutar = ejecutar
        self._deps = deps
        self._lock = threading.Lock()
        self._detener = threading.Event()
        self._validos = validos
        self.version = 0  # bumped on every change: the event stream sends only news
        self.cuentas = dict.fromkeys(ESTADOS, 0)
        self.cuentas["INVALIDO"] = invalidos
        self.total = 0  # comprobantes to send in this run (known when sending starts)
        self.hechos = 0
        self._marcas: deque[float] = deque(maxlen=30)
        self.mensajes: deque[str] = deque(maxlen=MAX_MENSAJES)
        self.por_cuenta: dict[str, dict[str, int]] = {}  # account name → EMITIDO / RECHAZADO now
        self.terminado = False
        self.error = ""
        self.codigo: ExitCode | None = None
        self.resultados: Path | None = None
        self.pdfs: list[Path] = []
        self._hilo = threading.Thread(target=self._correr, name=f"tf-import-web-{modo}", daemon=True)

    # --- control ----------------------------------------------------------------------------------

    def iniciar(self) -> None:
        self._hilo.start()

    def detener(self) -> None:
        """Ask the run to stop: the service settles the request in flight, then writes the results."""
        if not self.terminado and not self._detener.is_set():
            self._detener.set()
            self._decir("Deteniendo después del comprobante en curso…")

    def esperar(self, segundos: float | None = None) -> bool:
        self._hilo.join(segundos)
        return not self._hilo.is_alive()

    @property
    def deteniendo(self) -> bool:
        return self._detener.is_set() and not self.terminado

    # --- what the service calls -----------------------------------------------------------------

    def _decir(self, linea: str) -> None:
        with self._lock:
            self.mensajes.append(self.subida.para_la_pagina(linea))
            self.version += 1

    @contextmanager
    def _emitiendo(self, total: int) -> Iterator[None]:
        with self._lock:
            self.total = total
            # What is valid but not to be sent was emitted before (this run or an earlier one).
            self.cuentas["EMITIDO"] = max(0, self._validos - total)
            self.cuentas["PENDIENTE"] = total
            self.version += 1
        yield

    def _progreso(self, referencia: str, estado: str) -> None:
        with self._lock:
            clave = "EMITIDO" if estado == "EMITIDO" else "RECHAZADO"
            self.cuentas[clave] += 1
            self.cuentas["PENDIENTE"] = max(0, self.cuentas["PENDIENTE"] - 1)
            self.hechos += 1
            self._marcas.append(time.monotonic())
            self.version += 1

    def _progreso_cuenta(self, cuenta: str, referencia: str, estado: str) -> None:
        with self._lock:
            cuentas = self.por_cuenta.setdefault(cuenta, {"EMITIDO": 0, "RECHAZADO": 0})
            cuentas["EMITIDO" if estado == "EMITIDO" else "RECHAZADO"] += 1
            self.version += 1

    def _correr(self) -> None:
        deps = replace(
            self._deps,
            on_message=self._decir,
            on_error=self._decir,
            on_progress=self._progreso,
            on_account_progress=self._progreso_cuenta,
            emitiendo=self._emitiendo,
            should_stop=self._detener.is_set,
        )
        handler = _AlTrabajo(self._decir)
        logger.addHandler(handler)
        resultado: ResultadoEmision | None = None
        try:
            resultado = self._ejecutar(deps)
        except TfImportError as exc:
            self._fallo(f"Error: {exc}", exc.exit_code)
        except Exception as exc:  # last resort, as the CLI: never a traceback on the page
            logger.debug("web job failed", exc_info=True)
            self._fallo(f"Error inesperado: {exc}", ExitCode.CANNOT_START)
        finally:
            logger.removeHandler(handler)
            self._cerrar(resultado)

    def _fallo(self, texto: str, codigo: ExitCode) -> None:
        with self._lock:
            self.error = self.subida.para_la_pagina(texto)
            self.codigo = codigo
            self.mensajes.append(self.error)

    def _cerrar(self, resultado: ResultadoEmision | None) -> None:
        with self._lock:
            if resultado is not None:
                self.codigo = resultado.codigo
                for estado in ESTADOS:
                    self.cuentas[estado] = resultado.cuentas.get(estado, 0)
                self.resultados = resultado.resultados
                pdfs = {Path(e.pdf) for e in resultado.emisiones.values() if e.estado == "EMITIDO" and e.pdf}
                self.pdfs = sorted(p for p in pdfs if p.is_file())
            self.terminado = True
            self.version += 1

    # --- what the page reads ----------------------------------------------------------------------

    def ritmo(self) -> float | None:
        """Comprobantes per minute over the last ones settled (None until there are two)."""
        marcas = list(self._marcas)
        if len(marcas) < 2 or marcas[-1] <= marcas[0]:
            return None
        return (len(marcas) - 1) * 60.0 / (marcas[-1] - marcas[0])

    def cierre(self) -> str:
        if self.error:
            return self.error
        return _CIERRES.get(self.codigo, "") if self.codigo is not None else ""

    def instantanea(self) -> dict[str, Any]:
        with self._lock:
            ritmo = self.ritmo()
            return {
                "version": self.version,
                "modo": self.modo,
                "terminado": "si" if self.terminado else "no",
                "deteniendo": self.deteniendo,
                "emitidos": self.cuentas["EMITIDO"],
                "rechazados": self.cuentas["RECHAZADO"],
                "invalidos": self.cuentas["INVALIDO"],
                "pendientes": self.cuentas["PENDIENTE"],
                "en_duda": self.cuentas["EN_DUDA"],
                "total": self.total,
                "hechos": self.hechos,
                "ritmo": "" if ritmo is None else f"{ritmo:.1f}".replace(".", ",") + " por minuto",
                "mensajes": list(self.mensajes)[-60:],
                # per account, when the run has named accounts (an accounts file)
                "por_cuenta": [
                    [nombre, n["EMITIDO"], n["RECHAZADO"]] for nombre, n in self.por_cuenta.items() if nombre
                ],
                "cierre": self.cierre() if self.terminado else "",
                "error": self.error,
                "codigo": None if self.codigo is None else int(self.codigo),
            }
