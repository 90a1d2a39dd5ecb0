"""The `Tributos` sheet of the results workbook and of the validation report (interface.md §8).

Every row of the planilla's `Tributos` sheet, in order and with its Excel row number, with every
input column as typed and, right after `referencia`, `estado` (its comprobante's, or INVALIDO when
the row itself is wrong) and `errores`; faulty cells are filled red with their message as a note,
as in `Resultados`. Fed back to `run`, the sheet is read again as perceptions (columns found by
name) and those two columns are ignored. Cells follow `celdas`'s contract: text is never a formula.
"""

from __future__ import annotations

from importer.dominio.texto import has_invalid_xml
from importer.planilla.columnas_tributos import TRIBUTOS_BY_NAME, TRIBUTOS_SHEET
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell
from importer.resultados.estilos import Styles, header, input_cell, table_sheet
from importer.resultados.hoja_resultados import Ubicacion, letters_of, marked, output_order
from importer.resultados.impresion import print_setup
from importer.resultados.modelo import Outcome, RunInfo
from importer.resultados.percepciones import errores_tributo, estado_tributo

TITLE = TRIBUTOS_SHEET  # the name the reader looks for, so the workbook is input again
OUTPUT = ("estado", "errores")  # the reader of the Tributos sheet ignores them
_OUTPUT_WIDTHS = {"estado": 12, "errores": 70}
_NOTES = {
    "estado": "El estado del comprobante de la percepción, o INVALIDO si la fila misma tiene un error "
    "(por ejemplo, una referencia que no está en la hoja de comprobantes).",
    "errores": "Los mensajes de esta fila, separados por «; ». Al volver a ejecutar «tf-import run» sobre "
    "este archivo, esta columna y «estado» se ignoran.",
}


def write_tributos(book: Book, out: Outcome, info: RunInfo, st: Styles) -> Ubicacion | None:
    """The sheet, when the planilla had a Tributos sheet (and where its columns are); nothing otherwise."""
    hoja = getattr(out.validacion.planilla, "tributos", None)
    if hoja is None:
        return None
    datos = hoja.datos
    inputs = [str(c) for c in datos.columns if str(c) not in OUTPUT]
    positions = [i for i, c in enumerate(datos.columns, start=1) if str(c) not in OUTPUT]
    specs = [TRIBUTOS_BY_NAME.get(name) for name in inputs]  # None for a column of the user's own
    widths = {n: s.width if s else max(10, min(40, len(n) + 2)) for s, n in zip(specs, inputs, strict=True)}
    last_row = len(datos) + 1
    if len(datos) and datos.index.is_monotonic_increasing:
        last_row = max(last_row, int(datos.index[-1]))
    order = output_order(inputs, OUTPUT)
    letters = letters_of(order)
    all_widths = [widths.get(n) or _OUTPUT_WIDTHS[n] for n in order]
    ws = table_sheet(book, TITLE, all_widths, last_row - 1, info, frozen_columns=order.index("estado") + 1)
    print_setup(ws, out, info, landscape=True)
    number_styles = [
        st.number(ws, s.excel_format) if s and s.excel_format not in ("General", "@") else 0 for s in specs
    ]
    cells = dict(zip(inputs, header(inputs, st.header), strict=True))
    cells.update({name: Cell(name, st.output_header, note=_NOTES[name]) for name in OUTPUT})
    ws.append([cells[n] for n in order])
    index = {name: i for i, name in enumerate(inputs)}
    ref_at = index.get("referencia")
    excel_row = 1
    for record in datos.itertuples(index=True, name=None):
        fila = int(record[0])
        # Blank rows stay blank, so every row keeps its Excel number ("Tributos, fila 7").
        while excel_row + 1 < fila:
            ws.append([])
            excel_row += 1
        excel_row += 1
        row = [input_cell(record[p], st, n) for p, n in zip(positions, number_styles, strict=True)]
        estado = estado_tributo(out, fila)
        errores = errores_tributo(out, fila, letters)
        if has_invalid_xml("".join(v for v in row if type(v) is str)):
            errores = "; ".join(filter(None, (errores, modelo.replaced_note(row, inputs, letters))))
        if fila in out.tributos_por_fila:
            row = marked(row, out.tributos_por_fila[fila], index, ws, st)
        lead = [row.pop(ref_at)] if ref_at is not None else []
        ws.append(
            [
                *lead,
                Cell(estado, st.estado[estado]) if estado else None,
                Cell(errores, st.wrap) if errores else None,
                *row,
            ]
        )
    return Ubicacion(TITLE, letters)
