"""The sheets of the results workbook, written from the model into any `Book`.

`Resultados` (the input rows, as typed, plus the output columns; valid input again), `Tributos`
(the perceptions sheet, when the planilla has one: `hoja_tributos`), `Comprobantes` (one row per
comprobante with its amounts per alícuota and its perceptions, TusFacturas' total where its
verification found another), `Resumen` (`hoja_resumen`), `Errores` (what needs a human, with its
sheet and a hint) and `Ejecución`. A validation report has only `Resultados`, `Tributos`, `Errores`
and `Ejecución`. The issuer columns (account name and CUIT) appear only when some comprobante has an
account name or a known issuer CUIT: a run with the environment's single account gets no empty
columns. What the figures are is `modelo`'s, `percepciones`'s and `emisores`'s business; here they
get their place, style, width, note and link.
"""

from __future__ import annotations

from importer.dominio.texto import has_invalid_xml, plain_xml_text
from importer.planilla.columns import BY_NAME, OUTPUT_COLUMNS
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell
from importer.resultados.emisores import (
    cuenta_verificaciones,
    cuit_con_guiones,
    diferencia,
    muestra_emisor,
    nota_total,
    verificacion,
)
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
from importer.resultados.hoja_resumen import write_resumen
from importer.resultados.hoja_tributos import write_tributos
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, Outcome, RunInfo

_ISSUER_OUTPUTS = ("cuenta_nombre", "cuenta_cuit")  # in OUTPUT_COLUMNS, so ignored when read back
# fmt: off
_OUTPUT_WIDTHS = {"estado": 12, "comprobante_tipo": 20, "comprobante_numero": 17, "cae": 16,
                  "cae_vencimiento": 13, "total": 14, "pdf": 32, "errores": 70, "observaciones_afip": 40,
                  "cuenta_nombre": 20, "cuenta_cuit": 15}
# fmt: on
_OUTPUT_NOTES = {
    "estado": "EMITIDO, RECHAZADO (corrija y vuelva a ejecutar), INVALIDO (no pasó la validación, no se "
    "envió), PENDIENTE (todavía no se envió), EN_DUDA (enviado, resultado a confirmar).",
    "errores": "Todos los mensajes de la fila, separados por «; ».",
    "pdf": "Vínculo al PDF descargado (en la primera fila de cada comprobante), relativo a la carpeta "
    "de este archivo.",
    "total": "El total del comprobante; si TusFacturas registra otro, el de TusFacturas (la nota de la "
    "celda dice ambos).",
    "observaciones_afip": "Las observaciones de AFIP y, en la primera fila del comprobante, lo que "
    "TusFacturas registra distinto de lo enviado.",
    "cuenta_nombre": "La cuenta (del archivo de cuentas) por la que se emite el comprobante.",
    "cuenta_cuit": "La CUIT que emite el comprobante: la de su cuenta.",
}
# fmt: off
_CBTE_COLUMNS = (
    ("Fecha", 11), ("Tipo", 20), ("FCE", 6), ("Punto de venta", 9), ("Número", 11), ("Referencia", 16),
    ("Documento tipo", 10), ("Documento número", 14), ("Razón social", 30), ("Condición IVA", 22),
    *((name, 13 if name.startswith(("IVA", "Exento", "No gravado", "Neto 0")) else 14)
      for name in modelo.IMPORTES),
    ("Moneda", 8), ("Cotización", 10), ("Total en pesos", 15), ("CAE", 16), ("Vencimiento CAE", 12),
    ("Vencimiento de pago", 12), ("Estado", 12), ("Verificación", 40),
)
_CBTE_ISSUER = (("CUIT emisor", 15), ("Cuenta", 20))  # before "Punto de venta", when shown
_CBTE_NOTES = {
    "FCE": "«Sí» en las Facturas de Crédito Electrónica MiPyME y sus notas.",
    "Tributos": "Todas las percepciones del comprobante: IVA, IIBB y otras.",
    "Vencimiento de pago": "La fecha de vencimiento del pago de cada Factura de Crédito Electrónica MiPyME.",
    "Total": "El total del comprobante; si TusFacturas registra otro, el de TusFacturas (la nota de la "
    "celda dice ambos) y el pie lo suma.",
    "Verificación": "Lo que registra TusFacturas, consultado después de emitir: «ok» (coincide con lo "
    "enviado), la diferencia encontrada, o «pendiente» (todavía no se pudo consultar).",
    "CUIT emisor": "La CUIT que emitió el comprobante: la de su cuenta.",
    "Cuenta": "La cuenta (del archivo de cuentas) por la que se emitió.",
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
        write_resumen(book, out, info, st)
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
    issuer = out.emisiones is not None and muestra_emisor(out.emisiones.values())
    outputs = [c for c in OUTPUT_COLUMNS if c not in _ISSUER_OUTPUTS] + [*(_ISSUER_OUTPUTS if issuer else ())]
    ws = table_sheet(book, "Resultados", widths + [_OUTPUT_WIDTHS[c] for c in outputs], last_row - 1, info)
    st = Styles.of(ws)
    number_styles = [
        st.number(ws, s.excel_format) if s and s.excel_format not in ("General", "@") else 0 for s in specs
    ]
    notes = {**_OUTPUT_NOTES, **({"cae": SANDBOX_NOTE} if info.sandbox else {})}
    ws.append(
        header(inputs, st.header)
        + [Cell(name, st.output_header, note=notes.get(name, "")) for name in outputs]
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
        observaciones = e.observaciones if e else ""
        if first and diferencia(e):  # once per comprobante, on its first row
            observaciones = "; ".join(filter(None, (observaciones, diferencia(e))))
        row += [
            Cell(estado, st.estado[estado]) if estado else None,
            cbte.comprobante.tipo if cbte else None,
            e.comprobante_nro or None if e else None,
            cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(cbte.total, st.money, note=nota_total(cbte)) if cbte else None,
            pdf_cell(e.pdf, folder, st) if e and first else None,
            Cell(errores, st.wrap) if errores else None,
            observaciones or None,
        ]
        if issuer:
            de = e or (out.emisiones or {}).get(ref or "")  # also a row that built no comprobante
            row += [de.cuenta or None, cuit_con_guiones(de.emisor_cuit) or None] if de else [None, None]
        ws.append(row)
    return st


def _write_comprobantes(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    cbtes = list(out.por_ref.values())
    issuer = muestra_emisor((out.emisiones or {}).values())  # as in Resultados
    at = [name for name, _ in _CBTE_COLUMNS].index("Punto de venta")
    columns = [*_CBTE_COLUMNS[:at], *(_CBTE_ISSUER if issuer else ()), *_CBTE_COLUMNS[at:]]
    ws = table_sheet(book, "Comprobantes", [w for _, w in columns], len(cbtes), info)
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")
    text_style, rate_style = st.number(ws, "@"), st.number(ws, "#,##0.000###")
    ws.append([Cell(h, st.header, note=_CBTE_NOTES.get(h, "")) for h, _ in columns])
    for cb in cbtes:
        c, e, numero = cb.comprobante, cb.emision, cb.numero
        factura_fce = c.es_fce and c.tipo_info.clase == "FACTURA"
        *amounts, total = modelo.importes(cb)  # the total shown: TusFacturas' where it differs
        verificado = verificacion(cb)
        # fmt: off
        row: list[object] = [
            Cell(c.fecha, st.date), c.tipo, "Sí" if c.es_fce else None, Cell(c.punto_venta, pv_style),
            Cell(numero, numero_style) if numero is not None else None, c.referencia,
            c.cliente.documento_tipo, Cell(c.cliente.documento_nro, text_style), c.cliente.razon_social,
            modelo.condicion_iva_texto(c.cliente.condicion_iva),
            *(Cell(a, st.money) for a in amounts), Cell(total, st.money, note=nota_total(cb)), c.moneda,
            Cell(c.cotizacion, rate_style),
            Cell(cb.pesos(total), st.money, note=nota_total(cb, en_pesos=True)),
            cae_cell(e.cae, info) if e else None,
            Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            Cell(c.vencimiento_efectivo, st.date) if factura_fce else None,
            Cell(cb.estado, st.estado[cb.estado]),
            Cell(verificado, st.wrap) if verificado else None,
        ]
        # fmt: on
        if issuer:
            row[at:at] = [cuit_con_guiones(e.emisor_cuit) or None, e.cuenta or None] if e else [None] * 2
        ws.append(row)
    ws.append([])
    *amounts, pesos = modelo.total_emitido(cbtes)  # with the totals shown, TusFacturas' where they differ
    footer: dict[str, object] = {
        "Fecha": Cell("Total emitido (en pesos; notas de crédito restadas)", st.bold),
        **{name: Cell(a, st.bold_money) for name, a in zip(modelo.IMPORTES, amounts, strict=True)},
        "Moneda": "PES",
        "Total en pesos": Cell(pesos, st.bold_money),
    }
    ws.append([footer.get(name) for name, _ in columns])


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
