"""The accounting model of the results workbook: what each row and comprobante became, in plain data.

Estados and errores per row and per referencia, a comprobante's figures in its currency and in
pesos, IVA débito fiscal per month and alícuota, totals per tipo, numbering ranges and the rows of
the `Errores` sheet. No openpyxl here: how these figures look in a sheet is `hojas`'s job, so the
same model feeds the fast writer and its plain-openpyxl fallback alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from importer.dominio.amounts import ZERO, Totales, comprobante_totals, round_cents
from importer.dominio.catalogs import CONDICION_IVA
from importer.dominio.comprobantes import (
    EMITIDO,
    EN_DUDA,
    INVALIDO,
    PENDIENTE,
    RECHAZADO,
    VALIDO,
    Comprobante,
    Emision,
)
from importer.dominio.hints import api_error_code, hint_for_api_error, hint_for_problem
from importer.dominio.problems import Problem
from importer.dominio.texto import has_invalid_xml

if TYPE_CHECKING:
    from importer.planilla.validation import Validacion

SANDBOX_BANNER = "SANDBOX — SIN VALIDEZ FISCAL"
ESTADOS = (EMITIDO, RECHAZADO, EN_DUDA, PENDIENTE, INVALIDO, VALIDO)
ALICUOTAS_GRAVADAS = (("27", "27 %"), ("21", "21 %"), ("10.5", "10,5 %"))  # code, label


@dataclass(frozen=True)
class RunInfo:
    modo: str  # "PRODUCCIÓN", "SANDBOX" or "VALIDACIÓN"
    inicio: datetime
    fin: datetime
    version: str
    planilla: Path
    planilla_sha256: str
    rate: float | None = None
    comando_reanudar: str = ""  # e.g. "tf-import run julio.xlsx --sandbox"
    detenido: str = ""  # why the run stopped early, Spanish; "" if it finished

    @property
    def sandbox(self) -> bool:
        return self.modo.upper() == "SANDBOX"


def naive(moment: datetime) -> datetime:
    """Local wall-clock time without a zone: Excel has no time zones."""
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class ComprobanteOutcome:
    comprobante: Comprobante
    estado: str
    emision: Emision | None
    totales: Totales

    @property
    def signo(self) -> int:
        """-1 for a nota de crédito: it takes away from what was invoiced."""
        return -1 if self.comprobante.tipo_info.es_credito else 1

    def pesos(self, amount: Decimal) -> Decimal:
        return round_cents(amount * self.comprobante.cotizacion)

    @property
    def numero(self) -> int | None:
        return numero(self.emision)


class Outcome:
    """Estados and amounts per row and per referencia, computed once."""

    def __init__(self, validacion: Validacion, emisiones: Mapping[str, Emision] | None) -> None:
        self.validacion = validacion
        self.emisiones = emisiones
        self.por_ref: dict[str, ComprobanteOutcome] = {}
        # Every referencia of the sheet with its rows, whether or not it became a Comprobante.
        self.filas_por_ref: dict[str, list[int]] = {}
        for fila, ref in validacion.referencia_por_fila.items():
            self.filas_por_ref.setdefault(ref, []).append(fila)
        for c in validacion.comprobantes:
            filas = self.filas_por_ref.setdefault(c.referencia, [])
            filas.extend(f for f in c.filas if f not in filas)
            emision = emisiones.get(c.referencia) if emisiones is not None else None
            estado = self.estado_ref(c.referencia, filas)
            self.por_ref[c.referencia] = ComprobanteOutcome(c, estado, emision, comprobante_totals(c))
        # Problems are indexed here rather than asked row by row: one pass, whatever the count.
        self.por_fila: dict[int, list[Problem]] = {}
        self.por_ref_sin_fila: dict[str, list[Problem]] = {}
        for p in validacion.problems:
            if p.fila is not None:
                self.por_fila.setdefault(p.fila, []).append(p)
            elif p.referencia:
                self.por_ref_sin_fila.setdefault(p.referencia, []).append(p)

    def _emitido(self, ref: str | None) -> bool:
        """Already a legal document: it stays EMITIDO whatever its rows say now (they are reported)."""
        emision = (self.emisiones or {}).get(ref or "")
        return emision is not None and emision.estado == EMITIDO

    def estado_ref(self, ref: str, filas: Iterable[int]) -> str:
        v = self.validacion
        if self._emitido(ref):
            return EMITIDO
        if ref in v.invalidas or any(f in v.filas_invalidas for f in filas):
            return INVALIDO
        if self.emisiones is None:
            return VALIDO
        emision = self.emisiones.get(ref)
        return emision.estado if emision is not None else PENDIENTE

    def estado_fila(self, fila: int) -> str:
        v = self.validacion
        ref = v.referencia_por_fila.get(fila)
        if self._emitido(ref):
            return EMITIDO
        if fila in v.filas_invalidas or (ref is not None and ref in v.invalidas):
            return INVALIDO
        if ref is None:
            return INVALIDO if self.por_fila.get(fila) else ""
        if self.emisiones is None:
            return VALIDO
        emision = self.emisiones.get(ref)
        return emision.estado if emision is not None else PENDIENTE

    def errores_fila(self, fila: int, ref: str | None) -> str:
        messages: list[str] = []
        problems = [*self.por_fila.get(fila, ()), *self.por_ref_sin_fila.get(ref or "", ())]
        for p in problems:
            if p.columna:
                where = f"columna {p.letra} ({p.columna})" if p.letra else f"columna {p.columna}"
                # Most messages already open with "<column>: "; the place is said only once.
                messages.append(f"{where}: {p.mensaje.removeprefix(f'{p.columna}: ')}")
            else:
                messages.append(p.mensaje)
        cbte = self.por_ref.get(ref or "")
        emision = cbte.emision if cbte else (self.emisiones or {}).get(ref or "")
        if emision is not None:
            messages.extend(emision.errores)
        return "; ".join(dict.fromkeys(m.strip() for m in messages if m and m.strip()))

    def estados_de_filas(self) -> dict[str, int]:
        return count(self.estado_fila(f) for f in self.validacion.planilla.datos.index)

    def estados_de_comprobantes(self) -> dict[str, int]:
        return count(self.estado_ref(r, fs) for r, fs in self.filas_por_ref.items())

    def emitidos(self) -> list[ComprobanteOutcome]:
        return [cb for cb in self.por_ref.values() if cb.estado == EMITIDO]


def count(values: Iterable[str]) -> dict[str, int]:
    """How many times each non-empty value occurs."""
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    return counts


def numero(emision: Emision | None) -> int | None:
    """The comprobante's number, from the emission or from its `PPPPP-NNNNNNNN`."""
    if emision is None:
        return None
    if emision.numero is not None:
        return emision.numero
    digits = emision.comprobante_nro.rpartition("-")[2]
    return int(digits) if digits.isdigit() else None


def importes(t: Totales) -> list[Decimal]:
    """The amount columns of `Comprobantes`, in order, in the comprobante's currency."""
    tributos = getattr(t, "tributos", ZERO)  # the template carries no perceptions (yet)
    # fmt: off
    return [t.neto.get("27", ZERO), t.iva.get("27", ZERO), t.neto.get("21", ZERO), t.iva.get("21", ZERO),
            t.neto.get("10.5", ZERO), t.iva.get("10.5", ZERO), t.neto_cero, t.exento, t.no_gravado,
            tributos, t.total]
    # fmt: on


def total_emitido(cbtes: Iterable[ComprobanteOutcome]) -> list[Decimal]:
    """The 11 amount columns and the total in pesos over the EMITIDO ones, notas de crédito subtracted."""
    totals = [ZERO] * 12
    for cb in cbtes:
        if cb.estado != EMITIDO:
            continue
        pesos = [cb.pesos(a) for a in importes(cb.totales)] + [cb.pesos(cb.totales.total)]
        totals = [acc + cb.signo * a for acc, a in zip(totals, pesos, strict=True)]
    return totals


def por_tipo(emitidos: Iterable[ComprobanteOutcome]) -> dict[str, tuple[int, Decimal]]:
    """Count and total in pesos per tipo, each shown positive (a nota de crédito has its own tipo)."""
    out: dict[str, tuple[int, Decimal]] = {}
    for cb in emitidos:
        n, total = out.get(cb.comprobante.tipo, (0, ZERO))
        out[cb.comprobante.tipo] = (n + 1, total + cb.pesos(cb.totales.total))
    return dict(sorted(out.items()))


class IvaPeriodo(NamedTuple):
    netos: dict[str, Decimal]  # per gravada alícuota code
    ivas: dict[str, Decimal]


def iva_por_periodo(emitidos: Iterable[ComprobanteOutcome]) -> dict[str, IvaPeriodo]:
    """Net and IVA per alícuota and month (mm/aaaa), in pesos, notas de crédito subtracted; by date."""
    out: dict[str, IvaPeriodo] = {}
    for cb in emitidos:
        periodo = f"{cb.comprobante.fecha:%m/%Y}"
        zeros = dict.fromkeys((code for code, _ in ALICUOTAS_GRAVADAS), ZERO)
        netos, ivas = out.setdefault(periodo, IvaPeriodo(dict(zeros), dict(zeros)))
        for code in zeros:
            netos[code] += cb.signo * cb.pesos(cb.totales.neto.get(code, ZERO))
            ivas[code] += cb.signo * cb.pesos(cb.totales.iva.get(code, ZERO))
    return dict(sorted(out.items(), key=lambda item: item[0][3:] + item[0]))  # year, then month


class Rango(NamedTuple):
    primero: int
    ultimo: int
    cantidad: int


def numeracion(emitidos: Iterable[ComprobanteOutcome]) -> dict[tuple[int, str], Rango]:
    """The numbers used per (punto de venta, tipo), in order."""
    numeros: dict[tuple[int, str], list[int]] = {}
    for cb in emitidos:
        if cb.numero is not None:
            numeros.setdefault((cb.comprobante.punto_venta, cb.comprobante.tipo), []).append(cb.numero)
    return {key: Rango(min(nums), max(nums), len(nums)) for key, nums in sorted(numeros.items())}


class ErrorRow(NamedTuple):
    fila: int | None
    referencia: str
    columna: str
    codigo: str
    mensaje: str
    valor: object
    que_hacer: str


def error_rows(out: Outcome) -> list[ErrorRow]:
    """What needs a human: every problem and every answer that is not EMITIDO, file-level first."""
    v = out.validacion
    rows: list[ErrorRow] = []
    for p in v.problems:
        columna = f"{p.letra} ({p.columna})" if p.letra and p.columna else p.columna or ""
        ref = p.referencia or (v.referencia_por_fila.get(p.fila) if p.fila is not None else None)
        hint = hint_for_problem(p.codigo, p.columna)
        rows.append(ErrorRow(p.fila, ref or "", columna, p.codigo, p.mensaje, p.valor, hint))
    for ref, filas in out.filas_por_ref.items():
        emision = (out.emisiones or {}).get(ref)
        if emision is None or emision.estado == EMITIDO:
            continue
        messages = list(emision.errores)
        if not messages and emision.estado == RECHAZADO:
            messages = ["TusFacturas rechazó el comprobante sin detallar el motivo."]
        if not messages and emision.estado == EN_DUDA:
            messages = ["Enviado, pero todavía no se sabe si quedó emitido."]
        fila = min(filas) if filas else None
        for message in messages:
            code = api_error_code(message)
            rows.append(ErrorRow(fila, ref, "", code, message, None, hint_for_api_error(message)))
    rows.sort(key=lambda r: (r.fila is not None, r.fila or 0))
    return rows


def replaced_note(row: list[object], inputs: list[str], letras: Mapping[str, str]) -> str:
    """Says which input cells lost characters the workbook cannot hold (the writer replaces them)."""
    columns = [
        f"{letras[name]} ({name})" if letras.get(name) else name
        for name, value in zip(inputs, row, strict=False)
        if type(value) is str and has_invalid_xml(value)
    ]
    if not columns:
        return ""
    where = f"la columna {columns[0]}" if len(columns) == 1 else "las columnas " + ", ".join(columns)
    return f"Se reemplazaron caracteres no válidos en {where} por «\ufffd»: revise el texto en la planilla."


def condicion_iva_texto(code: str) -> str:
    try:
        return CONDICION_IVA.name(code)
    except KeyError:
        return code


def rate_text(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate:g} pedidos por segundo" if rate > 0 else "sin límite"


def duration_text(inicio: datetime, fin: datetime) -> str:
    seconds = max(0, round((naive(fin) - naive(inicio)).total_seconds()))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
