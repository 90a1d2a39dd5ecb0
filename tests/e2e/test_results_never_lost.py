"""A real sandbox run whose fast workbook writer breaks halfway still leaves its results workbook."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.e2e.test_run_sandbox import month_rows, results_rows, run
from tests.resultados.test_results_fallback import (
    fails_halfway_through_the_package,
    fails_halfway_through_the_rows,
    snapshot,
)

BREAKS = {"rows": fails_halfway_through_the_rows, "package": fails_halfway_through_the_package}
WHEN = ("Inicio", "Fin", "Duración")  # the only cells two runs of the same sheet may differ in


def without_run_times(seen: dict) -> dict:
    ejecucion = seen["Ejecución"]["cells"]
    times = {f"B{c[1:]}" for c, cell in ejecucion.items() if c.startswith("A") and cell[0] in WHEN}
    seen["Ejecución"]["cells"] = {c: cell for c, cell in ejecucion.items() if c not in times}
    seen["calamine"]["Ejecución"] = [r for r in seen["calamine"]["Ejecución"] if r[0] not in WHEN]
    return seen


@pytest.mark.parametrize("how", list(BREAKS))
def test_the_run_that_emits_keeps_its_results_when_the_fast_writer_breaks(write_workbook, capsys, how):
    planilla = write_workbook(month_rows(), name="mes.xlsx")
    resultados = planilla.with_name("mes-resultados.xlsx")
    with pytest.MonkeyPatch.context() as mp:
        BREAKS[how](mp)
        assert run(planilla) == 0
    out = capsys.readouterr().out
    assert "Enviados en esta ejecución: 3" in out
    rows = results_rows(resultados)
    assert [r["estado"] for r in rows] == ["EMITIDO"] * 4
    assert all(len(str(r["cae"])) == 14 for r in rows)
    assert load_workbook(resultados).sheetnames == [
        "Resultados",
        "Comprobantes",
        "Resumen",
        "Errores",
        "Ejecución",
    ]
    written_by_the_fallback = without_run_times(snapshot(resultados))

    assert run(planilla) == 0  # nothing left to send: the same results, by the fast writer
    assert "Enviados en esta ejecución: 0" in capsys.readouterr().out
    assert without_run_times(snapshot(resultados)) == written_by_the_fallback
