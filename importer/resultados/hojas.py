"""The sheets of the results workbook, written from the model into any `Book`.

`Resultados` (the input rows, as typed, plus the output columns; valid input again), `Tributos`
(the perceptions sheet, when the planilla has one: `hoja_tributos`), `Comprobantes` (one row per
comprobante with its amounts per alícuota and its perceptions), `Resumen` (counts, IVA débito
fiscal, perceptions per régimen, FCE emitted, numbering), `Errores` (what needs a human, with its
sheet and a hint) and `Ejecución`. A validation report has only `Resultados`, `Tributos`, `Errores`
and `Ejecución`. What the figures are is `modelo`'s and `percepciones`'s business; here they get
their place, style, width, note and link.
"""

from __future__ import annotations

from collections.abc import Callable

from importer.dominio.amounts import ZERO
from importer.dominio.texto import has_invalid_xml, plain_xml_text
from importer.planilla.columns import BY_NAME, OUTPUT_COLUMNS
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell, Sheet
from importer.resultados.estilos import (
    SANDBOX_NOTE,
    Styles,
    cae_cell,
    header,
    input_cell,
    layout,
    pdf_cell,
    table_sheet,
)
from importer.resultados.hoja_tributos import write_tributos
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, ComprobanteOutcome, Outcome, RunInfo
from importer.resultados.percepciones import etiqueta_regimen, fce_por_periodo, percepciones_por_periodo

_Table = Callable[[str, list[str]], None]  # writes a Resumen table's title and header

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
# fmt: off
_CBTE_COLUMNS = (
    ("Fecha", 11), ("Tipo", 20), ("FCE", 6), ("Punto de venta", 9), ("Número", 11), ("Referencia", 16),
    ("Documento tipo", 10), ("Documento número", 14), ("Razón social", 30), ("Condición IVA", 22),
    *((name, 13 if name.startswith(("IVA", "Exento", "No gravado", "Neto 0")) else 14)
      for name in modelo.IMPORTES),
    ("Moneda", 8), ("Cotización", 10), ("Total en pesos", 15), ("CAE", 16), ("Vencimiento CAE", 12),
    ("Vencimiento de pago", 12), ("Estado", 12),
)
_CBTE_NOTES = {
    "FCE": "«Sí» en las Facturas de Crédito Electrónica MiPyME y sus notas.",
    "Tributos": "Todas las percepciones del comprobante: IVA, IIBB y otras.",
    "Vencimiento de pago": "La fecha de vencimiento del pago de cada Factura de Crédito Electrónica MiPyME.",
}
_ERROR_COLUMNS = (
    ("Hoja", 14), ("Fila", 7), ("Referencia", 16), ("Columna", 26), ("Código", 24), ("Mensaje", 70),
    ("Valor", 22), ("Qué hacer", 70),
)
# fmt: on


def write_sheets(book: Book, out: Outcome, info: RunInfo, folder: str) -> None:
    """Every sheet, in order; `folder` (absolute) is where the workbook goes, for the PDF links."""
    emision = out.emisiones is not None
    kind = "Resultados" if emision else "Informe de validación"
    title = f"{kind} de {info.planilla.name}" + (f" — {SANDBOX_BANNER}" if info.sandbox else "")
    book.workbook.properties.title = plain_xml_text(title)  # a file name may hold anything
    book.workbook.properties.creator = f"tf-import {info.version}"
    st = _write_resultados(book, out, info, folder)
    write_tributos(book, out, info, st)
    if emision:
        _write_comprobantes(book, out, info, st)
        _write_resumen(book, out, info, st)
    _write_errores(book, out, info, st)
    _write_ejecucion(book, out, info, st)


def _write_resultados(book: Book, out: Outcome, info: RunInfo, folder: str) -> Styles:
    datos = out.validacion.planilla.datos
    inputs = [str(c) for c in datos.columns if str(c) not in OUTPUT_COLUMNS]
    positions = [i for i, c in enumerate(datos.columns, start=1) if str(c) not in OUTPUT_COLUMNS]
    specs = [BY_NAME.get(name) for name in inputs]
    widths = [s.width if s else max(10, min(40, len(n) + 2)) for s, n in zip(specs, inputs, strict=True)]
    last_row = len(datos) + 1
    if len(datos) and datos.index.is_monotonic_increasing:
        last_row = max(last_row, int(datos.index[-1]))
    ws = table_sheet(
        book, "Resultados", widths + [_OUTPUT_WIDTHS[c] for c in OUTPUT_COLUMNS], last_row - 1, info
    )
    st = Styles.of(ws)
    number_styles = [
        st.number(ws, s.excel_format) if s and s.excel_format not in ("General", "@") else 0 for s in specs
    ]
    notes = {**_OUTPUT_NOTES, **({"cae": SANDBOX_NOTE} if info.sandbox else {})}
    ws.append(
        header(inputs, st.header)
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
            errores = "; ".join(filter(None, (errores, modelo.replaced_note(row, inputs, letras))))
        first = cbte is not None and fila == min(cbte.comprobante.filas, default=fila)
        row += [
            Cell(estado, st.estado[estado]) if estado else None,
            cbte.comprobante.tipo if cbte else None,
            e.comprobante_nro or None if e else None,
            cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(cbte.totales.total, st.money) if cbte else None,
            pdf_cell(e.pdf, folder, st) if e and first else None,
            Cell(errores, st.wrap) if errores else None,
            e.observaciones or None if e else None,
        ]
        ws.append(row)
    return st


def _write_comprobantes(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    cbtes = list(out.por_ref.values())
    ws = table_sheet(book, "Comprobantes", [w for _, w in _CBTE_COLUMNS], len(cbtes), info)
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")
    text_style, rate_style = st.number(ws, "@"), st.number(ws, "#,##0.000###")
    ws.append([Cell(h, st.header, note=_CBTE_NOTES.get(h, "")) for h, _ in _CBTE_COLUMNS])
    for cb in cbtes:
        c, e, numero = cb.comprobante, cb.emision, cb.numero
        factura_fce = c.es_fce and c.tipo_info.clase == "FACTURA"
        # fmt: off
        ws.append([
            Cell(c.fecha, st.date), c.tipo, "Sí" if c.es_fce else None, Cell(c.punto_venta, pv_style),
            Cell(numero, numero_style) if numero is not None else None, c.referencia,
            c.cliente.documento_tipo, Cell(c.cliente.documento_nro, text_style), c.cliente.razon_social,
            modelo.condicion_iva_texto(c.cliente.condicion_iva),
            *(Cell(a, st.money) for a in modelo.importes(cb)), c.moneda,
            Cell(c.cotizacion, rate_style), Cell(cb.pesos(cb.totales.total), st.money),
            cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(c.vencimiento_efectivo, st.date) if factura_fce else None,
            Cell(cb.estado, st.estado[cb.estado]),
        ])
        # fmt: on
    ws.append([])
    *amounts, pesos = modelo.total_emitido(cbtes)
    footer: dict[str, object] = {
        "Fecha": Cell("Total emitido (en pesos; notas de crédito restadas)", st.bold),
        **{name: Cell(a, st.bold_money) for name, a in zip(modelo.IMPORTES, amounts, strict=True)},
        "Moneda": "PES",
        "Total en pesos": Cell(pesos, st.bold_money),
    }
    ws.append([footer.get(name) for name, _ in _CBTE_COLUMNS])


def _write_resumen(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    ws = book.add_sheet("Resumen")
    layout(ws, [48, 16, 18, 18, 18], info)
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")

    def table(title: str, names: list[str]) -> None:
        ws.append([])
        ws.append([Cell(title, st.title)])
        ws.append(header(names, st.header))

    if info.sandbox:
        ws.append([Cell(SANDBOX_BANNER, st.banner)])
    ws.append([Cell(f"Resumen de {info.planilla.name}", st.banner if info.sandbox else st.title)])

    table("Estados", ["Estado", "Filas", "Comprobantes"])
    filas, comprobantes = out.estados_de_filas(), out.estados_de_comprobantes()
    for estado in ESTADOS:
        if filas.get(estado) or comprobantes.get(estado):
            ws.append([Cell(estado, st.estado[estado]), filas.get(estado, 0), comprobantes.get(estado, 0)])
    ws.append([Cell("Total", st.bold), sum(filas.values()), sum(comprobantes.values())])

    emitidos = out.emitidos()
    table("Comprobantes emitidos por tipo (importes en pesos)", ["Tipo", "Cantidad", "Total"])
    for tipo, (n, total) in modelo.por_tipo(emitidos).items():
        ws.append([tipo, n, Cell(total, st.money)])

    table(
        "IVA débito fiscal (emitidos, en pesos; notas de crédito restadas)",
        ["Período / alícuota", "Neto gravado", "IVA débito fiscal"],
    )
    for periodo, (netos, ivas) in modelo.iva_por_periodo(emitidos).items():
        for code, label in modelo.ALICUOTAS_GRAVADAS:
            ws.append([f"{periodo} — {label}", Cell(netos[code], st.money), Cell(ivas[code], st.money)])
        neto, iva = sum(netos.values(), ZERO), sum(ivas.values(), ZERO)
        ws.append([Cell(f"Total {periodo}", st.bold), Cell(neto, st.bold_money), Cell(iva, st.bold_money)])

    _write_percepciones(ws, emitidos, st, table)
    _write_fce(ws, emitidos, st, table)

    table("Numeración emitida", ["Tipo", "Punto de venta", "Primer número", "Último número", "Cantidad"])
    for (pv, tipo), rango in modelo.numeracion(emitidos).items():
        first, last = Cell(rango.primero, numero_style), Cell(rango.ultimo, numero_style)
        ws.append([tipo, Cell(pv, pv_style), first, last, rango.cantidad])


def _write_percepciones(ws: Sheet, emitidos: list[ComprobanteOutcome], st: Styles, table: _Table) -> None:
    """What the agente de percepción declares: each régimen per month (IIBB per jurisdicción)."""
    periodos = percepciones_por_periodo(emitidos)
    if not periodos:
        return
    table(
        "Percepciones practicadas (emitidos, en pesos; notas de crédito restadas, de débito sumadas)",
        ["Período / régimen", "Base imponible", "Importe percibido"],
    )
    for periodo, regimenes in periodos.items():
        for codigo, (base, importe) in regimenes.items():
            label = f"{periodo} — {etiqueta_regimen(codigo)}"
            ws.append([label, Cell(base, st.money), Cell(importe, st.money)])
        base = sum((p.base_imponible for p in regimenes.values()), ZERO)
        importe = sum((p.importe for p in regimenes.values()), ZERO)
        ws.append(
            [Cell(f"Total {periodo}", st.bold), Cell(base, st.bold_money), Cell(importe, st.bold_money)]
        )


def _write_fce(ws: Sheet, emitidos: list[ComprobanteOutcome], st: Styles, table: _Table) -> None:
    """The Facturas de Crédito Electrónica MiPyME emitted each month, with their due dates."""
    periodos = fce_por_periodo(emitidos)
    if not periodos:
        return
    table(
        "Facturas de Crédito Electrónica MiPyME emitidas (en pesos)",
        ["Período", "Cantidad", "Total", "Primer vencimiento", "Último vencimiento"],
    )
    for periodo, fce in periodos.items():
        first, last = Cell(fce.primer_vencimiento, st.date), Cell(fce.ultimo_vencimiento, st.date)
        ws.append([periodo, fce.cantidad, Cell(fce.total, st.money), first, last])


def _write_errores(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    rows = modelo.error_rows(out)
    ws = table_sheet(book, "Errores", [w for _, w in _ERROR_COLUMNS], len(rows), info)
    ws.append(header([h for h, _ in _ERROR_COLUMNS], st.header))
    for r in rows:
        message, hint = Cell(str(r.mensaje), st.wrap), Cell(r.que_hacer, st.wrap)
        value = input_cell(r.valor, st)
        ws.append([r.hoja or None, r.fila, r.referencia, r.columna, r.codigo, message, value, hint])


def _write_ejecucion(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    ws = book.add_sheet("Ejecución")
    layout(ws, [30, 90], info)
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
    ]
    if getattr(v.planilla, "fecha_simulada", None):
        items.append(("Fecha simulada", Cell(v.planilla.fecha_simulada, st.date)))
    items.append(("Resultado", info.detenido or "Terminó"))
    if info.comando_reanudar:
        items.append(("Para reanudar", info.comando_reanudar))
    for key, value in items:
        ws.append([Cell(key, st.bold), value])


def _tributos_leidos(planilla: object) -> list[tuple[str, object]]:
    hoja = getattr(planilla, "tributos", None)
    if hoja is None:
        return []
    return [("Hoja de percepciones", hoja.hoja), ("Filas de percepciones leídas", len(hoja.datos))]
