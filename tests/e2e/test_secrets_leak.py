"""No output of a real run contains the credentials: console, ledger, results, logs, PDFs."""

from __future__ import annotations

import zipfile
from pathlib import Path

from importer.cli.main import main
from importer.sandbox import FaultPlan, Sandbox
from tests.conftest import valid_row

SECRETS = {
    "TUSFACTURAS_USERTOKEN": "u5er70ken-5ecret-a1b2c3d4e5f6",
    "TUSFACTURAS_APIKEY": "918273",
    "TUSFACTURAS_APITOKEN": "ap170ken-5ecret-f6e5d4c3b2a1",
}


def every_byte_written(*folders: Path) -> list[tuple[Path, bytes]]:
    out = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            out.append((path, path.name.encode()))
            data = path.read_bytes()
            out.append((path, data))
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    out.extend((path, z.read(name)) for name in z.namelist())
    return out


def test_credentials_never_reach_any_output(
    write_workbook, monkeypatch, capsys, tmp_path, isolated_user_data
):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    rows = [valid_row(referencia=f"S-{i}", precio_unitario=100 + i) for i in range(5)]
    rows.append(valid_row(referencia="S-MAL", cliente_condicion_iva="CF"))  # invalid letter: local error
    planilla = write_workbook(rows, name="secretos.xlsx")
    faults = FaultPlan.parse("corte@1; 500@3; sin_cae@4; consultas:500@1")
    with Sandbox(faults) as sb:
        code = main(
            [
                "--debug",
                "run",
                str(planilla),
                "--base-url",
                sb.base_url,
                "--rate",
                "0",
                "--timeout",
                "2",
                "--margen",
                "0.5",
                "--estado",
                str(tmp_path / "registro.sqlite"),
            ]
        )
        bad = main(
            [
                "run",
                str(planilla),
                "--base-url",
                sb.base_url + "/nada",
                "--rate",
                "0",
                "--estado",
                str(tmp_path / "registro.sqlite"),
            ]
        )
    captured = capsys.readouterr()
    assert code == 1 and bad in (1, 3)
    assert "EMITIDO: 5" in captured.out
    written = every_byte_written(tmp_path, isolated_user_data)
    assert any(p.suffix == ".log" for p, _ in written) and any(p.suffix == ".pdf" for p, _ in written)
    assert any(p.name == "registro.sqlite" for p, _ in written)
    for secret in (SECRETS["TUSFACTURAS_USERTOKEN"], SECRETS["TUSFACTURAS_APITOKEN"]):
        assert secret not in captured.out and secret not in captured.err
        for path, data in written:
            assert secret.encode() not in data, path
    # the short apikey is never printed with its name either
    assert f"apikey={SECRETS['TUSFACTURAS_APIKEY']}" not in captured.err
