"""Validation of a planilla: cells, rows, comprobantes. Pure; no network.

Flow (one direction): raw cells → parsing (`parsing.py`, our own vectorised parsers, so one typo
never hides another error) → grouping and header inheritance (`grouping.py`) → a pandera schema
built from `columns.COLUMNS`, run with `lazy=True` so every failure is collected → `Problem`s →
`Comprobante` objects → fiscal rules (`fiscal.py`).

Pandera never coerces here: each column arrives already typed, and cells that could not be parsed
carry their error code in a companion column `<name>__error` whose checks report them. Every
check's `error=` is the problem's stable `codigo`, worded for the user by `mensajes.py`.
Cross-column rules run as dataframe checks on a narrow frame (pandera reports a failing row once
per column: we keep one per row and rule).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from importer.dominio.catalogs import TIPOS_BY_NAME
from importer.dominio.comprobantes import Comprobante
from importer.dominio.documentos import CUIT_PREFIXES, CUIT_WEIGHTS
from importer.dominio.fiscal import TOPE_CF, revisar_comprobante
from importer.dominio.problems import PlanillaError, Problem
from importer.dominio.texto import INVALID_TO_SEND, sent_length
from importer.planilla import parsing
from importer.planilla.columns import (
    BY_NAME,
    CODE,
    COLUMNS,
    DATE,
    DECIMAL,
    HEADER_NAMES,
    INTEGER,
    NAMES,
    TEXT,
)
from importer.planilla.grouping import (
    ASOCIADO_COLUMNS,
    REFERENCIA_FORMATO,
    Agrupacion,
    Celdas,
    agrupar,
    armar_comprobantes,
    heredar,
    valores_python,
)
from importer.planilla.mensajes import cell_message, row_message
from importer.planilla.parsing import Parsed

if TYPE_CHECKING:
    from importer.planilla.reading import Planilla

ERROR_SUFFIX = "__error"
_HEADERS = frozenset(("referencia", *HEADER_NAMES))
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


def _sent_length(s: pd.Series) -> pd.Series:
    """Length once escaped for TusFacturas (`%` and line breaks take three characters there)."""
    return _strings(s).map(sent_length, na_action="ignore")


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
_DOCUMENTO_PROBLEMA = "problema:documento"


def _es_nota(tipo: pd.Series) -> pd.Series:
    return tipo.map(_ES_NOTA)


def _escrita(name: str) -> str:
    return f"escrita:{name}"


# --- The schemas ----------------------------------------------------------------------------------


def _max_decimals(values: pd.Series, places: int) -> pd.Series:
    """True where a number has at most `places` decimals (read exactly from its shortest repr)."""

    def ok(value: object) -> bool:
        if pd.isna(value):
            return True
        exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
        return not isinstance(exponent, int) or -exponent <= places

    return values.map(ok).astype(bool)


_VALUE_CHECKS: dict[str, list[pa.Check]] = {
    "referencia": [
        pa.Check(lambda s: _strings(s).str.fullmatch(REFERENCIA_FORMATO), error="referencia.formato")
    ],
    "descripcion": [
        pa.Check(lambda s: _strings(s).str.len().ge(4) & _sent_length(s).le(255), error="descripcion.largo")
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
    "cotizacion": [pa.Check.gt(0, error="cotizacion.no_positiva")],
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
            pa.Check(lambda s: ~_strings(s).str.contains(INVALID_TO_SEND), error="texto.caracter_invalido")
        )
    if spec.kind == TEXT and spec.max_length and name != "descripcion":
        checks.append(pa.Check(lambda s, n=spec.max_length: _strings(s).str.len() <= n, error="texto.largo"))
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
        return pa.Check(lambda df: df[_DOCUMENTO_PROBLEMA].ne(code), error=code)

    def cotizacion_requerida(df: pd.DataFrame) -> pd.Series:
        return ~(df["moneda"].notna() & df["moneda"].ne("PES") & ~df[_escrita("cotizacion")])

    def asociado_requerido(df: pd.DataFrame) -> pd.Series:
        escritas = df[[_escrita(n) for n in ASOCIADO_COLUMNS]]
        return ~(_es_nota(df["tipo"]).eq(True) & ~escritas.all(axis=1))

    def asociado_no_permitido(df: pd.DataFrame) -> pd.Series:
        escritas = df[[_escrita(n) for n in ASOCIADO_COLUMNS]]
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


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True, inplace=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["index"].isna().any():  # a check crashed: a bug here, never the user's data
            raise RuntimeError(f"validation check failed to run:\n{cases[cases['index'].isna()]}") from exc
        return cases
    return pd.DataFrame(columns=["column", "check", "index", "failure_case"])


def _row_column(codigo: str, row: Mapping[str, object]) -> str:
    if codigo == "asociado.requerido":
        return next(n for n in ASOCIADO_COLUMNS if not row[_escrita(n)])
    if codigo == "asociado.no_permitido":
        return next(n for n in ASOCIADO_COLUMNS if row[_escrita(n)])
    return _ROW_COLUMN[codigo]


# --- Orchestration ------------------------------------------------------------------------------------------


@dataclass
class Validacion:
    planilla: Planilla
    problems: list[Problem]  # every problem, sorted by (fila or 0, column order)
    comprobantes: list[Comprobante]  # every comprobante that could be built, in sheet order
    referencia_por_fila: dict[int, str]  # Excel row → referencia (after inheritance)
    invalidas: set[str]  # referencias with at least one problem (never sent)
    filas_invalidas: set[int]  # Excel rows with a problem (also rows with no referencia)
    _por_fila: dict[int | None, list[Problem]] = field(default_factory=dict, init=False, repr=False)
    _indexados: int = field(default=-1, init=False, repr=False)

    @property
    def validas(self) -> list[Comprobante]:
        return [c for c in self.comprobantes if c.referencia not in self.invalidas]

    @property
    def referencias(self) -> set[str]:
        """Every comprobante of the sheet, also one that could not be built (always invalid)."""
        return set(self.referencia_por_fila.values()) | {c.referencia for c in self.comprobantes}

    @property
    def filas_sin_comprobante(self) -> list[int]:
        """Rows of no comprobante (no usable referencia): each one has its own problem."""
        return [int(f) for f in self.planilla.datos.index if int(f) not in self.referencia_por_fila]

    def problems_de_fila(self, fila: int) -> list[Problem]:
        """A row's own problems plus those of its comprobante that point at no row."""
        if self._indexados != len(self.problems):
            self._por_fila = defaultdict(list)
            for problem in self.problems:
                self._por_fila[problem.fila].append(problem)
            self._indexados = len(self.problems)
        ref = self.referencia_por_fila.get(fila)
        own = list(self._por_fila.get(fila, ()))
        wide = [p for p in self._por_fila.get(None, ()) if ref is not None and p.referencia == ref]
        return own + wide


@dataclass
class _Hoja:
    """Fast access to raw cells by (Excel row, column), and complete `Problem`s for this sheet."""

    planilla: Planilla
    raw: pd.DataFrame
    referencia: pd.Series  # effective referencia per row

    def __post_init__(self) -> None:
        self.posicion = {int(fila): i for i, fila in enumerate(self.raw.index)}
        self.columnas = {name: self.raw[name].to_numpy(dtype=object) for name in self.raw.columns}
        self.referencias = self.referencia.astype(object).where(self.referencia.notna(), None).to_numpy()

    def crudo(self, fila: int, columna: str) -> object:
        cell = self.columnas[columna][self.posicion[fila]]
        return None if pd.isna(cell) else cell

    def ref(self, fila: int) -> str | None:
        value = self.referencias[self.posicion[fila]]
        return None if value is None else str(value)

    def problem(self, codigo: str, mensaje: str, fila: int, columna: str) -> Problem:
        return Problem(
            codigo,
            mensaje,
            fila=fila,
            columna=columna,
            letra=self.planilla.letras.get(columna),
            valor=self.crudo(fila, columna),
            hoja=self.planilla.hoja,
            referencia=self.ref(fila),
        )

    def completar(self, p: Problem) -> Problem:
        """Sheet, column letter and raw value for a problem found on objects (grouping, fiscal rules)."""
        valor = p.valor
        if valor is None and p.fila is not None and p.columna in self.columnas:
            valor = self.crudo(p.fila, p.columna)
        return replace(
            p, letra=self.planilla.letras.get(p.columna or ""), valor=valor, hoja=self.planilla.hoja
        )


def validate_planilla(planilla: Planilla, *, hoy: date, tope_cf: Decimal = TOPE_CF) -> Validacion:
    """Check every cell, row and comprobante of a planilla; build the comprobantes."""
    datos = planilla.datos
    faltan = [spec.name for spec in COLUMNS if spec.required and spec.name not in datos.columns]
    if faltan:
        raise PlanillaError(f"Hoja {planilla.hoja}: faltan las columnas obligatorias {', '.join(faltan)}.")
    raw = datos.reindex(columns=list(NAMES))
    parsed = {name: parsing.parse_column(BY_NAME[name], raw[name]) for name in NAMES}
    values = {name: parsing.with_default(BY_NAME[name], p) for name, p in parsed.items()}
    # An anonymous consumidor final may leave the number empty: it is 0 (AFIP DocTipo 99 + DocNro 0).
    otro = values["cliente_documento_tipo"].eq("OTRO") & parsed["cliente_documento_nro"].blank
    values["cliente_documento_nro"] = values["cliente_documento_nro"].mask(otro, "0")

    celdas = Celdas(
        claves=pd.DataFrame({n: values[n] for n in HEADER_NAMES}),
        escritas=pd.DataFrame({n: parsed[n].typed for n in HEADER_NAMES}),
        invalidas=pd.DataFrame({n: parsed[n].errors.notna() for n in HEADER_NAMES}),
        crudas=raw[list(HEADER_NAMES)],
    )
    agrupacion = agrupar(values["referencia"], celdas)
    hoja = _Hoja(planilla, raw, agrupacion.referencia)
    problems = _cell_problems(hoja, parsed, values, agrupacion)
    problems += _row_problems(hoja, parsed, values, agrupacion)
    # Fiscal rules skip what a cell problem already explains; grouping problems do not count
    # here because the comprobante is still read from its first row.
    omitir: dict[str, set[str]] = defaultdict(set)
    for problem in problems:
        if problem.referencia and problem.columna:
            omitir[problem.referencia].add(problem.columna)

    every = np.arange(len(raw))
    heads = np.flatnonzero(agrupacion.primera == every)
    columnas = {
        n: valores_python(BY_NAME[n].kind, values[n], parsed[n].text, heads if n in _HEADERS else every)
        for n in NAMES
    }
    comprobantes = armar_comprobantes(agrupacion, columnas)
    found = list(agrupacion.problems)
    for comprobante in comprobantes:
        found += revisar_comprobante(
            comprobante, hoy=hoy, tope_cf=tope_cf, omitir=omitir.get(comprobante.referencia, ())
        )
    problems += [hoja.completar(p) for p in found]
    order = {name: i for i, name in enumerate(datos.columns)}
    order.update({name: len(order) + i for i, name in enumerate(NAMES) if name not in order})
    problems.sort(key=lambda p: (p.fila or 0, order.get(p.columna or "", len(order)), p.codigo))
    referencias = agrupacion.referencia.dropna()
    return Validacion(
        planilla=planilla,
        problems=problems,
        comprobantes=comprobantes,
        referencia_por_fila={int(f): str(r) for f, r in referencias.items()},
        invalidas={p.referencia for p in problems if p.referencia},
        filas_invalidas={p.fila for p in problems if p.fila is not None},
    )


def _cell_problems(
    hoja: _Hoja, parsed: dict[str, Parsed], values: dict[str, pd.Series], agrupacion: Agrupacion
) -> list[Problem]:
    frame = pd.DataFrame(
        {n: (heredar(values[n], agrupacion) if n in _HEADERS else values[n]) for n in NAMES},
        index=hoja.raw.index,
    )
    # A referencia that is not one belongs to no comprobante, yet its own cell is checked (format).
    frame["referencia"] = agrupacion.referencia.where(agrupacion.referencia.notna(), values["referencia"])
    for name, p in parsed.items():
        if p.errors.notna().any():
            frame[name + ERROR_SUFFIX] = p.errors
    cases = _failures(CELL_SCHEMA, frame)
    continuation = set(hoja.raw.index[agrupacion.continuacion].tolist())
    typed = {name: p.typed.to_numpy() for name, p in parsed.items()}
    problems = []
    for column, check, fila in zip(cases["column"], cases["check"], cases["index"].astype(int), strict=True):
        name = column.removesuffix(ERROR_SUFFIX)
        if column == name and name in _HEADERS and fila in continuation:
            continue  # the first row of the comprobante carries (and reports) its header cells
        codigo = "requerido" if check == "not_nullable" else str(check)
        if codigo == "requerido" and typed[name][hoja.posicion[fila]]:
            continue  # written but unreadable: its companion column reports why
        if codigo == "requerido" and name in HEADER_NAMES and hoja.ref(fila) is None:
            continue  # a row of no comprobante: its missing referencia is the one thing to fix
        motivo = agrupacion.motivos.get(fila)
        mensaje = cell_message(codigo, name, hoja.crudo(fila, name), motivo, max_emails=MAX_EMAILS)
        problems.append(hoja.problem(codigo, mensaje, fila, name))
    return problems


def _row_problems(
    hoja: _Hoja, parsed: dict[str, Parsed], values: dict[str, pd.Series], agrupacion: Agrupacion
) -> list[Problem]:
    narrow = pd.DataFrame(
        {
            **{n: values[n] for n in ("tipo", "moneda", "cliente_documento_tipo", "cliente_documento_nro")},
            **{_escrita(n): parsed[n].typed for n in ("cotizacion", *ASOCIADO_COLUMNS)},
        },
        index=hoja.raw.index,
    )[~agrupacion.continuacion]
    narrow[_DOCUMENTO_PROBLEMA] = documento_problemas(
        narrow["cliente_documento_tipo"], narrow["cliente_documento_nro"]
    )
    cases = _failures(ROW_SCHEMA, narrow).drop_duplicates(subset=["index", "check"])
    position = {int(fila): i for i, fila in enumerate(narrow.index)}
    cells = {name: narrow[name].to_numpy(dtype=object) for name in narrow.columns}
    problems = []
    for codigo, fila in zip(cases["check"].astype(str), cases["index"].astype(int), strict=True):
        row = {name: cells[name][position[fila]] for name in cells}
        escritas = {n: row[_escrita(n)] for n in ASOCIADO_COLUMNS}
        mensaje = row_message(codigo, row, hoja.crudo(fila, "cliente_documento_nro"), escritas)
        problems.append(hoja.problem(codigo, mensaje, fila, _row_column(codigo, row)))
    return problems
