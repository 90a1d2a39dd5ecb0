"""The simulator's own copy of TusFacturas' and AFIP's code tables, typed in from the spec.

Kept apart from the client's `importer.dominio.catalogs` on purpose: the sandbox judges what the client
sends, so a wrong code in the client's tables must not be accepted by a sandbox reading the same
wrong table. Sources: tusfacturas-api.md §4 and afip-rules.md §2–§5.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# --- Tipos de comprobante (tusfacturas-api.md §4.1, afip-rules.md §4) ----------------------------

FACTURA = "FACTURA"
NOTA_DEBITO = "NOTA DE DEBITO"
NOTA_CREDITO = "NOTA DE CREDITO"


@dataclass(frozen=True)
class Tipo:
    nombre: str  # the exact string TusFacturas takes in `tipo`
    afip_code: int  # WSFE CbteTipo
    clase: str  # FACTURA, NOTA DE DEBITO or NOTA DE CREDITO
    letra: str  # A, B, C, M or E
    fce: bool = False

    @property
    def es_nota(self) -> bool:
        return self.clase != FACTURA


_FCE = "ELECTRONICA MiPyME (FCE)"

# Only what the simulator emits; recibos, liquidaciones, remitos etc. are refused by name in request.py.
TIPOS: tuple[Tipo, ...] = (
    Tipo("FACTURA A", 1, FACTURA, "A"),
    Tipo("NOTA DE DEBITO A", 2, NOTA_DEBITO, "A"),
    Tipo("NOTA DE CREDITO A", 3, NOTA_CREDITO, "A"),
    Tipo("FACTURA B", 6, FACTURA, "B"),
    Tipo("NOTA DE DEBITO B", 7, NOTA_DEBITO, "B"),
    Tipo("NOTA DE CREDITO B", 8, NOTA_CREDITO, "B"),
    Tipo("FACTURA C", 11, FACTURA, "C"),
    Tipo("NOTA DE DEBITO C", 12, NOTA_DEBITO, "C"),
    Tipo("NOTA DE CREDITO C", 13, NOTA_CREDITO, "C"),
    Tipo("FACTURA E", 19, FACTURA, "E"),
    Tipo("NOTA DE DEBITO E", 20, NOTA_DEBITO, "E"),
    Tipo("NOTA DE CREDITO E", 21, NOTA_CREDITO, "E"),
    Tipo("FACTURA M", 51, FACTURA, "M"),
    Tipo("NOTA DE DEBITO M", 52, NOTA_DEBITO, "M"),
    Tipo("NOTA DE CREDITO M", 53, NOTA_CREDITO, "M"),
    Tipo(f"FACTURA DE CREDITO {_FCE} A", 201, FACTURA, "A", fce=True),
    Tipo(f"NOTA DE DEBITO {_FCE} A", 202, NOTA_DEBITO, "A", fce=True),
    Tipo(f"NOTA DE CREDITO {_FCE} A", 203, NOTA_CREDITO, "A", fce=True),
    Tipo(f"FACTURA DE CREDITO {_FCE} B", 206, FACTURA, "B", fce=True),
    Tipo(f"NOTA DE DEBITO {_FCE} B", 207, NOTA_DEBITO, "B", fce=True),
    Tipo(f"NOTA DE CREDITO {_FCE} B", 208, NOTA_CREDITO, "B", fce=True),
    Tipo(f"FACTURA DE CREDITO {_FCE} C", 211, FACTURA, "C", fce=True),
    Tipo(f"NOTA DE DEBITO {_FCE} C", 212, NOTA_DEBITO, "C", fce=True),
    Tipo(f"NOTA DE CREDITO {_FCE} C", 213, NOTA_CREDITO, "C", fce=True),
)
TIPOS_BY_NAME: dict[str, Tipo] = {t.nombre: t for t in TIPOS}

# --- Condición frente al IVA del receptor (§4.2) and the letters it may receive (§9.1) ----------

CONDICIONES_IVA: dict[str, str] = {
    "RI": "Responsable Inscripto",
    "M": "Monotributo",
    "E": "Exento",
    "CF": "Consumidor Final",
    "CDEX": "Cliente del Exterior",
    "IVNA": "IVA No Alcanzado",
}
# A (and M, its "con leyenda" variant) only to RI and monotributistas; B to everyone else, also a
# foreign client for a service used in Argentina; E only to a foreign client; C to anyone.
LETRAS_BY_CONDICION: dict[str, frozenset[str]] = {
    "RI": frozenset({"A", "M", "C"}),
    "M": frozenset({"A", "M", "C"}),
    "E": frozenset({"B", "C"}),
    "CF": frozenset({"B", "C"}),
    "CDEX": frozenset({"B", "C", "E"}),
    "IVNA": frozenset({"B", "C"}),
}

# --- Documentos: TusFacturas `documento_tipo` → AFIP DocTipo (§4.3, afip-rules.md §2.2) -----------

DOCUMENTOS: dict[str, int] = {"CUIT": 80, "CUIL": 86, "CDI": 87, "DNI": 96, "PASAPORTE": 94, "OTRO": 99}
CUIT_DOCUMENTOS = ("CUIT", "CUIL", "CDI")

# --- Alícuotas de IVA (§4.4, afip-rules.md §5.1) --------------------------------------------------

EXENTO = "-1"
NO_GRAVADO = "-2"
# code → IVA rate in percent; exento and no gravado carry no IVA (AFIP: ImpOpEx, ImpTotConc).
ALICUOTAS: dict[str, Decimal] = {
    "27": Decimal(27),
    "21": Decimal(21),
    "10.5": Decimal("10.5"),
    "0": Decimal(0),
    EXENTO: Decimal(0),
    NO_GRAVADO: Decimal(0),
}
# The numeric value a request carries (27, 21.00, "10.50", -1 …) → its code.
ALICUOTA_BY_VALUE: dict[Decimal, str] = {Decimal(code): code for code in ALICUOTAS}
# Where a global `bonificacion` lands: "the first subtotal without IVA, generally the 21 %" (§9.3).
BONIFICACION_ORDER = ("21", "27", "10.5")

# --- Other enumerations ----------------------------------------------------------------------------

MONEDAS: dict[str, str] = {
    "PES": "Pesos argentinos",
    "DOL": "Dólares estadounidenses",
    "003": "Francos franceses",
    "004": "Liras italianas",
    "010": "Pesos mejicanos",
    "011": "Pesos uruguayos",
    "012": "Real",
    "023": "Bolívar (venezolano)",
    "031": "Peso boliviano",
    "032": "Peso colombiano",
    "033": "Peso chileno",
    "035": "Nuevo sol peruano",
    "036": "Sucre (ecuatoriano)",
    "060": "Euro",
}

PROVINCIAS: dict[int, str] = {
    1: "CIUDAD AUTONOMA DE BUENOS AIRES",
    2: "BUENOS AIRES",
    3: "CATAMARCA",
    4: "CHACO",
    5: "CHUBUT",
    6: "CORDOBA",
    7: "CORRIENTES",
    8: "ENTRE RIOS",
    9: "FORMOSA",
    10: "JUJUY",
    11: "LA PAMPA",
    12: "LA RIOJA",
    13: "MENDOZA",
    14: "MISIONES",
    15: "NEUQUEN",
    16: "RIO NEGRO",
    17: "SALTA",
    18: "SAN JUAN",
    19: "SAN LUIS",
    20: "SANTA CRUZ",
    21: "SANTA FE",
    22: "SANTIAGO DEL ESTERO",
    23: "TIERRA DEL FUEGO",
    24: "TUCUMAN",
    25: "Otro",
    26: "-",
}

# 201 Contado … 217 Payway; 214 ("Otra") needs `condicion_pago_otra`.
CONDICIONES_PAGO = frozenset(str(code) for code in range(201, 218))
CONDICION_PAGO_OTRA = "214"

UNIDADES_MEDIDA: dict[str, str] = {
    "1": "kilogramos",
    "2": "metros",
    "3": "metros cuadrados",
    "4": "metros cúbicos",
    "5": "litros",
    "6": "1000 kWh",
    "7": "unidades",
    "8": "pares",
    "9": "docenas",
    "10": "quilates",
    "11": "millares",
    "14": "gramos",
    "15": "milimetros",
    "16": "mm cúbicos",
    "17": "kilómetros",
    "18": "hectolitros",
    "20": "centímetros",
    "25": "jgo. pqt. mazo naipes",
    "27": "cm cúbicos",
    "29": "toneladas",
    "30": "dam cúbicos",
    "31": "hm cúbicos",
    "32": "km cúbicos",
    "33": "microgramos",
    "34": "nanogramos",
    "35": "picogramos",
    "41": "miligramos",
    "47": "mililitros",
    "48": "curie",
    "49": "milicurie",
    "50": "microcurie",
    "51": "uiacthor",
    "52": "muiacthor",
    "53": "kg base",
    "54": "gruesa",
    "61": "kg bruto",
    "62": "uiactant",
    "63": "muiactant",
    "64": "uiactig",
    "65": "muiactig",
    "66": "kg activo",
    "67": "gramo activo",
    "68": "gramo base",
    "95": "anulación/devolución",
    "96": "packs",
    "97": "seña/anticipo",
    "98": "otras unidades",
}

# tributos[].tipo (§4.10): 6 percepción IVA, 7 percepción IIBB, 1 impuestos nacionales.
TRIBUTO_TIPOS = frozenset({"1", "6", "7"})
