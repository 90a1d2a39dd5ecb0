"""The simulator's own copy of TusFacturas' and AFIP's code tables, typed in from the spec.

Kept apart from the client's `importer.dominio.catalogs` on purpose: the sandbox judges what the client
sends, so a wrong code in the client's tables must not be accepted by a sandbox reading the same
wrong table. Sources: tusfacturas-api.md §4 and afip-rules.md §2–§5.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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

# --- Tributos (tusfacturas-api.md §3.6 and §4.10) -------------------------------------------------

TRIBUTO_NACIONAL, TRIBUTO_IVA, TRIBUTO_IIBB = 1, 6, 7
# tipo → the description the lookups answer (§6.2.3 `tipo_descripcion`).
TRIBUTO_TIPOS: dict[int, str] = {
    TRIBUTO_NACIONAL: "Percepcion de impuestos nacionales",
    TRIBUTO_IVA: "Percepcion de IVA",
    TRIBUTO_IIBB: "Percepcion de IIBB",
}


@dataclass(frozen=True)
class Regimen:
    tipo: int  # the only tributo tipo this régimen belongs to
    nombre: str


_IIBB_JURISDICCIONES = (
    "CAPITAL FEDERAL",
    "BUENOS AIRES",
    "CATAMARCA",
    "CHACO",
    "CHUBUT",
    "CORDOBA",
    "CORRIENTES",
    "ENTRE RIOS",
    "FORMOSA",
    "JUJUY",
    "LA PAMPA",
    "LA RIOJA",
    "MENDOZA",
    "MISIONES",
    "NEUQUEN",
    "RIO NEGRO",
    "SALTA",
    "SAN JUAN",
    "SAN LUIS",
    "SANTA CRUZ",
    "SANTA FE",
    "SANTIAGO DEL ESTERO",
    "TIERRA DEL FUEGO",
    "TUCUMAN",
    "Otro",
)
# régimen → its tipo and name: 1–3 IVA, 4–28 IIBB per jurisdicción, 31–34 nacionales (no 29, 30).
REGIMENES: dict[int, Regimen] = {
    1: Regimen(TRIBUTO_IVA, "No especificado"),
    2: Regimen(TRIBUTO_IVA, "Reg. General (RG 2408)"),
    3: Regimen(TRIBUTO_IVA, "RG 5329"),
    **{4 + i: Regimen(TRIBUTO_IIBB, name) for i, name in enumerate(_IIBB_JURISDICCIONES)},
    31: Regimen(TRIBUTO_NACIONAL, "Perc. impuesto PAIS"),
    32: Regimen(TRIBUTO_NACIONAL, "Impuesto País"),
    33: Regimen(TRIBUTO_NACIONAL, "Perc. Imp. a las Ganancias"),
    34: Regimen(TRIBUTO_NACIONAL, "Perc. Imp. sobre los Bienes Personales"),
}
MAX_TRIBUTOS = 7  # the reference page; the 2023 changelog said 6 (tusfacturas-api.md §13.11)
# AFIP's "Sujeto No Categorizado": a Factura B to it must carry perceptions (10067), never an FCE (10178).
NO_CATEGORIZADO = "23000000000"

# --- rg_especiales (tusfacturas-api.md §3.8 and §4.11) -----------------------------------------

REGIMEN_FCE = "Factura de Crédito Electrónica MiPyMEs (FCE)"
FCE_CBU, FCE_ALIAS, FCE_ANULACION, FCE_REFERENCIA, FCE_TRANSFERENCIA = 2101, 2102, 22, 23, 27
# régimen name (exact, as §4.11 spells it) → the data ids it carries.
RG_ESPECIALES: dict[str, frozenset[int]] = {
    "RG Empresas Promovidas": frozenset({2}),
    "RG Bienes Usados 3411": frozenset({91, 92, 93}),
    "Excepcion computo IVA Credito Fiscal": frozenset({5}),
    "RG 3668 Impuesto al Valor Agregado": frozenset({61, 62, 63}),
    "RG 3.368 Establecimientos de educación pública de gestión privada": frozenset({10, 1011, 1012}),
    "RG 2.820 Operaciones económicas vinculadas con bienes inmuebles": frozenset({11}),
    "RG 3.687 Locación temporaria de inmuebles con fines turísticos": frozenset({12}),
    "RG 2.863 Representantes de Modelos": frozenset({13}),
    "RG 2.863 Agencias de publicidad": frozenset({14}),
    "RG 2.863 Personas físicas que desarrollen actividad de modelaje": frozenset({15}),
    "RG 4004-E": frozenset({17, 1801, 1802}),
    REGIMEN_FCE: frozenset({FCE_CBU, FCE_ALIAS, FCE_ANULACION, FCE_REFERENCIA, FCE_TRANSFERENCIA}),
}
FCE_TRANSFERENCIAS = frozenset({"SCA", "ADC"})  # sistema de circulación abierta, agente de depósito

# --- FCE obligation (afip-rules.md §8) ----------------------------------------------------------

# The simulator's register of "large companies" obliged to receive FCE (AFIP's lives in its FCE
# register; these are made up, with valid check digits, and used nowhere else).
GRANDES_EMPRESAS: dict[str, str] = {
    "30500000011": "GRAN CADENA DEMO SUPERMERCADOS S.A.",
    "30500000038": "GRAN INDUSTRIA DEMO ACEROS S.A.",
    "30500000046": "GRAN ENERGETICA DEMO S.A.",
}
# (from this date on, minimum total in pesos) — afip-rules.md §8; the 2026 figure is marked
# UNVERIFIED there. Before 11/04/2025 the previous minimum applies.
MONTOS_MINIMOS_FCE: tuple[tuple[date, Decimal], ...] = (
    (date.min, Decimal(1357480)),
    (date(2025, 4, 11), Decimal(3958316)),
    (date(2026, 4, 14), Decimal(5549862)),
)


def monto_minimo_fce(fecha: date) -> Decimal:
    """The FCE minimum in force on `fecha`."""
    return [monto for desde, monto in MONTOS_MINIMOS_FCE if desde <= fecha][-1]
