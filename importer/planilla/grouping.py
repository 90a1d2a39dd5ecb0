"""Rows → comprobantes: which rows belong together, header inheritance, and the domain objects.

Rules (interface.md §4):

- Rows that share a `referencia` form one comprobante, in sheet order. A referencia that shows up
  again after other referencias (a second block) joins the first one when its header cells agree;
  when they differ it is `referencia.repetida` (two comprobantes cannot share one referencia).
- On the rows after the first, header cells may be left blank: they inherit the first row's
  value. A header cell that is written and differs (after parsing, so `Factura a` equals
  `FACTURA A` and `30-71234567-1` equals `30712345671`) is `encabezado.distinto`.
- For convenience, a row whose `referencia` is empty continues the comprobante of the row just
  above it when its own header cells are blank or equal to that comprobante's. Otherwise the row
  has no referencia (the `requerido` problem explains why).
- A `referencia` written but not valid (`=A1`, `FA 1`, a date) belongs to no comprobante, and the
  empty referencias below it continue nothing: which comprobante they are part of is unknown.
- A row that cannot be attributed with certainty (no usable referencia, or a new referencia on a
  row with no header data at all, which is how a mistyped continuation line looks) blocks the
  nearest comprobantes above and below it (`referencia.fila_incierta`): emitting either one could
  leave a line out of an invoice, and an emitted invoice cannot be corrected.

Comparisons and inheritance are vectorised over whole columns. Building the `Comprobante`
objects from the groups is `armado.py`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from importer.dominio.problems import Problem
from importer.planilla.parsing import display

ENCABEZADO_DISTINTO = "encabezado.distinto"
REFERENCIA_REPETIDA = "referencia.repetida"
FILA_INCIERTA = "referencia.fila_incierta"
REFERENCIA_FORMATO = "[A-Za-z0-9_-]+"  # what TusFacturas takes as external_reference

# Without these a comprobante cannot even be shown; every other cell has a default or is optional.
ESENCIALES = (
    "referencia",
    "fecha",
    "tipo",
    "punto_venta",
    "cliente_documento_tipo",
    "cliente_documento_nro",
    "cliente_razon_social",
    "cliente_condicion_iva",
)
ASOCIADO_COLUMNS = ("asociado_tipo", "asociado_punto_venta", "asociado_numero", "asociado_fecha")


@dataclass(frozen=True)
class Celdas:
    """Header cells of every row, as grouping needs them (all indexed by Excel row, sheet order).

    `claves`: parsed values (defaults applied) that decide equality; `escritas`: the user wrote
    something; `invalidas`: what was written could not be parsed (reported elsewhere, not compared);
    `crudas`: the raw cells, for messages.
    """

    claves: pd.DataFrame
    escritas: pd.DataFrame
    invalidas: pd.DataFrame
    crudas: pd.DataFrame

    @cached_property
    def codigos(self) -> dict[str, np.ndarray]:
        """Each key column as integer codes (equal values, equal codes; -1 where NA): rows are
        compared as numbers instead of as Python objects, one column at a time."""
        return {name: pd.factorize(self.claves[name])[0] for name in self.claves.columns}


@dataclass(frozen=True)
class Agrupacion:
    referencia: pd.Series  # effective referencia per row (NA: the row belongs to no comprobante)
    primera: np.ndarray  # position of the first row of each row's comprobante (-1: none)
    problems: list[Problem] = field(default_factory=list)
    motivos: dict[int, str] = field(default_factory=dict)  # why a row has no referencia

    @property
    def continuacion(self) -> np.ndarray:
        """True for every row after the first of its comprobante."""
        return (self.primera >= 0) & (self.primera != np.arange(len(self.primera)))

    def posiciones(self) -> dict[str, np.ndarray]:
        """Row positions of each comprobante, comprobantes in order of their first row."""
        codes, uniques = pd.factorize(self.referencia)  # codes follow the order of first appearance
        if not len(uniques):
            return {}
        rows = np.flatnonzero(codes >= 0)
        ordered = rows[np.argsort(codes[rows], kind="stable")]
        bounds = np.cumsum(np.bincount(codes[rows], minlength=len(uniques)))[:-1]
        return {str(ref): part for ref, part in zip(uniques, np.split(ordered, bounds), strict=True)}


def _first_positions(ref: pd.Series) -> np.ndarray:
    """Position of the first row with the same value, for every row (-1 where the value is NA)."""
    codes, uniques = pd.factorize(ref)
    _, first = np.unique(codes, return_index=True)
    if len(first) > len(uniques):  # drop the NA group (code -1 sorts first)
        first = first[1:]
    return np.where(codes >= 0, first[np.maximum(codes, 0)] if len(first) else 0, -1)


def _differences(celdas: Celdas, first: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
    """Per header column: the row's written cell differs from its comprobante's first row."""
    columns = {}
    for name in celdas.claves.columns:
        invalid = celdas.invalidas[name].to_numpy(dtype=bool)
        written = celdas.escritas[name].to_numpy(dtype=bool)
        differ = np.zeros(len(first), dtype=bool)
        # Only written cells are compared; on most continuation rows header cells are blank.
        pos = np.flatnonzero(rows & written & ~invalid)
        pos = pos[~invalid[first[pos]]]
        if len(pos):
            codes = celdas.codigos[name]
            mine, theirs = codes[pos], codes[first[pos]]
            first_blank = ~written[first[pos]] & (theirs < 0)
            # An NA key differs from everything, itself included (as NaN != NaN).
            differ[pos] = first_blank | (mine != theirs) | (mine < 0)
        columns[name] = differ
    return pd.DataFrame(columns, index=celdas.claves.index)


def referencias_invalidas(referencia: pd.Series) -> np.ndarray:
    """True where a referencia is written but is not one (it fails the format)."""
    text = referencia.astype("string")
    return (text.notna() & ~text.str.fullmatch(REFERENCIA_FORMATO).fillna(False)).to_numpy(dtype=bool)


def agrupar(referencia: pd.Series, celdas: Celdas) -> Agrupacion:
    """Assign every row to a comprobante and report header inconsistencies and rows of no
    certain comprobante."""
    index = referencia.index
    positions = np.arange(len(index))
    invalid = referencias_invalidas(referencia)
    written = referencia
    referencia = referencia.where(~invalid)
    has_ref = referencia.notna().to_numpy()

    # Rows with an empty referencia may continue the comprobante just above them, unless an
    # invalid referencia stands between them (they may be lines of that unknown comprobante).
    last_ref = np.maximum.accumulate(np.where(has_ref, positions, -1)) if len(index) else positions
    last_invalid = np.maximum.accumulate(np.where(invalid, positions, -1)) if len(index) else positions
    cut = last_invalid > last_ref
    candidate = referencia.ffill().where(~cut)
    empty = ~has_ref & candidate.notna().to_numpy()
    # A forward-filled group starts at the first row that wrote that referencia.
    candidate_first = np.where(empty, _first_positions(candidate), -1)
    empty_diff = _differences(celdas, candidate_first, empty)
    failed = pd.Series(empty_diff.any(axis=1).to_numpy(), index=index)
    run = pd.Series(np.cumsum(has_ref), index=index)
    broken = failed.groupby(run).cummax().to_numpy()
    continues = empty & ~broken
    effective = referencia.where(has_ref, candidate.where(continues))

    motivos: dict[int, str] = {}
    for pos in np.flatnonzero(cut & ~invalid & ~has_ref):
        bad = last_invalid[pos]
        motivos[int(index[pos])] = (
            f"la fila no continúa ningún comprobante porque la fila {index[bad]} tiene una referencia "
            f"inválida ({_quote(written.iloc[bad])})"
        )
    for pos in np.flatnonzero(failed.to_numpy()):
        name = empty_diff.columns[empty_diff.iloc[pos].to_numpy()][0]
        first_row = index[candidate_first[pos]]
        motivos[int(index[pos])] = (
            f"la fila no continúa el comprobante {candidate.iloc[pos]} de la fila {first_row} porque "
            f"la columna {name} es distinta ({_quote(celdas.crudas[name].iloc[pos])} en lugar de "
            f"{_quote(celdas.crudas[name].iloc[candidate_first[pos]])})"
        )

    first = _first_positions(effective)
    later = (first >= 0) & (first != positions)
    diff = _differences(celdas, first, later)
    block = (effective != effective.shift()).cumsum().to_numpy()
    repeated = later & (block != block[np.maximum(first, 0)])

    problems: list[Problem] = []
    diff_values = diff.to_numpy()
    for pos, col in zip(*np.nonzero(diff_values & ~repeated[:, None]), strict=True):
        name = diff.columns[col]
        f = first[pos]
        was = celdas.crudas[name].iloc[f]
        origin = (
            f"en la fila {index[f]} es {_quote(was)}" if display(was) else f"en la fila {index[f]} está vacía"
        )
        problems.append(
            Problem(
                ENCABEZADO_DISTINTO,
                f"{name}: {_quote(celdas.crudas[name].iloc[pos])} no coincide con la primera fila del "
                f"comprobante {effective.iloc[pos]} ({origin}). Déjela vacía o repita el mismo valor.",
                fila=int(index[pos]),
                columna=name,
                referencia=str(effective.iloc[pos]),
            )
        )
    reported_blocks: set[int] = set()
    for pos in np.flatnonzero(repeated & diff_values.any(axis=1)):
        if block[pos] in reported_blocks:
            continue
        reported_blocks.add(block[pos])
        names = ", ".join(diff.columns[diff_values[pos]])
        ref = effective.iloc[pos]
        problems.append(
            Problem(
                REFERENCIA_REPETIDA,
                f"referencia: {ref} ya se usó en la fila {index[first[pos]]} con otros datos ({names}). "
                "Use una referencia distinta para cada comprobante, o repita los mismos datos si es el "
                "mismo comprobante.",
                fila=int(index[pos]),
                columna="referencia",
                referencia=str(ref),
            )
        )
    problems += _bloqueos(effective, first, celdas, written.where(invalid))
    return Agrupacion(effective, first, problems, motivos)


def _bloqueos(effective: pd.Series, first: np.ndarray, celdas: Celdas, invalid: pd.Series) -> list[Problem]:
    """One problem on each comprobante next to a row of no certain comprobante (see the module doc)."""
    index = effective.index
    positions = np.arange(len(index))
    attributed = effective.notna().to_numpy()
    heads = attributed & (first == positions)
    essentials = celdas.escritas.reindex(columns=list(ESENCIALES[1:]), fill_value=True)
    headless = heads & ~essentials.to_numpy(dtype=bool).any(axis=1)
    razones: dict[int, str] = {}
    for pos in np.flatnonzero(~attributed).tolist():
        cell = invalid.iloc[pos]
        razones[pos] = (
            f"tiene una referencia inválida ({_quote(cell)})" if pd.notna(cell) else "no tiene referencia"
        )
    for pos in np.flatnonzero(headless).tolist():
        razones[pos] = (
            f"tiene la referencia {_quote(effective.iloc[pos])} pero ningún dato del comprobante (fecha, tipo, "
            "punto de venta, cliente)"
        )
    if not razones:
        return []
    sin_encabezado = set(effective.iloc[np.flatnonzero(headless)])
    certain = np.flatnonzero(attributed & ~effective.isin(sin_encabezado).to_numpy())
    uncertain = np.array(sorted(razones))
    after = np.searchsorted(certain, uncertain)  # index in `certain` of the nearest row below
    vecinas: dict[str, list[int]] = {}
    for pos, at in zip(uncertain.tolist(), after.tolist(), strict=True):
        around = ([certain[at - 1]] if at > 0 else []) + ([certain[at]] if at < len(certain) else [])
        for neighbour in around:
            rows = vecinas.setdefault(str(effective.iloc[neighbour]), [])
            if not rows or rows[-1] != pos:  # the same comprobante may sit on both sides
                rows.append(pos)
    problems = []
    for ref, rows in vecinas.items():
        fila = int(index[rows[0]])
        if len(rows) == 1:
            mensaje = f"La fila {fila} {razones[rows[0]]} y podría ser parte de este comprobante"
        else:
            mensaje = (
                f"Las filas {_filas([int(index[p]) for p in rows])} no pertenecen con certeza a ningún "
                f"comprobante (la fila {fila} {razones[rows[0]]}) y podrían ser parte de este comprobante"
            )
        mensaje += f": {'corríjala' if len(rows) == 1 else 'corríjalas'} antes de emitir."
        problems.append(Problem(FILA_INCIERTA, mensaje, referencia=ref))
    return problems


def _filas(filas: list[int], shown: int = 5) -> str:
    if len(filas) > shown:
        return f"{', '.join(map(str, filas[:shown]))} y {len(filas) - shown} más"
    return f"{', '.join(map(str, filas[:-1]))} y {filas[-1]}"


def _quote(value: object) -> str:
    text = display(value)
    return f"«{text}»" if text else "una celda vacía"


def heredar(values: pd.Series, agrupacion: Agrupacion) -> pd.Series:
    """A header column where every row after the first carries its comprobante's first-row value."""
    data = values.to_numpy(copy=True)
    later = agrupacion.continuacion
    data[later] = data[agrupacion.primera[later]]
    return pd.Series(data, index=values.index, name=values.name).astype(values.dtype)
