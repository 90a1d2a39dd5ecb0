"""TusFacturas / AFIP code tables with forgiving lookup.

Every table maps a canonical value (what TusFacturas expects) to its names. Lookups accept the
canonical value, any name or alias, in any case, with or without accents and surrounding spaces,
so `Responsable Inscripto`, `responsable inscripto ` and `RI` all resolve to `RI`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal


def normalize_key(value: object) -> str:
    """Case-, accent- and space-insensitive key used by every lookup."""
    text = str(value).strip()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", " ", text).upper()
    return text


@dataclass(frozen=True)
class Entry:
    code: str  # the canonical value sent to TusFacturas
    name: str  # the Spanish name shown to users
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """A closed list of values with a forgiving `lookup`."""

    title: str
    entries: tuple[Entry, ...]
    _index: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for entry in self.entries:
            for key in (entry.code, entry.name, *entry.aliases):
                self._index.setdefault(normalize_key(key), entry.code)

    def lookup(self, value: object) -> str | None:
        """The canonical code for `value`, or None when it is not in the catalog."""
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = normalize_key(value)
        if not key:
            return None
        found = self._index.get(key)
        if found is None and re.fullmatch(r"\d+(\.0+)?", key):
            found = self._index.get(str(int(float(key))))
        return found

    def name(self, code: str) -> str:
        for entry in self.entries:
            if entry.code == code:
                return entry.name
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self.entries)

    def choices(self) -> tuple[str, ...]:
        """What the template's drop-down list shows (the value a user would type)."""
        return tuple(e.code if e.code == e.name else f"{e.code} - {e.name}" for e in self.entries)


def _first_token_aliases(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """Let a drop-down choice such as `201 - Contado` resolve back to its code."""
    return tuple(
        Entry(e.code, e.name, (*e.aliases, f"{e.code} - {e.name}")) if e.code != e.name else e
        for e in entries
    )


# --- Tipos de comprobante -------------------------------------------------------------------


@dataclass(frozen=True)
class TipoComprobante:
    nombre: str  # exact TusFacturas string
    afip_code: int
    clase: str  # FACTURA, NOTA DE DEBITO, NOTA DE CREDITO
    letra: str  # A, B, C, M, E
    fce: bool = False

    @property
    def es_nota(self) -> bool:
        return self.clase != "FACTURA"

    @property
    def es_credito(self) -> bool:
        return self.clase == "NOTA DE CREDITO"

    @property
    def abreviatura(self) -> str:
        """Short form used in PDF file names, e.g. FACTURA_A, NC_A, FCE_A."""
        prefix = {"FACTURA": "FACTURA", "NOTA DE DEBITO": "ND", "NOTA DE CREDITO": "NC"}[self.clase]
        if self.fce:
            prefix = {"FACTURA": "FCE", "ND": "ND_FCE", "NC": "NC_FCE"}[prefix]
        return f"{prefix}_{self.letra}"


def _fce_name(clase: str, letra: str) -> str:
    head = {
        "FACTURA": "FACTURA DE CREDITO ELECTRONICA",
        "NOTA DE DEBITO": "NOTA DE DEBITO ELECTRONICA",
        "NOTA DE CREDITO": "NOTA DE CREDITO ELECTRONICA",
    }[clase]
    return f"{head} MiPyME (FCE) {letra}"


TIPOS: tuple[TipoComprobante, ...] = (
    TipoComprobante("FACTURA A", 1, "FACTURA", "A"),
    TipoComprobante("NOTA DE DEBITO A", 2, "NOTA DE DEBITO", "A"),
    TipoComprobante("NOTA DE CREDITO A", 3, "NOTA DE CREDITO", "A"),
    TipoComprobante("FACTURA B", 6, "FACTURA", "B"),
    TipoComprobante("NOTA DE DEBITO B", 7, "NOTA DE DEBITO", "B"),
    TipoComprobante("NOTA DE CREDITO B", 8, "NOTA DE CREDITO", "B"),
    TipoComprobante("FACTURA C", 11, "FACTURA", "C"),
    TipoComprobante("NOTA DE DEBITO C", 12, "NOTA DE DEBITO", "C"),
    TipoComprobante("NOTA DE CREDITO C", 13, "NOTA DE CREDITO", "C"),
    TipoComprobante("FACTURA M", 51, "FACTURA", "M"),
    TipoComprobante("NOTA DE DEBITO M", 52, "NOTA DE DEBITO", "M"),
    TipoComprobante("NOTA DE CREDITO M", 53, "NOTA DE CREDITO", "M"),
    TipoComprobante("FACTURA E", 19, "FACTURA", "E"),
    TipoComprobante("NOTA DE DEBITO E", 20, "NOTA DE DEBITO", "E"),
    TipoComprobante("NOTA DE CREDITO E", 21, "NOTA DE CREDITO", "E"),
    *(
        TipoComprobante(_fce_name(clase, letra), code + offset, clase, letra, fce=True)
        for letra, code in (("A", 201), ("B", 206), ("C", 211))
        for offset, clase in enumerate(("FACTURA", "NOTA DE DEBITO", "NOTA DE CREDITO"))
    ),
)
TIPOS_BY_NAME: dict[str, TipoComprobante] = {t.nombre: t for t in TIPOS}
TIPOS_BY_AFIP: dict[int, TipoComprobante] = {t.afip_code: t for t in TIPOS}


def _tipo_aliases(t: TipoComprobante) -> tuple[str, ...]:
    short = {"FACTURA": "FC", "NOTA DE DEBITO": "ND", "NOTA DE CREDITO": "NC"}[t.clase]
    aliases = [str(t.afip_code)]
    if t.fce:
        # Short spellings people use (interface.md §9): FCE A, NC FCE A, FCE NC A, ND FCE B.
        if short == "FC":
            aliases += [f"FCE {t.letra}", f"FACTURA FCE {t.letra}", f"FC FCE {t.letra}"]
        else:
            aliases += [f"FCE {short} {t.letra}", f"{short} FCE {t.letra}"]
    else:
        aliases += [f"{short} {t.letra}", f"{short}{t.letra}"]
    return tuple(aliases)


TIPO_COMPROBANTE = Catalog(
    "tipo de comprobante", tuple(Entry(t.nombre, t.nombre, _tipo_aliases(t)) for t in TIPOS)
)

# --- Condiciones frente al IVA ------------------------------------------------------------------

CONDICION_IVA = Catalog(
    "condición frente al IVA",
    _first_token_aliases(
        (
            Entry("RI", "Responsable Inscripto", ("IVA Responsable Inscripto", "Resp. Inscripto", "1")),
            Entry("M", "Monotributo", ("Monotributista", "Responsable Monotributo", "MT", "6")),
            Entry("E", "Exento", ("IVA Exento", "IVA Sujeto Exento", "EX", "4")),
            Entry("CF", "Consumidor Final", ("5",)),
            Entry("CDEX", "Cliente del Exterior", ("Exterior", "9")),
            Entry("IVNA", "IVA No Alcanzado", ("No Alcanzado", "15")),
        )
    ),
)

# --- Documentos -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TipoDocumento:
    code: str
    afip_code: int


DOCUMENTOS_AFIP = {"CUIT": 80, "CUIL": 86, "CDI": 87, "DNI": 96, "PASAPORTE": 94, "OTRO": 99}

DOCUMENTO_TIPO = Catalog(
    "tipo de documento",
    (
        Entry("CUIT", "CUIT", ("80",)),
        Entry("CUIL", "CUIL", ("86",)),
        Entry("DNI", "DNI", ("96", "D.N.I.", "Documento")),
        Entry("PASAPORTE", "PASAPORTE", ("94", "Pasaporte", "PAS")),
        Entry("CDI", "CDI", ("87",)),
        Entry("OTRO", "OTRO", ("99", "Sin identificar", "Anónimo")),
    ),
)

# --- Alícuotas de IVA -------------------------------------------------------------------------------

ALICUOTA_IVA = Catalog(
    "alícuota de IVA",
    (
        Entry("27", "27", ("27%", "27 %", "0.27")),
        Entry("21", "21", ("21%", "21 %", "0.21")),
        Entry("10.5", "10.5", ("10,5", "10.50", "10,50", "10.5%", "10,5%", "10.5 %", "10,5 %", "0.105")),
        Entry("0", "0", ("0%", "0 %", "0.0", "0,0")),
        Entry("-1", "exento", ("exenta", "ex", "-1.0")),
        Entry("-2", "no gravado", ("no gravada", "ng", "-2.0")),
    ),
)
# The IVA rate applied to each alícuota code (exento and no gravado carry no IVA).
ALICUOTA_TASA: dict[str, Decimal] = {
    "27": Decimal("27"),
    "21": Decimal("21"),
    "10.5": Decimal("10.5"),
    "0": Decimal("0"),
    "-1": Decimal("0"),
    "-2": Decimal("0"),
}
ALICUOTAS_GRAVADAS = ("27", "21", "10.5")

# --- Monedas ------------------------------------------------------------------------------------------


def _numeric_code_aliases(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """`060` typed as the number 60 still means `060`."""
    return tuple(
        Entry(e.code, e.name, (*e.aliases, str(int(e.code)))) if e.code.isdigit() else e for e in entries
    )


MONEDA = Catalog(
    "moneda",
    _first_token_aliases(
        _numeric_code_aliases(
            (
                Entry("PES", "Pesos argentinos", ("ARS", "$", "Pesos", "Peso")),
                Entry("DOL", "Dólares estadounidenses", ("USD", "U$S", "US$", "Dólar", "Dolares")),
                Entry("003", "Francos franceses"),
                Entry("004", "Liras italianas"),
                Entry("010", "Pesos mejicanos", ("MXN",)),
                Entry("011", "Pesos uruguayos", ("UYU",)),
                Entry("012", "Real", ("BRL", "Reales")),
                Entry("023", "Bolívar venezolano", ("VES",)),
                Entry("031", "Peso boliviano", ("BOB",)),
                Entry("032", "Peso colombiano", ("COP",)),
                Entry("033", "Peso chileno", ("CLP",)),
                Entry("035", "Nuevo sol peruano", ("PEN",)),
                Entry("036", "Sucre ecuatoriano"),
                Entry("060", "Euro", ("EUR", "Euros")),
            )
        )
    ),
)

# --- Provincias -----------------------------------------------------------------------------------------

_PROVINCIAS = (
    ("1", "Ciudad Autónoma de Buenos Aires", ("CABA", "Capital Federal", "C.A.B.A.")),
    ("2", "Buenos Aires", ("Provincia de Buenos Aires", "PBA", "Bs. As.", "Bs As")),
    ("3", "Catamarca", ()),
    ("4", "Chaco", ()),
    ("5", "Chubut", ()),
    ("6", "Córdoba", ()),
    ("7", "Corrientes", ()),
    ("8", "Entre Ríos", ()),
    ("9", "Formosa", ()),
    ("10", "Jujuy", ()),
    ("11", "La Pampa", ()),
    ("12", "La Rioja", ()),
    ("13", "Mendoza", ()),
    ("14", "Misiones", ()),
    ("15", "Neuquén", ()),
    ("16", "Río Negro", ()),
    ("17", "Salta", ()),
    ("18", "San Juan", ()),
    ("19", "San Luis", ()),
    ("20", "Santa Cruz", ()),
    ("21", "Santa Fe", ()),
    ("22", "Santiago del Estero", ()),
    ("23", "Tierra del Fuego", ("Tierra del Fuego, Antártida e Islas del Atlántico Sur",)),
    ("24", "Tucumán", ()),
    ("25", "Otro", ("Otra",)),
    ("26", "Sin especificar", ("-", "No especifica")),
)
PROVINCIA = Catalog("provincia", _first_token_aliases(tuple(Entry(c, n, a) for c, n, a in _PROVINCIAS)))

# --- Condiciones de pago ----------------------------------------------------------------------------------

_CONDICIONES_PAGO = (
    ("201", "Contado", 0),
    ("202", "30 días", 30),
    ("203", "60 días", 60),
    ("204", "90 días", 90),
    ("205", "Cuenta corriente", 0),
    ("206", "10 días", 10),
    ("207", "15 días", 15),
    ("208", "45 días", 45),
    ("209", "20 días", 20),
    ("210", "Transferencia bancaria", 0),
    ("211", "Tarjeta de crédito", 0),
    ("212", "Tarjeta de débito", 0),
    ("213", "5 días", 5),
    ("215", "Otros medios de pago electrónico", 0),
    ("216", "MercadoPago", 0),
    ("217", "Payway", 0),
)
# 214 ("Otra") needs a free-text companion field that the template does not carry; left out.
CONDICION_PAGO = Catalog(
    "condición de pago",
    _first_token_aliases(tuple(Entry(c, n) for c, n, _ in _CONDICIONES_PAGO)),
)
CONDICION_PAGO_DIAS: dict[str, int] = {c: d for c, _, d in _CONDICIONES_PAGO}

# --- Unidades de medida -----------------------------------------------------------------------------------

_UNIDADES = (
    ("1", "kilogramos", ("kg", "kilo", "kilos")),
    ("2", "metros", ("m", "metro")),
    ("3", "metros cuadrados", ("m2",)),
    ("4", "metros cúbicos", ("m3",)),
    ("5", "litros", ("l", "lt", "litro")),
    ("6", "1000 kWh", ()),
    ("7", "unidades", ("u", "un", "unidad", "uni")),
    ("8", "pares", ("par",)),
    ("9", "docenas", ("docena",)),
    ("10", "quilates", ()),
    ("11", "millares", ()),
    ("14", "gramos", ("g", "gr")),
    ("15", "milímetros", ("mm",)),
    ("16", "mm cúbicos", ()),
    ("17", "kilómetros", ("km",)),
    ("18", "hectolitros", ()),
    ("20", "centímetros", ("cm",)),
    ("25", "jgo. pqt. mazo naipes", ()),
    ("27", "cm cúbicos", ()),
    ("29", "toneladas", ("t",)),
    ("30", "dam cúbicos", ()),
    ("31", "hm cúbicos", ()),
    ("32", "km cúbicos", ()),
    ("33", "microgramos", ()),
    ("34", "nanogramos", ()),
    ("35", "picogramos", ()),
    ("41", "miligramos", ("mg",)),
    ("47", "mililitros", ("ml",)),
    ("48", "curie", ()),
    ("49", "milicurie", ()),
    ("50", "microcurie", ()),
    ("51", "uiacthor", ()),
    ("52", "muiacthor", ()),
    ("53", "kg base", ()),
    ("54", "gruesa", ()),
    ("61", "kg bruto", ()),
    ("62", "uiactant", ()),
    ("63", "muiactant", ()),
    ("64", "uiactig", ()),
    ("65", "muiactig", ()),
    ("66", "kg activo", ()),
    ("67", "gramo activo", ()),
    ("68", "gramo base", ()),
    ("95", "anulación/devolución", ()),
    ("96", "packs", ("pack",)),
    ("97", "seña/anticipo", ()),
    ("98", "otras unidades", ("otras",)),
)
UNIDAD_MEDIDA = Catalog(
    "unidad de medida", _first_token_aliases(tuple(Entry(c, n, a) for c, n, a in _UNIDADES))
)

# FCE: how the issuer's invoice circulates (rg_especiales id 27, tusfacturas-api.md §4.11).
FCE_TRANSFERENCIA = Catalog(
    "transferencia FCE",
    (
        Entry("SCA", "SCA", ("Sistema de Circulación Abierta",)),
        Entry("ADC", "ADC", ("Agente de Depósito Colectivo",)),
    ),
)

SI_NO = Catalog(
    "S/N",
    (
        Entry("S", "S", ("SI", "SÍ", "YES", "1", "TRUE", "VERDADERO", "X")),
        Entry("N", "N", ("NO", "0", "FALSE", "FALSO")),
    ),
)
