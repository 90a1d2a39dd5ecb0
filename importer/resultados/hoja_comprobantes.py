"""The `Comprobantes` sheet: one row per comprobante, for the accountant, as ARCA lists them.

The first columns follow ARCA's «Mis Comprobantes Emitidos» export (Fecha, Tipo as AFIP's code,
Punto de Venta, Número Desde/Hasta, Cód. Autorización, Tipo Doc. Receptor as AFIP's code, …,
Imp. Total), so a lookup by tipo + punto de venta + número reconciles the two; then what ARCA does
not list (the tipo's name, referencia, amounts per alícuota, perceptions per tributo, estado,
TusFacturas' verification, the issuer). Amounts are in pesos (each converted and rounded to cents)
and a nota de crédito's are negative, so a column adds up to what was invoiced. The emitted ones
come first with a footer of `SUBTOTAL(109, …)` formulas that follow the filter (the only formulas
of the workbook, built here, never from user text); the rest (rejected, invalid, pending, in
doubt) are listed apart below, never in the totals.
"""

from __future__ import annotations

from decimal import Decimal

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from importer.dominio.amounts import ZERO
from importer.dominio.catalogs import DOCUMENTOS_AFIP
from importer.dominio.comprobantes import EMITIDO
from importer.resultados import modelo
from importer.resultados.celdas import Book, Cell, Formula
from importer.resultados.emisores import cuit_con_guiones, muestra_emisor, nota_total, verificacion
from importer.resultados.estilos import Styles, cae_cell, table_sheet
from importer.resultados.impresion import print_setup
from importer.resultados.modelo import ComprobanteOutcome, Outcome, RunInfo

TITLE = "Comprobantes"
# fmt: off
ARCA_COLUMNS = (  # «Mis Comprobantes Emitidos», in its order; these print
    ("Fecha", 11), ("Tipo", 6), ("Punto de Venta", 8), ("Número Desde", 10), ("Número Hasta", 10),
    ("Cód. Autorización", 16), ("Tipo Doc. Receptor", 8), ("Nro. Doc. Receptor", 13),
    ("Denominación Receptor", 28), ("Tipo Cambio", 9), ("Moneda", 8), ("Imp. Neto Gravado Total", 14),
    ("Imp. Neto No Gravado", 13), ("Imp. Op. Exentas", 13), ("Otros Tributos", 13), ("Total IVA", 13),
    ("Imp. Total", 14),
)
POR_ALICUOTA = ("Neto gravado 27 %", "IVA 27 %", "Neto gravado 21 %", "IVA 21 %", "Neto gravado 10,5 %",
                "IVA 10,5 %", "Neto 0 %")
PERCEPCIONES = ("Percepciones IVA", "Percepciones IIBB", "Otras percepciones")
EXTRA_COLUMNS = (
    ("Tipo de comprobante", 22), ("FCE", 6), ("Referencia", 16), ("Condición IVA receptor", 22),
    *((name, 13) for name in POR_ALICUOTA), *((name, 13) for name in PERCEPCIONES),
    ("Total en moneda de origen", 14), ("Vencimiento CAE", 12), ("Vencimiento de pago", 12),
    ("Estado", 12), ("Verificación", 40),
)
ISSUER_COLUMNS = (("CUIT emisor", 15), ("Cuenta", 20))  # last, when some comprobante has them
# fmt: on
# The amounts in pesos, signed: the columns the footer adds up.
SUMMED = (*(n for n, _ in ARCA_COLUMNS[11:]), *POR_ALICUOTA, *PERCEPCIONES)
TOTAL_LABEL = "Total emitido (en pesos; notas de crédito en negativo)"
APART_LABEL = "No emitidos (rechazados, inválidos, pendientes o en duda): no se suman en los totales"
_NOTES = {
    "Tipo": "El código de AFIP del tipo de comprobante (1 Factura A, 3 Nota de Crédito A, 6 Factura B…); "
    "el nombre está en «Tipo de comprobante».",
    "Tipo Doc. Receptor": "El código de AFIP del documento (80 CUIT, 86 CUIL, 96 DNI, 99 sin identificar).",
    "Cód. Autorización": "El CAE.",
    "Imp. Neto Gravado Total": "Todos los importes están en pesos (convertidos con la cotización del "
    "comprobante); los de las notas de crédito, en negativo. El pie suma solo las filas visibles del "
    "filtro.",
    "Otros Tributos": "Todas las percepciones del comprobante: IVA, IIBB y otras.",
    "Imp. Total": "El total del comprobante en pesos; si TusFacturas registra otro, el de TusFacturas "
    "(la nota de la celda dice ambos).",
    "FCE": "«Sí» en las Facturas de Crédito Electrónica MiPyME y sus notas.",
    "Total en moneda de origen": "El total en la moneda del comprobante (en negativo las notas de crédito).",
    "Vencimiento de pago": "La fecha de vencimiento del pago de cada Factura de Crédito Electrónica MiPyME.",
    "Verificación": "Lo que registra TusFacturas, consultado después de emitir: «ok» (coincide con lo "
    "enviado), la diferencia encontrada, o «pendiente» (todavía no se pudo consultar).",
    "CUIT emisor": "La CUIT que emitió el comprobante: la de su cuenta.",
    "Cuenta": "La cuenta (del archivo de cuentas) por la que se emitió.",
}


def amounts(cb: ComprobanteOutcome) -> dict[str, Decimal]:
    """The `SUMMED` columns of one comprobante: in pesos, negative for a nota de crédito."""
    t, pesos = cb.totales, cb.pesos
    netos = {code: pesos(t.neto.get(code, ZERO)) for code, _ in modelo.ALICUOTAS_GRAVADAS}
    ivas = {code: pesos(t.iva.get(code, ZERO)) for code, _ in modelo.ALICUOTAS_GRAVADAS}
    iva, iibb, otras = modelo.percepciones_por_tributo(cb.comprobante)
    neto_cero = pesos(t.neto_cero)
    figures = {
        "Imp. Neto Gravado Total": sum(netos.values(), ZERO) + neto_cero,
        "Imp. Neto No Gravado": pesos(t.no_gravado),
        "Imp. Op. Exentas": pesos(t.exento),
        "Otros Tributos": pesos(t.percepciones),
        "Total IVA": sum(ivas.values(), ZERO),
        "Imp. Total": pesos(cb.total),
        "Neto gravado 27 %": netos["27"],
        "IVA 27 %": ivas["27"],
        "Neto gravado 21 %": netos["21"],
        "IVA 21 %": ivas["21"],
        "Neto gravado 10,5 %": netos["10.5"],
        "IVA 10,5 %": ivas["10.5"],
        "Neto 0 %": neto_cero,
        "Percepciones IVA": pesos(iva),
        "Percepciones IIBB": pesos(iibb),
        "Otras percepciones": pesos(otras),
    }
    return {name: cb.signo * value for name, value in figures.items()}


def write_comprobantes(book: Book, out: Outcome, info: RunInfo, st: Styles) -> None:
    cbtes = list(out.por_ref.values())
    emitidos = [cb for cb in cbtes if cb.estado == EMITIDO]
    otros = [cb for cb in cbtes if cb.estado != EMITIDO]
    issuer = muestra_emisor((out.emisiones or {}).values())  # as in Resultados
    columns = [*ARCA_COLUMNS, *EXTRA_COLUMNS, *(ISSUER_COLUMNS if issuer else ())]
    names = [name for name, _ in columns]
    ws = table_sheet(book, TITLE, [w for _, w in columns], len(emitidos), info, frozen_columns=5)
    last = len(emitidos) + 3 + (len(otros) + 1 if otros else 0)
    print_setup(ws, out, info, landscape=True, area=f"A1:{get_column_letter(len(ARCA_COLUMNS))}{last}")
    head = ws.style(
        font=Font(bold=True),
        fill=PatternFill("solid", fgColor="D9E1F2"),
        alignment=Alignment(wrap_text=True, vertical="top"),
    )
    ws.append([Cell(name, head, note=_NOTES.get(name, "")) for name in names])
    styles = _Row(ws, st, info)
    sums = dict.fromkeys(SUMMED, ZERO)
    for cb in emitidos:
        figures = amounts(cb)
        for name in SUMMED:
            sums[name] += figures[name]
        ws.append(styles.row(cb, names, figures))
    ws.append(_footer(len(emitidos), sums, names, st))
    if otros:
        ws.append([])
        ws.append([Cell(APART_LABEL, st.title)])
        for cb in otros:
            ws.append(styles.row(cb, names, amounts(cb)))


def _footer(emitidos: int, sums: dict[str, Decimal], names: list[str], st: Styles) -> list[object]:
    """`SUBTOTAL(109, …)` over the emitted rows (2 to n + 1): the sum of the rows the filter shows,
    with `sums` (the same figure, with no filter) cached for readers that do not calculate."""
    footer: list[object] = [None] * len(names)
    footer[0] = Cell(TOTAL_LABEL, st.bold)
    footer[names.index("Moneda")] = "PES"
    for name in SUMMED:
        at = names.index(name)
        letter = get_column_letter(at + 1)
        value: object = sums[name]
        if emitidos:
            value = Formula(f"SUBTOTAL(109,{letter}2:{letter}{emitidos + 1})", sums[name])
        footer[at] = Cell(value, st.bold_money)
    return footer


class _Row:
    """Builds a comprobante's row; the sheet's own number styles are made once."""

    def __init__(self, ws: object, st: Styles, info: RunInfo) -> None:
        self.st, self.info = st, info
        self.pv = st.number(ws, "00000")  # type: ignore[arg-type]
        self.numero = st.number(ws, "00000000")  # type: ignore[arg-type]
        self.text = st.number(ws, "@")  # type: ignore[arg-type]
        self.rate = st.number(ws, "#,##0.000###")  # type: ignore[arg-type]

    def row(self, cb: ComprobanteOutcome, names: list[str], figures: dict[str, Decimal]) -> list[object]:
        """The comprobante's cells in `names`' order; `figures` are its `amounts`."""
        st, c, e, numero = self.st, cb.comprobante, cb.emision, cb.numero
        factura_fce = c.es_fce and c.tipo_info.clase == "FACTURA"
        numero_cell = Cell(numero, self.numero) if numero is not None else None
        verificado = verificacion(cb)
        doc = c.cliente.documento_tipo
        values: dict[str, object] = {
            "Fecha": Cell(c.fecha, st.date),
            "Tipo": c.tipo_info.afip_code,
            "Punto de Venta": Cell(c.punto_venta, self.pv),
            "Número Desde": numero_cell,
            "Número Hasta": numero_cell,
            "Cód. Autorización": cae_cell(e.cae, self.info) if e else None,
            "Tipo Doc. Receptor": DOCUMENTOS_AFIP.get(doc.upper(), doc) if isinstance(doc, str) else doc,
            "Nro. Doc. Receptor": Cell(c.cliente.documento_nro, self.text),
            "Denominación Receptor": c.cliente.razon_social,
            "Tipo Cambio": Cell(c.cotizacion, self.rate),
            "Moneda": c.moneda,
            **{name: Cell(value, st.money) for name, value in figures.items()},
            "Imp. Total": Cell(figures["Imp. Total"], st.money, note=nota_total(cb, en_pesos=True)),
            "Tipo de comprobante": c.tipo,
            "FCE": "Sí" if c.es_fce else None,
            "Referencia": c.referencia,
            "Condición IVA receptor": modelo.condicion_iva_texto(c.cliente.condicion_iva),
            "Total en moneda de origen": Cell(cb.signo * cb.total, st.money, note=nota_total(cb)),
            "Vencimiento CAE": Cell(e.cae_vencimiento, st.date) if e and e.cae_vencimiento else None,
            "Vencimiento de pago": Cell(c.vencimiento_efectivo, st.date) if factura_fce else None,
            "Estado": Cell(cb.estado, st.estado[cb.estado]),
            "Verificación": Cell(verificado, st.wrap) if verificado else None,
            "CUIT emisor": (cuit_con_guiones(e.emisor_cuit) or None) if e else None,
            "Cuenta": (e.cuenta or None) if e else None,
        }
        return [values.get(name) for name in names]
