"""The results workbook: what happened to every row and comprobante, for the accountant.

Sheets: `Resultados` (the input rows, as typed, plus the output columns; valid input again),
`Comprobantes` (one row per comprobante with its amounts per alícuota), `Resumen` (counts, IVA
débito fiscal, numbering), `Errores` (what needs a human, with a hint) and `Ejecución`.
A validation report has only `Resultados`, `Errores` and `Ejecución`.

This module decides what goes in each sheet; how it is written is `importer.resultados.xlsx`'s job. Rows
stream to disk (openpyxl's write-only mode, with rows rendered straight to XML: 100,000 rows in
about 12 s) into a temporary file in the target's folder, moved into place with `os.replace`, so a
crash never leaves half a workbook. No cell is ever a formula: every string is written as a string,
and one Excel could take for a formula also carries Excel's quote prefix.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

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
from importer.planilla.columns import BY_NAME, OUTPUT_COLUMNS
from importer.resultados.xlsx import (
    AUTHOR,
    FORMULA_LEADS,
    MAX_CELL_TEXT,
    MAX_LINKS,
    NOTE_SIZE,
    Cell,
    SafeSheet,
    has_invalid_xml,
    number_text,
    plain_xml_text,
    reserve,
    safe_text,
    save_atomically,
)

if TYPE_CHECKING:
    from importer.planilla.validation import Validacion

# The writer's names are re-exported so callers keep importing them from here. They are copies:
# to change one (MAX_LINKS, say), patch it in `importer.resultados.xlsx`, where it is read.
__all__ = [
    "AUTHOR",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "ESTADOS",
    "FORMULA_LEADS",
    "MAX_CELL_TEXT",
    "MAX_LINKS",
    "MONEY_FORMAT",
    "NOTE_SIZE",
    "SANDBOX_BANNER",
    "SANDBOX_NOTE",
    "Cell",
    "RunInfo",
    "SafeSheet",
    "input_cell",
    "safe_text",
    "write_results",
]

SANDBOX_BANNER = "SANDBOX — SIN VALIDEZ FISCAL"
SANDBOX_NOTE = "SANDBOX — SIN VALIDEZ FISCAL: CAE simulado, no autorizado por ARCA."
ESTADOS = (EMITIDO, RECHAZADO, EN_DUDA, PENDIENTE, INVALIDO, VALIDO)

DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
MONEY_FORMAT = "#,##0.00"

_GREEN = PatternFill("solid", fgColor="C6EFCE")
_RED = PatternFill("solid", fgColor="FFC7CE")
_AMBER = PatternFill("solid", fgColor="FFEB9C")

# fmt: off
_OUTPUT_WIDTHS = {"estado": 12, "comprobante_tipo": 20, "comprobante_numero": 17, "cae": 16,
                  "cae_vencimiento": 13, "total": 14, "pdf": 32, "errores": 70, "observaciones_afip": 40}
# fmt: on
_OUTPUT_NOTES = {
    "estado": "EMITIDO, RECHAZADO (corrija y vuelva a ejecutar), INVALIDO (no pasó la validación, no se "
    "envió), PENDIENTE (todavía no se envió), EN_DUDA (enviado, resultado a confirmar).",
    "errores": "Todos los mensajes de la fila, separados por «; ».",
    "pdf": "Vínculo al PDF descargado (en la primera fila de cada comprobante), relativo a la carpeta "
    "de este archivo.",
}


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


# --- styles and cells ------------------------------------------------------------------------------


@dataclass
class _Styles:
    """The style ids every sheet uses (ids are per workbook)."""

    date: int
    datetime: int
    money: int
    digits: int
    bold: int
    wrap: int
    link: int
    header: int
    output_header: int
    banner: int
    title: int
    bold_money: int
    estado: dict[str, int]
    formats: dict[str, int]

    @classmethod
    def of(cls, ws: SafeSheet) -> _Styles:
        fills = {EMITIDO: _GREEN, VALIDO: _GREEN, RECHAZADO: _RED, INVALIDO: _RED}
        return cls(
            date=ws.style(number_format=DATE_FORMAT),
            datetime=ws.style(number_format=DATETIME_FORMAT),
            money=ws.style(number_format=MONEY_FORMAT),
            digits=ws.style(number_format="0"),
            bold=ws.style(font=Font(bold=True)),
            wrap=ws.style(alignment=Alignment(wrap_text=True, vertical="top")),
            link=ws.style(font=Font(color="0563C1", underline="single")),
            header=ws.style(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E1F2")),
            output_header=ws.style(font=Font(bold=True), fill=PatternFill("solid", fgColor="FCE4D6")),
            banner=ws.style(font=Font(bold=True, color="9C0006", size=14), fill=_RED),
            title=ws.style(font=Font(bold=True, size=12)),
            bold_money=ws.style(number_format=MONEY_FORMAT, font=Font(bold=True)),
            estado={e: ws.style(font=Font(bold=True), fill=fills.get(e, _AMBER)) for e in ESTADOS},
            formats={},
        )

    def number(self, ws: SafeSheet, number_format: str) -> int:
        if number_format not in self.formats:
            self.formats[number_format] = ws.style(number_format=number_format)
        return self.formats[number_format]


def _is_missing(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NaTType", "NAType")


def _naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def input_cell(value: object, st: _Styles, number_style: int = 0) -> object:
    """An input cell as typed: text stays text, numbers stay numbers, datetimes become dates."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int or kind is float:
        if value != value:  # NaN: an empty cell
            return None
        if kind is float and math.isinf(value):  # type: ignore[arg-type]
            return str(value)
        if not number_style and abs(value) >= 1e10 and value == int(value):  # type: ignore[arg-type, call-overload]
            number_style = st.digits  # an ID typed as a number: no 2,01E+10 on screen
        return Cell(value, number_style) if number_style else value
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        moment = _naive(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
        return Cell(moment.date(), st.date) if moment.time() == time(0) else Cell(moment, st.datetime)
    if isinstance(value, date):
        return Cell(value, st.date)
    if isinstance(value, numbers.Number) and number_text(value) is not None:
        return input_cell(
            float(value) if not isinstance(value, numbers.Integral) else int(value), st, number_style
        )
    return str(value)


def _table_sheet(wb: Workbook, title: str, widths: list[float], rows: int, info: RunInfo) -> SafeSheet:
    ws = SafeSheet.add(wb, title)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(widths))}{rows + 1}"
    _layout(ws, widths, info)
    return ws


def _layout(ws: SafeSheet, widths: list[float], info: RunInfo) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    if info.sandbox:
        ws.oddHeader.center.text = SANDBOX_BANNER
        ws.sheet_properties.tabColor = "C00000"


def _cae_cell(cae: str, info: RunInfo) -> object:
    if not cae:
        return None
    return Cell(cae, note=SANDBOX_NOTE) if info.sandbox else cae


@functools.lru_cache(maxsize=64)
def _relative_folder(directory: str, folder: str) -> str | None:
    """`directory` as a relative URL prefix seen from `folder` ("" when the same); None across drives."""
    try:
        relative = Path(os.path.relpath(directory, folder)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return None
    return "" if relative == "." else relative + "/"


def _pdf_cell(pdf: str, folder: str, st: _Styles) -> Cell | None:
    """The PDF's file name, linked relative to the workbook's folder (`folder`, absolute)."""
    if not pdf:
        return None
    directory, name = os.path.split(pdf)
    if not os.path.isabs(pdf):
        return Cell(name, st.link, link=_quote(Path(pdf).as_posix()))
    prefix = _relative_folder(directory, folder)
    target = _quote(prefix + name) if prefix is not None else Path(pdf).as_uri()
    return Cell(name, st.link, link=target)


def _quote(path: str) -> str:
    """A relative URL; a folder name that is not UTF-8 (POSIX bytes) keeps its bytes."""
    try:
        return quote(path, errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(path, errors="replace")


# --- what each row and comprobante became ----------------------------------------------------------


@dataclass(frozen=True)
class _Cbte:
    comprobante: Comprobante
    estado: str
    emision: Emision | None
    totales: Totales

    @property
    def signo(self) -> int:
        return -1 if self.comprobante.tipo_info.es_credito else 1

    def pesos(self, amount: Decimal) -> Decimal:
        return round_cents(amount * self.comprobante.cotizacion)


class _Outcome:
    """Estados and amounts per row and per referencia, computed once."""

    def __init__(self, validacion: Validacion, emisiones: Mapping[str, Emision] | None) -> None:
        self.validacion = validacion
        self.emisiones = emisiones
        self.por_ref: dict[str, _Cbte] = {}
        # Every referencia of the sheet with its rows, whether or not it became a Comprobante.
        self.filas_por_ref: dict[str, list[int]] = {}
        for fila, ref in validacion.referencia_por_fila.items():
            self.filas_por_ref.setdefault(ref, []).append(fila)
        for c in validacion.comprobantes:
            filas = self.filas_por_ref.setdefault(c.referencia, [])
            filas.extend(f for f in c.filas if f not in filas)
            emision = emisiones.get(c.referencia) if emisiones is not None else None
            estado = self.estado_ref(c.referencia, filas)
            self.por_ref[c.referencia] = _Cbte(c, estado, emision, comprobante_totals(c))
        # Problems are indexed here rather than asked row by row: one pass, whatever the count.
        self.por_fila: dict[int, list] = {}
        self.por_ref_sin_fila: dict[str, list] = {}
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


# --- sheets ------------------------------------------------------------------------------------------


def _header(names: Iterable[str], style: int) -> list[Cell]:
    return [Cell(name, style) for name in names]


def _write_resultados(wb: Workbook, out: _Outcome, info: RunInfo, folder: str) -> _Styles:
    datos = out.validacion.planilla.datos
    inputs = [str(c) for c in datos.columns if str(c) not in OUTPUT_COLUMNS]
    positions = [i for i, c in enumerate(datos.columns, start=1) if str(c) not in OUTPUT_COLUMNS]
    specs = [BY_NAME.get(name) for name in inputs]
    widths = [s.width if s else max(10, min(40, len(n) + 2)) for s, n in zip(specs, inputs, strict=True)]
    last_row = len(datos) + 1
    if len(datos) and datos.index.is_monotonic_increasing:
        last_row = max(last_row, int(datos.index[-1]))
    ws = _table_sheet(
        wb, "Resultados", widths + [_OUTPUT_WIDTHS[c] for c in OUTPUT_COLUMNS], last_row - 1, info
    )
    st = _Styles.of(ws)
    number_styles = [
        st.number(ws, s.excel_format) if s and s.excel_format not in ("General", "@") else 0 for s in specs
    ]
    notes = {**_OUTPUT_NOTES, **({"cae": SANDBOX_NOTE} if info.sandbox else {})}
    ws.append(
        _header(inputs, st.header)
        + [Cell(name, st.output_header, note=notes.get(name, "")) for name in OUTPUT_COLUMNS]
    )
    referencias = out.validacion.referencia_por_fila
    letras = getattr(out.validacion.planilla, "letras", None) or {}
    excel_row = 1
    for record in datos.itertuples(index=True, name=None):
        fila = int(record[0])
        # Blank rows of the planilla stay blank here, so every row keeps its Excel number.
        while excel_row + 1 < fila:
            ws.append([])
            excel_row += 1
        excel_row += 1
        ref = referencias.get(fila)
        estado = out.estado_fila(fila)
        cbte = out.por_ref.get(ref or "")
        e = cbte.emision if cbte else None
        errores = out.errores_fila(fila, ref)
        row = [input_cell(record[p], st, n) for p, n in zip(positions, number_styles, strict=True)]
        # One search per row: a join of its text costs far less than a search per cell.
        if has_invalid_xml("".join(v for v in row if type(v) is str)):
            errores = "; ".join(filter(None, (errores, _replaced_note(row, inputs, letras))))
        first = cbte is not None and fila == min(cbte.comprobante.filas, default=fila)
        row += [
            Cell(estado, st.estado[estado]) if estado else None,
            cbte.comprobante.tipo if cbte else None,
            e.comprobante_nro or None if e else None,
            _cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(cbte.totales.total, st.money) if cbte else None,
            _pdf_cell(e.pdf, folder, st) if e and first else None,
            Cell(errores, st.wrap) if errores else None,
            e.observaciones or None if e else None,
        ]
        ws.append(row)
    return st


def _replaced_note(row: list[object], inputs: list[str], letras: Mapping[str, str]) -> str:
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


# fmt: off
_CBTE_COLUMNS = (
    ("Fecha", 11), ("Tipo", 20), ("Punto de venta", 9), ("Número", 11), ("Referencia", 16),
    ("Documento tipo", 10), ("Documento número", 14), ("Razón social", 30), ("Condición IVA", 22),
    ("Neto gravado 27 %", 14), ("IVA 27 %", 13), ("Neto gravado 21 %", 14), ("IVA 21 %", 13),
    ("Neto gravado 10,5 %", 14), ("IVA 10,5 %", 13), ("Neto 0 %", 13), ("Exento", 13),
    ("No gravado", 13), ("Tributos", 11), ("Total", 14), ("Moneda", 8), ("Cotización", 10),
    ("Total en pesos", 15), ("CAE", 16), ("Vencimiento CAE", 12), ("Estado", 12),
)
_ERROR_COLUMNS = (
    ("Fila", 7), ("Referencia", 16), ("Columna", 26), ("Código", 24), ("Mensaje", 70), ("Valor", 22),
    ("Qué hacer", 70),
)
# fmt: on


def _amounts(t: Totales) -> list[Decimal]:
    """The amount columns of `Comprobantes`, in order, in the comprobante's currency."""
    tributos = getattr(t, "tributos", ZERO)  # the template carries no perceptions (yet)
    # fmt: off
    return [t.neto.get("27", ZERO), t.iva.get("27", ZERO), t.neto.get("21", ZERO), t.iva.get("21", ZERO),
            t.neto.get("10.5", ZERO), t.iva.get("10.5", ZERO), t.neto_cero, t.exento, t.no_gravado,
            tributos, t.total]
    # fmt: on


def _numero(emision: Emision | None) -> int | None:
    if emision is None:
        return None
    if emision.numero is not None:
        return emision.numero
    digits = emision.comprobante_nro.rpartition("-")[2]
    return int(digits) if digits.isdigit() else None


def _write_comprobantes(wb: Workbook, out: _Outcome, info: RunInfo, st: _Styles) -> None:
    cbtes = list(out.por_ref.values())
    ws = _table_sheet(wb, "Comprobantes", [w for _, w in _CBTE_COLUMNS], len(cbtes), info)
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")
    text_style, rate_style = st.number(ws, "@"), st.number(ws, "#,##0.000###")
    ws.append(_header([h for h, _ in _CBTE_COLUMNS], st.header))
    totals = [ZERO] * 12  # the 11 amount columns and the total in pesos, over EMITIDO only
    for cb in cbtes:
        c, e = cb.comprobante, cb.emision
        amounts = _amounts(cb.totales)
        en_pesos = cb.pesos(cb.totales.total)
        if cb.estado == EMITIDO:
            pesos = [cb.pesos(a) for a in amounts] + [en_pesos]
            totals = [acc + cb.signo * a for acc, a in zip(totals, pesos, strict=True)]
        numero = _numero(e)
        # fmt: off
        ws.append([
            Cell(c.fecha, st.date), c.tipo, Cell(c.punto_venta, pv_style),
            Cell(numero, numero_style) if numero is not None else None, c.referencia,
            c.cliente.documento_tipo, Cell(c.cliente.documento_nro, text_style), c.cliente.razon_social,
            _condicion_iva(c.cliente.condicion_iva), *(Cell(a, st.money) for a in amounts), c.moneda,
            Cell(c.cotizacion, rate_style), Cell(en_pesos, st.money), _cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(cb.estado, st.estado[cb.estado]),
        ])
        # fmt: on
    ws.append([])
    money = [Cell(a, st.bold_money) for a in totals]
    label = Cell("Total emitido (en pesos; notas de crédito restadas)", st.bold)
    ws.append([label, *[None] * 8, *money[:11], "PES", None, money[11]])


def _condicion_iva(code: str) -> str:
    try:
        return CONDICION_IVA.name(code)
    except KeyError:
        return code


def _write_resumen(wb: Workbook, out: _Outcome, info: RunInfo, st: _Styles) -> None:
    ws = SafeSheet.add(wb, "Resumen")
    _layout(ws, [34, 16, 18, 18, 12], info)
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")

    def table(title: str, header: list[str]) -> None:
        ws.append([])
        ws.append([Cell(title, st.title)])
        ws.append(_header(header, st.header))

    if info.sandbox:
        ws.append([Cell(SANDBOX_BANNER, st.banner)])
    ws.append([Cell(f"Resumen de {info.planilla.name}", st.banner if info.sandbox else st.title)])

    table("Estados", ["Estado", "Filas", "Comprobantes"])
    filas = _count(out.estado_fila(f) for f in out.validacion.planilla.datos.index)
    comprobantes = _count(out.estado_ref(r, fs) for r, fs in out.filas_por_ref.items())
    for estado in ESTADOS:
        if filas.get(estado) or comprobantes.get(estado):
            ws.append([Cell(estado, st.estado[estado]), filas.get(estado, 0), comprobantes.get(estado, 0)])
    ws.append([Cell("Total", st.bold), sum(filas.values()), sum(comprobantes.values())])

    emitidos = [cb for cb in out.por_ref.values() if cb.estado == EMITIDO]
    table("Comprobantes emitidos por tipo (importes en pesos)", ["Tipo", "Cantidad", "Total"])
    por_tipo: dict[str, tuple[int, Decimal]] = {}
    for cb in emitidos:
        n, total = por_tipo.get(cb.comprobante.tipo, (0, ZERO))
        por_tipo[cb.comprobante.tipo] = (n + 1, total + cb.pesos(cb.totales.total))
    for tipo, (n, total) in sorted(por_tipo.items()):
        ws.append([tipo, n, Cell(total, st.money)])

    table(
        "IVA débito fiscal (emitidos, en pesos; notas de crédito restadas)",
        ["Período / alícuota", "Neto gravado", "IVA débito fiscal"],
    )
    for periodo, (netos, ivas) in sorted(_iva_por_periodo(emitidos).items(), key=lambda i: i[0][3:] + i[0]):
        for code, label in (("27", "27 %"), ("21", "21 %"), ("10.5", "10,5 %")):
            ws.append([f"{periodo} — {label}", Cell(netos[code], st.money), Cell(ivas[code], st.money)])
        neto, iva = sum(netos.values(), ZERO), sum(ivas.values(), ZERO)
        ws.append([Cell(f"Total {periodo}", st.bold), Cell(neto, st.bold_money), Cell(iva, st.bold_money)])

    table("Numeración emitida", ["Tipo", "Punto de venta", "Primer número", "Último número", "Cantidad"])
    rangos: dict[tuple[int, str], list[int]] = {}
    for cb in emitidos:
        numero = _numero(cb.emision)
        if numero is not None:
            rangos.setdefault((cb.comprobante.punto_venta, cb.comprobante.tipo), []).append(numero)
    for (pv, tipo), nums in sorted(rangos.items()):
        first, last = Cell(min(nums), numero_style), Cell(max(nums), numero_style)
        ws.append([tipo, Cell(pv, pv_style), first, last, len(nums)])


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    return counts


def _iva_por_periodo(emitidos: list[_Cbte]) -> dict[str, tuple[dict[str, Decimal], dict[str, Decimal]]]:
    """Net and IVA per alícuota and month (mm/aaaa), in pesos, notas de crédito subtracted."""
    out: dict[str, tuple[dict[str, Decimal], dict[str, Decimal]]] = {}
    for cb in emitidos:
        periodo = f"{cb.comprobante.fecha:%m/%Y}"
        zeros = dict.fromkeys(("27", "21", "10.5"), ZERO)
        netos, ivas = out.setdefault(periodo, (dict(zeros), dict(zeros)))
        for code in zeros:
            netos[code] += cb.signo * cb.pesos(cb.totales.neto.get(code, ZERO))
            ivas[code] += cb.signo * cb.pesos(cb.totales.iva.get(code, ZERO))
    return out


def _error_rows(out: _Outcome) -> list[tuple]:
    v = out.validacion
    rows: list[tuple] = []
    for p in v.problems:
        columna = f"{p.letra} ({p.columna})" if p.letra and p.columna else p.columna or ""
        ref = p.referencia or (v.referencia_por_fila.get(p.fila) if p.fila is not None else None)
        hint = hint_for_problem(p.codigo, p.columna)
        rows.append((p.fila, ref or "", columna, p.codigo, p.mensaje, p.valor, hint))
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
            rows.append((fila, ref, "", api_error_code(message), message, None, hint_for_api_error(message)))
    rows.sort(key=lambda r: (r[0] is not None, r[0] or 0))
    return rows


def _write_errores(wb: Workbook, out: _Outcome, info: RunInfo, st: _Styles) -> None:
    rows = _error_rows(out)
    ws = _table_sheet(wb, "Errores", [w for _, w in _ERROR_COLUMNS], len(rows), info)
    ws.append(_header([h for h, _ in _ERROR_COLUMNS], st.header))
    for fila, ref, columna, codigo, mensaje, valor, hint in rows:
        message = Cell(str(mensaje), st.wrap)
        ws.append([fila, ref, columna, codigo, message, input_cell(valor, st), Cell(hint, st.wrap)])


def _write_ejecucion(wb: Workbook, out: _Outcome, info: RunInfo, st: _Styles) -> None:
    ws = SafeSheet.add(wb, "Ejecución")
    _layout(ws, [30, 90], info)
    v = out.validacion
    if info.sandbox:
        ws.append([Cell(SANDBOX_BANNER, st.banner)])
    ws.append(_header(["Dato", "Valor"], st.header))
    inicio, fin = _naive(info.inicio), _naive(info.fin)
    seconds = max(0, round((fin - inicio).total_seconds()))
    estados = _count(out.estado_ref(r, fs) for r, fs in out.filas_por_ref.items())
    moment = st.number(ws, "dd/mm/yyyy hh:mm:ss")
    items: list[tuple[str, object]] = [
        ("Planilla", info.planilla.name),
        ("Hoja", v.planilla.hoja),
        ("SHA-256 de la planilla", info.planilla_sha256),
        ("Modo", SANDBOX_BANNER if info.sandbox else info.modo),
        ("Versión de tf-import", info.version),
        ("Inicio", Cell(inicio, moment)),
        ("Fin", Cell(fin, moment)),
        ("Duración", f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"),
        ("Ritmo máximo", _rate_text(info.rate)),
        ("Filas leídas", len(v.planilla.datos)),
        ("Comprobantes", len(out.filas_por_ref)),
        *((f"Comprobantes {e}", estados[e]) for e in ESTADOS if estados.get(e)),
        ("Problemas de validación", len(v.problems)),
    ]
    if getattr(v.planilla, "fecha_simulada", None):
        items.append(("Fecha simulada", Cell(v.planilla.fecha_simulada, st.date)))
    items.append(("Resultado", info.detenido or "Terminó"))
    if info.comando_reanudar:
        items.append(("Para reanudar", info.comando_reanudar))
    for key, value in items:
        ws.append([Cell(key, st.bold), value])


def _rate_text(rate: float | None) -> str:
    if rate is None:
        return "—"
    return f"{rate:g} pedidos por segundo" if rate > 0 else "sin límite"


# --- writing --------------------------------------------------------------------------------------


def write_results(
    path: Path, validacion: Validacion, emisiones: Mapping[str, Emision] | None, info: RunInfo
) -> Path:
    """Write the results workbook (or, with `emisiones=None`, the validation report).

    Returns the path actually written: `path`, or `<stem>-YYYYMMDD-HHMMSS.xlsx` beside it when
    `path` cannot be replaced (open in Excel, locked, or a folder). Raises `importer.resultados.xlsx.OutputError`
    (Spanish reason) when its folder takes no file at all.
    """
    target = Path(path)
    tmp = reserve(target)  # before any work: a folder that takes no file fails at once
    try:
        out = _Outcome(validacion, emisiones)
        wb = Workbook(write_only=True)
        kind = "Informe de validación" if emisiones is None else "Resultados"
        title = f"{kind} de {info.planilla.name}" + (f" — {SANDBOX_BANNER}" if info.sandbox else "")
        wb.properties.title = plain_xml_text(title)  # a file name may hold anything
        wb.properties.creator = f"tf-import {info.version}"
        st = _write_resultados(wb, out, info, os.path.abspath(target.parent))
        if emisiones is not None:
            _write_comprobantes(wb, out, info, st)
            _write_resumen(wb, out, info, st)
        _write_errores(wb, out, info, st)
        _write_ejecucion(wb, out, info, st)
        return save_atomically(wb, target, tmp)
    finally:
        tmp.unlink(missing_ok=True)
