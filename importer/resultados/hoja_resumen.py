"""The `Resumen` sheet: what the accountant declares (interface.md §7, §8, §10).

Counts per estado, then, over the emitted comprobantes: count and total per tipo, IVA débito fiscal
per month and alícuota, perceptions per month and régimen, the FCE emitted and the numbering used.
When the run has comprobantes of several issuer CUITs, everything after the estados is given per
CUIT — a heading with the CUIT and its accounts, then its own tables — because each CUIT files its
own return (and two CUITs may share a punto de venta number). The figures are `modelo`'s,
`percepciones`'s and `emisores`'s; here they get their place and style.
"""

from __future__ import annotations

from collections.abc import Callable

from importer.dominio.amounts import ZERO
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell, Sheet
from importer.resultados.emisores import por_emisor
from importer.resultados.estilos import Styles, header, layout
from importer.resultados.impresion import print_setup
from importer.resultados.modelo import ESTADOS, SANDBOX_BANNER, ComprobanteOutcome, Outcome, RunInfo
from importer.resultados.percepciones import etiqueta_regimen, fce_por_periodo, percepciones_por_periodo

_Table = Callable[[str, list[str]], None]  # writes a table's title and header


def write_resumen(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    ws = book.add_sheet("Resumen")
    layout(ws, [48, 16, 18, 18, 18], info)
    print_setup(ws, out, info, landscape=False, title_rows="")

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

    emisores = por_emisor(out)
    if emisores is None:
        _write_emitidos(ws, out.emitidos(), st, table)
        return
    for emisor in emisores:
        ws.append([])
        ws.append([])
        titulo = f"Emisor: CUIT {emisor.cuit}" if emisor.cuit else "Emisor sin CUIT conocido"
        ws.append([Cell(titulo, st.heading)])
        if emisor.cuentas:
            palabra = "Cuenta" if len(emisor.cuentas) == 1 else "Cuentas"
            ws.append([f"{palabra}: {', '.join(emisor.cuentas)}"])
        _write_emitidos(ws, emisor.emitidos, st, table)


def _write_emitidos(ws: Sheet, emitidos: list[ComprobanteOutcome], st: Styles, table: _Table) -> None:
    """The tables over `emitidos`: per tipo, IVA débito fiscal, perceptions, FCE and numbering."""
    pv_style, numero_style = st.number(ws, "00000"), st.number(ws, "00000000")
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
