"""The fast paths of reading and parsing give what the plain ones gave: column letters without
openpyxl, one look-up per distinct value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from importer.planilla.cell_kinds import map_unique
from importer.planilla.columns import NAMES
from importer.planilla.letras_columna import column_index_from_string, get_column_letter
from importer.planilla.reading import read_planilla


@pytest.mark.parametrize(
    ("index", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"), (702, "ZZ"), (703, "AAA"), (16384, "XFD")],
)
def test_column_letters_both_ways(index: int, letters: str) -> None:
    assert get_column_letter(index) == letters
    assert column_index_from_string(letters) == index
    assert column_index_from_string(letters.lower()) == index


@pytest.mark.parametrize("index", [0, -1, 18279])
def test_column_letter_out_of_range(index: int) -> None:
    with pytest.raises(ValueError):
        get_column_letter(index)


@pytest.mark.parametrize("letters", ["", "AAAA", "A1", "Ñ"])
def test_column_name_invalid(letters: str) -> None:
    with pytest.raises(ValueError):
        column_index_from_string(letters)


def test_map_unique_gives_what_map_gives() -> None:
    values = pd.Series(["a", "bb", "a", "ccc"], index=[10, 11, 12, 13], name="x", dtype=object)
    lengths = map_unique(values, len)
    assert lengths.tolist() == [1, 2, 1, 3]
    assert lengths.index.tolist() == [10, 11, 12, 13] and lengths.name == "x"
    assert lengths.dtype == "int64"
    assert map_unique(values, lambda t: len(t) > 1).tolist() == [False, True, False, True]
    assert map_unique(values.iloc[:0], len).empty


def test_a_workbook_of_repeated_cells_reads_trimmed_and_typed(tmp_path: Path) -> None:
    """Rows repeat a few values (as real sheets do): every row still gets its own cell, trimmed,
    integral numbers as int, in a column that mixes text and numbers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    ws.append(list(NAMES))
    at = {name: i for i, name in enumerate(NAMES)}
    for row in range(2, 302):
        cells: list[object] = [None] * len(NAMES)
        cells[at["referencia"]] = f"R-{row // 3}"
        cells[at["tipo"]] = " factura a " if row % 2 else "FACTURA A"
        cells[at["punto_venta"]] = 3.0 if row % 3 else " 3 "
        cells[at["precio_unitario"]] = 10.5 if row % 4 else "1.234,50"
        ws.append(cells)
    path = tmp_path / "repetidas.xlsx"
    wb.save(path)
    datos = read_planilla(path).datos
    assert datos.index.tolist() == list(range(2, 302))
    assert datos.loc[3, "tipo"] == "factura a" and datos.loc[4, "tipo"] == "FACTURA A"
    assert datos.loc[4, "punto_venta"] == 3 and type(datos.loc[4, "punto_venta"]) is int
    assert datos.loc[3, "punto_venta"] == "3"
    assert datos.loc[5, "precio_unitario"] == 10.5 and datos.loc[4, "precio_unitario"] == "1.234,50"
    assert datos.loc[2, "referencia"] == "R-0" and datos.loc[301, "referencia"] == "R-100"
