"""`tf-import run --sandbox` end to end: real workbooks, the embedded sandbox on loopback."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from importer.cli.main import main
from importer.dominio.reloj import hoy_en_argentina
from tests.conftest import CUIT_CLIENTE_2, valid_row

HOY = hoy_en_argentina()


def month_rows():
    return [
        valid_row(referencia="FA-1", descripcion="Tornillos x100", cantidad=2, precio_unitario=1500),
        valid_row(
            referencia="FA-1",
            descripcion="Aceite 1 litro",
            cantidad=1,
            precio_unitario=2300,
            alicuota_iva="10.5",
        ),
        valid_row(
            referencia="FB-1",
            tipo="FACTURA B",
            cliente_documento_tipo="OTRO",
            cliente_documento_nro="0",
            cliente_razon_social="Consumidor Final",
            cliente_condicion_iva="CF",
            descripcion="Lámpara LED",
            precio_unitario="1.234,50",
        ),
        valid_row(
            referencia="FA-2",
            cliente_documento_nro=CUIT_CLIENTE_2,
            cliente_razon_social="Juan Pérez",
            cliente_condicion_iva="Monotributo",
            descripcion="Instalación eléctrica",
            periodo_desde=HOY,
            periodo_hasta=HOY,
        ),
    ]


def results_rows(path):
    ws = load_workbook(path, read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r, strict=False)) for r in rows[1:]]


def run(planilla, *extra):
    return main(["run", str(planilla), "--sandbox", "--rate", "0", *map(str, extra)])


def test_clean_month_then_a_rerun_that_sends_nothing(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    assert run(planilla) == 0
    out = capsys.readouterr().out
    assert "EMITIDO: 3" in out and "Enviados en esta ejecución: 3" in out
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert [r["estado"] for r in rows] == ["EMITIDO"] * 4
    assert all(len(str(r["cae"])) == 14 for r in rows)
    assert rows[0]["comprobante_numero"] == rows[1]["comprobante_numero"]
    pdfs = sorted(p.name for p in planilla.with_name("mes-pdf-sandbox").iterdir())
    assert pdfs == [
        "FACTURA_A_00001-00000001.pdf",
        "FACTURA_A_00001-00000002.pdf",
        "FACTURA_B_00001-00000001.pdf",
    ]
    assert run(planilla) == 0
    assert "Enviados en esta ejecución: 0" in capsys.readouterr().out


def test_a_rejected_row_is_fixed_and_sent_on_the_next_run(write_workbook, capsys):
    nota = valid_row(
        referencia="NC-1",
        tipo="NOTA DE CREDITO A",
        asociado_tipo="FACTURA A",
        asociado_punto_venta=1,
        asociado_numero=999,
        asociado_fecha=HOY,
        descripcion="Devolución tornillos",
    )
    planilla = write_workbook([valid_row(referencia="FA-1"), nota], name="mes.xlsx")
    assert run(planilla) == 1
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert [r["estado"] for r in rows] == ["EMITIDO", "RECHAZADO"]
    assert "10041" in rows[1]["errores"]
    fixed = dict(nota, asociado_numero=1)
    write_workbook([valid_row(referencia="FA-1"), fixed], name="mes.xlsx")
    assert run(planilla) == 0
    assert "Enviados en esta ejecución: 1" in capsys.readouterr().out
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert [r["estado"] for r in rows] == ["EMITIDO", "EMITIDO"]


def test_the_results_workbook_is_accepted_back_as_input(write_workbook, capsys):
    planilla = write_workbook(month_rows() + [valid_row(referencia="MAL", cantidad=0)], name="mes.xlsx")
    assert run(planilla) == 1
    resultados = planilla.with_name("mes-resultados.xlsx")
    assert [r["estado"] for r in results_rows(resultados)][-1] == "INVALIDO"
    capsys.readouterr()
    assert run(resultados) == 1  # still one invalid row; nothing already emitted is sent again
    out = capsys.readouterr().out
    assert "Enviados en esta ejecución: 0" in out
    assert [r["estado"] for r in results_rows(resultados)] == ["EMITIDO"] * 4 + ["INVALIDO"]


def test_dry_run_sends_nothing_and_prints_the_plan(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    assert main(["run", str(planilla), "--sandbox", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "A enviar: 3" in out and "Ya emitidos (se omiten): 0" in out
    assert not planilla.with_name("mes-resultados.xlsx").exists()
    assert run(planilla) == 0
    capsys.readouterr()
    assert main(["run", str(planilla), "--sandbox", "--dry-run"]) == 0
    assert "Ya emitidos (se omiten): 3" in capsys.readouterr().out


def test_limit_and_status(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    assert run(planilla, "--limit", 1) == 0
    capsys.readouterr()
    assert main(["status", str(planilla), "--sandbox"]) == 0
    assert "EMITIDO: 1 · RECHAZADO: 0 · PENDIENTE: 2" in capsys.readouterr().out


def test_production_run_without_credentials_exits_2(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    assert main(["run", str(planilla)]) == 2
    err = capsys.readouterr().err
    assert "TUSFACTURAS_USERTOKEN" in err and "Traceback" not in err


def test_the_bundled_example_cannot_be_emitted_for_real(tmp_path, capsys, monkeypatch):
    import shutil
    from pathlib import Path

    example = tmp_path / "ejemplo.xlsx"
    shutil.copy(Path(__file__).parents[2] / "data" / "ejemplo.xlsx", example)
    for name in ("TUSFACTURAS_USERTOKEN", "TUSFACTURAS_APIKEY", "TUSFACTURAS_APITOKEN"):
        monkeypatch.setenv(name, "x" * 12)
    assert main(["run", str(example)]) == 2
    assert "--sandbox" in capsys.readouterr().err


@pytest.mark.parametrize("sheet_error", ["no-existe.xlsx"])
def test_bad_input_is_one_spanish_line_and_exit_2(tmp_path, capsys, sheet_error):
    assert main(["run", str(tmp_path / sheet_error), "--sandbox"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_sandbox_mode_refuses_a_remote_base_url(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    code = main(["run", str(planilla), "--sandbox", "--base-url", "https://www.tusfacturas.app/app/api/v2"])
    assert code == 2 and "quite --sandbox" in capsys.readouterr().err


def test_an_emitted_comprobante_whose_rows_break_later_stays_emitido(write_workbook, capsys):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    assert run(planilla) == 0
    broken = month_rows()
    broken[0]["cantidad"] = "mucho"  # FA-1 is already a legal document: it cannot become INVALIDO
    write_workbook(broken, name="mes.xlsx")
    assert run(planilla) == 1
    out = capsys.readouterr().out
    assert "Enviados en esta ejecución: 0" in out.split("Resultado:")[-1]
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert [r["estado"] for r in rows] == ["EMITIDO"] * 4
    assert "cantidad" in rows[0]["errores"] and len(str(rows[0]["cae"])) == 14


def test_the_results_show_what_was_emitted_not_rows_edited_afterwards(write_workbook, capsys):
    rows = month_rows()
    planilla = write_workbook(rows, name="mes.xlsx")
    assert run(planilla) == 0
    rows[0]["precio_unitario"] = 9999  # FA-1 edited after it was emitted
    write_workbook(rows, name="mes.xlsx")
    assert run(planilla) == 0
    wb = load_workbook(planilla.with_name("mes-resultados.xlsx"), read_only=True)
    table = list(wb["Comprobantes"].iter_rows(values_only=True))
    header = next(r for r in table if r and "Referencia" in r)
    fa1 = next(dict(zip(header, r, strict=False)) for r in table if r and "FA-1" in r)
    # emitted: 2 × 1500 @21 + 1 × 2300 @10.5 = 3000 + 630 + 2300 + 241.50
    assert round(float(fa1["Imp. Total"]), 2) == 6171.50
    resultados = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert "nota de crédito" in resultados[0]["errores"]
