"""The columns of the optional `Tributos` sheet: one perception per row (interface.md §8).

Like `columns.COLUMNS` for `Comprobantes`, this spec is the single source of the sheet's template
(header, note, width, format, drop-down), its reading (known and required names) and its cell
parsing. The rows join `Comprobantes` by `referencia`.
"""

from __future__ import annotations

from importer.dominio.tributos import REGIMEN, TRIBUTO
from importer.planilla.column_spec import CODE, DECIMAL, TEXT, ColumnSpec

TRIBUTOS_SHEET = "Tributos"

TRIBUTOS_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "referencia",
        TEXT,
        False,
        True,
        "La referencia del comprobante de la hoja Comprobantes al que se suma esta percepción.",
        "FA-2026-0001",
        excel_format="@",
        width=16,
        max_length=40,
    ),
    ColumnSpec(
        "tributo",
        CODE,
        False,
        True,
        "IVA, IIBB o NACIONAL (también los códigos de TusFacturas 6, 7 y 1).",
        "IIBB",
        catalog=TRIBUTO,
        width=12,
    ),
    ColumnSpec(
        "regimen",
        CODE,
        False,
        True,
        "Régimen: para IIBB la jurisdicción (Buenos Aires, CABA, Córdoba…); para IVA RG 2408, RG 5329 o "
        "No especificado; para NACIONAL Ganancias, Bienes Personales, Impuesto PAIS… (o su código 1 a 34).",
        "Buenos Aires",
        catalog=REGIMEN,
        width=24,
    ),
    ColumnSpec(
        "base_imponible",
        DECIMAL,
        False,
        True,
        "Base imponible de la percepción, mayor o igual a 0, hasta 2 decimales.",
        "100000.00",
        excel_format="#,##0.00",
        width=14,
    ),
    ColumnSpec(
        "alicuota",
        DECIMAL,
        False,
        True,
        "Alícuota de la percepción en porcentaje (mayor que 0 y hasta 100, hasta 2 decimales).",
        "3",
        excel_format="0.00",
        width=10,
        porcentaje=True,
    ),
    ColumnSpec(
        "importe",
        DECIMAL,
        False,
        False,
        "Importe percibido. Si se deja vacío es base × alícuota / 100 redondeado al centavo; si se "
        "completa debe coincidir con esa cuenta (diferencia máxima 0,01).",
        "3000.00",
        excel_format="#,##0.00",
        width=13,
    ),
    ColumnSpec(
        "descripcion",
        TEXT,
        False,
        False,
        "Nota para usted o su contador; no se envía.",
        "Percepción IIBB ARBA",
        width=28,
        max_length=255,
    ),
)

TRIBUTOS_BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in TRIBUTOS_COLUMNS}
TRIBUTOS_NAMES: tuple[str, ...] = tuple(c.name for c in TRIBUTOS_COLUMNS)
TRIBUTOS_REQUIRED: tuple[str, ...] = tuple(c.name for c in TRIBUTOS_COLUMNS if c.required)
