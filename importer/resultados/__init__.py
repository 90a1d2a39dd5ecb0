"""The results workbook: what it says (the accounting model) and how it is written.

Read in this order: `results` (the entry point: `write_results`, `write_report`), `modelo` (estados,
errores, figures per comprobante, IVA per period and alícuota, totals, numbering: plain data),
`percepciones` (the Tributos rows, perceptions per régimen and month, FCE emitted), `emisores` (the
issuer of each comprobante, the figures per CUIT, TusFacturas' own figures), `hojas` (the sheets;
`hoja_tributos` writes the Tributos one, `hoja_resumen` the Resumen), `estilos` (styles, input
cells as typed, links, layout), `celdas` (the cell contract: text never a formula), `xlsx` (the
fast writer, on openpyxl internals), `plano` (its fallback, openpyxl's public API only) and
`guardado` (temporary file, atomic move, `OutputError`).
"""
