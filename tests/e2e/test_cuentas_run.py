"""Several accounts in one run, against the embedded sandbox (interface.md §10)."""

from __future__ import annotations

import os
import textwrap

from openpyxl import load_workbook

from importer.cli.main import main
from tests.conftest import valid_row

CUIT_CENTRO = "30712345671"  # Responsable Inscripto, two puntos de venta
CUIT_MONO = "20301234563"  # a monotributista client of the same accountant


def results_rows(path):
    ws = load_workbook(path, read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def cuentas_file(tmp_path):
    path = tmp_path / "cuentas.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [[cuenta]]
            nombre = "Local Centro"
            cuit = "{CUIT_CENTRO[:2]}-{CUIT_CENTRO[2:10]}-{CUIT_CENTRO[10]}"
            punto_venta = 1
            usertoken_env = "CENTRO_USERTOKEN"
            apikey_env = "CENTRO_APIKEY"
            apitoken_env = "CENTRO_APITOKEN"

            [[cuenta]]
            nombre = "Local Norte"
            cuit = "{CUIT_CENTRO}"
            punto_venta = 2
            usertoken_env = "NORTE_USERTOKEN"
            apikey_env = "NORTE_APIKEY"
            apitoken_env = "NORTE_APITOKEN"

            [[cuenta]]
            nombre = "Estudio Gómez"
            cuit = "{CUIT_MONO}"
            punto_venta = 1
            condicion_iva = "Monotributo"
            usertoken_env = "MONO_USERTOKEN"
            apikey_env = "MONO_APIKEY"
            apitoken_env = "MONO_APITOKEN"
            """
        ),
        encoding="utf-8",
    )
    if os.name != "nt":
        path.chmod(0o600)
    return path


def factura(ref, pv, emisor="", tipo="FACTURA A", **kw):
    return valid_row(referencia=ref, punto_venta=pv, emisor_cuit=emisor, tipo=tipo, **kw)


def factura_c(ref, **kw):
    return factura(ref, 1, CUIT_MONO, tipo="FACTURA C", alicuota_iva="", **kw)


def test_two_puntos_de_venta_of_the_built_in_sandbox_accounts_in_one_run(write_workbook, capsys):
    planilla = write_workbook(
        [factura("A-1", 1), factura("A-2", 2), factura("A-3", 1), factura("A-4", 2)], name="mes.xlsx"
    )
    assert main(["run", str(planilla), "--sandbox", "--rate", "0"]) == 0
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert [r["estado"] for r in rows] == ["EMITIDO"] * 4
    # Each punto de venta is its own account with its own numbering.
    assert [r["comprobante_numero"] for r in rows] == [
        "00001-00000001",
        "00002-00000001",
        "00001-00000002",
        "00002-00000002",
    ]
    pdfs = sorted(p.name for p in planilla.with_name("mes-pdf-sandbox").iterdir())
    assert pdfs == [
        "FACTURA_A_00001-00000001.pdf",
        "FACTURA_A_00001-00000002.pdf",
        "FACTURA_A_00002-00000001.pdf",
        "FACTURA_A_00002-00000002.pdf",
    ]


def test_an_accounts_file_routes_by_cuit_and_punto_de_venta(write_workbook, tmp_path, capsys):
    cuentas = cuentas_file(tmp_path)
    planilla = write_workbook(
        [
            factura("C-1", 1, CUIT_CENTRO),
            factura("N-1", 2),  # blank emisor_cuit: the only account with punto de venta 2
            factura_c("M-1"),
            factura("X-1", 1),  # punto de venta 1 has two accounts: which one?
            factura("Y-1", 7, CUIT_CENTRO),  # no account for it
        ],
        name="mes.xlsx",
    )
    code = main(["run", str(planilla), "--sandbox", "--rate", "0", "--cuentas", str(cuentas)])
    out = capsys.readouterr().out
    assert code == 1
    rows = {r["referencia"]: r for r in results_rows(planilla.with_name("mes-resultados.xlsx"))}
    assert [rows[r]["estado"] for r in ("C-1", "N-1", "M-1")] == ["EMITIDO"] * 3
    assert rows["C-1"]["comprobante_numero"] == "00001-00000001"
    assert rows["M-1"]["comprobante_numero"] == "00001-00000001"  # the monotributista's own numbering
    assert rows["X-1"]["estado"] == "INVALIDO"
    assert "complete la columna emisor_cuit" in rows["X-1"]["errores"]
    assert rows["Y-1"]["estado"] == "INVALIDO"
    assert "CUIT 30-71234567-1, punto de venta 7" in rows["Y-1"]["errores"]
    assert "no tienen cuenta" in out


def test_one_account_alone_with_cuenta_and_the_status_per_account(write_workbook, tmp_path, capsys):
    cuentas = cuentas_file(tmp_path)
    planilla = write_workbook(
        [factura("C-1", 1, CUIT_CENTRO), factura("N-1", 2), factura_c("M-1")], name="mes.xlsx"
    )
    base = ["--sandbox", "--cuentas", str(cuentas)]
    assert main(["run", str(planilla), "--rate", "0", "--cuenta", "local norte", *base]) == 0
    rows = {r["referencia"]: r["estado"] for r in results_rows(planilla.with_name("mes-resultados.xlsx"))}
    assert rows == {"C-1": "PENDIENTE", "N-1": "EMITIDO", "M-1": "PENDIENTE"}
    capsys.readouterr()
    assert main(["run", str(planilla), "--dry-run", *base]) == 0
    out = capsys.readouterr().out
    assert "«Local Norte» (CUIT 30-71234567-1, punto de venta 2): a enviar 0, ya emitidos 1" in out
    assert "«Estudio Gómez» (CUIT 20-30123456-3, punto de venta 1): a enviar 1, ya emitidos 0" in out
    assert main(["status", str(planilla), *base]) == 0
    out = capsys.readouterr().out
    assert "«Local Centro» (CUIT 30-71234567-1, punto de venta 1): PENDIENTE: 1" in out
    assert "«Local Norte» (CUIT 30-71234567-1, punto de venta 2): EMITIDO: 1" in out


def test_validate_with_an_accounts_file_reports_comprobantes_without_account(
    write_workbook, tmp_path, capsys
):
    cuentas = cuentas_file(tmp_path)
    planilla = write_workbook([factura("N-1", 2), factura("Y-1", 9)], name="mes.xlsx")
    assert main(["validate", str(planilla), "--cuentas", str(cuentas)]) == 1
    out = capsys.readouterr().out
    assert "Sin cuenta de TusFacturas: no hay ninguna cuenta con el punto de venta 9" in out
    assert main(["validate", str(planilla)]) == 0  # without accounts, every punto de venta is the one triple
