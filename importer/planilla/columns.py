"""The column spec: the single source of truth for the template's columns.

The template (header, note, width, format, drop-down), the reader (known names), the validation
schema (kind, required-ness, catalog) and the results workbook all derive from `COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from importer.dominio import catalogs
from importer.dominio.catalogs import Catalog

# Kinds of cell content; validation knows how to parse each one.
TEXT = "text"
DATE = "date"
DECIMAL = "decimal"
INTEGER = "integer"
DOCUMENT = "document"  # digits, with dots, dashes and spaces removed
CODE = "code"  # a value from a catalog


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    header: bool  # True: describes the comprobante (inherits on continuation rows); False: a line
    required: bool = False
    help: str = ""  # Spanish explanation, used as header note and in Instrucciones
    example: str = ""
    catalog: Catalog | None = None
    excel_format: str = "General"
    width: int = 14
    max_length: int | None = None
    default: str | None = None  # value used when the cell is empty (documented in help)
    # A percentage: `10%` means 10, whether typed as text or shown by a percent cell format
    # (which stores 0.1). Reading scales such cells; parsing drops a trailing `%` from text.
    porcentaje: bool = False


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "referencia",
        TEXT,
        True,
        True,
        "Identificador propio del comprobante. Las filas con la misma referencia forman un "
        "comprobante. Letras, números, _ y -; hasta 40 caracteres. No lo repita nunca: se envía "
        "como external_reference y evita emitir dos veces.",
        "2025-07-0001",
        excel_format="@",
        width=16,
        max_length=40,
    ),
    ColumnSpec(
        "fecha",
        DATE,
        True,
        True,
        "Fecha del comprobante (dd/mm/aaaa). AFIP admite hasta 5 días antes o después de hoy "
        "para productos y 10 para servicios.",
        "14/07/2025",
        excel_format="dd/mm/yyyy",
        width=12,
    ),
    ColumnSpec(
        "tipo",
        CODE,
        True,
        True,
        "Tipo de comprobante de TusFacturas, por ejemplo FACTURA A, FACTURA B, NOTA DE CREDITO A.",
        "FACTURA A",
        catalog=catalogs.TIPO_COMPROBANTE,
        width=22,
    ),
    ColumnSpec(
        "punto_venta", INTEGER, True, True, "Punto de venta (1 a 99999).", "3", excel_format="0", width=8
    ),
    ColumnSpec(
        "moneda",
        CODE,
        True,
        False,
        "Moneda del comprobante: PES (pesos, por defecto), DOL, 060 (euro)…",
        "PES",
        catalog=catalogs.MONEDA,
        width=10,
        default="PES",
    ),
    ColumnSpec(
        "cotizacion",
        DECIMAL,
        True,
        False,
        "Pesos por unidad de moneda extranjera. Obligatoria si la moneda no es PES; para PES debe ser 1.",
        "1",
        excel_format="#,##0.000",
        width=10,
    ),
    ColumnSpec(
        "vencimiento",
        DATE,
        True,
        False,
        "Fecha de vencimiento del pago (dd/mm/aaaa). Si se deja vacía, es la fecha del "
        "comprobante. No puede ser anterior a la fecha.",
        "13/08/2025",
        excel_format="dd/mm/yyyy",
        width=12,
    ),
    ColumnSpec(
        "periodo_desde",
        DATE,
        True,
        False,
        "Servicios: inicio del período facturado (dd/mm/aaaa). Un comprobante con período es de servicios.",
        "01/07/2025",
        excel_format="dd/mm/yyyy",
        width=12,
    ),
    ColumnSpec(
        "periodo_hasta",
        DATE,
        True,
        False,
        "Servicios: fin del período facturado (dd/mm/aaaa), no anterior a periodo_desde.",
        "31/07/2025",
        excel_format="dd/mm/yyyy",
        width=12,
    ),
    ColumnSpec(
        "condicion_pago",
        CODE,
        True,
        False,
        "Condición de venta: código o nombre (201 Contado por defecto, 202 30 días, 210 "
        "Transferencia bancaria…).",
        "201",
        catalog=catalogs.CONDICION_PAGO,
        width=14,
        default="201",
    ),
    ColumnSpec(
        "cliente_documento_tipo",
        CODE,
        True,
        True,
        "CUIT, CUIL, DNI, PASAPORTE, CDI u OTRO (OTRO con número 0 para consumidor final sin identificar).",
        "CUIT",
        catalog=catalogs.DOCUMENTO_TIPO,
        width=12,
    ),
    ColumnSpec(
        "cliente_documento_nro",
        DOCUMENT,
        True,
        True,
        "Número de documento, solo dígitos (se quitan puntos, guiones y espacios). 0 con OTRO.",
        "30-71234567-1",
        excel_format="@",
        width=15,
    ),
    ColumnSpec(
        "cliente_razon_social",
        TEXT,
        True,
        True,
        "Nombre o razón social del cliente.",
        "Ferretería del Sur SRL",
        width=28,
        max_length=255,
    ),
    ColumnSpec(
        "cliente_condicion_iva",
        CODE,
        True,
        True,
        "Condición frente al IVA del cliente: RI, M, E, CF, CDEX, IVNA o el nombre completo "
        "(Responsable Inscripto, Monotributo…).",
        "RI",
        catalog=catalogs.CONDICION_IVA,
        width=14,
    ),
    ColumnSpec(
        "cliente_domicilio",
        TEXT,
        True,
        False,
        "Domicilio del cliente (por defecto No especifica).",
        "Av. Mitre 1234, Avellaneda",
        width=26,
        max_length=255,
        default="No especifica",
    ),
    ColumnSpec(
        "cliente_provincia",
        CODE,
        True,
        False,
        "Provincia: código (1 a 26) o nombre (26 = sin especificar, por defecto).",
        "Buenos Aires",
        catalog=catalogs.PROVINCIA,
        width=16,
        default="26",
    ),
    ColumnSpec(
        "cliente_email",
        TEXT,
        True,
        False,
        "Uno o más e-mails separados por comas (hasta 15).",
        "compras@ejemplo.com.ar",
        width=24,
        max_length=255,
    ),
    ColumnSpec(
        "cliente_envia_por_mail",
        CODE,
        True,
        False,
        "S para que TusFacturas envíe el PDF al cliente por e-mail; N (por defecto) para no.",
        "N",
        catalog=catalogs.SI_NO,
        width=8,
        default="N",
    ),
    ColumnSpec(
        "asociado_tipo",
        CODE,
        True,
        False,
        "Notas de crédito/débito: tipo del comprobante que se acredita o debita.",
        "FACTURA A",
        catalog=catalogs.TIPO_COMPROBANTE,
        width=18,
    ),
    ColumnSpec(
        "asociado_punto_venta",
        INTEGER,
        True,
        False,
        "Notas de crédito/débito: punto de venta del comprobante asociado.",
        "3",
        excel_format="0",
        width=8,
    ),
    ColumnSpec(
        "asociado_numero",
        INTEGER,
        True,
        False,
        "Notas de crédito/débito: número del comprobante asociado.",
        "125",
        excel_format="0",
        width=10,
    ),
    ColumnSpec(
        "asociado_fecha",
        DATE,
        True,
        False,
        "Notas de crédito/débito: fecha del comprobante asociado (no posterior a la de la nota).",
        "14/07/2025",
        excel_format="dd/mm/yyyy",
        width=12,
    ),
    ColumnSpec(
        "leyenda_general",
        TEXT,
        True,
        False,
        "Texto que se imprime al pie del comprobante.",
        "Según OC-7781",
        width=24,
        max_length=500,
    ),
    ColumnSpec(
        "total_control",
        DECIMAL,
        True,
        False,
        "Opcional: el total que usted espera. Si lo completa, el total calculado debe coincidir "
        "(diferencia máxima 0,01).",
        "12343.00",
        excel_format="#,##0.00",
        width=13,
    ),
    ColumnSpec(
        "descripcion",
        TEXT,
        False,
        True,
        "Descripción del producto o servicio (4 a 255 caracteres).",
        "Tornillo hexagonal 1/4",
        width=30,
        max_length=255,
    ),
    ColumnSpec(
        "cantidad", DECIMAL, False, True, "Cantidad, mayor que 0.", "10", excel_format="#,##0.00", width=10
    ),
    ColumnSpec(
        "precio_unitario",
        DECIMAL,
        False,
        True,
        "Precio unitario, mayor o igual a 0. Sin IVA para A, B y M; precio final para C.",
        "150.00",
        excel_format="#,##0.000",
        width=13,
    ),
    ColumnSpec(
        "alicuota_iva",
        CODE,
        False,
        False,
        "Alícuota de IVA: 27, 21, 10.5, 0, exento o no gravado. Obligatoria para A, B y M; vacía "
        "o 0 para C y E.",
        "21",
        catalog=catalogs.ALICUOTA_IVA,
        width=10,
        porcentaje=True,
    ),
    ColumnSpec(
        "bonificacion_porcentaje",
        DECIMAL,
        False,
        False,
        "Descuento de la línea en porcentaje (0 a 100).",
        "0",
        excel_format="0.00",
        width=10,
        porcentaje=True,
    ),
    ColumnSpec(
        "unidad_medida",
        CODE,
        False,
        False,
        "Unidad de medida AFIP: código o nombre (7 = unidades, por defecto).",
        "7",
        catalog=catalogs.UNIDAD_MEDIDA,
        width=12,
        default="7",
    ),
    ColumnSpec(
        "codigo_producto",
        TEXT,
        False,
        False,
        "Código propio del producto (hasta 20 caracteres).",
        "TOR-14",
        excel_format="@",
        width=12,
        max_length=20,
    ),
    ColumnSpec(
        "leyenda",
        TEXT,
        False,
        False,
        "Texto que se imprime debajo de la línea.",
        "",
        width=20,
        max_length=1000,
    ),
)

BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
HEADER_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.header and c.name != "referencia")
LINE_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if not c.header)
REQUIRED_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
PERCENT_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.porcentaje)

# Columns the results workbook appends after the input columns (interface.md §7). A sheet that
# carries them (a results workbook fed back in) is accepted: they are ignored on input.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "estado",
    "comprobante_tipo",
    "comprobante_numero",
    "cae",
    "cae_vencimiento",
    "total",
    "pdf",
    "errores",
    "observaciones_afip",
)
