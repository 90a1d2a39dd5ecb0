"""The Excel template and the example month built on it."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importer.dominio.amounts import compute_totals
from importer.dominio.catalogs import ALICUOTA_IVA, TIPO_COMPROBANTE, TIPOS_BY_NAME
from importer.dominio.documentos import clean_document, cuit_valido, dni_valido
from importer.dominio.formato import pesos
from importer.dominio.problems import PlanillaError
from importer.planilla import template
from importer.planilla.columnas_tributos import TRIBUTOS_COLUMNS, TRIBUTOS_NAMES
from importer.planilla.columns import BY_NAME, COLUMNS, NAMES
from importer.planilla.reading import read_planilla
from importer.planilla.validation import validate_planilla

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_TEMPLATE = ROOT / "templates" / "comprobantes.xlsx"
EXAMPLE = ROOT / "data" / "ejemplo.xlsx"


@pytest.fixture(scope="module")
def template_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plantilla") / "comprobantes.xlsx"
    template.write_template(path)
    return path


@pytest.fixture(scope="module")
def wb(template_path):
    return load_workbook(template_path)


def defined_list(wb, name: str) -> list[str]:
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[ref.replace("$", "")] for c in row]


# --- the workbook --------------------------------------------------------------------------------------


def test_sheets_and_header(wb):
    assert wb.sheetnames == ["Comprobantes", "Tributos", "Instrucciones", "Listas"]
    assert wb["Tributos"].sheet_state == "visible"
    assert wb["Listas"].sheet_state == "hidden"
    assert wb["Comprobantes"].sheet_state == "visible"
    ws = wb["Comprobantes"]
    assert [c.value for c in ws[1]] == list(NAMES)
    assert ws.max_row == 1
    assert ws.freeze_panes == "B2"
    assert all(c.font.bold for c in ws[1])
    assert all(c.fill.fgColor.rgb.endswith(("1F4E78", "5B9BD5")) for c in ws[1])


def test_every_header_has_a_note_with_help_requiredness_and_example(wb):
    ws = wb["Comprobantes"]
    for cell, spec in zip(ws[1], COLUMNS, strict=True):
        note = cell.comment.text
        assert spec.help in note
        assert ("Obligatoria." if spec.required else "Opcional.") in note
        if spec.example:
            assert f"Ejemplo: {spec.example}" in note


def test_widths_and_column_formats(wb):
    ws = wb["Comprobantes"]
    for index, spec in enumerate(COLUMNS, start=1):
        dimension = ws.column_dimensions[ws.cell(row=1, column=index).column_letter]
        assert dimension.width >= spec.width
        if spec.excel_format != "General":
            assert dimension.number_format == spec.excel_format
    formats = {spec.name: ws.column_dimensions[ws.cell(row=1, column=i).column_letter].number_format
               for i, spec in enumerate(COLUMNS, start=1)}  # fmt: skip
    assert formats["cliente_documento_nro"] == "@"
    assert formats["referencia"] == "@"
    assert formats["fecha"] == "dd/mm/yyyy"
    assert formats["total_control"] == "#,##0.00"


def test_drop_downs_for_every_catalog_column(wb):
    ws = wb["Comprobantes"]
    letters = {spec.name: ws.cell(row=1, column=i).column_letter for i, spec in enumerate(COLUMNS, start=1)}
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    catalog_columns = [spec for spec in COLUMNS if spec.catalog is not None]
    assert {s.name for s in catalog_columns} >= {
        "tipo", "cliente_documento_tipo", "cliente_condicion_iva", "alicuota_iva", "moneda",
        "cliente_provincia", "condicion_pago", "unidad_medida", "cliente_envia_por_mail", "asociado_tipo",
    }  # fmt: skip
    assert len(validations) == len(catalog_columns)
    for spec in catalog_columns:
        letter = letters[spec.name]
        dv = validations[f"{letter}2:{letter}{template.LAST_VALIDATED_ROW}"]
        assert dv.type == "list"
        assert dv.errorStyle == "warning"  # pasted or typed codes are still allowed
        values = defined_list(wb, dv.formula1)
        assert len(values) == len(spec.catalog.entries)
        # Every value offered resolves back to its own code.
        assert [spec.catalog.lookup(v) for v in values] == list(spec.catalog.codes)


def test_lists_live_on_the_hidden_sheet(wb):
    for name in wb.defined_names:
        assert wb.defined_names[name].attr_text.startswith("'Listas'!")
    assert "201 - Contado" in defined_list(wb, "lista_condicion_pago")
    assert "FACTURA A" in defined_list(wb, "lista_tipo")


# --- instructions -----------------------------------------------------------------------------------------


def instruction_lines(wb) -> list[list[object]]:
    return [[c for c in row] for row in wb["Instrucciones"].iter_rows(values_only=True)]


def test_instructions_explain_every_column(wb):
    rows = instruction_lines(wb)
    tributos_at = next(i for i, row in enumerate(rows) if row[0] == "La hoja Tributos (percepciones)")
    tributos_table = {
        row[0]: row for row in rows[tributos_at:] if row[0] in TRIBUTOS_NAMES and row[1] in ("Sí", "No")
    }
    assert set(tributos_table) == set(TRIBUTOS_NAMES)
    for spec in TRIBUTOS_COLUMNS:
        assert list(tributos_table[spec.name][1:3]) == ["Sí" if spec.required else "No", "Tributos"]
        assert tributos_table[spec.name][5] == spec.help
    rows = rows[:tributos_at]
    table = {row[0]: row for row in rows if row[0] in NAMES and row[1] in ("Sí", "No")}
    assert set(table) == set(NAMES)
    for spec in COLUMNS:
        assert table[spec.name][1] == ("Sí" if spec.required else "No")
        parte = "Cada fila" if spec.name == "referencia" else "Comprobante" if spec.header else "Línea"
        assert table[spec.name][2] == parte
        assert table[spec.name][5] == spec.help
    text = "\n".join(str(cell) for row in rows for cell in row if cell is not None)
    for phrase in ("1.234,56", "1234.56", "dd/mm/aaaa", "misma referencia", "heredan", "100.000"):
        assert phrase in text


def test_instruction_examples_show_the_totals_the_tool_computes(wb):
    """Read each example back from the sheet, compute its total, and find it printed below."""
    rows = instruction_lines(wb)
    found, totals = 0, []
    for i, row in enumerate(rows):
        if row[0] != "referencia" or row[1] != "fecha":
            continue
        header = [c for c in row if c is not None]
        body, percepciones, target = [], [], None
        for line in rows[i + 1 :]:
            if str(line[0]).startswith("Total calculado"):
                total_line = line[0]
                break
            if line[0] == "Hoja Tributos:":
                target = percepciones
                continue
            if target is percepciones and line[0] == "referencia":
                header = [c for c in line if c is not None]
                continue
            (body if target is None else percepciones).append(dict(zip(header, line, strict=False)))
        letra = TIPOS_BY_NAME[TIPO_COMPROBANTE.lookup(body[0]["tipo"])].letra
        lines = [
            (Decimal(str(b["cantidad"])), Decimal(str(b["precio_unitario"])), ALICUOTA_IVA.lookup(b["alicuota_iva"]),
             Decimal(str(b["bonificacion_porcentaje"] or 0)))
            for b in body
        ]  # fmt: skip
        # Perception amounts by hand: base × alícuota / 100, rounded half-even to cents.
        importes = [
            (Decimal(str(t["base_imponible"])) * Decimal(str(t["alicuota"])) / 100).quantize(Decimal("0.01"))
            for t in percepciones
        ]
        expected = compute_totals(lines, letra, importes).total
        assert total_line.endswith(pesos(expected))
        totals.append(expected)
        found += 1
    assert found == 5
    # The agente de percepción's example: 10 × 12.500 + 21 % + 3 % of 125.000 = 155.000.
    assert totals[3] == Decimal("155000.00")
    tipos = [TIPO_COMPROBANTE.lookup(rows_[0]["tipo"]) for _, _, rows_ in template.examples()]
    assert tipos == ["FACTURA A", "FACTURA B", "NOTA DE CREDITO A"]
    factura_a, factura_b, nota = (rows_ for _, _, rows_ in template.examples())
    assert {ALICUOTA_IVA.lookup(r["alicuota_iva"]) for r in factura_a} == {"21", "10.5"}
    assert (factura_b[0]["cliente_documento_tipo"], factura_b[0]["cliente_documento_nro"]) == ("OTRO", "0")
    assert nota[0]["asociado_tipo"] == "FACTURA A"
    assert nota[0]["asociado_fecha"] == factura_a[0]["fecha"]


def test_pesos_are_written_the_argentine_way():
    assert pesos(Decimal("1234567.8")) == "$ 1.234.567,80"
    assert pesos(Decimal("0.5")) == "$ 0,50"


# --- writing ----------------------------------------------------------------------------------------------


def test_writing_twice_gives_the_same_bytes(tmp_path, template_path):
    again = tmp_path / "otra.xlsx"
    template.write_template(again)
    assert again.read_bytes() == template_path.read_bytes()


def test_write_replaces_atomically_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "plantilla.xlsx"
    path.write_bytes(b"viejo")
    template.write_template(path)
    assert load_workbook(path).sheetnames[0] == "Comprobantes"
    assert [p.name for p in tmp_path.iterdir()] == ["plantilla.xlsx"]


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "plantilla.xlsx"
    path.write_bytes(b"viejo")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PlanillaError, match="plantilla.xlsx"):
        template.write_template(path)
    assert path.read_bytes() == b"viejo"
    assert [p.name for p in tmp_path.iterdir()] == ["plantilla.xlsx"]


def test_output_must_be_xlsx(tmp_path):
    with pytest.raises(PlanillaError, match=".xlsx"):
        template.write_template(tmp_path / "plantilla.xls")


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PlanillaError, match="no se puede escribir"):
        template.write_template(tmp_path / "no" / "existe.xlsx")


def test_a_folder_that_is_a_file_is_told_in_spanish(tmp_path):
    blocker = tmp_path / "f.txt"
    blocker.write_text("x")
    with pytest.raises(PlanillaError) as raised:
        template.write_template(blocker / "plantilla.xlsx")
    message = str(raised.value)
    assert "es un archivo, no una carpeta" in message
    assert "Not a directory" not in message and "Errno" not in message


def test_a_refused_replace_is_told_in_spanish(tmp_path, monkeypatch):
    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PlanillaError) as raised:
        template.write_template(tmp_path / "plantilla.xlsx")
    assert "no hay permiso" in str(raised.value) and "Permission denied" not in str(raised.value)


def test_text_xml_cannot_carry_is_replaced_when_saving(tmp_path):
    """openpyxl accepts U+FFFE / U+FFFF in a cell and writes them raw: a file nobody can open."""
    wb = template.build_template()
    wb[template.DATA_SHEET]["A2"] = "FA-\ufffe1"
    wb[template.DATA_SHEET]["B2"] = "fin \uffff"
    path = tmp_path / "plantilla.xlsx"
    template.save_workbook(wb, path)
    ws = load_workbook(path)[template.DATA_SHEET]
    assert (ws["A2"].value, ws["B2"].value) == ("FA-\ufffd1", "fin \ufffd")


def test_cli_writes_the_template(tmp_path, template_path, capsys):
    from importer.cli.main import main

    out = tmp_path / "desde-cli.xlsx"
    loggers = [logging.getLogger(), logging.getLogger("importer")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    try:
        assert main(["template", str(out)]) == 0
    finally:  # main() configures logging for the whole process; leave it as the other tests expect
        for lg, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
    assert out.read_bytes() == template_path.read_bytes()
    assert str(out) in capsys.readouterr().out


def test_committed_template_matches_a_fresh_one(wb):
    committed = load_workbook(COMMITTED_TEMPLATE)
    assert committed.sheetnames == wb.sheetnames
    for name in wb.sheetnames:
        fresh_rows = list(wb[name].iter_rows(values_only=True))
        assert list(committed[name].iter_rows(values_only=True)) == fresh_rows, name
    assert sorted(committed.defined_names) == sorted(wb.defined_names)
    fresh = wb["Comprobantes"].data_validations.dataValidation
    old = committed["Comprobantes"].data_validations.dataValidation
    assert [(str(d.sqref), d.formula1) for d in old] == [(str(d.sqref), d.formula1) for d in fresh]


# --- round trip -------------------------------------------------------------------------------------------


def test_template_filled_by_code_reads_back_with_excel_row_numbers(tmp_path, template_path, make_row):
    filled = load_workbook(template_path)
    ws = filled["Comprobantes"]
    first = make_row(
        referencia="FA-1",
        condicion_pago="201 - Contado",
        cliente_provincia="2 - Buenos Aires",
        moneda="PES - Pesos argentinos",
        cliente_condicion_iva="RI - Responsable Inscripto",
    )
    second = {"referencia": "FA-1", "descripcion": "Segunda línea", "cantidad": 1, "precio_unitario": 5,
              "alicuota_iva": "exento"}  # fmt: skip
    for excel_row, row in ((2, first), (3, second), (5, make_row(referencia="FA-2"))):
        for col, name in enumerate(NAMES, start=1):
            ws.cell(row=excel_row, column=col, value=row.get(name))
    path = tmp_path / "completa.xlsx"
    filled.save(path)
    planilla = read_planilla(path)
    assert planilla.hoja == "Comprobantes"
    assert list(planilla.datos.index) == [2, 3, 5]
    assert planilla.extras == ()
    datos = planilla.datos
    assert BY_NAME["condicion_pago"].catalog.lookup(datos.at[2, "condicion_pago"]) == "201"
    assert BY_NAME["cliente_provincia"].catalog.lookup(datos.at[2, "cliente_provincia"]) == "2"
    assert BY_NAME["moneda"].catalog.lookup(datos.at[2, "moneda"]) == "PES"
    assert BY_NAME["cliente_condicion_iva"].catalog.lookup(datos.at[2, "cliente_condicion_iva"]) == "RI"
    assert ALICUOTA_IVA.lookup(datos.at[3, "alicuota_iva"]) == "-1"


# --- the example month --------------------------------------------------------------------------------------


def _generator():
    spec = importlib.util.spec_from_file_location("generar_ejemplo", ROOT / "data" / "generar_ejemplo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generar_ejemplo", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ejemplo():
    return read_planilla(EXAMPLE)


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    return datetime.strptime(str(value), "%d/%m/%Y").date()


def _as_decimal(value: object) -> Decimal:
    if isinstance(value, str) and "," in value:
        value = value.replace(".", "").replace(",", ".")
    return Decimal(str(value))


def test_example_is_up_to_date_with_its_generator(ejemplo):
    generator = _generator()
    rows = generator.filas(generator.comprobantes())
    assert len(rows) == len(ejemplo.datos)
    for (fila, cells), row in zip(ejemplo.datos.iterrows(), rows, strict=True):
        for name, value in row.items():
            if value is None:
                continue
            cell = cells[name]
            if isinstance(value, date):
                assert _as_date(cell) == value, (fila, name)
            elif isinstance(value, Decimal | float):
                assert _as_decimal(cell) == Decimal(str(value)), (fila, name)
            else:
                assert str(cell) == str(value), (fila, name)


def test_example_shape_and_simulated_date(ejemplo):
    datos = ejemplo.datos
    assert ejemplo.hoja == "Comprobantes"
    assert ejemplo.fecha_simulada == date(2026, 11, 27)
    assert ejemplo.extras == ()
    assert datos["referencia"].nunique() >= 30
    assert len(datos) >= 80
    assert set(datos["punto_venta"].dropna()) == {1, 2}


def _comprobantes(datos) -> dict[str, dict[str, object]]:
    """First row of each comprobante, with its lines."""
    out: dict[str, dict[str, object]] = {}
    for _, row in datos.iterrows():
        head = out.setdefault(row["referencia"], {**row.to_dict(), "lineas": []})
        head["lineas"].append(row.to_dict())
    return out


def _percepciones(ejemplo) -> dict[str, list[Decimal]]:
    """Each referencia's perception amounts, worked out from the Tributos sheet as written: an empty
    importe is base × alícuota / 100, half-even to the cent; `3 %` and `3,00` mean 3."""
    out: dict[str, list[Decimal]] = {}
    for _, row in ejemplo.tributos.datos.iterrows():
        alicuota = Decimal(str(row["alicuota"]).replace("%", "").replace(",", ".").strip())
        base = _as_decimal(row["base_imponible"])
        importe = row["importe"]
        if importe != importe or importe is None:  # NaN: left empty
            amount = (base * alicuota / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_EVEN")
        else:
            amount = _as_decimal(importe)
        out.setdefault(row["referencia"], []).append(amount)
    return out


def test_example_follows_the_fiscal_rules(ejemplo):
    simulada = ejemplo.fecha_simulada
    comprobantes = _comprobantes(ejemplo.datos)
    percepciones = _percepciones(ejemplo)
    assert sum(len(v) for v in percepciones.values()) == 5  # IIBB Buenos Aires ×4, IVA RG 2408 ×1
    seen_letters = set()
    for ref, c in comprobantes.items():
        fecha = _as_date(c["fecha"])
        assert simulada - timedelta(days=4) <= fecha <= simulada, ref
        tipo = TIPO_COMPROBANTE.lookup(c["tipo"])
        assert tipo is not None, ref
        condicion = BY_NAME["cliente_condicion_iva"].catalog.lookup(c["cliente_condicion_iva"])
        letra = TIPOS_BY_NAME[tipo].letra
        seen_letters.add((letra, condicion))
        assert letra == ("A" if condicion in ("RI", "M") else "B"), ref
        documento = clean_document(c["cliente_documento_nro"])
        doc_tipo = c["cliente_documento_tipo"]
        if doc_tipo == "CUIT":
            assert cuit_valido(documento), (ref, documento)
        elif doc_tipo == "DNI":
            assert dni_valido(documento), ref
        else:
            assert (doc_tipo, documento) == ("OTRO", "0")
        lines = [(_as_decimal(ln["cantidad"]), _as_decimal(ln["precio_unitario"]),
                  ALICUOTA_IVA.lookup(ln["alicuota_iva"]),
                  Decimal(0) if ln["bonificacion_porcentaje"] != ln["bonificacion_porcentaje"]
                  else _as_decimal(ln["bonificacion_porcentaje"])) for ln in c["lineas"]]  # fmt: skip
        total = compute_totals(lines, letra, percepciones.get(ref, [])).total
        if doc_tipo == "OTRO":
            assert total < Decimal("10000000"), ref
        if c["total_control"] == c["total_control"]:  # not NaN
            assert abs(_as_decimal(c["total_control"]) - total) <= Decimal("0.01"), ref
        if c["vencimiento"] == c["vencimiento"]:
            assert _as_date(c["vencimiento"]) >= fecha, ref
        if c["periodo_desde"] == c["periodo_desde"]:
            desde, hasta = _as_date(c["periodo_desde"]), _as_date(c["periodo_hasta"])
            assert desde <= hasta and desde.month == hasta.month == 11, ref
    assert {("A", "RI"), ("A", "M"), ("B", "CF"), ("B", "E")} <= seen_letters
    alicuotas = {ALICUOTA_IVA.lookup(v) for v in ejemplo.datos["alicuota_iva"]}
    assert {"21", "10.5", "27", "-1"} <= alicuotas


def test_example_typed_like_people_type(ejemplo):
    datos = ejemplo.datos
    assert any(isinstance(v, str) and re.fullmatch(r"\d\d/\d\d/\d{4}", v) for v in datos["fecha"])
    assert any(isinstance(v, str) and re.fullmatch(r"[\d.]+,\d\d", v) for v in datos["precio_unitario"])
    assert any(
        isinstance(v, str) and re.fullmatch(r"\d\d-\d{8}-\d", v) for v in datos["cliente_documento_nro"]
    )
    assert "Responsable Inscripto" in set(datos["cliente_condicion_iva"])
    assert "Factura a" in set(datos["tipo"])
    assert datos["bonificacion_porcentaje"].notna().any()


def test_example_nota_de_credito_points_at_the_number_its_factura_will_get(ejemplo):
    """Facturas A of punto de venta 1 get numbers 1, 2, 3… in ascending fecha, ties in sheet order."""
    comprobantes = _comprobantes(ejemplo.datos)
    facturas = [
        (ref, c) for ref, c in comprobantes.items()
        if TIPO_COMPROBANTE.lookup(c["tipo"]) == "FACTURA A" and c["punto_venta"] == 1
    ]  # fmt: skip
    facturas.sort(key=lambda item: _as_date(item[1]["fecha"]))  # stable: ties keep sheet order
    numero = {ref: n for n, (ref, _) in enumerate(facturas, start=1)}
    notas = [c for c in comprobantes.values() if TIPO_COMPROBANTE.lookup(c["tipo"]) == "NOTA DE CREDITO A"]
    assert len(notas) == 1
    nota = notas[0]
    target = [c for ref, c in facturas if numero[ref] == nota["asociado_numero"]]
    assert len(target) == 1
    factura = target[0]
    assert nota["asociado_punto_venta"] == factura["punto_venta"] == 1
    assert _as_date(nota["asociado_fecha"]) == _as_date(factura["fecha"]) <= _as_date(nota["fecha"])
    assert clean_document(nota["cliente_documento_nro"]) == clean_document(factura["cliente_documento_nro"])
    credited = {ln["codigo_producto"] for ln in nota["lineas"]}
    assert credited <= {ln["codigo_producto"] for ln in factura["lineas"]}


def test_example_validates_clean():
    planilla = read_planilla(EXAMPLE)
    result = validate_planilla(planilla, hoy=planilla.fecha_simulada, tope_cf=Decimal("10000000"))
    assert [str(p) for p in result.problems] == []
