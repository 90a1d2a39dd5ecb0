"""The results workbook: what it says (the accounting model) and how it is written.

Read in this order: `results` (the entry point: `write_results`, `write_report`), `modelo` (estados,
errores, figures per comprobante, IVA per period and alícuota, totals, numbering: plain data),
`percepciones` (the Tributos rows, perceptions per régimen and month, FCE emitted), `emisores` (the
issuer of each comprobante, the figures per CUIT, TusFacturas' own figures), `errores` (the rows of
the Errores sheet), `hojas` (the sheets, in order; `hoja_resultados`, `hoja_tributos`,
`hoja_comprobantes` and `hoja_resumen` write those), `impresion` (how every sheet prints),
`estilos` (styles, input cells as typed, links, layout), `celdas` (the cell contract: text never a
formula; the only formulas are the tool's own SUBTOTAL footers), `xlsx` (the
fast writer, on openpyxl internals), `plano` (its fallback, openpyxl's public API only) and
`guardado` (temporary file, atomic move, `OutputError`).
"""
