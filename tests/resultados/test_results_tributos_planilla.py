"""Perceptions in the results workbook from a real planilla: written with openpyxl, validated and
emitted in the sandbox through the command line, the workbook read back (interface.md §7, §8).

Two facturas with IIBB Buenos Aires perceptions of 100,00 and 50,00 and a nota de crédito with
30,00: the agente declares 120,00 for that month. A Tributos row whose referencia is no
comprobante is INVALIDO with its message, blocks nothing else, and the run exits 1.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importer.cli.main import main
from importer.dominio.comprobantes import EMITIDO, INVALIDO, VALIDO
from importer.dominio.reloj import hoy_en_argentina
from tests.conftest import valid_row, write_rows
from tests.resultados.libro import subtotal_value

HOY = hoy_en_argentina()
HEADER = ["referencia", "tributo", "regimen", "base_imponible", "alicuota", "importe", "descripcion"]
TRIBUTOS = [
    HEADER,
    ["FA-1", "IIBB", "Buenos Aires", 1000, 10, None, "ARBA"],  # 100,00
    ["FA-2", "iibb", "Provincia de Buenos Aires", "500,00", 10, "50,00", None],  # 50,00
    ["NC-1", "IIBB", "Buenos Aires", 300, 10, None, None],  # 30,00, taken away
    ["ZZZ-9", "IIBB", "CABA", 100, 3, None, "-3 % CABA"],  # no such comprobante
]


def planilla(folder: Path, **nota: object) -> Path:
    """The month; `nota` changes cells of the nota de crédito's row."""
    rows = [
        valid_row(referencia="FA-1", fecha=HOY),  # 1 × 1000 @ 21 %
        valid_row(referencia="FA-2", fecha=HOY, precio_unitario=500),
        valid_row(
            referencia="NC-1",
            fecha=HOY,
            tipo="NOTA DE CREDITO A",
            precio_unitario=300,
            asociado_tipo="FACTURA A",
            asociado_punto_venta=1,
            asociado_numero=1,
            asociado_fecha=HOY,
            **nota,
        ),
    ]
    return write_rows(folder / "mes.xlsx", rows, extra_sheets={"Tributos": TRIBUTOS})


def sheet(path: Path, name: str) -> tuple[list[str], list[list[object]]]:
    rows = [list(r) for r in load_workbook(path)[name].iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


@pytest.fixture(params=["fast", "plain"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "plain":  # the fallback, as when openpyxl's internals moved
        monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    return str(request.param)


def test_a_month_with_perceptions_emitted_in_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    monkeypatch.setenv("TUSFACTURAS_CUIT", "30-71777888-6")  # notas de crédito send the issuer CUIT
    entrada = planilla(tmp_path)
    assert main(["run", str(entrada), "--sandbox", "--rate", "0"]) == 1  # the unknown referencia
    capsys.readouterr()
    resultados = entrada.with_name("mes-resultados.xlsx")
    assert load_workbook(resultados).sheetnames[:3] == ["Resultados", "Tributos", "Comprobantes"]

    header, rows = sheet(resultados, "Tributos")
    assert header == [HEADER[0], "estado", "errores", *HEADER[1:]]  # estado, errores after referencia
    assert [r[:1] + r[3:] for r in rows] == TRIBUTOS[1:]  # as typed
    assert [r[1] for r in rows] == [EMITIDO, EMITIDO, EMITIDO, INVALIDO]
    assert rows[0][2] is None and "ZZZ-9" in str(rows[3][2]) and "columna A (referencia)" in str(rows[3][2])

    header, rows = sheet(resultados, "Comprobantes")
    col = {h: i for i, h in enumerate(header)}
    iibb = {r[col["Referencia"]]: r[col["Percepciones IIBB"]] for r in rows if r[col["Referencia"]]}
    assert iibb == {"FA-1": 100, "FA-2": 50, "NC-1": -30}  # a nota de crédito's, negative
    fa1 = next(r for r in rows if r[col["Referencia"]] == "FA-1")
    assert Decimal(str(fa1[col["Imp. Total"]])) == Decimal("1310.00")  # 1000 + 210 + 100
    ws = load_workbook(resultados)["Comprobantes"]
    footer = next(r for r in ws.iter_rows() if str(r[0].value).startswith("Total emitido"))
    assert subtotal_value(ws, footer[col["Percepciones IIBB"]].value) == 120  # 100 + 50 − 30

    _, resumen = sheet(resultados, "Resumen")
    label = f"{HOY:%m/%Y} — Percepciones IIBB — Buenos Aires"
    declared = next(r for r in resumen if r[0] == label)
    assert (declared[1], declared[2]) == (1200, 120)  # base 1000 + 500 − 300; 100 + 50 − 30

    _, errores = sheet(resultados, "Errores")
    assert [r[:4] for r in errores] == [["Tributos", 5, "ZZZ-9", "A (referencia)"]]

    # Fed back to run, the results workbook is input again: its estado and errores are ignored,
    # the perceptions read the same, nothing is sent twice.
    assert main(["run", str(resultados), "--sandbox", "--rate", "0"]) == 1
    assert "Enviados en esta ejecución: 0" in capsys.readouterr().out
    _, again = sheet(resultados, "Tributos")
    assert [r[1] for r in again] == [EMITIDO, EMITIDO, EMITIDO, INVALIDO]


def test_the_validation_report_has_the_tributos_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    entrada = planilla(tmp_path, cliente_documento_nro="20123456780")  # wrong check digit
    reporte = tmp_path / "reporte.xlsx"
    assert main(["validate", str(entrada), "--reporte", str(reporte)]) == 1
    capsys.readouterr()
    assert load_workbook(reporte).sheetnames == ["Resultados", "Tributos", "Errores", "Ejecución"]
    header, rows = sheet(reporte, "Tributos")
    # NC-1 is invalid for its CUIT: its perception row says so, pointing at the row to fix.
    assert [r[1] for r in rows] == [VALIDO, VALIDO, INVALIDO, INVALIDO]
    assert "NC-1" in str(rows[2][2]) and "Comprobantes fila 4" in str(rows[2][2])
    cell = load_workbook(reporte)["Tributos"]["I5"]
    assert cell.value == "-3 % CABA" and cell.data_type == "s" and cell.quotePrefix  # text, never a formula
