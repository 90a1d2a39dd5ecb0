"""The cells of a `.csv` planilla: its records as text, with the line each one starts on."""

from __future__ import annotations

import csv
import io

from importer.dominio.problems import PlanillaError
from importer.planilla.grid import NAN, Grid
from importer.planilla.xlsx_extent import MAX_COLUMNS
from importer.planilla.xlsx_package import miles


def read_csv(name: str, data: bytes, max_rows: int) -> Grid:
    """Records of a .csv as text (empty fields NaN), each row numbered by its first line.

    Blank records after the first are skipped (a million empty lines cost nothing) and trailing
    empty fields are dropped (Excel pads every line with `;`); a value past `MAX_COLUMNS` is refused,
    like in an .xlsx.
    """
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\0" in text[:4096]:
        raise PlanillaError(f"{name}: no es un archivo CSV de texto.")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    starts: list[int] = []
    start = 1
    try:
        for record in reader:
            width = len(record)
            while width and not record[width - 1].strip():
                width -= 1
            if width > MAX_COLUMNS:
                raise PlanillaError(
                    f"{name}: la línea {start} tiene datos en la columna {miles(width)}; el máximo "
                    f"es {MAX_COLUMNS} columnas. Borre lo que sobra a la derecha."
                )
            if width or not rows:
                rows.append(record[:width])
                starts.append(start)
            start = reader.line_num + 1
            if len(rows) > max_rows + 1:
                break
    except csv.Error as exc:
        raise PlanillaError(
            f"{name}: no se pudo leer la línea {reader.line_num + 1} del CSV ({exc})."
        ) from None
    width = max((len(r) for r in rows), default=0)
    columns: list[list[object]] = [[NAN] * len(rows) for _ in range(width)]
    for position, record in enumerate(rows):
        for column, value in enumerate(record):
            if value != "":
                columns[column][position] = value
    return Grid(starts, columns)
