"""Domain values: a comprobante with its cliente, líneas and asociados.

These are built from validated rows (see `grouping.py`) and are the only input of the fiscal rules,
the payload and the results. Money and quantities are `Decimal`, dates are `datetime.date`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from importer.dominio.catalogs import TIPOS_BY_NAME, TipoComprobante


@dataclass(frozen=True)
class Cliente:
    documento_tipo: str  # CUIT, CUIL, DNI, PASAPORTE, CDI, OTRO
    documento_nro: str  # digits only; "0" for OTRO
    razon_social: str
    condicion_iva: str  # RI, M, E, CF, CDEX, IVNA
    domicilio: str = "No especifica"
    provincia: str = "26"
    email: str = ""
    envia_por_mail: bool = False

    @property
    def anonimo(self) -> bool:
        return self.documento_tipo == "OTRO" and self.documento_nro.strip("0") == ""


@dataclass(frozen=True)
class Linea:
    fila: int  # Excel row number the line came from
    descripcion: str
    cantidad: Decimal
    precio_unitario: Decimal
    alicuota: str  # catalog code: "27", "21", "10.5", "0", "-1" (exento), "-2" (no gravado)
    bonificacion_porcentaje: Decimal = Decimal("0")
    unidad_medida: str = "7"
    codigo_producto: str = ""
    leyenda: str = ""


@dataclass(frozen=True)
class Asociado:
    """The comprobante that a nota de crédito / débito refers to."""

    tipo: str
    punto_venta: int
    numero: int
    fecha: date


@dataclass(frozen=True)
class Tributo:
    """One perception of a comprobante, from one row of the `Tributos` sheet (interface.md §8)."""

    fila: int  # Excel row of the Tributos sheet
    tipo: str  # TusFacturas code: "6" IVA, "7" IIBB, "1" national taxes (dominio.tributos)
    regimen: int  # 1–34 (tusfacturas-api.md §4.10)
    base_imponible: Decimal
    alicuota: Decimal  # percent
    importe: Decimal  # rounded to cents; sent as `total`
    descripcion: str = ""  # for the accountant, never sent


@dataclass(frozen=True)
class DatosFce:
    """The FCE MiPyME data of one comprobante (interface.md §9), defaults already applied."""

    cbu: str = ""  # 22 digits (facturas)
    alias: str = ""
    transferencia: str = ""  # SCA / ADC (facturas)
    anulacion: str = ""  # S / N (notas)
    referencia_comercial: str = ""


@dataclass(frozen=True)
class Comprobante:
    referencia: str
    filas: tuple[int, ...]  # Excel rows, in sheet order
    fecha: date
    tipo: str  # exact TusFacturas name, e.g. "FACTURA A"
    punto_venta: int
    cliente: Cliente
    lineas: tuple[Linea, ...]
    moneda: str = "PES"
    cotizacion: Decimal = Decimal("1")
    vencimiento: date | None = None  # None: same as fecha
    periodo_desde: date | None = None
    periodo_hasta: date | None = None
    condicion_pago: str = "201"
    asociado: Asociado | None = None
    leyenda_general: str = ""
    total_control: Decimal | None = None
    tributos: tuple[Tributo, ...] = ()
    fce: DatosFce | None = None  # set only on FCE tipos
    emisor_cuit: str = ""  # 11 digits from the sheet's emisor_cuit column; "" when blank

    @property
    def es_fce(self) -> bool:
        return self.tipo_info.fce

    @property
    def tipo_info(self) -> TipoComprobante:
        return TIPOS_BY_NAME[self.tipo]

    @property
    def letra(self) -> str:
        return self.tipo_info.letra

    @property
    def es_servicio(self) -> bool:
        """A comprobante with a billed period is a service (AFIP concepto 2/3)."""
        return self.periodo_desde is not None or self.periodo_hasta is not None

    @property
    def vencimiento_efectivo(self) -> date:
        return self.vencimiento or self.fecha

    @property
    def primera_fila(self) -> int:
        return self.filas[0]


# Estados of a comprobante in the results (interface.md §7).
EMITIDO = "EMITIDO"
RECHAZADO = "RECHAZADO"
INVALIDO = "INVALIDO"
PENDIENTE = "PENDIENTE"
EN_DUDA = "EN_DUDA"
VALIDO = "VALIDO"  # only in `validate` reports


@dataclass(frozen=True)
class Emision:
    """What happened to one comprobante at TusFacturas, as the results workbook shows it."""

    referencia: str
    estado: str  # EMITIDO, RECHAZADO, PENDIENTE, EN_DUDA
    comprobante_nro: str = ""  # PPPPP-NNNNNNNN
    numero: int | None = None
    cae: str = ""
    cae_vencimiento: date | None = None
    pdf: str = ""  # path of the downloaded PDF, absolute or relative to the results workbook
    errores: tuple[str, ...] = ()
    observaciones: str = ""
    qr: str = ""
    cuenta: str = ""  # the account's name (accounts file); "" for the environment's only account
    emisor_cuit: str = ""  # the issuer (11 digits), when known
    total_tusfacturas: Decimal | None = None  # TusFacturas' total, when the verification found another
    verificacion: str = ""  # "ok" (TusFacturas holds what we sent), the difference found, or "" (not yet)
