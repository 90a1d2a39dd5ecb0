"""Writes data/ejemplo.xlsx: one month of sales of an electrical-supplies distributor.

The issuer (a Responsable Inscripto that also installs what it sells) is the sandbox's demo
Responsable Inscripto, with puntos de venta 1 (sales on account) and 2 (the counter): two accounts
of one CUIT, emitted at the same time. It is an agente de percepción of IIBB Buenos Aires (3 % on
its A facturas to clients in that province) and of IVA (RG 2408, on one large order), so the
`Tributos` sheet has one row per perception; and it sells to a large company above AFIP's FCE
threshold, so one factura is an FCE MiPyME A (its CBU from the sheet, transfer SCA). The workbook declares, in the custom property
`tf_import_fecha_simulada`, the day it is meant to be emitted on; every fecha lies within the
five days AFIP allows for goods before that day, so `tf-import run data/ejemplo.xlsx --sandbox`
works on any calendar day.

Some cells are typed the way people type them (dates and amounts as text, CUITs with dashes,
codes by name) because the example is also a test of the reader. Deterministic: same bytes on
every run.

    python data/generar_ejemplo.py
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl.packaging.custom import StringProperty  # noqa: E402

from importer.dominio.amounts import compute_totals  # noqa: E402
from importer.dominio.catalogs import ALICUOTA_IVA, TIPO_COMPROBANTE, TIPOS_BY_NAME  # noqa: E402
from importer.dominio.documentos import cuit_check_digit  # noqa: E402
from importer.dominio.tributos import TRIBUTO  # noqa: E402
from importer.planilla.columnas_tributos import TRIBUTOS_BY_NAME, TRIBUTOS_NAMES, TRIBUTOS_SHEET  # noqa: E402
from importer.planilla.columns import BY_NAME, NAMES  # noqa: E402
from importer.planilla.reading import FECHA_SIMULADA_PROPERTY  # noqa: E402
from importer.planilla.template import DATA_SHEET, build_template, save_workbook  # noqa: E402

FECHA_SIMULADA = date(2026, 11, 27)
SALIDA = Path(__file__).resolve().parent / "ejemplo.xlsx"
SEED = 20261127


def dia(n: int) -> date:
    return date(2026, 11, n)


def cuit(prefix: str, body: int) -> str:
    """A CUIT with a correct check digit: the first body from `body` up that AFIP could issue."""
    while True:
        first10 = f"{prefix}{body:08d}"
        digit = cuit_check_digit(first10)
        if digit is not None:
            return f"{first10}{digit}"
        body += 1


def con_guiones(digits: str) -> str:
    return f"{digits[:2]}-{digits[2:10]}-{digits[10]}"


def texto_ar(amount: Decimal | int | float) -> str:
    """1234.5 -> '1.234,50', the way amounts arrive pasted from other systems."""
    text = f"{Decimal(str(amount)):,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@dataclass(frozen=True)
class Cliente:
    doc_tipo: str
    doc_nro: object  # as typed: text with or without dashes, a number, "0"
    razon_social: str
    condicion: str  # as typed: code or full name
    domicilio: str = ""
    provincia: str = ""
    email: str = ""


@dataclass(frozen=True)
class Producto:
    descripcion: str
    codigo: str
    precio: Decimal
    alicuota: str = "21"
    unidad: str = ""


@dataclass
class Comprobante:
    fecha: date
    tipo: str
    cliente: Cliente
    lineas: list[tuple[Producto, object, int]]  # product, cantidad as typed, bonificación %
    punto_venta: int = 1
    condicion_pago: str = ""
    dias_vencimiento: int | None = None
    periodo: tuple[date, date] | None = None
    leyenda_general: str = ""
    fecha_como_texto: bool = False
    precios_como_texto: bool = False
    repetir_cabecera: bool = False
    total_control: bool = False
    asociado: Comprobante | None = None
    # Perceptions: (tributo, régimen, alícuota as typed, importe written or not); base = neto gravado.
    percepciones: list[tuple[str, str, object, bool]] = field(default_factory=list)
    fce_cbu: str = ""
    referencia: str = field(default="", init=False)


# fmt: off
C_NORTE = Cliente("CUIT", con_guiones(cuit("30", 71583942)), "Construcciones Norte SA", "Responsable Inscripto",
                  "Av. del Libertador 14520, Martínez", "Buenos Aires", "compras@construccionesnorte.com.ar")
C_TORNILLO = Cliente("CUIT", cuit("30", 70894561), "Ferretería El Tornillo SRL", "RI", "Av. Rivadavia 8842",
                     "CABA", "administracion@eltornillo.com.ar")
C_QUILMES = Cliente("CUIT", con_guiones(cuit("30", 71245873)), "Instalaciones Eléctricas Quilmes SRL", "RI",
                    "Calle 844 N° 2310, San Francisco Solano", "2")
C_RIBERA = Cliente("CUIT", cuit("30", 69874125), "Edificios Ribera SA", "Responsable Inscripto",
                   "Av. Costanera 1250, Rosario", "Santa Fe", "obras@edificiosribera.com.ar")
C_METAL = Cliente("CUIT", cuit("30", 71654328), "Metalúrgica San Martín SA", "RI", "Ruta 8 km 24,5, San Martín",
                  "Buenos Aires")
# A CUIT typed as a number, as it arrives when pasted from another system.
C_ESTRELLA = Cliente("CUIT", int(cuit("30", 71092837)), "Supermercados La Estrella SRL", "RI",
                     "Av. Hipólito Yrigoyen 3400, Lanús", "Buenos Aires")
C_GOMEZ = Cliente("CUIT", con_guiones(cuit("20", 24837156)), "Gómez, Ricardo Alberto", "Monotributo",
                  "Mitre 455, Avellaneda", "Buenos Aires", "ricardo.gomez.electricista@gmail.com")
C_FERNANDEZ = Cliente("CUIT", cuit("27", 29456183), "Fernández, Lucía", "M", "Olazábal 2870, Piso 3", "1")
C_PEREYRA = Cliente("CUIT", cuit("20", 31245678), "Pereyra, Hernán Darío", "monotributo",
                    "San Lorenzo 1120, Bernal", "Buenos Aires")
C_CONSORCIO = Cliente("CUIT", con_guiones(cuit("30", 54321987)), "Consorcio de Propietarios Av. Rivadavia 5120",
                      "Exento", "Av. Rivadavia 5120", "CABA", "administracion.rivadavia5120@gmail.com")
C_FUNDACION = Cliente("CUIT", cuit("30", 71834502), "Fundación Hospital de Niños del Sur", "E",
                      "Av. Pavón 1650, Avellaneda", "Buenos Aires")
C_MARTINEZ = Cliente("DNI", "28.456.789", "Martínez, Jorge Luis", "Consumidor Final", "Belgrano 760, Quilmes",
                     "Buenos Aires")
C_SOSA = Cliente("DNI", "33123456", "Sosa, Carolina", "CF", "Moreno 1440, Lanús", "Buenos Aires")
C_ACOSTA = Cliente("DNI", "25.987.310", "Acosta, Miguel Ángel", "CF")
C_MOSTRADOR = Cliente("OTRO", "0", "Consumidor Final", "CF")
# A large company in the sandbox's FCE register (README, «Grandes empresas»): above the threshold
# every factura to it must be an FCE MiPyME.
C_GRAN_CADENA = Cliente("CUIT", "30-50000001-1", "Gran Cadena Demo Supermercados S.A.", "RI",
                        "Av. Corrientes 1200, CABA", "CABA", "proveedores@grancadena.example")
# fmt: on

P = {
    "cable25": Producto("Cable unipolar 2,5 mm² IRAM 247-3 (rollo 100 m)", "CAB-UN-25", Decimal("38500")),
    "cable15": Producto("Cable unipolar 1,5 mm² IRAM 247-3 (rollo 100 m)", "CAB-UN-15", Decimal("26400")),
    "subte": Producto("Cable subterráneo 3x4 mm²", "CAB-SUB-34", Decimal("4820.50"), unidad="metros"),
    "corrugado": Producto("Caño corrugado 3/4\" (rollo 25 m)", "CAN-COR-34", Decimal("6350")),
    "toma": Producto("Tomacorriente doble 10 A con tierra", "TOM-DOB-10", Decimal("3150")),
    "termica": Producto("Interruptor termomagnético 2x25 A", "TER-2X25", Decimal("14200")),
    "disyuntor": Producto("Disyuntor diferencial 2x40 A 30 mA", "DIF-2X40", Decimal("27350.50")),
    "tablero": Producto("Tablero plástico de embutir 12 módulos", "TAB-EMB-12", Decimal("18990")),
    "lampara": Producto("Lámpara LED 9 W luz fría E27", "LED-09-FR", Decimal("2150")),
    "panel": Producto("Panel LED 60x60 48 W", "PAN-6060-48", Decimal("24500")),
    "reflector": Producto("Reflector LED 100 W IP65", "REF-100", Decimal("31800")),
    "cinta": Producto("Cinta aisladora 20 m", "CIN-AIS-20", Decimal("980")),
    "caja": Producto("Caja de paso PVC 10x10", "CAJ-PVC-10", Decimal("1250")),
    "tornillos": Producto("Tornillo autoperforante 8x1/2 (caja x 100)", "TOR-AP-812", Decimal("4300")),
    "taladro": Producto("Taladro percutor 750 W", "TAL-750", Decimal("89900")),
    "grupo": Producto("Grupo electrógeno 5,5 kVA trifásico", "GEN-55-TRI", Decimal("1890000"), "10.5"),
    "soldadora": Producto("Soldadora inverter 200 A", "SOL-INV-200", Decimal("312000"), "10.5"),
    "hormigonera": Producto("Hormigonera 130 L 1/2 HP", "HOR-130", Decimal("548000"), "10.5"),
    "compresor": Producto("Compresor de aire 100 L 3 HP", "COM-100-3", Decimal("689000"), "10.5"),
    "aea": Producto("Reglamentación AEA 90364 (libro impreso)", "LIB-AEA-90364", Decimal("45800"), "exento"),
    "energia": Producto("Energía eléctrica de obrador noviembre 2026 (reintegro de consumo)", "SRV-ENE",
                        Decimal("412360.75"), "27", "1000 kWh"),
    "acometida": Producto("Servicio de tendido de acometida provisoria de obra", "SRV-ACO", Decimal("385000")),
    "mo_depto": Producto("Mano de obra: instalación eléctrica de departamento modelo", "SRV-INS",
                         Decimal("850000")),
    "mantenimiento": Producto("Mantenimiento eléctrico preventivo de espacios comunes", "SRV-MAN",
                              Decimal("265000")),
    "puesta_tierra": Producto("Medición de puesta a tierra y protocolo firmado por matriculado", "SRV-PAT",
                              Decimal("148500")),
    "luminarias": Producto("Mano de obra: montaje de luminarias LED en depósito", "SRV-LUM", Decimal("9800"),
                           unidad="unidades"),
}  # fmt: skip

MOSTRADOR = ("lampara", "cinta", "toma", "caja", "tornillos", "termica", "cable15")


def comprobantes() -> list[Comprobante]:
    rng = random.Random(SEED)

    def mostrador(n: int) -> Comprobante:
        keys = rng.sample(MOSTRADOR, k=rng.randint(1, 3))
        lineas = [(P[k], rng.randint(1, 6), 0) for k in keys]
        return Comprobante(dia(n), "FACTURA B", C_MOSTRADOR, lineas, punto_venta=2, condicion_pago="Contado")

    factura_norte = Comprobante(
        dia(23), "FACTURA A", C_NORTE,
        [(P["cable25"], 10, 0), (P["termica"], 12, 0), (P["disyuntor"], 6, 5), (P["tablero"], 6, 0),
         (P["corrugado"], 15, 0), (P["cinta"], 20, 0)],
        condicion_pago="30 días", dias_vencimiento=30, leyenda_general="Según OC 4512", total_control=True,
        percepciones=[("IIBB", "Buenos Aires", "3 %", False)],
    )  # fmt: skip
    return [
        # Monday 23
        factura_norte,
        Comprobante(dia(23), "Factura a", C_TORNILLO,
                    [(P["lampara"], 120, 10), (P["cinta"], 50, 0), (P["toma"], 40, 0), (P["taladro"], 2, 0),
                     (P["tornillos"], 10, 0), (P["caja"], 30, 0)],
                    condicion_pago="210", dias_vencimiento=7),
        Comprobante(dia(23), "FACTURA B", C_MARTINEZ, [(P["panel"], 2, 0), (P["lampara"], 10, 0)],
                    condicion_pago="Contado"),
        Comprobante(dia(23), "FACTURA A", C_GOMEZ,
                    [(P["cable15"], 2, 0), (P["caja"], 20, 0), (P["cinta"], 10, 0)], condicion_pago="201"),
        mostrador(23),
        Comprobante(dia(23), "FACTURA A", C_RIBERA, [(P["mo_depto"], 1, 0), (P["cable25"], 3, 0)],
                    condicion_pago="30 días", dias_vencimiento=30, periodo=(dia(2), dia(20)),
                    leyenda_general="Obra Costanera 1250 - certificado 3"),
        mostrador(23),
        # Tuesday 24
        Comprobante(dia(24), "FACTURA A", C_METAL,
                    [(P["soldadora"], 2, 0), (P["compresor"], 1, 0), (P["reflector"], 4, 0)],
                    condicion_pago="Cuenta corriente", dias_vencimiento=15, total_control=True,
                    percepciones=[("IIBB", "Buenos Aires", 3, True), ("IVA", "RG 2408", 3, True)]),
        Comprobante(dia(24), "FACTURA A", C_QUILMES,
                    [(P["subte"], "150", 0), (P["corrugado"], 20, 0), (P["disyuntor"], 10, 5)],
                    condicion_pago="202", dias_vencimiento=30, fecha_como_texto=True),
        Comprobante(dia(24), "FACTURA B", C_CONSORCIO,
                    [(P["mantenimiento"], 1, 0), (P["lampara"], 30, 0)],
                    condicion_pago="Transferencia bancaria", dias_vencimiento=10, periodo=(dia(1), dia(24)),
                    leyenda_general="Abono mensual noviembre 2026"),
        mostrador(24),
        Comprobante(dia(24), "FACTURA A", C_FERNANDEZ, [(P["panel"], 8, 0), (P["tablero"], 1, 0)],
                    condicion_pago="Contado", precios_como_texto=True),
        Comprobante(dia(24), "FACTURA B", C_SOSA, [(P["taladro"], 1, 0), (P["tornillos"], 2, 0)],
                    condicion_pago="211"),
        Comprobante(dia(24), "FACTURA A", C_TORNILLO, [(P["cable25"], 20, 5), (P["cable15"], 20, 5)],
                    condicion_pago="210", dias_vencimiento=7, repetir_cabecera=True),
        # Wednesday 25
        Comprobante(dia(25), "FACTURA A", C_NORTE, [(P["energia"], "3,2", 0), (P["acometida"], 1, 0)],
                    condicion_pago="30 días", dias_vencimiento=30, periodo=(dia(1), dia(25)),
                    leyenda_general="Obra Libertador 14520"),
        Comprobante(dia(25), "FACTURA A", C_ESTRELLA,
                    [(P["reflector"], 10, 15), (P["panel"], 24, 10), (P["grupo"], 1, 0)],
                    condicion_pago="203", dias_vencimiento=60, total_control=True,
                    percepciones=[("iibb", "provincia de buenos aires", "3", False)]),
        Comprobante(dia(25), "FACTURA B", C_FUNDACION, [(P["panel"], 12, 0), (P["aea"], 2, 0)],
                    condicion_pago="Transferencia bancaria", dias_vencimiento=15),
        mostrador(25),
        Comprobante(dia(25), "FACTURA A", C_PEREYRA,
                    [(P["toma"], 30, 0), (P["termica"], 4, 0), (P["corrugado"], 5, 0), (P["cinta"], 6, 0)],
                    condicion_pago="Contado", fecha_como_texto=True, precios_como_texto=True),
        Comprobante(dia(25), "FACTURA B", C_MARTINEZ, [(P["reflector"], 2, 0)], condicion_pago="Contado"),
        Comprobante(dia(25), "FACTURA A", C_QUILMES, [(P["luminarias"], 24, 0), (P["panel"], 24, 0)],
                    condicion_pago="202", dias_vencimiento=30, periodo=(dia(16), dia(20))),
        mostrador(25),
        # Thursday 26
        Comprobante(dia(26), "FACTURA A", C_RIBERA, [(P["hormigonera"], 2, 0), (P["cable25"], 8, 0), (P["subte"], "80", 0),
                     (P["disyuntor"], 4, 0)],
                    condicion_pago="30 días", dias_vencimiento=30),
        Comprobante(dia(26), "FACTURA B", C_ACOSTA, [(P["disyuntor"], 1, 0), (P["tablero"], 1, 0),
                                                    (P["termica"], 3, 0)], condicion_pago="Contado"),
        Comprobante(dia(26), "FACTURA A", C_NORTE, [(P["aea"], 3, 0), (P["cable25"], 6, 0), (P["caja"], 40, 0)],
                    condicion_pago="30 días", dias_vencimiento=30),
        mostrador(26),
        Comprobante(dia(26), "FACTURA A", C_GOMEZ, [(P["disyuntor"], 2, 0), (P["termica"], 6, 0)],
                    condicion_pago="Contado"),
        Comprobante(dia(26), "FACTURA A", C_QUILMES, [(P["puesta_tierra"], 1, 0)],
                    condicion_pago="202", dias_vencimiento=30, periodo=(dia(16), dia(26)),
                    fecha_como_texto=True),
        Comprobante(dia(26), "FACTURA A", C_METAL, [(P["grupo"], 1, 5), (P["reflector"], 6, 0)],
                    condicion_pago="Cuenta corriente", dias_vencimiento=15,
                    percepciones=[("7", "5", "3,00", False)]),
        Comprobante(dia(26), "FCE A", C_GRAN_CADENA, [(P["grupo"], 3, 0), (P["reflector"], 10, 0)],
                    condicion_pago="Cuenta corriente", dias_vencimiento=30, total_control=True,
                    leyenda_general="OC 88120 - entrega en centro de distribución",
                    fce_cbu="0170215820000005295250"),
        mostrador(26),
        # Friday 27
        Comprobante(dia(27), "NOTA DE CREDITO A", C_NORTE, [(P["disyuntor"], 2, 5)],
                    condicion_pago="30 días", dias_vencimiento=30,
                    leyenda_general="Devolución de mercadería fallada", asociado=factura_norte),
        Comprobante(dia(27), "FACTURA A", C_ESTRELLA, [(P["lampara"], 200, 15), (P["toma"], 60, 10), (P["reflector"], 8, 0),
                     (P["panel"], 10, 0)],
                    condicion_pago="203", dias_vencimiento=60),
        Comprobante(dia(27), "FACTURA B", C_CONSORCIO, [(P["luminarias"], 12, 0), (P["panel"], 12, 0)],
                    condicion_pago="Transferencia bancaria", dias_vencimiento=10, periodo=(dia(23), dia(27))),
        mostrador(27),
        Comprobante(dia(27), "FACTURA A", C_FERNANDEZ, [(P["reflector"], 3, 0), (P["caja"], 15, 0)],
                    condicion_pago="Contado"),
        Comprobante(dia(27), "FACTURA B", C_SOSA, [(P["lampara"], 12, 0), (P["toma"], 6, 0)],
                    condicion_pago="Contado", punto_venta=2),
        Comprobante(dia(27), "FACTURA A", C_TORNILLO,
                    [(P["taladro"], 3, 10), (P["tornillos"], 24, 0), (P["cinta"], 100, 5)],
                    condicion_pago="210", dias_vencimiento=7),
        Comprobante(dia(27), "FACTURA A", C_PEREYRA, [(P["cable15"], 4, 0), (P["caja"], 30, 0)],
                    condicion_pago="Contado"),
        mostrador(27),
        Comprobante(dia(27), "FACTURA B", C_FUNDACION, [(P["mantenimiento"], 1, 0), (P["lampara"], 40, 10)],
                    condicion_pago="Transferencia bancaria", dias_vencimiento=15, periodo=(dia(2), dia(27))),
        Comprobante(dia(27), "FACTURA A", C_RIBERA, [(P["acometida"], 1, 0), (P["tablero"], 4, 0)],
                    condicion_pago="30 días", dias_vencimiento=30, periodo=(dia(23), dia(27))),
    ]  # fmt: skip


def _cantidad(value: object) -> Decimal:
    return Decimal(str(value).replace(",", "."))


def _lines(c: Comprobante) -> list[tuple[Decimal, Decimal, str, Decimal]]:
    return [
        (_cantidad(q), p.precio, ALICUOTA_IVA.lookup(p.alicuota) or "", Decimal(b)) for p, q, b in c.lineas
    ]


def _letra(c: Comprobante) -> str:
    return TIPOS_BY_NAME[TIPO_COMPROBANTE.lookup(c.tipo) or ""].letra


def _porcentaje(value: object) -> Decimal:
    return Decimal(str(value).replace("%", "").replace(",", ".").strip())


def percepciones(c: Comprobante) -> list[tuple[str, str, object, Decimal, Decimal, bool]]:
    """(tributo, régimen, alícuota as typed, base, importe, write the importe) of each perception:
    base = the neto gravado, importe = base × alícuota / 100 rounded half-even to the cent."""
    base = compute_totals(_lines(c), _letra(c)).neto_gravado
    out = []
    for tributo, regimen, alicuota, escrito in c.percepciones:
        importe = (base * _porcentaje(alicuota) / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
        out.append((tributo, regimen, alicuota, base, importe, escrito))
    return out


def total(c: Comprobante) -> Decimal:
    return compute_totals(_lines(c), _letra(c), [p[4] for p in percepciones(c)]).total


def numeros_asignados(lista: list[Comprobante]) -> dict[int, int]:
    """id(comprobante) -> the number the sandbox gives it when the month is emitted from scratch:
    per punto de venta and tipo, in ascending fecha, ties in sheet order."""
    numeros: dict[int, int] = {}
    ultimos: dict[tuple[int, str], int] = {}
    for c in sorted(lista, key=lambda c: c.fecha):  # sorted() is stable: ties keep sheet order
        key = (c.punto_venta, TIPO_COMPROBANTE.lookup(c.tipo))
        ultimos[key] = ultimos.get(key, 0) + 1
        numeros[id(c)] = ultimos[key]
    return numeros


def filas(lista: list[Comprobante]) -> list[dict[str, object]]:
    numeros = numeros_asignados(lista)
    rows: list[dict[str, object]] = []
    for n, c in enumerate(lista, start=1):
        c.referencia = f"NOV26-{n:03d}"
        fecha: object = c.fecha.strftime("%d/%m/%Y") if c.fecha_como_texto else c.fecha
        cabecera: dict[str, object] = {
            "referencia": c.referencia,
            "fecha": fecha,
            "tipo": c.tipo,
            "punto_venta": c.punto_venta,
            "condicion_pago": c.condicion_pago or None,
            "cliente_documento_tipo": c.cliente.doc_tipo,
            "cliente_documento_nro": c.cliente.doc_nro,
            "cliente_razon_social": c.cliente.razon_social,
            "cliente_condicion_iva": c.cliente.condicion,
            "cliente_domicilio": c.cliente.domicilio or None,
            "cliente_provincia": c.cliente.provincia or None,
            "cliente_email": c.cliente.email or None,
            "leyenda_general": c.leyenda_general or None,
        }
        if c.dias_vencimiento is not None:
            cabecera["vencimiento"] = c.fecha + timedelta(days=c.dias_vencimiento)
        if c.periodo:
            cabecera["periodo_desde"], cabecera["periodo_hasta"] = c.periodo
        if c.total_control:
            cabecera["total_control"] = total(c)
        if c.fce_cbu:
            cabecera.update(fce_cbu=c.fce_cbu, fce_transferencia="SCA")
        if c.asociado is not None:
            cabecera.update(
                asociado_tipo=TIPO_COMPROBANTE.lookup(c.asociado.tipo),
                asociado_punto_venta=c.asociado.punto_venta,
                asociado_numero=numeros[id(c.asociado)],
                asociado_fecha=c.asociado.fecha,
            )
        for i, (producto, cantidad, bonificacion) in enumerate(c.lineas):
            row = dict(cabecera) if i == 0 or c.repetir_cabecera else {"referencia": c.referencia}
            precio: object = texto_ar(producto.precio) if c.precios_como_texto else producto.precio
            row.update(
                descripcion=producto.descripcion,
                cantidad=cantidad,
                precio_unitario=precio,
                alicuota_iva=producto.alicuota,
                bonificacion_porcentaje=bonificacion or None,
                unidad_medida=producto.unidad or None,
                codigo_producto=producto.codigo,
            )
            rows.append(row)
    return rows


def filas_tributos(lista: list[Comprobante]) -> list[dict[str, object]]:
    """The Tributos sheet: one row per perception, after `filas` gave each comprobante its referencia."""
    rows: list[dict[str, object]] = []
    for c in lista:
        for tributo, regimen, alicuota, base, importe, escrito in percepciones(c):
            rows.append(
                {
                    "referencia": c.referencia,
                    "tributo": tributo,
                    "regimen": regimen,
                    "base_imponible": base,
                    "alicuota": alicuota,
                    "importe": importe if escrito else None,
                    "descripcion": f"Percepción {TRIBUTO.name(TRIBUTO.lookup(tributo) or '')} "
                    f"a {c.cliente.razon_social}",
                }
            )
    return rows


def main() -> None:
    lista = comprobantes()
    for c in lista:  # the rules the example promises (see the module docstring)
        assert FECHA_SIMULADA - timedelta(days=4) <= c.fecha <= FECHA_SIMULADA, c
        assert c.cliente is not C_MOSTRADOR or total(c) < Decimal("10000000"), c
        assert c.periodo is None or c.periodo[0] <= c.periodo[1] <= c.fecha, c
    rows = filas(lista)
    wb = build_template()
    ws = wb[DATA_SHEET]
    for r, row in enumerate(rows, start=2):
        for col, name in enumerate(NAMES, start=1):
            value = row.get(name)
            if value is None:
                continue
            cell = ws.cell(row=r, column=col, value=value)
            cell.number_format = BY_NAME[name].excel_format
    ws_tributos = wb[TRIBUTOS_SHEET]
    for r, row in enumerate(filas_tributos(lista), start=2):
        for col, name in enumerate(TRIBUTOS_NAMES, start=1):
            value = row.get(name)
            if value is None:
                continue
            cell = ws_tributos.cell(row=r, column=col, value=value)
            cell.number_format = TRIBUTOS_BY_NAME[name].excel_format
    wb.custom_doc_props.append(StringProperty(name=FECHA_SIMULADA_PROPERTY, value=FECHA_SIMULADA.isoformat()))
    save_workbook(wb, SALIDA)
    print(
        f"{SALIDA.name}: {len(lista)} comprobantes, {len(rows)} filas, fecha simulada {FECHA_SIMULADA:%d/%m/%Y}"
    )


if __name__ == "__main__":
    main()
