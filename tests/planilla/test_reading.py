"""Reading planillas: cells as typed, Excel row numbers, sheet choice, and every bad file."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import struct
import time
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.utils import get_column_letter

from importer.dominio.problems import PlanillaError
from importer.planilla import reading
from importer.planilla.columns import NAMES, OUTPUT_COLUMNS, REQUIRED_NAMES
from importer.planilla.reading import MAX_CELL_CHARS, read_planilla

ENGINES = ("calamine", "openpyxl")


def rewrite_member(path: Path, member: str, content: bytes, *, compress: int = zipfile.ZIP_DEFLATED) -> Path:
    """Replace (or add) one part of an existing .xlsx, keeping every other part as it was."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[member] = content
    with zipfile.ZipFile(path, "w", compress) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


def workbook_with_sheets(
    path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = ()
) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def message(excinfo: pytest.ExceptionInfo[PlanillaError]) -> str:
    text = str(excinfo.value)
    assert "\n" not in text and "Traceback" not in text
    return text


# --- cells, rows and columns -------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_cells_come_back_as_typed_with_excel_row_numbers(write_workbook, make_row, engine):
    rows = [
        make_row(referencia="  FA-1 ", fecha=date(2026, 11, 20), cantidad=2.5, precio_unitario="1.234,56"),
        make_row(referencia="FA-2", fecha="20/11/2026", cliente_documento_nro="30-69876543-3",
                 cliente_domicilio="   ", leyenda="N/A"),
    ]  # fmt: skip
    planilla = read_planilla(write_workbook(rows), engine=engine)
    datos = planilla.datos
    assert list(datos.index) == [2, 3]
    assert datos.index.name == "fila"
    assert list(datos.columns) == list(NAMES)
    assert all(str(dtype) == "object" for dtype in datos.dtypes)
    assert datos.at[2, "referencia"] == "FA-1"  # surrounding spaces stripped
    assert datos.at[2, "fecha"] == datetime(2026, 11, 20)
    assert datos.at[3, "fecha"] == "20/11/2026"  # text stays text
    assert datos.at[2, "cantidad"] == 2.5
    assert datos.at[2, "punto_venta"] == 1 and isinstance(datos.at[2, "punto_venta"], int)
    assert datos.at[2, "precio_unitario"] == "1.234,56"
    assert datos.at[3, "cliente_documento_nro"] == "30-69876543-3"
    assert math.isnan(datos.at[3, "cliente_domicilio"])  # blank text is empty
    assert datos.at[3, "leyenda"] == "N/A"  # not swallowed as a missing value
    assert math.isnan(datos.at[2, "asociado_numero"])


def test_both_engines_read_the_same_frame(write_workbook, make_row):
    path = write_workbook(
        [make_row(), {}, make_row(referencia="FA-2", extra="x"), make_row(fecha="01/12/2026")]
    )
    calamine = read_planilla(path, engine="calamine")
    openpyxl = read_planilla(path, engine="openpyxl")
    pd.testing.assert_frame_equal(calamine.datos, openpyxl.datos)
    assert calamine.letras == openpyxl.letras


def test_empty_rows_are_skipped_after_the_row_numbers_are_fixed(tmp_path, make_row):
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    ws.append(list(NAMES))
    for excel_row, ref in ((2, "A-1"), (5, "A-2"), (9, "A-3")):
        for col, name in enumerate(NAMES, start=1):
            ws.cell(
                row=excel_row,
                column=col,
                value=make_row(referencia=ref)[name] if name in make_row() else None,
            )
    ws.cell(row=7, column=1, value="   ")  # only spaces: empty too
    path = tmp_path / "huecos.xlsx"
    wb.save(path)
    datos = read_planilla(path).datos
    assert list(datos.index) == [2, 5, 9]
    assert list(datos["referencia"]) == ["A-1", "A-2", "A-3"]


def test_continuation_rows_are_kept_as_rows(write_workbook, make_row):
    first = make_row(referencia="FA-9")
    second = {"referencia": "FA-9", "descripcion": "Segunda línea", "cantidad": 3, "precio_unitario": 10,
              "alicuota_iva": "10.5"}  # fmt: skip
    datos = read_planilla(write_workbook([first, second])).datos
    assert list(datos.index) == [2, 3]
    assert datos.at[3, "descripcion"] == "Segunda línea"
    assert math.isnan(datos.at[3, "fecha"]) and math.isnan(datos.at[3, "tipo"])


def test_headers_are_normalised_and_originals_kept(tmp_path, make_row):
    row = make_row()
    typed = {name: name for name in NAMES}
    typed.update(referencia="  Referencia ", cliente_razon_social="Cliente  Razón Social",
                 descripcion="DESCRIPCIÓN", precio_unitario="Precio Unitario")  # fmt: skip
    path = workbook_with_sheets(
        tmp_path / "nombres.xlsx", {"Hoja1": [[typed[n] for n in NAMES], [row.get(n) for n in NAMES]]}
    )
    planilla = read_planilla(path)
    assert list(planilla.datos.columns) == list(NAMES)
    assert planilla.encabezados_originales["cliente_razon_social"] == "Cliente  Razón Social"
    assert planilla.encabezados_originales["referencia"] == "  Referencia "
    assert planilla.hoja == "Hoja1"
    assert reading.normalize_header("  Cliente Razón Social ") == "cliente_razon_social"


def test_unknown_columns_are_kept_with_their_letters(write_workbook, make_row):
    path = write_workbook([make_row(vendedor="Ana", **{"Centro de Costo": "Obra 3"})])
    planilla = read_planilla(path)
    assert planilla.extras == ("vendedor", "centro_de_costo")
    assert planilla.datos.at[2, "vendedor"] == "Ana"
    assert planilla.letras["referencia"] == "A"
    assert planilla.letras["leyenda"] == "AF"
    assert planilla.letras["fce_referencia_comercial"] == "AL"  # the issuer and FCE columns, AG:AL
    assert planilla.letras["vendedor"] == "AM"
    assert planilla.letras["centro_de_costo"] == "AN"
    assert planilla.letra("vendedor") == "AM"


def test_data_under_an_empty_header_cell_is_kept_as_an_extra_column(tmp_path, make_row):
    row = make_row()
    path = workbook_with_sheets(
        tmp_path / "sin_nombre.xlsx",
        {"Comprobantes": [[*NAMES, None, None], [*(row.get(n) for n in NAMES), None, "nota suelta"]]},
    )
    planilla = read_planilla(path)
    unnamed = f"columna_{get_column_letter(len(NAMES) + 2).lower()}"  # the second column after ours
    assert planilla.extras == (unnamed,)
    assert planilla.datos.at[2, unnamed] == "nota suelta"


def test_results_workbook_is_read_back_without_output_columns(tmp_path, make_row):
    row = make_row()
    header = [*NAMES, *OUTPUT_COLUMNS, "observacion_interna"]
    outputs = {"estado": "RECHAZADO", "errores": "cliente_documento_nro: dígito verificador", "total": 1210}
    values = [row.get(n) for n in NAMES] + [outputs.get(c) for c in OUTPUT_COLUMNS] + ["revisar"]
    path = workbook_with_sheets(
        tmp_path / "julio-resultados.xlsx",
        {
            "Resultados": [header, values],
            "Comprobantes": [
                ["referencia", "fecha", "tipo", "total", "estado"],
                ["FA-0001", None, None, 1, "X"],
            ],
            "Resumen": [["estado", "cantidad"], ["RECHAZADO", 1]],
        },
    )
    planilla = read_planilla(path)
    assert planilla.hoja == "Resultados"
    assert not set(OUTPUT_COLUMNS) & set(planilla.datos.columns)
    assert planilla.extras == ("observacion_interna",)
    assert list(planilla.datos.index) == [2]
    assert planilla.datos.at[2, "referencia"] == row["referencia"]


# --- sheet choice ------------------------------------------------------------------------------------


def _header_and_row(make_row) -> list[list[object]]:
    row = make_row()
    return [list(NAMES), [row.get(n) for n in NAMES]]


def test_template_sheets_instrucciones_and_hidden_listas_do_not_count(tmp_path, make_row):
    path = workbook_with_sheets(
        tmp_path / "plantilla.xlsx",
        {"Instrucciones": [["Cómo completar"]], "Ventas": _header_and_row(make_row), "Listas": [["x"]],
         "Borrador": [["nada"]]},
        hidden=("Listas", "Borrador"),
    )  # fmt: skip
    assert read_planilla(path).hoja == "Ventas"


def test_several_sheets_use_comprobantes(tmp_path, make_row):
    path = workbook_with_sheets(
        tmp_path / "varias.xlsx",
        {"Notas": [["hola"]], "comprobantes ": _header_and_row(make_row), "Resultados": [["otra", "cosa"]]},
    )
    assert read_planilla(path).hoja == "comprobantes "


def test_an_empty_resultados_sheet_falls_back_to_comprobantes(tmp_path, make_row):
    path = workbook_with_sheets(
        tmp_path / "varias.xlsx", {"Resultados": [], "Comprobantes": _header_and_row(make_row)}
    )
    assert read_planilla(path).hoja == "Comprobantes"


def test_several_sheets_without_comprobantes_is_an_error_listing_them(tmp_path, make_row):
    path = workbook_with_sheets(
        tmp_path / "ambigua.xlsx", {"Julio": _header_and_row(make_row), "Agosto": _header_and_row(make_row)}
    )
    with pytest.raises(PlanillaError) as excinfo:
        read_planilla(path)
    text = message(excinfo)
    assert "ambigua.xlsx" in text and "'Julio'" in text and "'Agosto'" in text


# --- csv -----------------------------------------------------------------------------------------------


def _csv_text(separator: str, make_row) -> str:
    row = make_row(precio_unitario="1.234,56" if separator == ";" else "1234.56", fecha="20/11/2026")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    writer.writerow(NAMES)
    writer.writerow([])
    writer.writerow(["" if row.get(n) is None else str(row[n]) for n in NAMES])
    return out.getvalue()


@pytest.mark.parametrize(
    ("separator", "encoding"), [(";", "utf-8-sig"), (",", "utf-8"), (";", "latin-1"), ("\t", "cp1252")]
)
def test_csv_is_read_as_text_with_line_numbers(tmp_path, make_row, separator, encoding):
    path = tmp_path / "ventas.csv"
    path.write_bytes(_csv_text(separator, make_row).encode(encoding))
    planilla = read_planilla(path)
    datos = planilla.datos
    assert list(datos.index) == [3]  # line 2 is blank
    assert datos.at[3, "cliente_razon_social"] == "Ferretería del Sur SRL"
    assert datos.at[3, "punto_venta"] == "1"  # every cell is text
    assert datos.at[3, "precio_unitario"] in ("1.234,56", "1234.56")
    assert planilla.fecha_simulada is None
    assert planilla.hoja == "ventas.csv"
    assert planilla.letras["fecha"] == "B"


def test_csv_quoted_cells_with_separators_and_newlines(tmp_path, make_row):
    row = make_row(descripcion='Cable "taller"; 2,5 mm')
    header = ";".join(NAMES)
    cells = []
    for name in NAMES:
        value = "" if row.get(name) is None else str(row[name])
        cells.append('"' + value.replace('"', '""') + '"' if name == "descripcion" else value)
    leyenda_at = NAMES.index("leyenda")
    cells[leyenda_at] = '"primera línea\nsegunda línea"'
    second = list(cells)
    second[0] = "FA-2"
    path = tmp_path / "comillas.csv"
    path.write_text("\n".join([header, ";".join(cells), ";".join(second)]) + "\n", encoding="utf-8")
    datos = read_planilla(path).datos
    assert list(datos.index) == [2, 4]  # the second record starts on line 4
    assert datos.at[2, "descripcion"] == 'Cable "taller"; 2,5 mm'
    assert datos.at[4, "leyenda"] == "primera línea\nsegunda línea"


# --- simulated date, hash, engines ---------------------------------------------------------------------


def test_simulated_date_property_is_read(tmp_path, make_row):
    wb = Workbook()
    ws = wb.active
    ws.title = "Comprobantes"
    for line in _header_and_row(make_row):
        ws.append(line)
    wb.custom_doc_props.append(StringProperty(name=reading.FECHA_SIMULADA_PROPERTY, value="2026-11-27"))
    path = tmp_path / "ejemplo.xlsx"
    wb.save(path)
    planilla = read_planilla(path)
    assert planilla.fecha_simulada == date(2026, 11, 27)
    assert planilla.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_simulated_date_without_the_property(write_workbook, make_row):
    assert read_planilla(write_workbook([make_row()])).fecha_simulada is None


def test_a_malformed_simulated_date_is_an_error(tmp_path, make_row):
    wb = Workbook()
    for line in _header_and_row(make_row):
        wb.active.append(line)
    wb.custom_doc_props.append(StringProperty(name=reading.FECHA_SIMULADA_PROPERTY, value="27/11/2026"))
    path = tmp_path / "raro.xlsx"
    wb.save(path)
    with pytest.raises(PlanillaError, match="tf_import_fecha_simulada"):
        read_planilla(path)


def test_openpyxl_takes_over_when_calamine_fails(write_workbook, make_row, monkeypatch):
    import python_calamine

    def broken(*args, **kwargs):
        raise python_calamine.CalamineError("simulated calamine failure")

    monkeypatch.setattr(python_calamine, "load_workbook", broken)
    planilla = read_planilla(write_workbook([make_row()]))
    assert list(planilla.datos.index) == [2]


def test_unknown_engine_is_a_programming_error(write_workbook, make_row):
    with pytest.raises(ValueError):
        read_planilla(write_workbook([make_row()]), engine="xlrd")


@pytest.mark.parametrize("engine", ENGINES)
def test_header_only_sheet_is_nothing_to_do(write_workbook, engine):
    # A header with no rows is the blank template: saying so beats "0 comprobantes" and exit 0.
    path = write_workbook([])
    expect_error(
        path, "no tiene filas con datos en la hoja 'Comprobantes'", "nada que revisar", engine=engine
    )


def test_header_only_csv_is_nothing_to_do(tmp_path):
    path = tmp_path / "solo-encabezados.csv"
    path.write_text(";".join(NAMES) + "\n;;;\n\n", encoding="utf-8")
    expect_error(path, "no tiene filas con datos debajo de los encabezados")


# --- bad files -------------------------------------------------------------------------------------------


def expect_error(path: Path, *fragments: str, **kwargs: object) -> str:
    with pytest.raises(PlanillaError) as excinfo:
        read_planilla(path, **kwargs)  # type: ignore[arg-type]
    text = message(excinfo)
    assert path.name in text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_missing_file(tmp_path):
    expect_error(tmp_path / "no-esta.xlsx", "no existe")


def test_a_directory(tmp_path):
    folder = tmp_path / "carpeta.xlsx"
    folder.mkdir()
    expect_error(folder, "carpeta")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("macros.xlsm", ".xlsm"), ("viejo.xls", ".xls"), ("libre.ods", ".ods"), ("notas.txt", "no admitido")],
)
def test_refused_extensions(tmp_path, name, fragment):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04whatever")
    expect_error(path, fragment)


def test_empty_file(tmp_path):
    path = tmp_path / "vacio.xlsx"
    path.write_bytes(b"")
    expect_error(path, "vacío")


def test_text_renamed_as_xlsx(tmp_path):
    path = tmp_path / "texto.xlsx"
    path.write_text("referencia;fecha\nFA-1;01/01/2026\n", encoding="utf-8")
    expect_error(path, "no es una planilla")


def test_pdf_renamed_as_xlsx(tmp_path):
    path = tmp_path / "factura.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    expect_error(path, "PDF")


def test_word_document_renamed_as_xlsx(tmp_path):
    path = tmp_path / "carta.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    expect_error(path, "Word")


def test_encrypted_or_old_xls_container(tmp_path):
    path = tmp_path / "protegido.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    expect_error(path, "protegido con contraseña o es un .xls antiguo")


def test_truncated_workbook(write_workbook, make_row):
    path = write_workbook([make_row()])
    path.write_bytes(path.read_bytes()[:600])
    expect_error(path)


def test_workbook_with_an_empty_sheet(tmp_path):
    path = tmp_path / "en-blanco.xlsx"
    Workbook().save(path)
    expect_error(path, "vacía")


def test_missing_required_columns_are_all_listed(write_workbook, make_row):
    missing = ("fecha", "cantidad", "cliente_condicion_iva")
    row = {k: v for k, v in make_row().items() if k not in missing}
    path = write_workbook([row], columns=[n for n in NAMES if n not in missing])
    text = expect_error(path, "faltan columnas obligatorias")
    for name in ("fecha", "cantidad", "cliente_condicion_iva"):
        assert name in text
    assert {"fecha", "cantidad", "cliente_condicion_iva"} <= set(REQUIRED_NAMES)


def test_duplicate_columns_after_normalisation(tmp_path, make_row):
    row = make_row()
    path = workbook_with_sheets(
        tmp_path / "repetida.xlsx",
        {"Comprobantes": [[*NAMES, "Fecha "], [*(row.get(n) for n in NAMES), "x"]]},
    )
    expect_error(path, "repetidas", "'fecha'", "B", get_column_letter(len(NAMES) + 1))


def test_header_not_on_row_1(tmp_path, make_row):
    header, values = _header_and_row(make_row)
    path = workbook_with_sheets(
        tmp_path / "titulo.xlsx", {"Comprobantes": [["Ventas de noviembre"], [], header, values]}
    )
    expect_error(path, "fila 1", "fila 3")


def test_header_after_an_empty_row_1(tmp_path, make_row):
    header, values = _header_and_row(make_row)
    path = workbook_with_sheets(tmp_path / "corrida.xlsx", {"Comprobantes": [[], header, values]})
    expect_error(path, "se encontraron en la fila 2")


def test_row_1_without_any_known_column(tmp_path):
    path = workbook_with_sheets(tmp_path / "otra.xlsx", {"Hoja1": [["Nombre", "Importe"], ["Ana", 3]]})
    expect_error(path, "faltan columnas obligatorias", "referencia")


@pytest.mark.parametrize("engine", ENGINES)
def test_more_rows_than_the_limit(write_workbook, make_row, engine):
    rows = [make_row(referencia=f"FA-{i}") for i in range(6)]
    path = write_workbook(rows)
    assert len(read_planilla(path, engine=engine, max_rows=6).datos) == 6
    expect_error(path, "más de 5 filas", engine=engine, max_rows=5)


def test_more_rows_than_the_limit_in_a_csv(tmp_path, make_row):
    path = tmp_path / "largo.csv"
    row = make_row()
    line = ";".join("" if row.get(n) is None else str(row[n]) for n in NAMES)
    path.write_text("\n".join([";".join(NAMES)] + [line] * 4) + "\n", encoding="utf-8")
    expect_error(path, "más de 3 filas", max_rows=3)


def _big_sheet_xml(rows: int) -> bytes:
    header = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{n}</t></is></c>' for i, n in enumerate(NAMES[:3])
    )
    body = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>R{r}</t></is></c></row>' for r in range(2, rows + 2)
    )
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        f'<row r="1">{header}</row>{body}</sheetData></worksheet>'
    ).encode()


def test_a_200000_row_sheet_is_refused_quickly(write_workbook):
    path = rewrite_member(write_workbook([]), "xl/worksheets/sheet1.xml", _big_sheet_xml(200_000))
    started = time.perf_counter()
    expect_error(path, "más de 100.000 filas")
    assert time.perf_counter() - started < 20


def with_sheet_text(path: Path, placeholder: str, replacement: str, prolog: str = "") -> Path:
    """Put text into the sheet XML that openpyxl itself would refuse to write."""
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert placeholder in sheet
    return rewrite_member(
        path, "xl/worksheets/sheet1.xml", (prolog + sheet.replace(placeholder, replacement)).encode()
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_a_cell_longer_than_excel_allows(write_workbook, make_row, engine):
    path = write_workbook([make_row(), make_row(referencia="FA-2", leyenda="LARGA")])
    with_sheet_text(path, "LARGA", "x" * (MAX_CELL_CHARS + 1))
    expect_error(path, "fila 3", "columna AF (leyenda)", "32.768 caracteres", engine=engine)


def test_a_cell_exactly_at_the_limit_is_fine(write_workbook, make_row):
    datos = read_planilla(write_workbook([make_row(leyenda="x" * MAX_CELL_CHARS)])).datos
    assert len(datos.at[2, "leyenda"]) == MAX_CELL_CHARS


def test_a_file_over_the_size_limit(write_workbook, make_row, monkeypatch):
    path = write_workbook([make_row()])
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", path.stat().st_size - 1)
    expect_error(path, "MB")


def test_zip_bomb_by_ratio(write_workbook, make_row):
    path = rewrite_member(write_workbook([make_row()]), "xl/media/relleno.bin", b"\0" * (24 * 2**20))
    assert path.stat().st_size < 2**20  # cheap to build, 24 MB inside
    expect_error(path, "bomba zip")


def test_zip_bomb_by_declared_size(write_workbook, make_row):
    path = rewrite_member(write_workbook([make_row()]), "xl/media/relleno.bin", b"\0" * 1000)
    data = bytearray(path.read_bytes())
    # Declare ~3.7 GB for the last member in the central directory (what zipfile trusts).
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xEE6B2800)
    path.write_bytes(bytes(data))
    expect_error(path, "bomba zip")


def _entity_bomb(write_workbook, padding: int = 0) -> Path:
    """A billion-laughs sheet: nine levels of tenfold entities, the last one used in a cell."""
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    comment = f"<!--{' ' * padding}-->" if padding else ""
    prolog = (
        f'<?xml version="1.0" encoding="UTF-8"?>{comment}<!DOCTYPE worksheet [<!ENTITY l0 "jaja">{levels}]>'
    )
    path = write_workbook([{"referencia": "BOMBA"}], columns=["referencia"])
    return with_sheet_text(path, "BOMBA", "&l9;", prolog)


def test_xml_entity_bomb_is_refused_before_parsing(write_workbook):
    path = _entity_bomb(write_workbook)
    started = time.perf_counter()
    expect_error(path, "DTD")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("engine", ENGINES)
def test_xml_entity_bomb_past_the_prolog_check_is_refused_by_the_parsers(write_workbook, engine):
    path = _entity_bomb(write_workbook, padding=reading.XML_PROLOG_BYTES + 10)
    started = time.perf_counter()
    expect_error(path, "entidades XML", engine=engine)
    assert time.perf_counter() - started < 5


def test_entity_in_the_custom_properties_is_refused(write_workbook, make_row):
    custom = (
        b'<?xml version="1.0"?><!DOCTYPE Properties [<!ENTITY x "2026-11-27">]>'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties">'
        b'<property name="tf_import_fecha_simulada"><lpwstr>&x;</lpwstr></property></Properties>'
    )
    path = write_workbook([make_row()])
    path = rewrite_member(path, "docProps/custom.xml", custom)
    expect_error(path, "DTD")


def _fail_on_open(monkeypatch, error: Callable[[Path], Exception]) -> None:
    original = Path.open

    def failing_open(self, *args, **kwargs):
        if self.suffix in (".xlsx", ".csv"):
            raise error(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", failing_open)


def test_a_file_that_disappears_while_reading(write_workbook, make_row, monkeypatch):
    path = write_workbook([make_row()])

    def vanish(p: Path) -> Exception:
        p.unlink()
        return FileNotFoundError(2, "No such file or directory", str(p))

    _fail_on_open(monkeypatch, vanish)
    expect_error(path, "desapareció")
    assert not path.exists()


def test_a_locked_file(write_workbook, make_row, monkeypatch):
    path = write_workbook([make_row()])
    _fail_on_open(monkeypatch, lambda p: PermissionError(13, "Permission denied", str(p)))
    expect_error(path, "abierto en otro programa")


def test_an_unreadable_file(write_workbook, make_row, monkeypatch):
    path = write_workbook([make_row()])
    _fail_on_open(monkeypatch, lambda p: OSError(5, "Input/output error", str(p)))
    expect_error(path, "Input/output error")


def test_a_member_whose_compressed_data_is_damaged(write_workbook, make_row):
    path = write_workbook([make_row()])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/workbook.xml")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data = bytearray(path.read_bytes())
    data[start : start + 40] = b"\xff" * 40  # garbage where the deflate stream begins
    path.write_bytes(bytes(data))
    expect_error(path, "dañado")


def test_a_member_that_is_not_xml(write_workbook, make_row):
    path = rewrite_member(write_workbook([make_row()]), "xl/workbook.xml", b"esto no es xml <")
    expect_error(path, "dañado")


def test_sheet_xml_that_neither_engine_can_parse(write_workbook, make_row):
    path = rewrite_member(
        write_workbook([make_row()]), "xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>"
    )
    expect_error(path, "no se pudo leer la hoja")


def test_stored_zip_members_are_fine(write_workbook, make_row):
    path = write_workbook([make_row()])
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    assert list(read_planilla(path).datos.index) == [2]
