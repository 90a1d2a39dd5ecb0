"""Two computers emit the same sheet against the same account at the same moment, each with its
own ledger: every comprobante must exist exactly once in TusFacturas (the sandbox's own store),
and both computers must end up with the same CAE for it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from importer.dominio.reloj import hoy_en_argentina
from tests.conftest import valid_row, write_rows
from tests.e2e.test_crash import emitted_caes, free_port, stored_in_sandbox, wait_listening

pytestmark = pytest.mark.slow

N = 30


def rows(hoy: date) -> list[dict]:
    return [
        valid_row(referencia=f"R-{i:02d}", punto_venta=1 + i % 2, fecha=hoy, precio_unitario=100 + i)
        for i in range(N)
    ]


def computer(folder, planilla_src, base_url, hoy):
    folder.mkdir()
    planilla = folder / "mes.xlsx"
    shutil.copy(planilla_src, planilla)
    cmd = [
        sys.executable, "-m", "importer", "run", str(planilla), "--sandbox", "--base-url", base_url,
        "--estado", str(folder / "registro.sqlite"), "--rate", "0", "--timeout", "20",
        "--hoy", f"{hoy:%d/%m/%Y}",
    ]  # fmt: skip
    env = {**os.environ, "TF_IMPORT_DATOS": str(folder / "datos")}
    return planilla, cmd, env


def test_two_computers_at_once_emit_each_comprobante_once(tmp_path):
    hoy = hoy_en_argentina()
    port = free_port()
    datos = tmp_path / "sandbox-datos"
    # Latency before the commit keeps both computers' requests overlapping all the way through.
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "importer", "sandbox", "--port", str(port), "--datos", str(datos),
         "--hoy", f"{hoy:%d/%m/%Y}", "--fallas", "demora=0.02-0.12", "--semilla", "5"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_listening(port)
        base_url = f"http://127.0.0.1:{port}/app/api/v2"
        source = write_rows(tmp_path / "fuente.xlsx", rows(hoy))
        computers = [computer(tmp_path / name, source, base_url, hoy) for name in ("pc1", "pc2")]
        procs = []
        for _, cmd, env in computers:
            procs.append(
                subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        outputs = [p.communicate(timeout=300) for p in procs]
    finally:
        sandbox.terminate()
        sandbox.wait(10)
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, (out[-2000:], err[-2000:])
        assert "Traceback" not in err
    stored = stored_in_sandbox(datos)  # the demo account of each punto de venta (1 and 2)
    refs = sorted(c["external_reference"] for c in stored)
    assert refs == [f"R-{i:02d}" for i in range(N)], f"{len(stored)} stored for {N} comprobantes"
    truth = {c["external_reference"]: c["cae"] for c in stored}
    assert emitted_caes(computers[0][0]) == truth
    assert emitted_caes(computers[1][0]) == truth
    # The race must really have happened: numbers taken by the other computer answered with 10016.
    collisions = 0
    for planilla, _, _ in computers:
        con = sqlite3.connect(planilla.with_name("registro.sqlite"))
        collisions += con.execute("SELECT COUNT(*) FROM eventos WHERE detail LIKE '10016%'").fetchone()[0]
        con.close()
    assert collisions >= 1, "the two computers never collided: the test proves little"
