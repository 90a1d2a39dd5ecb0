"""The accounting model of the results workbook: what each row and comprobante became, in plain data.

Estados and errores per row and per referencia (an INVALIDO row with no message of its own says
where its comprobante's are), a comprobante's figures in its currency and in pesos, IVA débito
fiscal per month and alícuota, totals per tipo and numbering ranges. No openpyxl here: how these figures look in a sheet is `hojas`'s job, so the
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
from importer.dominio.problems import Problem
from importer.dominio.texto import has_invalid_xml
from importer.dominio.tributos import IIBB, IVA, NACIONAL

if TYPE_CHECKING:
    from importer.planilla.validation import Validacion

SANDBOX_BANNER = "SANDBOX — SIN VALIDEZ FISCAL"
ESTADOS = (EMITIDO, RECHAZADO, EN_DUDA, PENDIENTE, INVALIDO, VALIDO)
ALICUOTAS_GRAVADAS = (("27", "27 %"), ("21", "21 %"), ("10.5", "10,5 %"))  # code, label
# The code of the comprobante-wide notice validation adds when one of its Tributos rows is wrong
# (`planilla.validation_tributos.CON_ERRORES`; spelled here so the results need no planilla code).
AVISO_TRIBUTOS = "tributo.con_errores"


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
    def total(self) -> Decimal:
        """The total shown: TusFacturas' when its verification found another (AFIP's figure), else
        the one calculated here."""
        e = self.emision
        tf = e.total_tusfacturas if e is not None and e.estado == EMITIDO else None
        return tf if tf is not None else self.totales.total

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
        # The Tributos sheet (interface.md §8), when the planilla has one: its rows are numbered on
        # their own sheet, so its problems are kept apart from those of the Comprobantes rows.
        tributos = getattr(validacion.planilla, "tributos", None)
        self.hoja_tributos: str | None = tributos.hoja if tributos is not None else None
        self.tributos_ref_por_fila: dict[int, str] = getattr(validacion, "tributos_referencia_por_fila", {})
        self.tributos_filas_invalidas: set[int] = getattr(validacion, "tributos_filas_invalidas", set())
        # Problems are indexed here rather than asked row by row: one pass, whatever the count.
        self.por_fila: dict[int, list[Problem]] = {}
        self.por_ref_sin_fila: dict[str, list[Problem]] = {}
        self.tributos_por_fila: dict[int, list[Problem]] = {}
        self.tributos_por_ref: dict[str, list[Problem]] = {}
        for p in validacion.problems:
            if self.es_de_tributos(p):
                if p.fila is not None:
                    self.tributos_por_fila.setdefault(p.fila, []).append(p)
                comprobante = self.referencia_de(p)
                if comprobante:
                    self.tributos_por_ref.setdefault(comprobante, []).append(p)
            elif p.fila is not None:
                self.por_fila.setdefault(p.fila, []).append(p)
            elif p.referencia:
                self.por_ref_sin_fila.setdefault(p.referencia, []).append(p)

    def es_de_tributos(self, p: Problem) -> bool:
        """Whether `p` points at the Tributos sheet (its rows have numbers of their own)."""
        hoja = self.hoja_tributos
        return hoja is not None and p.hoja == hoja and hoja != self.validacion.planilla.hoja

    def referencia_de(self, p: Problem) -> str | None:
        """The comprobante a problem belongs to, looked up in the sheet its row is on."""
        if p.referencia:
            return p.referencia
        if p.fila is None:
            return None
        por_fila = (
            self.tributos_ref_por_fila if self.es_de_tributos(p) else self.validacion.referencia_por_fila
        )
        return por_fila.get(p.fila)

    def emitido(self, ref: str | None) -> bool:
        """Already a legal document: it stays EMITIDO whatever its rows say now (they are reported)."""
        emision = (self.emisiones or {}).get(ref or "")
        return emision is not None and emision.estado == EMITIDO

    def estado_ref(self, ref: str, filas: Iterable[int]) -> str:
        v = self.validacion
        if self.emitido(ref):
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
        if self.emitido(ref):
            return EMITIDO
        if fila in v.filas_invalidas or (ref is not None and ref in v.invalidas):
            return INVALIDO
        if ref is None:
            return INVALIDO if self.por_fila.get(fila) else ""
        if self.emisiones is None:
            return VALIDO
        emision = self.emisiones.get(ref)
        return emision.estado if emision is not None else PENDIENTE

    def errores_fila(self, fila: int, ref: str | None, letras: Mapping[str, str] | None = None) -> str:
        """Every message of the row; an INVALIDO row without one of its own says where its
        comprobante's are. `letras` names the columns by their letter in the sheet shown."""
        messages: list[str] = []
        problems = [*self.por_fila.get(fila, ()), *self.por_ref_sin_fila.get(ref or "", ())]
        # A wrong perception is told here by its comprobante-wide notice (`tributo.con_errores`,
        # naming its Tributos row); its own message is on that row of the Tributos sheet.
        messages.extend(mensaje_con_columna(p, letras) for p in problems)
        cbte = self.por_ref.get(ref or "")
        emision = cbte.emision if cbte else (self.emisiones or {}).get(ref or "")
        if emision is not None:
            # A difference found by the verification is shown once, in observaciones_afip.
            messages.extend(m for m in emision.errores if m != emision.verificacion)
        texto = "; ".join(dict.fromkeys(m.strip() for m in messages if m and m.strip()))
        if not texto and self.estado_fila(fila) == INVALIDO:
            texto = self.por_que_invalido(fila, ref)
        return texto

    def por_que_invalido(self, fila: int, ref: str | None) -> str:
        """Why a row with no message of its own is INVALIDO: where its comprobante's errors are."""
        if not ref:
            return "La fila no pasó la validación: vea la hoja Errores."
        otros = otros_lugares(self, ref, fila)
        where = f" ({otros})" if otros else ""
        return (
            f"El comprobante {ref} tiene errores en otras filas{where}: no se envía hasta que se corrijan "
            "(vea la hoja Errores)."
        )

    def estados_de_filas(self) -> dict[str, int]:
        return count(self.estado_fila(f) for f in self.validacion.planilla.datos.index)

    def estados_de_comprobantes(self) -> dict[str, int]:
        return count(self.estado_ref(r, fs) for r, fs in self.filas_por_ref.items())

    def emitidos(self) -> list[ComprobanteOutcome]:
        return [cb for cb in self.por_ref.values() if cb.estado == EMITIDO]


def mensaje_con_columna(p: Problem, letras: Mapping[str, str] | None = None) -> str:
    """The message with its column named once (most already open with "<column>: "), by its
    letter in `letras` (the sheet shown) when given, else in the planilla."""
    if not p.columna:
        return p.mensaje
    letra = letras.get(p.columna, "") if letras is not None else p.letra
    where = f"columna {letra} ({p.columna})" if letra else f"columna {p.columna}"
    return f"{where}: {mensaje_sin_columna(p)}"


def mensaje_sin_columna(p: Problem) -> str:
    """The message without the "<column>: " it may open with (for a note on that very cell)."""
    return p.mensaje.removeprefix(f"{p.columna}: ") if p.columna else p.mensaje


def otros_lugares(out: Outcome, ref: str, fila: int) -> str:
    """Where the other problems of comprobante `ref` are: `Comprobantes fila 5; Tributos filas 8, 9`."""
    v = out.validacion
    principales = sorted(f for f in out.filas_por_ref.get(ref, ()) if out.por_fila.get(f))
    tributos = sorted(
        {p.fila for p in out.tributos_por_ref.get(ref, ()) if p.fila is not None and p.fila != fila}
    )
    lugares = []
    for hoja, filas in ((v.planilla.hoja, principales), (out.hoja_tributos, tributos)):
        if filas:
            palabra = "fila" if len(filas) == 1 else "filas"
            lugares.append(f"{hoja} {palabra} {', '.join(str(f) for f in filas)}")
    # Comprobante-wide problems count, but not the notice that only echoes its wrong perceptions.
    if any(p.codigo != AVISO_TRIBUTOS for p in out.por_ref_sin_fila.get(ref, ())):
        lugares.append("el comprobante entero")
    return "; ".join(lugares)


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


def percepciones_por_tributo(c: Comprobante) -> tuple[Decimal, Decimal, Decimal]:
    """The comprobante's perceptions of IVA, of IIBB and national ones (`Otras percepciones`)."""
    sums = {IVA: ZERO, IIBB: ZERO, NACIONAL: ZERO}
    for t in c.tributos:
        sums[t.tipo] = sums.get(t.tipo, ZERO) + t.importe
    return sums[IVA], sums[IIBB], sums[NACIONAL]


def por_tipo(emitidos: Iterable[ComprobanteOutcome]) -> dict[str, tuple[int, Decimal]]:
    """Count and total in pesos per tipo, each shown positive (a nota de crédito has its own tipo)."""
    out: dict[str, tuple[int, Decimal]] = {}
    for cb in emitidos:
        n, total = out.get(cb.comprobante.tipo, (0, ZERO))
        out[cb.comprobante.tipo] = (n + 1, total + cb.pesos(cb.total))
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
