"""Validation of a planilla: cells, rows, comprobantes. Pure; no network.

Flow (one direction): raw cells → parsing (`parsing.py`, our own vectorised parsers, so one typo
never hides another error) → grouping and header inheritance (`grouping.py`) → the pandera
schemas of `reglas.py`, built from `columns.COLUMNS` and run with `lazy=True` so every failure is
collected → `Problem`s → `Comprobante` objects (`armado.py`) → fiscal rules (`dominio.fiscal`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from importer.dominio.comprobantes import Comprobante
from importer.dominio.fce import FceDefaults
from importer.dominio.fiscal import TOPE_CF, revisar_comprobante, tipo_no_soportado
from importer.dominio.problems import PlanillaError, Problem
from importer.planilla import parsing
from importer.planilla.armado import armar_comprobantes, valores_python
from importer.planilla.columns import (
    BY_NAME,
    COLUMNS,
    HEADER_NAMES,
    NAMES,
)
from importer.planilla.grouping import (
    ASOCIADO_COLUMNS,
    Agrupacion,
    Celdas,
    agrupar,
    heredar,
)
from importer.planilla.memoria import release_freed_memory
from importer.planilla.mensajes import cell_message, row_message
from importer.planilla.parsing import Parsed
from importer.planilla.reglas import (  # noqa: F401 - documento_problemas, emails_validos re-exported
    CELL_SCHEMA,
    DOCUMENTO_PROBLEMA,
    ERROR_SUFFIX,
    HEADERS,
    MAX_EMAILS,
    ROW_SCHEMA,
    documento_problemas,
    emails_validos,
    escrita,
    failures,
    row_column,
)
from importer.planilla.validation_fce import cbu_como_numero, fce_problems
from importer.planilla.validation_tributos import ResultadoTributos, validar_tributos

if TYPE_CHECKING:
    from importer.planilla.reading import Planilla

# --- Orchestration ------------------------------------------------------------------------------------------


@dataclass
class Validacion:
    planilla: Planilla
    problems: list[Problem]  # every problem, sorted by (fila or 0, column order)
    comprobantes: list[Comprobante]  # every comprobante that could be built, in sheet order
    referencia_por_fila: dict[int, str]  # Excel row → referencia (after inheritance)
    invalidas: set[str]  # referencias with at least one problem (never sent)
    filas_invalidas: set[int]  # Excel rows with a problem (also rows with no referencia)
    # The Tributos sheet (interface.md §8): its rows' problems are in `problems` with `hoja` set to
    # that sheet's title; these say which of its rows belong to which referencia and which are wrong.
    tributos_referencia_por_fila: dict[int, str] = field(default_factory=dict)
    tributos_filas_invalidas: set[int] = field(default_factory=set)
    _por_fila: dict[int | None, list[Problem]] = field(default_factory=dict, init=False, repr=False)
    _por_fila_tributos: dict[int, list[Problem]] = field(default_factory=dict, init=False, repr=False)
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
        """A Comprobantes row's own problems plus those of its comprobante that point at no row
        (never a problem of another sheet's row with the same number)."""
        self._indexar()
        ref = self.referencia_por_fila.get(fila)
        own = list(self._por_fila.get(fila, ()))
        wide = [p for p in self._por_fila.get(None, ()) if ref is not None and p.referencia == ref]
        return own + wide

    def problems_de_tributo(self, fila: int) -> list[Problem]:
        """The problems of one row of the Tributos sheet (its comprobante's are its own rows')."""
        self._indexar()
        return list(self._por_fila_tributos.get(fila, ()))

    @property
    def hoja_tributos(self) -> str | None:
        return self.planilla.tributos.hoja if self.planilla.tributos is not None else None

    def _indexar(self) -> None:
        if self._indexados == len(self.problems):
            return
        self._por_fila = defaultdict(list)
        self._por_fila_tributos = defaultdict(list)
        tributos = self.hoja_tributos
        for problem in self.problems:
            if tributos is not None and problem.hoja == tributos and problem.hoja != self.planilla.hoja:
                if problem.fila is not None:
                    self._por_fila_tributos[problem.fila].append(problem)
            else:
                self._por_fila[problem.fila].append(problem)
        self._indexados = len(self.problems)


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
        if valor is None and p.fila is not None and p.columna is not None and p.columna in self.columnas:
            valor = self.crudo(p.fila, p.columna)
        return replace(
            p, letra=self.planilla.letras.get(p.columna or ""), valor=valor, hoja=self.planilla.hoja
        )


def validate_planilla(
    planilla: Planilla, *, hoy: date, tope_cf: Decimal = TOPE_CF, fce_defaults: FceDefaults | None = None
) -> Validacion:
    """Check every cell, row and comprobante of a planilla (and its Tributos sheet); build the
    comprobantes. `fce_defaults(emisor_cuit, punto_venta)`: the FCE data of the account or the
    environment, under each row's own."""
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
    heads = np.flatnonzero(~agrupacion.continuacion & agrupacion.referencia.notna().to_numpy())
    problems += fce_problems(parsed, values, heads, lambda *a: hoja.problem(*a))
    problems += cbu_como_numero(raw["fce_cbu"], heads, lambda *a: hoja.problem(*a))
    # Fiscal rules skip what a cell problem already explains; grouping problems do not count
    # here because the comprobante is still read from its first row.
    omitir: dict[str, set[str]] = defaultdict(set)
    for problem in problems:
        if problem.referencia and problem.columna:
            omitir[problem.referencia].add(problem.columna)

    every = np.arange(len(raw))
    heads = np.flatnonzero(agrupacion.primera == every)
    columnas = {
        n: valores_python(BY_NAME[n].kind, values[n], parsed[n].text, heads if n in HEADERS else every)
        for n in NAMES
    }
    comprobantes = armar_comprobantes(agrupacion, columnas, fce_defaults)
    # The parsed columns are done with: freed before the Tributos sheet and the fiscal rules,
    # which would otherwise add their memory on top of them (the run's peak).
    del parsed, values, celdas, columnas
    release_freed_memory()
    tributos = _tributos(planilla, agrupacion, comprobantes)
    comprobantes = [
        replace(c, tributos=tributos.por_referencia[c.referencia])
        if c.referencia in tributos.por_referencia
        else c
        for c in comprobantes
    ]
    for aviso in tributos.avisos:
        omitir[aviso.referencia or ""].add("tributos")
    found = list(agrupacion.problems) + tributos.avisos
    for comprobante in comprobantes:
        found += revisar_comprobante(
            comprobante, hoy=hoy, tope_cf=tope_cf, omitir=omitir.get(comprobante.referencia, ())
        )
        found += tipo_no_soportado(comprobante)
    problems += [hoja.completar(p) for p in found]
    order = {name: i for i, name in enumerate(datos.columns)}
    order.update({name: len(order) + i for i, name in enumerate(NAMES) if name not in order})
    problems.sort(key=lambda p: (p.fila or 0, order.get(p.columna or "", len(order)), p.codigo))
    referencias = agrupacion.referencia.dropna()
    return Validacion(
        planilla=planilla,
        problems=problems + tributos.problems,  # Comprobantes first, then the Tributos sheet
        comprobantes=comprobantes,
        referencia_por_fila={int(f): str(r) for f, r in referencias.items()},
        invalidas={p.referencia for p in problems + tributos.problems if p.referencia},
        filas_invalidas={p.fila for p in problems if p.fila is not None},
        tributos_referencia_por_fila=tributos.referencia_por_fila,
        tributos_filas_invalidas=tributos.filas_invalidas,
    )


def _tributos(
    planilla: Planilla, agrupacion: Agrupacion, comprobantes: list[Comprobante]
) -> ResultadoTributos:
    """The Tributos sheet checked against the comprobantes of this one (none: no perceptions)."""
    if planilla.tributos is None:
        return ResultadoTributos()
    letras: dict[str, str | None] = dict.fromkeys(map(str, agrupacion.referencia.dropna().unique()))
    letras.update({c.referencia: c.letra for c in comprobantes})
    return validar_tributos(planilla.tributos, letras, planilla.hoja)


def _cell_problems(
    hoja: _Hoja, parsed: dict[str, Parsed], values: dict[str, pd.Series], agrupacion: Agrupacion
) -> list[Problem]:
    frame = pd.DataFrame(
        {n: (heredar(values[n], agrupacion) if n in HEADERS else values[n]) for n in NAMES},
        index=hoja.raw.index,
    )
    # A referencia that is not one belongs to no comprobante, yet its own cell is checked (format).
    frame["referencia"] = agrupacion.referencia.where(agrupacion.referencia.notna(), values["referencia"])
    for name, p in parsed.items():
        if p.errors.notna().any():
            frame[name + ERROR_SUFFIX] = p.errors
    cases = failures(CELL_SCHEMA, frame)
    continuation = set(hoja.raw.index[agrupacion.continuacion].tolist())
    typed = {name: p.typed.to_numpy() for name, p in parsed.items()}
    problems = []
    for column, check, fila in zip(cases["column"], cases["check"], cases["index"].astype(int), strict=True):
        name = column.removesuffix(ERROR_SUFFIX)
        if column == name and name in HEADERS and fila in continuation:
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
            **{escrita(n): parsed[n].typed for n in ("cotizacion", *ASOCIADO_COLUMNS)},
        },
        index=hoja.raw.index,
    )[~agrupacion.continuacion]
    narrow[DOCUMENTO_PROBLEMA] = documento_problemas(
        narrow["cliente_documento_tipo"], narrow["cliente_documento_nro"]
    )
    cases = failures(ROW_SCHEMA, narrow).drop_duplicates(subset=["index", "check"])
    position = {int(fila): i for i, fila in enumerate(narrow.index)}
    cells = {name: narrow[name].to_numpy(dtype=object) for name in narrow.columns}
    problems = []
    for codigo, fila in zip(cases["check"].astype(str), cases["index"].astype(int), strict=True):
        row = {name: cells[name][position[fila]] for name in cells}
        escritas = {n: row[escrita(n)] for n in ASOCIADO_COLUMNS}
        mensaje = row_message(codigo, row, hoja.crudo(fila, "cliente_documento_nro"), escritas)
        problems.append(hoja.problem(codigo, mensaje, fila, row_column(codigo, row)))
    return problems
