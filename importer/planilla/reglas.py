"""The rules validation applies with pandera: one schema on cells, one on rows.

Pandera never coerces here: each column arrives already typed (`parsing.py`), and cells that
could not be parsed carry their error code in a companion column `<name>__error` whose checks
report them. Every check's `error=` is the problem's stable `codigo`, worded for the user by
`mensajes.py`. Cross-column rules run as dataframe checks on a narrow frame (pandera reports a
failing row once per column: validation keeps one per row and rule). The checks are vectorised:
each one runs once per column, or once per distinct value where a regular expression is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from importer.dominio.catalogs import TIPOS_BY_NAME
from importer.dominio.documentos import CUIT_PREFIXES, CUIT_WEIGHTS
from importer.dominio.texto import INVALID_TO_SEND, sent_length
from importer.planilla import parsing
from importer.planilla.columns import BY_NAME, CODE, COLUMNS, DATE, DECIMAL, HEADER_NAMES, INTEGER, TEXT
from importer.planilla.grouping import ASOCIADO_COLUMNS, REFERENCIA_FORMATO

ERROR_SUFFIX = "__error"
HEADERS = frozenset(("referencia", *HEADER_NAMES))
_PARSE_CODES = {
    DECIMAL: (parsing.TIPO_INVALIDO, parsing.NUMERO_INVALIDO, parsing.NUMERO_AMBIGUO, parsing.FUERA_DE_RANGO),
    INTEGER: (
        parsing.TIPO_INVALIDO,
        parsing.NUMERO_INVALIDO,
        parsing.NUMERO_AMBIGUO,
        parsing.NUMERO_NO_ENTERO,
        parsing.FUERA_DE_RANGO,
    ),
    DATE: (parsing.FECHA_INVALIDA,),
    CODE: (parsing.VALOR_DESCONOCIDO,),
}
_EMAIL = re.compile(
    r"[^@\s,;<>()\[\]\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,}"
)
MAX_EMAILS = 15
_WEIGHTS = np.array(CUIT_WEIGHTS)


# --- Vectorised cell rules ------------------------------------------------------------------------


def _strings(s: pd.Series) -> pd.Series:
    return s.astype("string")


def por_texto(rule: Callable[[str], bool]) -> Callable[[pd.Series], pd.Series]:
    """A text rule as a check run once per distinct non-empty cell: text columns repeat a few
    values on every row, and a string dtype conversion of the whole column costs more."""

    def check(s: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(s)  # empty cells are -1: they pass (pandera's ignore_na)
        verdicts = np.array([bool(rule(str(text))) for text in uniques] + [True], dtype=bool)
        return pd.Series(verdicts[codes], index=s.index)

    return check


_REFERENCIA = re.compile(REFERENCIA_FORMATO)
_INVALID_TO_SEND = re.compile(INVALID_TO_SEND)


def _emails(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def emails_validos(s: pd.Series) -> pd.Series:
    """Every comma-separated address looks like an e-mail (checked once per distinct cell)."""
    return parsing.map_unique(s.dropna(), lambda t: all(_EMAIL.fullmatch(e) for e in _emails(str(t))))


def emails_cantidad(s: pd.Series) -> pd.Series:
    return parsing.map_unique(s.dropna(), lambda t: len(_emails(str(t))) <= MAX_EMAILS)


def documento_problemas(tipo: pd.Series, nro: pd.Series) -> pd.Series:
    """The stable code of what is wrong with each (tipo, número) pair, NA where nothing is."""
    codes = pd.Series(pd.NA, index=nro.index, dtype=object)
    nro = _strings(nro)
    present = (nro.notna() & tipo.notna()).to_numpy()
    digits = nro.str.fullmatch("[0-9]+").fillna(False).to_numpy(dtype=bool)
    otro = tipo.eq("OTRO").to_numpy()
    zeros = nro.str.fullmatch("0+").fillna(False).to_numpy(dtype=bool)
    codes[present & otro & ~zeros] = "documento.otro"
    codes[present & ~otro & ~digits] = "documento.formato"
    length = nro.str.len().fillna(0).to_numpy()
    cuit = present & digits & tipo.isin(["CUIT", "CUIL", "CDI"]).to_numpy()
    codes[cuit & (length != 11)] = "cuit.largo"
    eleven = cuit & (length == 11)
    prefix_ok = nro.str.slice(0, 2).isin(CUIT_PREFIXES).fillna(False).to_numpy(dtype=bool)
    codes[eleven & ~prefix_ok] = "cuit.prefijo"
    candidates = eleven & prefix_ok
    if candidates.any():
        d = np.frombuffer("".join(nro[candidates]).encode("ascii"), dtype=np.uint8).reshape(-1, 11) - 48
        r = 11 - (d[:, :10] @ _WEIGHTS) % 11
        valid = (r != 10) & (np.where(r == 11, 0, r) == d[:, 10])
        bad = np.flatnonzero(candidates)[~valid]
        codes.iloc[bad] = "cuit.digito_verificador"
    dni = present & digits & tipo.eq("DNI").to_numpy()
    codes[dni & ((length < 7) | (length > 8))] = "dni.largo"
    return codes


_DOCUMENT_CODES = (
    "documento.formato",
    "documento.otro",
    "cuit.largo",
    "cuit.prefijo",
    "cuit.digito_verificador",
    "dni.largo",
)


_ES_NOTA = {nombre: tipo.es_nota for nombre, tipo in TIPOS_BY_NAME.items()}
# The narrow frame carries each row's document problem, computed once for the six document rules.
DOCUMENTO_PROBLEMA = "problema:documento"


def _es_nota(tipo: pd.Series) -> pd.Series:
    return tipo.map(_ES_NOTA)


def escrita(name: str) -> str:
    return f"escrita:{name}"


# --- The schemas ----------------------------------------------------------------------------------


def _max_decimals(values: pd.Series, places: int) -> pd.Series:
    """True where a number has at most `places` decimals (read exactly from its shortest repr).

    `np.round(x, p) == x` proves it (x is then the double nearest to a p-decimal number); the few
    values it cannot prove (rounding of x·10^p) are read one by one from their repr."""
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", over="ignore"):
        proven = np.isnan(numbers) | (np.round(numbers, places) == numbers)
    for position in np.flatnonzero(~proven):
        exponent = Decimal(repr(float(numbers[position]))).normalize().as_tuple().exponent
        proven[position] = not isinstance(exponent, int) or -exponent <= places
    return pd.Series(proven, index=values.index)


_VALUE_CHECKS: dict[str, list[pa.Check]] = {
    "referencia": [
        pa.Check(por_texto(lambda t: _REFERENCIA.fullmatch(t) is not None), error="referencia.formato")
    ],
    "descripcion": [
        pa.Check(por_texto(lambda t: len(t) >= 4 and sent_length(t) <= 255), error="descripcion.largo")
    ],
    "cliente_email": [
        pa.Check(emails_validos, error="email.invalido"),
        pa.Check(emails_cantidad, error="email.demasiados"),
    ],
    # TusFacturas takes quantities and percentages with 2 decimals and unit prices with 3: more
    # would be rounded there and the total we compute would no longer be the one AFIP gets.
    "cantidad": [
        pa.Check.gt(0, error="cantidad.no_positiva"),
        pa.Check(lambda s: _max_decimals(s, 2), error="cantidad.decimales"),
    ],
    "precio_unitario": [
        pa.Check.ge(0, error="precio.negativo"),
        pa.Check(lambda s: _max_decimals(s, 3), error="precio.decimales"),
    ],
    "bonificacion_porcentaje": [
        pa.Check.in_range(0, 100, error="bonificacion.rango"),
        pa.Check(lambda s: _max_decimals(s, 2), error="bonificacion.decimales"),
    ],
    "cotizacion": [
        pa.Check.gt(0, error="cotizacion.no_positiva"),
        pa.Check(lambda s: _max_decimals(s, 3), error="cotizacion.decimales"),  # what TusFacturas keeps
    ],
    "total_control": [pa.Check.gt(0, error="total_control.no_positivo")],
    "punto_venta": [pa.Check.in_range(1, 99999, error="punto_venta.rango")],
    "asociado_punto_venta": [pa.Check.in_range(1, 99999, error="punto_venta.rango")],
    "asociado_numero": [pa.Check.in_range(1, 99999999, error="numero.rango")],
}


def _cell_checks(name: str) -> list[pa.Check]:
    spec = BY_NAME[name]
    checks = list(_VALUE_CHECKS.get(name, ()))
    if spec.kind == TEXT:
        checks.append(
            pa.Check(por_texto(lambda t: _INVALID_TO_SEND.search(t) is None), error="texto.caracter_invalido")
        )
    if spec.kind == TEXT and spec.max_length and name != "descripcion":
        longest = spec.max_length
        checks.append(pa.Check(por_texto(lambda t: len(t) <= longest), error="texto.largo"))
    return checks


def _parse_checks(kind: str) -> list[pa.Check]:
    return [pa.Check(lambda s, code=code: s.ne(code), error=code) for code in _PARSE_CODES.get(kind, ())]


CELL_SCHEMA = pa.DataFrameSchema(
    {
        **{
            spec.name: pa.Column(nullable=not spec.required, checks=_cell_checks(spec.name))
            for spec in COLUMNS
        },
        **{
            spec.name + ERROR_SUFFIX: pa.Column(
                nullable=True, required=False, checks=_parse_checks(spec.kind)
            )
            for spec in COLUMNS
            if spec.kind in _PARSE_CODES
        },
    },
    name="celdas",
)


def _row_checks() -> list[pa.Check]:
    def documento(code: str) -> pa.Check:
        return pa.Check(lambda df: df[DOCUMENTO_PROBLEMA].ne(code), error=code)

    def cotizacion_requerida(df: pd.DataFrame) -> pd.Series:
        return ~(df["moneda"].notna() & df["moneda"].ne("PES") & ~df[escrita("cotizacion")])

    def asociado_requerido(df: pd.DataFrame) -> pd.Series:
        escritas = df[[escrita(n) for n in ASOCIADO_COLUMNS]]
        return ~(_es_nota(df["tipo"]).eq(True) & ~escritas.all(axis=1))

    def asociado_no_permitido(df: pd.DataFrame) -> pd.Series:
        escritas = df[[escrita(n) for n in ASOCIADO_COLUMNS]]
        return ~(_es_nota(df["tipo"]).eq(False) & escritas.any(axis=1))

    return [
        *(documento(code) for code in _DOCUMENT_CODES),
        pa.Check(cotizacion_requerida, error="cotizacion.requerida"),
        pa.Check(asociado_requerido, error="asociado.requerido"),
        pa.Check(asociado_no_permitido, error="asociado.no_permitido"),
    ]


ROW_SCHEMA = pa.DataFrameSchema(checks=_row_checks(), name="filas")
# Where each cross-column rule points (asociado rules pick their column per row).
_ROW_COLUMN = {
    **dict.fromkeys(_DOCUMENT_CODES, "cliente_documento_nro"),
    "cotizacion.requerida": "cotizacion",
}


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True, inplace=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():  # a check crashed: a bug here, never the user's data
            raise RuntimeError(f"validation check failed to run:\n{cases[cases['index'].isna()]}") from exc
        return cases
    return pd.DataFrame(columns=["column", "check", "index", "failure_case"])


def row_column(codigo: str, row: Mapping[str, object]) -> str:
    if codigo == "asociado.requerido":
        return next(n for n in ASOCIADO_COLUMNS if not row[escrita(n)])
    if codigo == "asociado.no_permitido":
        return next(n for n in ASOCIADO_COLUMNS if row[escrita(n)])
    return _ROW_COLUMN[codigo]
