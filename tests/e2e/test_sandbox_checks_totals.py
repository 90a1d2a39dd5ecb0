"""`run --sandbox` against a simulator that checks every total with its own arithmetic and tables.

The embedded sandbox of `run --sandbox` does not verify totals, so these tests start one that does
(`tf-import sandbox --verificar-totales`, or `Sandbox(check_totals=True)`) and point
`run --sandbox --base-url` at it.
"""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
import sys
import threading
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import load_workbook

from importer.cli.main import main
from importer.dominio import amounts, catalogs
from importer.planilla.reading import read_planilla
from importer.sandbox import Sandbox
from tests.conftest import valid_row

EJEMPLO = Path(__file__).parents[2] / "data" / "ejemplo.xlsx"


def results_rows(path: Path) -> list[dict[str, object]]:
    ws = load_workbook(path, read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def run(planilla: Path, base_url: str) -> int:
    return main(["run", str(planilla), "--sandbox", "--base-url", base_url, "--rate", "0"])


def _base_url_from_banner(process: subprocess.Popen[str], timeout: float = 30) -> str:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    seen = []
    while True:
        line = lines.get(timeout=timeout)
        seen.append(line)
        match = re.search(r"--base-url (\S+)", line)
        if match:
            return match.group(1)
        assert line, f"the sandbox stopped before printing its URL: {''.join(seen)}"


def test_the_example_month_passes_a_sandbox_that_checks_totals(tmp_path: Path, capsys) -> None:
    planilla = tmp_path / "ejemplo.xlsx"
    shutil.copy(EJEMPLO, planilla)
    hoy = read_planilla(planilla).fecha_simulada
    assert hoy is not None  # the example declares the date it is meant to be emitted on
    command = [sys.executable, "-m", "importer", "sandbox", "--port", "0", "--verificar-totales"]
    command += ["--hoy", f"{hoy:%d/%m/%Y}", "--silencioso"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base_url = _base_url_from_banner(process)
        assert run(planilla, base_url) == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
    out = capsys.readouterr().out
    assert "RECHAZADO: 0" in out and "INVALIDO: 0" in out
    rows = results_rows(planilla.with_name("ejemplo-resultados.xlsx"))
    assert rows and {r["estado"] for r in rows} == {"EMITIDO"}


def test_a_wrong_rate_in_the_clients_table_is_rejected_by_the_sandbox(write_workbook, monkeypatch) -> None:
    # A client whose 10.5 % row says 10 %: 1000 @10.5 goes out as 1100.00 instead of 1105.00.
    monkeypatch.setitem(catalogs.ALICUOTA_TASA, "10.5", Decimal("10"))
    planilla = write_workbook([valid_row(referencia="FA-1", alicuota_iva="10.5")], name="mes.xlsx")
    with Sandbox(check_totals=True) as sb:
        assert run(planilla, sb.base_url) == 1
    [row] = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert row["estado"] == "RECHAZADO"
    assert "10048" in str(row["errores"]) and "calculado 1105.00" in str(row["errores"])


def test_half_up_rounding_in_the_client_is_rejected_by_the_sandbox(write_workbook, monkeypatch) -> None:
    # ARCA rounds half to even: each 1000.005 net is 1000.00; a half-up client makes each 1000.01,
    # five alícuota groups → the total comes out 0.05 high (more than AFIP's 0.01 tolerance).
    monkeypatch.setattr(amounts, "round_cents", lambda v: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    lines = [
        valid_row(
            referencia="FA-1", descripcion=f"Artículo {code}", precio_unitario=1000.005, alicuota_iva=code
        )
        for code in ("27", "21", "10.5", "exento", "no gravado")
    ]
    planilla = write_workbook(lines, name="mes.xlsx")
    with Sandbox(check_totals=True) as sb:
        assert run(planilla, sb.base_url) == 1
    rows = results_rows(planilla.with_name("mes-resultados.xlsx"))
    assert {r["estado"] for r in rows} == {"RECHAZADO"}
    # 1000.00 × 5 + IVA 270.00 + 210.00 + 105.00 = 5585.00
    assert "10048" in str(rows[0]["errores"]) and "calculado 5585.00" in str(rows[0]["errores"])
