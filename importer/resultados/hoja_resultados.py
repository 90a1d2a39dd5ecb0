"""The `Resultados` sheet: every input row as typed, with what became of it where the eye is.

Column order: `referencia`, `estado`, `errores` (the employee fixing rows reads them first, and
both stay frozen with `referencia`), then the other input columns in the planilla's order, then the
remaining output columns. Fed back to `run`, columns are found by name, so the sheet is input again
(output columns are ignored). Each faulty input cell is filled red and carries its message as a
note; every row of an INVALIDO comprobante says why. A comprobante's `total` is on its first row
only, so summing the column gives the right figure. `Errores` links to the cells this sheet places
(`Ubicacion`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from importer.dominio.problems import Problem
from importer.dominio.texto import has_invalid_xml
from importer.planilla.columns import BY_NAME, OUTPUT_COLUMNS
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell, Sheet
from importer.resultados.emisores import cuit_con_guiones, diferencia, muestra_emisor, nota_total
from importer.resultados.estilos import (
    SANDBOX_NOTE,
    Styles,
    cae_cell,
    header,
    input_cell,
    pdf_cell,
    table_sheet,
)
from importer.resultados.impresion import print_setup
from importer.resultados.modelo import Outcome, RunInfo

TITLE = "Resultados"
FIRST_OUTPUTS = ("estado", "errores")  # right after referencia
_ISSUER_OUTPUTS = ("cuenta_nombre", "cuenta_cuit")  # in OUTPUT_COLUMNS, so ignored when read back
# fmt: off
_OUTPUT_WIDTHS = {"estado": 12, "comprobante_tipo": 20, "comprobante_numero": 17, "cae": 16,
                  "cae_vencimiento": 13, "total": 14, "pdf": 32, "errores": 60, "observaciones_afip": 40,
                  "cuenta_nombre": 20, "cuenta_cuit": 15}
# fmt: on
_OUTPUT_NOTES = {
    "estado": "EMITIDO, RECHAZADO (corrija y vuelva a ejecutar), INVALIDO (no pasó la validación, no se "
    "envió), PENDIENTE (todavía no se envió), EN_DUDA (enviado, resultado a confirmar).",
    "errores": "Todos los mensajes de la fila, separados por «; ». Las celdas con error están en rojo y "
    "su nota dice qué tienen.",
    "pdf": "Vínculo al PDF descargado (en la primera fila de cada comprobante), relativo a la carpeta "
    "de este archivo.",
    "total": "El total del comprobante, en su primera fila (sumar la columna da el total de los "
    "comprobantes); si TusFacturas registra otro, el de TusFacturas (la nota de la celda dice ambos).",
    "observaciones_afip": "Las observaciones de AFIP y, en la primera fila del comprobante, lo que "
    "TusFacturas registra distinto de lo enviado.",
    "cuenta_nombre": "La cuenta (del archivo de cuentas) por la que se emite el comprobante.",
    "cuenta_cuit": "La CUIT que emite el comprobante: la de su cuenta.",
}


@dataclass(frozen=True)
class Ubicacion:
    """Where each column of a copied input sheet is, to link an `Errores` row to its cell."""

    sheet: str
    letters: Mapping[str, str]  # column name → letter

    def link(self, fila: int, columna: str) -> str:
        letter = self.letters.get(columna) or self.letters["errores"]
        quoted = self.sheet.replace("'", "''")
        return f"#'{quoted}'!{letter}{fila}"


def output_order(inputs: Sequence[str], outputs: Sequence[str]) -> list[str]:
    """`referencia`, `estado`, `errores`, the other inputs, the other outputs."""
    first = ["referencia"] if "referencia" in inputs else []
    rest_in = [n for n in inputs if n != "referencia"]
    rest_out = [n for n in outputs if n not in FIRST_OUTPUTS]
    return [*first, *FIRST_OUTPUTS, *rest_in, *rest_out]


def letters_of(order: Sequence[str]) -> dict[str, str]:
    return {name: get_column_letter(i) for i, name in enumerate(order, start=1)}


def marked(
    row: list[object], problems: Sequence[Problem], index: Mapping[str, int], ws: Sheet, st: Styles
) -> list[object]:
    """`row` (input cells in `index`'s order) with each faulty cell filled red and noted."""
    notes: dict[int, list[str]] = {}
    for p in problems:
        at = index.get(p.columna or "")
        if at is not None:
            notes.setdefault(at, []).append(modelo.mensaje_sin_columna(p))
    for at, messages in notes.items():
        item = row[at]
        value, style = (item.value, item.style) if type(item) is Cell else (item, 0)
        note = "\n".join(dict.fromkeys(messages))
        row[at] = Cell(value, st.faulty(ws, style), note=note)
    return row


def write_resultados(book: Book, out: Outcome, info: RunInfo, folder: str) -> tuple[Styles, Ubicacion]:
    """The sheet; returns the workbook's styles (made on this first sheet) for the others, and where
    its columns are."""
    datos = out.validacion.planilla.datos
    inputs = [str(c) for c in datos.columns if str(c) not in OUTPUT_COLUMNS]
    positions = [i for i, c in enumerate(datos.columns, start=1) if str(c) not in OUTPUT_COLUMNS]
    specs = [BY_NAME.get(name) for name in inputs]
    widths = {n: s.width if s else max(10, min(40, len(n) + 2)) for s, n in zip(specs, inputs, strict=True)}
    last_row = len(datos) + 1
    if len(datos) and datos.index.is_monotonic_increasing:
        last_row = max(last_row, int(datos.index[-1]))
    issuer = out.emisiones is not None and muestra_emisor(out.emisiones.values())
    outputs = [c for c in OUTPUT_COLUMNS if c not in _ISSUER_OUTPUTS] + [*(_ISSUER_OUTPUTS if issuer else ())]
    order = output_order(inputs, outputs)
    letters = letters_of(order)
    frozen = order.index("estado") + 1  # referencia and estado stay in sight
    all_widths = [widths.get(n) or _OUTPUT_WIDTHS[n] for n in order]
    ws = table_sheet(book, TITLE, all_widths, last_row - 1, info, frozen_columns=frozen)
    print_setup(ws, out, info, landscape=False, area=f"A1:{letters['errores']}{max(last_row, 1)}")
    st = Styles.of(ws)
    number_styles = [
        st.number(ws, s.excel_format) if s and s.excel_format not in ("General", "@") else 0 for s in specs
    ]
    notes = {**_OUTPUT_NOTES, **({"cae": SANDBOX_NOTE} if info.sandbox else {})}
    header_cells = dict(zip(inputs, header(inputs, st.header), strict=True))
    header_cells.update({n: Cell(n, st.output_header, note=notes.get(n, "")) for n in outputs})
    ws.append([header_cells[n] for n in order])
    input_index = {name: i for i, name in enumerate(inputs)}
    ref_at = input_index.get("referencia")
    referencias = out.validacion.referencia_por_fila
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
        errores = out.errores_fila(fila, ref, letters)
        row = [input_cell(record[p], st, n) for p, n in zip(positions, number_styles, strict=True)]
        # One search per row: a join of its text costs far less than a search per cell.
        if has_invalid_xml("".join(v for v in row if type(v) is str)):
            errores = "; ".join(filter(None, (errores, modelo.replaced_note(row, inputs, letters))))
        if fila in out.por_fila:
            row = marked(row, out.por_fila[fila], input_index, ws, st)
        first = cbte is not None and fila == min(cbte.comprobante.filas, default=fila)
        observaciones = e.observaciones if e else ""
        if first and diferencia(e):  # once per comprobante, on its first row
            observaciones = "; ".join(filter(None, (observaciones, diferencia(e))))
        lead = [row.pop(ref_at)] if ref_at is not None else []
        cells = [
            *lead,
            Cell(estado, st.estado[estado]) if estado else None,
            Cell(errores, st.wrap) if errores else None,
            *row,
            cbte.comprobante.tipo if cbte else None,
            e.comprobante_nro or None if e else None,
            cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(cbte.total, st.money, note=nota_total(cbte)) if cbte and first else None,
            pdf_cell(e.pdf, folder, st) if e and first else None,
            observaciones or None,
        ]
        if issuer:
            de = e or (out.emisiones or {}).get(ref or "")  # also a row that built no comprobante
            cells += [de.cuenta or None, cuit_con_guiones(de.emisor_cuit) or None] if de else [None, None]
        ws.append(cells)
    return st, Ubicacion(TITLE, letters)
