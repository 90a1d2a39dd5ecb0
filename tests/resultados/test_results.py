"""The results workbook, read back with openpyxl and with calamine."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from importer.dominio.amounts import ZERO, comprobante_totals, round_cents
from importer.dominio.comprobantes import (
    EMITIDO,
    EN_DUDA,
    INVALIDO,
    PENDIENTE,
    RECHAZADO,
    VALIDO,
    Asociado,
    Cliente,
    Comprobante,
    Emision,
    Linea,
)
from importer.dominio.hints import hint_for_api_error, hint_for_problem
from importer.dominio.problems import Problem
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columns import OUTPUT_COLUMNS
from importer.planilla.reading import Planilla, read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from importer.resultados import celdas as celdas_module
from importer.resultados import results as results_module
from importer.resultados import xlsx as xlsx_module
from importer.resultados.results import SANDBOX_BANNER, RunInfo, write_results
from importer.resultados.xlsx import SafeSheet
from tests.conftest import CUIT_CLIENTE, CUIT_CLIENTE_2, valid_row, write_rows
from tests.resultados.libro import SUBTOTAL, formulas, only_tool_formulas, subtotal_value


def make_planilla(datos: pd.DataFrame, path: Path) -> Planilla:
    return Planilla(
        path=path,
        hoja="Comprobantes",
        datos=datos,
        letras={c: chr(ord("A") + i) for i, c in enumerate(datos.columns)},
        extras=("vendedor",),
        sha256="ab" * 32,
        fecha_simulada=None,
        encabezados_originales={c: c for c in datos.columns},
    )


def cbte(
    referencia: str,
    filas: tuple[int, ...],
    lineas: tuple[tuple[str, str, str], ...],
    *,
    tipo: str = "FACTURA A",
    razon: str = "Cliente SA",
    moneda: str = "PES",
    cotizacion: str = "1",
    fecha: date = date(2025, 7, 14),
    punto_venta: int = 1,
    asociado: Asociado | None = None,
) -> Comprobante:
    return Comprobante(
        referencia=referencia,
        filas=filas,
        fecha=fecha,
        tipo=tipo,
        punto_venta=punto_venta,
        cliente=Cliente("CUIT", CUIT_CLIENTE, razon, "RI"),
        lineas=tuple(
            Linea(f, f"Artículo {f}", Decimal(q), Decimal(p), a)
            for f, (q, p, a) in zip(filas, lineas, strict=False)
        ),
        moneda=moneda,
        cotizacion=Decimal(cotizacion),
        asociado=asociado,
    )


INJECTIONS = ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTabulada SA", "\rRetorno SA")
API_INJECTION = "\r=cmd|' /C calc'!A0 TFC-8004 Para la condicion de IVA seleccionada no se permite"
PDF_NAME = "FACTURA_A_00001-00000010.pdf"


@dataclass
class Scenario:
    folder: Path
    validacion: Validacion
    emisiones: dict[str, Emision]
    info: RunInfo
    datos: pd.DataFrame
    pdf: Path

    def write(self, name: str = "julio-resultados.xlsx", **info_changes: object) -> Path:
        info = RunInfo(**{**self.info.__dict__, **info_changes})
        return write_results(self.folder / name, self.validacion, self.emisiones, info)


@pytest.fixture
def scenario(tmp_path: Path) -> Scenario:
    """Ten input rows (row 7 blank): every estado, a NC, a ND, dollars and injection attempts."""
    rows = {
        2: ("FA-0001", date(2025, 7, 14), INJECTIONS[0], "1", "1000", "21"),
        3: ("FA-0001", None, None, "3", "333.33", "10.5"),
        4: ("FA-0002", datetime(2025, 7, 15), INJECTIONS[1], "2", "500", "27"),
        5: ("NC-0001", date(2025, 7, 16), INJECTIONS[2], "1", "200", "21"),
        6: ("FB-0001", date(2025, 7, 16), INJECTIONS[3], "1", "100", "21"),
        8: ("INV-0001", date(2025, 7, 16), INJECTIONS[4], "1", "100", "21"),
        9: ("FD-0001", date(2025, 7, 17), INJECTIONS[5], "1.5", "100", "21"),
        10: ("ND-0001", date(2025, 8, 1), "Débito SA", "1", "50", "21"),
        11: ("FX-0001", date(2025, 8, 1), "Duda SA", "1", "10", "21"),
        12: ("PEN-0001", date(2025, 8, 1), "Pendiente SA", "1", "10", "21"),
    }
    datos = pd.DataFrame(
        {
            "referencia": [r[0] for r in rows.values()],
            "fecha": [r[1] for r in rows.values()],
            "cliente_documento_nro": [CUIT_CLIENTE] * 5 + [int(CUIT_CLIENTE_2)] + [CUIT_CLIENTE] * 4,
            "cliente_razon_social": [r[2] for r in rows.values()],
            "cantidad": [float(r[3]) if "." in r[3] else int(r[3]) for r in rows.values()],
            "precio_unitario": [float(r[4]) if "." in r[4] else int(r[4]) for r in rows.values()],
            "alicuota_iva": [r[5] for r in rows.values()],
            "vendedor": ["@cmd", "#N/A", "1.234,56", None, "Ana", "Ana", "Ana", "Ana", "Ana", "Ana"],
        },
        index=pd.Index(list(rows), name="fila"),
        dtype=object,
    )
    nc_asoc = Asociado("FACTURA A", 1, 10, date(2025, 7, 14))
    comprobantes = [
        cbte("FA-0001", (2, 3), (("1", "1000", "21"), ("3", "333.33", "10.5")), razon=INJECTIONS[0]),
        cbte("FA-0002", (4,), (("2", "500", "27"),), razon=INJECTIONS[1], fecha=date(2025, 7, 15)),
        cbte(
            "NC-0001",
            (5,),
            (("1", "200", "21"),),
            tipo="NOTA DE CREDITO A",
            razon=INJECTIONS[2],
            asociado=nc_asoc,
            fecha=date(2025, 7, 16),
        ),
        cbte("FB-0001", (6,), (("1", "100", "21"),), tipo="FACTURA B", razon=INJECTIONS[3]),
        cbte("INV-0001", (8,), (("1", "100", "21"),), razon=INJECTIONS[4]),
        cbte(
            "FD-0001", (9,), (("1.5", "100", "21"),), moneda="DOL", cotizacion="1000.5", razon=INJECTIONS[5]
        ),
        cbte(
            "ND-0001",
            (10,),
            (("1", "50", "21"),),
            tipo="NOTA DE DEBITO A",
            asociado=nc_asoc,
            fecha=date(2025, 8, 1),
        ),
        cbte("FX-0001", (11,), (("1", "10", "21"),), fecha=date(2025, 8, 1)),
        cbte("PEN-0001", (12,), (("1", "10", "21"),), fecha=date(2025, 8, 1)),
    ]
    problems = [
        Problem(
            "cuit.digito_verificador",
            "el dígito verificador es incorrecto (debería ser 3)",
            8,
            "cliente_documento_nro",
            "C",
            "20111111112",
            referencia="INV-0001",
        ),
        Problem(
            "total.no_coincide",
            "el total calculado 121,00 no coincide con total_control 120,00",
            None,
            None,
            None,
            None,
            referencia="INV-0001",
        ),
        Problem("encabezado.distinto", "la columna vendedor no es de la plantilla", None, "vendedor", "H"),
    ]
    pdf = tmp_path / "julio-pdf" / PDF_NAME
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-1.4\n")

    def emitido(ref: str, numero: int, pv: int = 1, **kw: object) -> Emision:
        return Emision(
            ref, EMITIDO, f"{pv:05d}-{numero:08d}", numero, f"7123456789{numero:04d}", date(2025, 7, 24), **kw
        )  # type: ignore[arg-type]

    emisiones = {
        "FA-0001": emitido("FA-0001", 10, pdf=str(pdf), observaciones="Observada [ codigo: 10063 ]"),
        "FA-0002": emitido("FA-0002", 11),
        "NC-0001": emitido("NC-0001", 3),
        "FB-0001": Emision("FB-0001", RECHAZADO, errores=(API_INJECTION,)),
        "INV-0001": Emision("INV-0001", PENDIENTE),
        "FD-0001": emitido("FD-0001", 12),
        "ND-0001": emitido("ND-0001", 1),
        "FX-0001": Emision(
            "FX-0001", EN_DUDA, errores=("AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1254)",)
        ),
    }
    validacion = Validacion(
        planilla=make_planilla(datos, tmp_path / "julio.xlsx"),
        problems=problems,
        comprobantes=comprobantes,
        referencia_por_fila={f: r[0] for f, r in rows.items()},
        invalidas={"INV-0001"},
        filas_invalidas={8},
    )
    info = RunInfo(
        modo="PRODUCCIÓN",
        inicio=datetime(2025, 7, 18, 10, 0, 0),
        fin=datetime(2025, 7, 18, 10, 3, 7),
        version="9.9.9",
        planilla=tmp_path / "julio.xlsx",
        planilla_sha256="ab" * 32,
        rate=2.0,
        comando_reanudar="tf-import run julio.xlsx",
        detenido="AFIP/ARCA sigue sin funcionar después de 30 minutos de espera.",
    )
    return Scenario(tmp_path, validacion, emisiones, info, datos, pdf)


def sheet_rows(path: Path, sheet: str) -> list[list]:
    return [list(r) for r in load_workbook(path)[sheet].iter_rows()]


def by_header(path: Path, sheet: str) -> tuple[list[str], list[list]]:
    rows = sheet_rows(path, sheet)
    return [c.value for c in rows[0]], rows[1:]


# --- Resultados --------------------------------------------------------------------------------------


def test_resultados_keeps_every_input_row_and_column_then_the_outputs(scenario: Scenario) -> None:
    path = scenario.write()
    header, rows = by_header(path, "Resultados")
    # The issuer's columns appear only when a comprobante has an account or an issuer CUIT: none here.
    issuer = ("cuenta_nombre", "cuenta_cuit")
    # estado and errores right after referencia (where the eye is); the rest as before.
    inputs = [c for c in scenario.datos.columns if c != "referencia"]
    outputs = [c for c in OUTPUT_COLUMNS if c not in (*issuer, "estado", "errores")]
    assert header == ["referencia", "estado", "errores", *inputs, *outputs]
    by_row = {r[0].row: r for r in rows if any(c.value is not None for c in r)}
    assert sorted(by_row) == list(scenario.datos.index)  # blank row 7 stays blank: Excel rows match
    col = {name: i for i, name in enumerate(header)}
    estados = {fila: by_row[fila][col["estado"]].value for fila in by_row}
    assert estados == {
        2: EMITIDO,
        3: EMITIDO,
        4: EMITIDO,
        5: EMITIDO,
        6: RECHAZADO,
        8: INVALIDO,
        9: EMITIDO,
        10: EMITIDO,
        11: EN_DUDA,
        12: PENDIENTE,
    }
    fills = {fila: by_row[fila][col["estado"]].fill.fgColor.rgb[-6:] for fila in by_row}
    assert fills[2] == "C6EFCE" and fills[6] == fills[8] == "FFC7CE" and fills[11] == fills[12] == "FFEB9C"

    fa = by_row[3]
    totals = comprobante_totals(scenario.validacion.comprobantes[0])
    assert fa[col["total"]].value is None  # the total once, on the comprobante's first row
    assert Decimal(str(by_row[2][col["total"]].value)) == totals.total
    assert fa[col["comprobante_tipo"]].value == "FACTURA A"
    assert fa[col["comprobante_numero"]].value == "00001-00000010"
    assert fa[col["cae"]].value == "71234567890010" and fa[col["cae"]].data_type == "s"
    assert fa[col["cae_vencimiento"]].value == datetime(2025, 7, 24)
    assert fa[col["cae_vencimiento"]].number_format == "dd/mm/yyyy"
    assert by_row[2][col["total"]].number_format == "#,##0.00"
    assert fa[col["observaciones_afip"]].value == "Observada [ codigo: 10063 ]"

    invalid_errors = by_row[8][col["errores"]].value
    # The column by its letter in Resultados (E), where the message is read.
    assert "columna E (cliente_documento_nro): el dígito verificador es incorrecto" in invalid_errors
    assert "total_control" in invalid_errors and "; " in invalid_errors
    assert by_row[8][col["errores"]].alignment.wrap_text
    assert by_row[6][col["errores"]].value.lstrip().startswith("=cmd")
    assert by_row[11][col["errores"]].value.startswith("AFIP No devolvio el CAE")


def test_input_cells_keep_their_types(scenario: Scenario) -> None:
    header, rows = by_header(scenario.write(), "Resultados")
    col = {name: i for i, name in enumerate(header)}
    first, fourth = rows[0], rows[2]
    assert first[col["fecha"]].value == datetime(2025, 7, 14)
    assert first[col["fecha"]].number_format == "dd/mm/yyyy"
    assert fourth[col["fecha"]].value == datetime(2025, 7, 15)
    assert first[col["cliente_documento_nro"]].data_type == "s"  # text stays text
    cuit_as_number = rows[8 - 2][col["cliente_documento_nro"]]  # Excel row 8
    assert cuit_as_number.value == int(CUIT_CLIENTE_2) and cuit_as_number.number_format == "0"
    assert first[col["cantidad"]].data_type == "n" and first[col["cantidad"]].value == 1
    assert rows[1][col["precio_unitario"]].value == pytest.approx(333.33)
    assert rows[1][col["vendedor"]].value == "#N/A" and rows[1][col["vendedor"]].data_type == "s"
    assert rows[2][col["vendedor"]].value == "1.234,56"


def test_no_cell_is_ever_a_formula_but_the_footers_the_tool_builds(scenario: Scenario) -> None:
    path = scenario.write()
    found = only_tool_formulas(path)
    assert {sheet for sheet, _ in found} == {"Comprobantes"} and len(found) == 16  # the summed columns
    header, rows = by_header(path, "Resultados")
    col = header.index("cliente_razon_social")
    razones = [r[col] for r in rows if r[col].value is not None and r[col].row != 3]
    for cell in razones[:6]:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert rows[0][header.index("vendedor")].quotePrefix  # "@cmd" in an unknown column
    rejected = [r for r in rows if r[header.index("estado")].value == RECHAZADO][0]
    assert rejected[header.index("errores")].quotePrefix


def test_calamine_reads_the_exact_texts_back(scenario: Scenario) -> None:
    path = scenario.write()
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_name("Resultados").to_python()
    header = sheet[0]
    razones = [r[header.index("cliente_razon_social")] for r in sheet[1:] if r[0] not in ("", None)]
    assert [r for r in razones if r] == [*INJECTIONS, "Débito SA", "Duda SA", "Pendiente SA"]
    errores = [r[header.index("errores")] for r in sheet[1:] if r[header.index("estado")] == RECHAZADO]
    assert errores == [API_INJECTION.strip()]  # surrounding blanks trimmed for reading
    frame = pd.read_excel(path, sheet_name="Comprobantes", engine="calamine", dtype=object)
    emitted = ["FA-0001", "FA-0002", "NC-0001", "FD-0001", "ND-0001"]
    apart = ["FB-0001", "INV-0001", "FX-0001", "PEN-0001"]  # below the footer, never in the totals
    assert [r for r in frame["Referencia"] if isinstance(r, str)] == emitted + apart
    assert frame["Cód. Autorización"].dropna().map(type).eq(str).all()


def test_pdf_is_a_relative_hyperlink_that_resolves(scenario: Scenario) -> None:
    for name in ("julio-resultados.xlsx", "salida/julio-resultados.xlsx"):
        path = scenario.write(name)
        header, rows = by_header(path, "Resultados")
        cell = rows[0][header.index("pdf")]
        assert cell.value == PDF_NAME
        target = cell.hyperlink.target
        assert not os.path.isabs(target) and "\\" not in target
        assert (path.parent / unquote(target)).resolve() == scenario.pdf.resolve()
        assert cell.font.underline == "single"
    spaced = scenario.pdf.with_name("FACTURA A 1.pdf")
    spaced.write_bytes(b"%PDF")
    scenario.emisiones["FA-0002"] = Emision("FA-0002", EMITIDO, "00001-00000011", 11, pdf=str(spaced))
    path = scenario.write()
    header, rows = by_header(path, "Resultados")
    target = rows[2][header.index("pdf")].hyperlink.target
    assert "%20" in target and (path.parent / unquote(target)).resolve() == spaced.resolve()


# --- Comprobantes and Resumen --------------------------------------------------------------------------


AMOUNT_HEADERS = (  # the Comprobantes columns of `expected_amounts`, in its order
    "Neto gravado 27 %",
    "IVA 27 %",
    "Neto gravado 21 %",
    "IVA 21 %",
    "Neto gravado 10,5 %",
    "IVA 10,5 %",
    "Neto 0 %",
    "Imp. Op. Exentas",
    "Imp. Neto No Gravado",
    "Otros Tributos",
    "Imp. Total",
)
ARCA_HEADERS = [  # «Mis Comprobantes Emitidos», in its order
    "Fecha",
    "Tipo",
    "Punto de Venta",
    "Número Desde",
    "Número Hasta",
    "Cód. Autorización",
    "Tipo Doc. Receptor",
    "Nro. Doc. Receptor",
    "Denominación Receptor",
    "Tipo Cambio",
    "Moneda",
    "Imp. Neto Gravado Total",
    "Imp. Neto No Gravado",
    "Imp. Op. Exentas",
    "Otros Tributos",
    "Total IVA",
    "Imp. Total",
]


def expected_amounts(c: Comprobante) -> list[Decimal]:
    """In the comprobante's currency, unsigned."""
    t = comprobante_totals(c)
    return [
        t.neto.get("27", ZERO),
        t.iva.get("27", ZERO),
        t.neto.get("21", ZERO),
        t.iva.get("21", ZERO),
        t.neto.get("10.5", ZERO),
        t.iva.get("10.5", ZERO),
        t.neto_cero,
        t.exento,
        t.no_gravado,
        ZERO,
        t.total,
    ]


def expected_pesos(c: Comprobante) -> list[Decimal]:
    """As Comprobantes shows them: each converted to pesos and rounded, negative in a nota de crédito."""
    sign = -1 if c.tipo_info.es_credito else 1
    return [sign * round_cents(a * c.cotizacion) for a in expected_amounts(c)]


def test_comprobantes_follows_arca_in_pesos_with_credit_notes_negative(scenario: Scenario) -> None:
    path = scenario.write()
    header, rows = by_header(path, "Comprobantes")
    assert header[: len(ARCA_HEADERS)] == ARCA_HEADERS
    col = {h: i for i, h in enumerate(header)}
    by_ref = {c.referencia: c for c in scenario.validacion.comprobantes}
    emitted = ["FA-0001", "FA-0002", "NC-0001", "FD-0001", "ND-0001"]
    assert [r[col["Referencia"]].value for r in rows[: len(emitted)]] == emitted
    for row in rows[: len(emitted)]:
        c = by_ref[row[col["Referencia"]].value]
        got = [Decimal(str(row[col[h]].value)) for h in AMOUNT_HEADERS]
        assert got == expected_pesos(c), c.referencia
        assert all(row[col[h]].number_format == "#,##0.00" for h in AMOUNT_HEADERS)
        netos, ivas = expected_pesos(c)[0:7:2], expected_pesos(c)[1:6:2]
        assert (
            Decimal(str(row[col["Imp. Neto Gravado Total"]].value)) == sum(netos, ZERO) + expected_pesos(c)[6]
        )
        assert Decimal(str(row[col["Total IVA"]].value)) == sum(ivas, ZERO)
        assert row[col["Nro. Doc. Receptor"]].data_type == "s" and row[col["Tipo Doc. Receptor"]].value == 80
        assert row[col["Tipo de comprobante"]].value == c.tipo
    codes = {r[col["Referencia"]].value: r[col["Tipo"]].value for r in rows[: len(emitted)]}
    assert codes == {"FA-0001": 1, "FA-0002": 1, "NC-0001": 3, "FD-0001": 1, "ND-0001": 2}  # AFIP's
    fa, fd = rows[0], rows[3]
    assert fa[col["Número Desde"]].value == fa[col["Número Hasta"]].value == 10
    assert fa[col["Número Desde"]].number_format == "00000000"
    assert fa[col["Punto de Venta"]].number_format == "00000"
    cae = fa[col["Cód. Autorización"]]
    assert cae.data_type == "s" and cae.comment is None  # not the sandbox
    assert (
        Decimal(str(fd[col["Total en moneda de origen"]].value))
        == comprobante_totals(by_ref["FD-0001"]).total
    )
    assert fd[col["Moneda"]].value == "DOL" and Decimal(str(fd[col["Tipo Cambio"]].value)) == Decimal(
        "1000.5"
    )
    nc = rows[2]
    assert nc[col["Imp. Total"]].value < 0 and nc[col["Total en moneda de origen"]].value < 0


def test_comprobantes_footer_follows_the_filter_and_sums_only_the_emitted(scenario: Scenario) -> None:
    path = scenario.write()
    header, rows = by_header(path, "Comprobantes")
    col = {h: i for i, h in enumerate(header)}
    by_ref = {c.referencia: c for c in scenario.validacion.comprobantes}
    emitted = ["FA-0001", "FA-0002", "NC-0001", "FD-0001", "ND-0001"]
    footer = rows[len(emitted)]  # right below the emitted ones, Excel row 7
    assert footer[0].value.startswith("Total emitido") and footer[0].row == len(emitted) + 2
    ws = load_workbook(path)["Comprobantes"]
    cached = load_workbook(path, data_only=True)["Comprobantes"]  # what the fast writer stored
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}{len(emitted) + 1}"
    for i, h in enumerate(AMOUNT_HEADERS):
        expected = sum((expected_pesos(by_ref[r])[i] for r in emitted), ZERO)
        formula = footer[col[h]].value
        letter = footer[col[h]].column_letter
        assert formula == f"=SUBTOTAL(109,{letter}2:{letter}{len(emitted) + 1})", h
        assert subtotal_value(ws, formula) == expected, h
        assert Decimal(str(cached.cell(footer[0].row, col[h] + 1).value)) == expected, h
    nc = comprobante_totals(by_ref["NC-0001"]).total
    positive = sum(
        (round_cents(comprobante_totals(by_ref[r]).total * by_ref[r].cotizacion) for r in emitted), ZERO
    )
    total = Decimal(str(cached.cell(footer[0].row, col["Imp. Total"] + 1).value))
    assert total == positive - 2 * nc  # the nota de crédito subtracts
    # The others, apart under their own heading, after the footer: never in its range.
    heading = next(r for r in rows if r[0].value and str(r[0].value).startswith("No emitidos"))
    apart = [r[col["Referencia"]].value for r in rows if r[0].row > heading[0].row]
    assert apart == ["FB-0001", "INV-0001", "FX-0001", "PEN-0001"]
    assert {r[col["Estado"]].value for r in rows if r[0].row > heading[0].row} == {
        RECHAZADO,
        INVALIDO,
        EN_DUDA,
        PENDIENTE,
    }


def section(rows: list[list], title: str) -> list[list]:
    """The data rows of one table of the Resumen sheet (after its title and header)."""
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith(title)) + 2
    end = next((i for i in range(start, len(rows)) if all(v is None for v in rows[i])), len(rows))
    return rows[start:end]


def test_resumen_iva_debito_fiscal_subtracts_the_nota_de_credito(scenario: Scenario) -> None:
    rows = [[c.value for c in r] for r in sheet_rows(scenario.write(), "Resumen")]
    by_label = {r[0]: r[1:] for r in rows if r and r[0] is not None}
    cbtes = {c.referencia: comprobante_totals(c) for c in scenario.validacion.comprobantes}
    fd = next(c for c in scenario.validacion.comprobantes if c.referencia == "FD-0001")
    iva_julio = (
        cbtes["FA-0001"].iva["21"]
        + cbtes["FA-0001"].iva["10.5"]
        + cbtes["FA-0002"].iva["27"]
        - cbtes["NC-0001"].iva["21"]
        + round_cents(cbtes["FD-0001"].iva["21"] * fd.cotizacion)
    )
    assert Decimal(str(by_label["Total 07/2025"][1])) == iva_julio
    assert Decimal(str(by_label["07/2025 — 21 %"][1])) == (
        cbtes["FA-0001"].iva["21"]
        - cbtes["NC-0001"].iva["21"]
        + round_cents(cbtes["FD-0001"].iva["21"] * fd.cotizacion)
    )
    assert Decimal(str(by_label["Total 08/2025"][1])) == cbtes["ND-0001"].iva["21"]  # débito added
    assert by_label[EMITIDO][:2] == [6, 5] and by_label[INVALIDO][:2] == [1, 1]
    assert by_label[RECHAZADO][:2] == [1, 1] and by_label[EN_DUDA][:2] == [1, 1]
    assert by_label["Total"][:2] == [10, 9]
    por_tipo = {r[0]: r[1:3] for r in section(rows, "Comprobantes emitidos por tipo")}
    assert por_tipo["NOTA DE CREDITO A"] == [1, cbtes["NC-0001"].total]  # positive in its own line
    assert por_tipo["FACTURA A"][0] == 3  # FA-0001, FA-0002, FD-0001
    numeracion = {(r[0], r[1]): r[2:5] for r in section(rows, "Numeración emitida")}
    assert numeracion[("FACTURA A", 1)] == [10, 12, 3] and numeracion[("NOTA DE DEBITO A", 1)] == [1, 1, 1]
    assert SANDBOX_BANNER not in str(rows)


# --- Errores and Ejecución -----------------------------------------------------------------------------


def test_errores_lists_problems_and_rejections_with_hints(scenario: Scenario) -> None:
    header, rows = by_header(scenario.write(), "Errores")
    assert header == ["Hoja", "Fila", "Referencia", "Columna", "Código", "Mensaje", "Valor", "Qué hacer"]
    values = [[c.value for c in r][1:] for r in rows]  # the sheet is checked on its own below
    hojas = {r[2].value: r[0].value for r in rows}
    assert values[0][0] is None and rows[0][0].value is None  # file-level problems first
    assert hojas["INV-0001"] == "Comprobantes" and hojas["FB-0001"] == "Comprobantes"  # rows of that sheet
    cuit = next(v for v in values if v[3] == "cuit.digito_verificador")
    assert cuit[:3] == [8, "INV-0001", "C (cliente_documento_nro)"] and cuit[5] == "20111111112"
    assert cuit[6] == hint_for_problem("cuit.digito_verificador")
    rejected = next(v for v in values if v[1] == "FB-0001")
    assert rejected[0] == 6 and rejected[3] == "TFC-8004"
    exact = CalamineWorkbook.from_path(scenario.write()).get_sheet_by_name("Errores").to_python()
    assert [r[5] for r in exact if r[2] == "FB-0001"] == [API_INJECTION]
    assert rejected[6] == hint_for_api_error(API_INJECTION) and "IVA" in rejected[6]
    doubt = next(v for v in values if v[1] == "FX-0001")
    assert doubt[3] == "S1254" and "mismo comando" in doubt[6]
    assert not any(v[1] in ("FA-0001", "PEN-0001") for v in values)  # emitted / pending need nobody
    cell = next(r for r in rows if r[2].value == "FB-0001")[5]
    assert cell.data_type == "s" and cell.quotePrefix


def test_ejecucion_records_the_run(scenario: Scenario) -> None:
    rows = {r[0].value: r[1].value for r in sheet_rows(scenario.write(), "Ejecución") if r[0].value}
    assert rows["Planilla"] == "julio.xlsx" and rows["SHA-256 de la planilla"] == "ab" * 32
    assert rows["Modo"] == "PRODUCCIÓN" and rows["Versión de tf-import"] == "9.9.9"
    assert rows["Inicio"] == datetime(2025, 7, 18, 10, 0) and rows["Duración"] == "00:03:07"
    assert rows["Ritmo máximo"] == "2 pedidos por segundo"
    assert rows["Resultado"].startswith("AFIP/ARCA sigue sin funcionar")
    assert rows["Para reanudar"] == "tf-import run julio.xlsx"
    assert rows["Filas leídas"] == 10 and rows["Comprobantes"] == 9


def test_sandbox_results_say_so_everywhere(scenario: Scenario) -> None:
    path = scenario.write(modo="SANDBOX")
    wb = load_workbook(path)
    assert SANDBOX_BANNER in wb.properties.title
    assert any(c.value == SANDBOX_BANNER for r in wb["Resumen"].iter_rows() for c in r)
    assert any(SANDBOX_BANNER in str(c.value) for r in wb["Ejecución"].iter_rows() for c in r)
    cae_cells = []
    for sheet, name in (("Resultados", "cae"), ("Comprobantes", "Cód. Autorización")):
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(name)
        cae_cells += [r[col] for r in ws.iter_rows(min_row=2) if r[col].value]
    assert len(cae_cells) == 6 + 5  # emitted rows + emitted comprobantes
    assert all("SIN VALIDEZ FISCAL" in c.comment.text for c in cae_cells)
    assert all(ws.oddHeader.center.text == SANDBOX_BANNER for ws in wb)


def test_validation_report_has_only_valido_and_invalido(scenario: Scenario) -> None:
    info = RunInfo(**{**scenario.info.__dict__, "modo": "VALIDACIÓN", "rate": None})
    path = write_results(scenario.folder / "reporte.xlsx", scenario.validacion, None, info)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Resultados", "Errores", "Ejecución"]
    header, rows = by_header(path, "Resultados")
    estados = {r[header.index("estado")].value for r in rows if r[0].value is not None}
    assert estados == {VALIDO, INVALIDO}
    assert all(r[header.index("cae")].value is None for r in rows)
    assert {r[0].value: r[1].value for r in wb["Ejecución"].iter_rows()}["Ritmo máximo"] == "—"


# --- writing safely ------------------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".~")]


def test_locked_target_directory_falls_back_beside_it(scenario: Scenario) -> None:
    (scenario.folder / "julio-resultados.xlsx").mkdir()
    written = scenario.write()
    assert written.parent == scenario.folder and written.name != "julio-resultados.xlsx"
    assert written.name.startswith("julio-resultados-") and written.suffix == ".xlsx"
    stamp = written.stem.removeprefix("julio-resultados-")
    assert datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    assert load_workbook(written).sheetnames[0] == "Resultados"
    assert leftovers(scenario.folder) == []


def test_target_open_elsewhere_is_left_alone(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    target = scenario.folder / "julio-resultados.xlsx"
    target.write_bytes(b"the user's open copy")
    real_replace = os.replace

    def locked(src: str, dst: str) -> None:
        if Path(dst) == target:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(results_module.os, "replace", locked)
    written = scenario.write()
    assert written != target and written.exists()
    assert target.read_bytes() == b"the user's open copy"
    assert leftovers(scenario.folder) == []


def test_a_failed_save_leaves_the_old_file_and_no_temporary(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = scenario.folder / "julio-resultados.xlsx"
    first = scenario.write()
    before = first.read_bytes()

    real_write = xlsx_module.write_package

    def broken(wb: Workbook, path: Path) -> None:
        real_write(wb, path)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx_module, "write_package", broken)
    with pytest.raises(OSError):
        scenario.write()
    assert target.read_bytes() == before
    assert leftovers(scenario.folder) == []


def test_text_xml_cannot_carry_is_replaced_and_said_on_its_row(scenario: Scenario) -> None:
    """U+FFFE, U+FFFF and lone surrogates (a POSIX file name, say) written raw break the whole file."""
    from xml.etree import ElementTree

    scenario.datos.loc[10, "cliente_razon_social"] = "Débito \ud800\ufffe SA"
    scenario.datos.loc[10, "vendedor"] = "Ana \uffff"
    scenario.emisiones["FA-0002"] = Emision(
        "FA-0002", EMITIDO, "00001-00000011", 11, observaciones="obs \uffff"
    )
    written = scenario.write(planilla=scenario.folder / "julio\udcff\x01.xlsx")
    with zipfile.ZipFile(written) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(archive.read(name))
    wb = load_workbook(written)
    ws = wb["Resultados"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[10]], strict=True))
    assert row["cliente_razon_social"] == "Débito \ufffd\ufffd SA" and row["vendedor"] == "Ana \ufffd"
    assert (
        "Se reemplazaron caracteres no válidos en las columnas F (cliente_razon_social), J (vendedor)"
        in (row["errores"])
    )
    assert dict(zip(header, [c.value for c in ws[4]], strict=True))["observaciones_afip"] == "obs \ufffd"
    assert "\ufffd" in wb.properties.title
    other_rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] != "ND-0001"]
    assert not any("reemplazaron" in str(r[header.index("errores")]) for r in other_rows)


def test_a_folder_that_takes_no_file_fails_first_in_spanish_and_quietly(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is built for a folder that cannot take the file, and a workbook dropped after a failed
    save leaves no "Exception ignored" traceback on the screen."""
    import gc
    import sys

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    blocker = scenario.folder / "f.txt"
    blocker.write_text("x")
    with pytest.raises(xlsx_module.OutputError) as raised:
        scenario.write(name="f.txt/julio-resultados.xlsx")
    assert raised.value.reason == "una parte de la ruta es un archivo, no una carpeta"

    def full_disk(wb: Workbook, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx_module, "write_package", full_disk)
    with pytest.raises(xlsx_module.OutputError) as raised:
        scenario.write()
    assert raised.value.reason == "no queda espacio en el disco"
    gc.collect()
    assert unraisable == []
    assert leftovers(scenario.folder) == []


# --- round trip ------------------------------------------------------------------------------------------


def test_results_workbook_is_valid_input_again(tmp_path: Path) -> None:
    rows = [
        valid_row(
            referencia="FA-0001",
            fecha=date(2025, 7, 14),
            cliente_razon_social="=1+1",
            precio_unitario="1.234,56",
            vendedor="@cmd",
        ),
        valid_row(
            referencia="FA-0001",
            fecha=None,
            tipo=None,
            cantidad=2.5,
            descripcion="-2+3 tornillos",
            cliente_documento_nro=int(CUIT_CLIENTE),
            vendedor="#N/A",
        ),
        {},
        valid_row(
            referencia="FA-0002",
            fecha=datetime(2025, 7, 15),
            periodo_desde=date(2025, 7, 1),
            periodo_hasta="31/07/2025",
            codigo_producto="007",
            vendedor=None,
        ),
    ]
    source = write_rows(tmp_path / "julio.xlsx", rows)
    planilla = read_planilla(source)
    assert list(planilla.datos.index) == [2, 3, 5]
    comprobantes = [
        cbte("FA-0001", (2, 3), (("1", "1234.56", "21"), ("2.5", "1000", "21")), razon="=1+1"),
        cbte("FA-0002", (5,), (("1", "1000", "21"),)),
    ]
    validacion = Validacion(
        planilla=planilla,
        problems=[],
        comprobantes=comprobantes,
        referencia_por_fila={2: "FA-0001", 3: "FA-0001", 5: "FA-0002"},
        invalidas=set(),
        filas_invalidas=set(),
    )
    emisiones = {
        "FA-0001": Emision("FA-0001", EMITIDO, "00001-00000001", 1, "71234567890123", date(2025, 7, 24))
    }
    info = RunInfo("SANDBOX", datetime(2025, 7, 18), datetime(2025, 7, 18), "9.9.9", source, planilla.sha256)
    written = write_results(tmp_path / "julio-resultados.xlsx", validacion, emisiones, info)

    again = read_planilla(written)
    assert again.hoja == "Resultados"
    assert list(again.datos.columns) == list(planilla.datos.columns)
    assert list(again.datos.index) == list(planilla.datos.index)
    for fila in planilla.datos.index:
        for column in planilla.datos.columns:
            before, after = planilla.datos.at[fila, column], again.datos.at[fila, column]
            if pd.isna(before):
                assert pd.isna(after), (fila, column)
            else:
                assert after == before and type(after) is type(before), (fila, column, before, after)


def test_round_trip_through_the_real_validation(tmp_path: Path) -> None:
    rows = [
        valid_row(referencia="FA-1", cliente_razon_social="+Cliente SA", vendedor="@x"),
        valid_row(referencia="FA-1", cliente_razon_social=None, cantidad="2,5", precio_unitario="1.234,50"),
        valid_row(referencia="FA-2", cliente_documento_nro="20123456780"),  # wrong check digit
    ]
    planilla = read_planilla(write_rows(tmp_path / "agosto.xlsx", rows))
    checked = validate_planilla(planilla, hoy=hoy_en_argentina())
    assert checked.problems
    info = RunInfo("VALIDACIÓN", datetime.now(), datetime.now(), "9.9.9", planilla.path, planilla.sha256)
    report = write_results(tmp_path / "reporte.xlsx", checked, None, info)
    header, out_rows = by_header(report, "Resultados")
    estados = [r[header.index("estado")].value for r in out_rows]
    assert estados == [VALIDO, VALIDO, INVALIDO]
    assert "columna" in out_rows[2][header.index("errores")].value
    _, errores = by_header(report, "Errores")
    assert {r[4].value for r in errores} == {p.codigo for p in checked.problems}
    again = read_planilla(report)
    assert again.datos.equals(planilla.datos)
    rechecked = validate_planilla(again, hoy=hoy_en_argentina())
    assert [(p.codigo, p.fila) for p in rechecked.problems] == [(p.codigo, p.fila) for p in checked.problems]


def test_column_is_named_once_in_errores(scenario: Scenario) -> None:
    scenario.validacion.problems.append(
        Problem("texto.largo", "vendedor: admite hasta 20 caracteres y tiene 31.", 4, "vendedor", "H")
    )
    header, rows = by_header(scenario.write(), "Resultados")
    errores = rows[4 - 2][header.index("errores")].value
    # H in the planilla; J in Resultados, where estado and errores follow referencia.
    assert errores == "columna J (vendedor): admite hasta 20 caracteres y tiene 31."


def test_hyperlinks_stop_at_excels_limit(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario.emisiones["FA-0002"] = Emision("FA-0002", EMITIDO, "00001-00000011", 11, pdf=str(scenario.pdf))
    monkeypatch.setattr(celdas_module, "MAX_LINKS", 1)
    header, rows = by_header(scenario.write(), "Resultados")
    pdf = [r[header.index("pdf")] for r in rows if r[header.index("pdf")].value]
    assert [c.value for c in pdf] == [PDF_NAME, PDF_NAME]  # the name is always there
    assert [c.hyperlink is not None for c in pdf] == [True, False]


# --- the sheet writer -------------------------------------------------------------------------------


@pytest.mark.slow
def test_libreoffice_opens_it_with_notes_links_and_texts(scenario: Scenario, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    path = scenario.write("sandbox.xlsx", modo="SANDBOX")
    converted = tmp_path / "convertido"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'perfil').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(converted),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    wb = load_workbook(converted / "sandbox.xlsx")
    assert wb.sheetnames == ["Resultados", "Comprobantes", "Resumen", "Errores", "Ejecución"]
    header, rows = by_header(converted / "sandbox.xlsx", "Resultados")
    first = rows[0]
    assert first[header.index("cliente_razon_social")].value == "=1+1"
    assert "SIN VALIDEZ FISCAL" in first[header.index("cae")].comment.text
    target = first[header.index("pdf")].hyperlink.target  # LibreOffice rewrites it for its own folder
    assert (converted / unquote(target)).resolve() == scenario.pdf.resolve()
    # The only formulas are the footers' SUBTOTALs, and LibreOffice calculates them to the sums.
    found = formulas(converted / "sandbox.xlsx")
    assert found and all(sheet == "Comprobantes" and SUBTOTAL.match(f) for (sheet, _), f in found.items())
    ws, calculated = wb["Comprobantes"], load_workbook(converted / "sandbox.xlsx", data_only=True)
    for (_, coordinate), formula in found.items():
        value = calculated["Comprobantes"][coordinate].value
        assert Decimal(str(value)).quantize(Decimal("0.01")) == subtotal_value(ws, formula), coordinate


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=15))
def test_text_never_becomes_a_formula_and_reads_back_exactly(tmp_path: Path, texts: list[str]) -> None:
    wb = Workbook(write_only=True)
    ws = SafeSheet.add(wb, "S")
    for text in texts:
        ws.append([text])
    path = tmp_path / "texts.xlsx"
    wb.save(path)
    assert all(row[0].data_type == "s" for row in load_workbook(path)["S"].iter_rows())
    back = CalamineWorkbook.from_path(path).get_sheet_by_name("S").to_python(skip_empty_area=False)
    assert [r[0] for r in back] == texts
