"""Problems found in a planilla: one stable code, one Spanish message, one place.

A `Problem` points at a sheet, an Excel row and a column (any of them may be missing for a
file-level problem). Codes are stable slugs (`cuit.digito_verificador`) that tests and the
results workbook rely on; messages are Spanish and always name the column they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from importer.dominio.errores import TfImportError


@dataclass(frozen=True)
class Problem:
    codigo: str
    mensaje: str
    fila: int | None = None  # Excel row number; None for file or comprobante-wide problems
    columna: str | None = None  # column name, e.g. "cliente_documento_nro"
    letra: str | None = None  # Excel column letter, e.g. "K"
    valor: object = None  # what the user typed (raw cell)
    hoja: str | None = None
    referencia: str | None = None  # the comprobante it belongs to, when known

    def ubicacion(self) -> str:
        """`Fila 12, columna F (cliente_documento_nro)` — the place, in words."""
        parts = []
        if self.fila is not None:
            parts.append(f"Fila {self.fila}")
        if self.columna:
            col = f"columna {self.letra} ({self.columna})" if self.letra else f"columna {self.columna}"
            parts.append(col)
        if not parts and self.referencia:
            parts.append(f"Comprobante {self.referencia}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.ubicacion()
        return f"{where}: {self.mensaje}" if where else self.mensaje


class PlanillaError(TfImportError):
    """The file cannot be used at all (exit code 2). The message is Spanish and names the place."""


class _DeComprobante(Protocol):
    @property
    def referencia(self) -> str: ...

    @property
    def primera_fila(self) -> int: ...


def problema_de(
    c: _DeComprobante, codigo: str, columna: str, mensaje: str, fila: int | None = None
) -> Problem:
    """A comprobante's problem: at the given row, or at the comprobante's first row."""
    return Problem(
        codigo,
        mensaje,
        fila=fila if fila is not None else c.primera_fila,
        columna=columna,
        referencia=c.referencia,
    )
