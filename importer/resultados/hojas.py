"""The sheets of the results workbook, written from the model into any `Book`, in order.

`Resultados` (`hoja_resultados`: the input rows as typed, estado and errores beside referencia, the
faulty cells marked; valid input again), `Tributos` (`hoja_tributos`, when the planilla has one),
`Comprobantes` (`hoja_comprobantes`: one row per comprobante, ARCA's columns first), `Resumen`
(`hoja_resumen`), `Errores` (what needs a human, with its sheet, a hint and a link to its cell) and
`Ejecución`. A validation report has only `Resultados`, `Tributos`, `Errores` and `Ejecución`. How
each prints is `impresion`'s. What the figures are is `modelo`'s, `percepciones`'s, `emisores`'s
and `errores`'s business; here they get their place, style, width, note and link.
"""

from __future__ import annotations

from collections.abc import Mapping

from importer.dominio.texto import plain_xml_text
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell
from importer.resultados.emisores import cuenta_verificaciones
from importer.resultados.errores import error_rows
from importer.resultados.estilos import Styles, header, input_cell, layout, table_sheet
from importer.resultados.hoja_comprobantes import write_comprobantes
from importer.resultados.hoja_resultados import Ubicacion, write_resultados
from importer.resultados.hoja_resumen import write_resumen
from importer.resultados.hoja_tributos import write_tributos
from importer.resultados.impresion import print_setup
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, Outcome, RunInfo

# fmt: off
_ERROR_COLUMNS = (
    ("Hoja", 14), ("Fila", 7), ("Referencia", 16), ("Columna", 26), ("Código", 24), ("Mensaje", 70),
    ("Valor", 22), ("Qué hacer", 70),
)
# fmt: on
_FILA_NOTE = "Pulse el número de fila para ir a la celda con el error (en rojo, con su mensaje como nota)."


def write_sheets(book: Book, out: Outcome, info: RunInfo, folder: str) -> None:
    """Every sheet, in order; `folder` (absolute) is where the workbook goes, for the PDF links."""
    emision = out.emisiones is not None
    kind = "Resultados" if emision else "Informe de validación"
    title = f"{kind} de {info.planilla.name}" + (f" — {SANDBOX_BANNER}" if info.sandbox else "")
    book.workbook.properties.title = plain_xml_text(title)  # a file name may hold anything
    book.workbook.properties.creator = f"tf-import {info.version}"
    st, resultados = write_resultados(book, out, info, folder)
    ubicaciones = {out.validacion.planilla.hoja: resultados}
    tributos = write_tributos(book, out, info, st)
    if tributos is not None and out.hoja_tributos is not None:
        ubicaciones.setdefault(out.hoja_tributos, tributos)
    if emision:
        write_comprobantes(book, out, info, st)
        write_resumen(book, out, info, st)
    _write_errores(book, out, info, st, ubicaciones)
    _write_ejecucion(book, out, info, st)


def _write_errores(
    book: Book, out: Outcome, info: RunInfo, st: Styles, ubicaciones: Mapping[str, Ubicacion]
) -> None:
    """What needs a human; each row's `Fila` links to its cell. With nothing to say, the sheet stays
    empty (not even a header), so it prints nothing."""
    rows = error_rows(out)
    ws = table_sheet(book, "Errores", [w for _, w in _ERROR_COLUMNS], len(rows), info)
    if not rows:
        return
    print_setup(ws, out, info, landscape=True)
    ws.append([Cell(h, st.header, note=_FILA_NOTE if h == "Fila" else "") for h, _ in _ERROR_COLUMNS])
    for r in rows:
        message, hint = Cell(str(r.mensaje), st.wrap), Cell(r.que_hacer, st.wrap)
        value = input_cell(r.valor, st)
        donde = ubicaciones.get(r.hoja)
        fila: object = r.fila
        if donde is not None and r.fila is not None:
            fila = Cell(r.fila, st.link, link=donde.link(r.fila, r.nombre_columna))
        ws.append([r.hoja or None, fila, r.referencia, r.columna, r.codigo, message, value, hint])


def _write_ejecucion(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    ws = book.add_sheet("Ejecución")
    layout(ws, [30, 90], info)
    print_setup(ws, out, info, landscape=False, title_rows="")
    v = out.validacion
    if info.sandbox:
        ws.append([Cell(SANDBOX_BANNER, st.banner)])
    ws.append(header(["Dato", "Valor"], st.header))
    estados = out.estados_de_comprobantes()
    moment = st.number(ws, "dd/mm/yyyy hh:mm:ss")
    items: list[tuple[str, object]] = [
        ("Planilla", info.planilla.name),
        ("Hoja", v.planilla.hoja),
        ("SHA-256 de la planilla", info.planilla_sha256),
        ("Modo", SANDBOX_BANNER if info.sandbox else info.modo),
        ("Versión de tf-import", info.version),
        ("Inicio", Cell(modelo.naive(info.inicio), moment)),
        ("Fin", Cell(modelo.naive(info.fin), moment)),
        ("Duración", modelo.duration_text(info.inicio, info.fin)),
        ("Ritmo máximo", modelo.rate_text(info.rate)),
        ("Filas leídas", len(v.planilla.datos)),
        *_tributos_leidos(v.planilla),
        ("Comprobantes", len(out.filas_por_ref)),
        *((f"Comprobantes {e}", estados[e]) for e in ESTADOS if estados.get(e)),
        ("Problemas de validación", len(v.problems)),
        *_verificacion(out),
    ]
    if getattr(v.planilla, "fecha_simulada", None):
        items.append(("Fecha simulada", Cell(v.planilla.fecha_simulada, st.date)))
    items.append(("Resultado", info.detenido or "Terminó"))
    if info.comando_reanudar:
        items.append(("Para reanudar", info.comando_reanudar))
    for key, value in items:
        ws.append([Cell(key, st.bold), value])


def _verificacion(out: Outcome) -> list[tuple[str, object]]:
    """How many emitted comprobantes TusFacturas shows differently, and how many are still unchecked."""
    if not out.emitidos():  # nothing emitted (or a validation report): nothing to verify
        return []
    diferentes, pendientes = cuenta_verificaciones(out)
    items: list[tuple[str, object]] = [("Diferencias con TusFacturas", diferentes)]
    if pendientes:
        items.append(("Emitidos sin verificar en TusFacturas", pendientes))
    return items


def _tributos_leidos(planilla: object) -> list[tuple[str, object]]:
    hoja = getattr(planilla, "tributos", None)
    if hoja is None:
        return []
    return [("Hoja de percepciones", hoja.hoja), ("Filas de percepciones leídas", len(hoja.datos))]
