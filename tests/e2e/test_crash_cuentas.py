"""Crash test with three accounts: concurrent streams killed at random moments (interface.md §10).

Like test_crash.py, but the sheet belongs to three TusFacturas accounts (two puntos de venta of a
Responsable Inscripto and a monotributista issuing C), emitted as concurrent streams that share one
ledger. The sandbox runs as its own process with the same accounts registered (each answers only to
its demo triple and only for its punto de venta) and the same hostile faults; the client is
SIGKILLed at random moments and resumed. At the end, in the sandbox's own store, every account holds
exactly its comprobantes once, numbered without gaps, each with its own PDF, and the results
workbook's CAEs are the sandbox's. A short test beside it: two issuers' PDFs of the same punto de
venta, tipo and número must not overwrite each other.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importer.cli.main import main
from importer.dominio.reloj import hoy_en_argentina
from importer.emision.runner import pdf_name
from importer.sandbox import Sandbox
from importer.sandbox.emisores import demo_credentials
from importer.sandbox.server import DEMO_CREDENTIALS
from tests.conftest import valid_row, write_rows
from tests.e2e.test_crash import FAULTS, fila_ab, free_port, wait_listening

KILLS = int(os.environ.get("TF_IMPORT_CRASH_KILLS", "20"))
SEED, SANDBOX_SEED = 20261202, 13  # with the printed kill times, what reproduces a failure
CUIT_RI = "30712345671"
CUIT_MONO = "20301234563"
# (nombre, cuit, punto de venta, condición, referencia prefix, comprobantes)
CUENTAS = (
    ("Local Centro", CUIT_RI, 1, "RI", "CEN", 30),
    ("Local Norte", CUIT_RI, 2, "RI", "NOR", 26),
    ("Estudio Gómez", CUIT_MONO, 1, "M", "MON", 26),
)
N = sum(c[5] for c in CUENTAS)


def cuentas_toml(path: Path) -> Path:
    """The accounts file both sides read: the client (with --sandbox it uses each account's demo
    triple; the `_env` keys must be there, their variables are not read) and the sandbox (it
    registers each account with that same triple)."""
    tablas = [
        f"""
        [[cuenta]]
        nombre = "{nombre}"
        cuit = "{cuit[:2]}-{cuit[2:10]}-{cuit[10]}"
        punto_venta = {pv}
        condicion_iva = "{condicion}"
        usertoken_env = "{prefix}_USERTOKEN"
        apikey_env = "{prefix}_APIKEY"
        apitoken_env = "{prefix}_APITOKEN"
        """
        for nombre, cuit, pv, condicion, prefix, _ in CUENTAS
    ]
    path.write_text(textwrap.dedent("".join(tablas)), encoding="utf-8")
    if os.name != "nt":
        path.chmod(0o600)
    return path


def planilla_rows(hoy: date) -> list[dict]:
    """Each account's comprobantes on two dates, interleaved in the sheet; most RI ones have a
    second row (inherited header), a quarter are B to a consumidor final, the monotributista's C."""
    ayer = hoy - timedelta(days=1)
    rows = []
    for i in range(max(c[5] for c in CUENTAS)):
        for _nombre, cuit, pv, condicion, prefix, count in CUENTAS:
            if i >= count:
                continue
            ref = f"{prefix}-{i:02d}"
            fecha = ayer if i % 3 == 0 else hoy
            if condicion == "M":
                rows.append(
                    valid_row(
                        referencia=ref,
                        emisor_cuit=cuit,
                        punto_venta=pv,
                        fecha=fecha,
                        tipo="FACTURA C",
                        alicuota_iva="",
                        precio_unitario=700 + i,
                    )
                )
            else:
                rows.append(fila_ab(i, referencia=ref, emisor_cuit=cuit, punto_venta=pv, fecha=fecha))
            if condicion != "M" and i % 4:
                rows.append(
                    {
                        "referencia": ref,
                        "descripcion": "Flete a obra",
                        "cantidad": 1,
                        "precio_unitario": 100,
                        "alicuota_iva": "10.5",
                    }
                )
    return rows


@pytest.fixture
def sandbox_cuentas(tmp_path):
    """The sandbox in its own process with the three accounts registered."""
    hoy = hoy_en_argentina()
    datos = tmp_path / "sandbox-datos"
    cuentas = cuentas_toml(tmp_path / "cuentas.toml")
    port = free_port()
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "importer",
            "sandbox",
            "--port",
            str(port),
            "--datos",
            str(datos),
            "--hoy",
            f"{hoy:%d/%m/%Y}",
            "--cuentas",
            str(cuentas),
            "--solo-registradas",  # a client that fell back to any other triple gets 401
            "--fallas",
            FAULTS,
            "--semilla",
            str(SANDBOX_SEED),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port)
        yield tmp_path, hoy, datos, cuentas, f"http://127.0.0.1:{port}/app/api/v2"
    finally:
        sandbox.send_signal(signal.SIGINT)
        try:
            sandbox.wait(10)
        except subprocess.TimeoutExpired:
            sandbox.kill()


def run_cmd(planilla: Path, base_url: str, cuentas: Path, tmp: Path, hoy: date) -> list[str]:
    return [
        sys.executable,
        "-m",
        "importer",
        "run",
        str(planilla),
        "--sandbox",
        "--base-url",
        base_url,
        "--cuentas",
        str(cuentas),
        "--estado",
        str(tmp / "registro.sqlite"),
        "--rate",
        "0",
        "--timeout",
        "1.5",
        "--margen",
        "1",
        "--max-pausa",
        "60",
        "--hoy",
        f"{hoy:%d/%m/%Y}",
    ]


def results_by_account(planilla: Path) -> dict[str, dict[str, str]]:
    """cuenta → referencia → CAE from the results workbook; every row must be EMITIDO."""
    ws = load_workbook(planilla.with_name(f"{planilla.stem}-resultados.xlsx"), read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for values in rows[1:]:
        row = dict(zip(rows[0], values, strict=False))
        assert row["estado"] == "EMITIDO", row
        if row["cae"] is not None:  # every row of a comprobante shows its CAE
            out[row["cuenta_nombre"]][row["referencia"]] = str(row["cae"])
    return dict(out)


def started_emitting(proc: subprocess.Popen) -> bool:
    """Wait for the line that precedes the first request; then keep draining the output (in a
    thread) so that the client never blocks on a full pipe. False if it ended before."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Modo SANDBOX" in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return True
    return False


def ended_within(proc: subprocess.Popen, seconds: float) -> bool:
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


@pytest.mark.slow
def test_three_accounts_killed_at_random_moments_each_emits_exactly_once(sandbox_cuentas):
    tmp, hoy, datos, cuentas, base_url = sandbox_cuentas
    planilla = write_rows(tmp / "mes.xlsx", planilla_rows(hoy))
    env = {**os.environ, "TF_IMPORT_DATOS": str(tmp / "datos")}
    for name in ("TF_IMPORT_CUENTAS", "TUSFACTURAS_USERTOKEN", "TUSFACTURAS_APIKEY", "TUSFACTURAS_APITOKEN"):
        env.pop(name, None)  # only the accounts file may say who emits
    rng = random.Random(SEED)
    cmd = run_cmd(planilla, base_url, cuentas, tmp, hoy)
    kill_after = []
    killed = finished_early = 0
    while killed < KILLS and killed + finished_early < 4 * KILLS:
        # Kill counted from the moment it starts emitting: reading and validating the sheet takes
        # seconds on a busy machine, and a kill before the first request proves little.
        delay = round(rng.uniform(0.0, 2.2), 2)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if started_emitting(proc) and not ended_within(proc, delay):
            proc.kill()
            proc.wait()
            killed += 1
            kill_after.append(delay)
        else:
            proc.wait()
            finished_early += 1  # ended by itself (done, or a resumable stop): resume again
    print(f"seed={SEED} sandbox_seed={SANDBOX_SEED} kill_after_emitting_began={kill_after}")
    assert killed == KILLS, "the runs ended before they could be killed: the test proves little"
    sandbox = Sandbox(datos=datos)
    triples = {nombre: demo_credentials(cuit, pv) for nombre, cuit, pv, *_ in CUENTAS}
    emitted_while_killing = {n: len(sandbox.comprobantes(t)) for n, t in triples.items()}
    assert sum(emitted_while_killing.values()) < N, (
        "all was emitted before the last kill: make the sheet longer"
    )
    codes = []
    for _ in range(12):  # resume until done (exit 3 = stopped, resumable)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        codes.append(done.returncode)
        if done.returncode == 0:
            break
    assert codes[-1] == 0, (codes, done.stdout[-2000:], done.stderr[-2000:])

    sandbox = Sandbox(datos=datos)
    workbook = results_by_account(planilla)
    pdf_dir = planilla.with_name("mes-pdf-sandbox")
    for nombre, cuit, pv, condicion, prefix, count in CUENTAS:
        stored = sandbox.comprobantes(triples[nombre])
        refs = Counter(c["external_reference"] for c in stored)
        assert [r for r, n in refs.items() if n > 1] == [], f"{nombre}: duplicates in the sandbox"
        assert sorted(refs) == [f"{prefix}-{i:02d}" for i in range(count)], f"{nombre}: not each exactly once"
        for c in stored:
            assert int(c["punto_venta"]) == pv, (nombre, c)
            assert c["tipo"].endswith(" C") == (condicion == "M"), (nombre, c["tipo"])
        numbers = defaultdict(list)
        for c in stored:
            numbers[c["tipo"]].append(int(c["numero"]))
        for tipo, emitted in numbers.items():
            assert sorted(emitted) == list(range(1, len(emitted) + 1)), f"{nombre} {tipo}: gaps {emitted}"
        assert workbook[nombre] == {c["external_reference"]: c["cae"] for c in stored}, nombre
        for c in stored:
            # Two issuers: one PDF folder each (both number from 1 on their punto de venta 1).
            folder = pdf_dir / f"{cuit[:2]}-{cuit[2:10]}-{cuit[10]}"
            pdf = (folder / pdf_name(c["tipo"], int(c["punto_venta"]), int(c["numero"]))).read_bytes()
            assert pdf.startswith(b"%PDF") and c["cae"].encode() in pdf, f"{nombre}: PDF of {c}"
    assert set(workbook) == {c[0] for c in CUENTAS}
    assert sandbox.comprobantes(DEMO_CREDENTIALS) == [], "nothing went to the sandbox's default account"

    con = sqlite3.connect(tmp / "registro.sqlite")
    doubts = con.execute(
        "SELECT detail, COUNT(*) FROM eventos WHERE to_state='in_doubt' GROUP BY detail"
    ).fetchall()
    sends = con.execute("SELECT COUNT(*) FROM eventos WHERE to_state='sending'").fetchone()[0]
    con.close()
    assert sum(n for _, n in doubts) >= 3, f"too few doubts to prove anything: {doubts}"
    print(
        f"emitted_while_killing={emitted_while_killing} kills={killed} "
        f"finished_before_kill={finished_early} resumes={len(codes)} codes={codes} sends={sends} "
        f"doubts={dict(doubts)}"
    )


def test_two_issuers_with_the_same_punto_de_venta_each_keep_their_own_pdf(tmp_path, monkeypatch, capsys):
    """An accountant's two Responsable Inscripto clients, each billing from its punto de venta 1:
    both first Factura A are 00001-00000001, and each PDF must stay its own."""
    otro_ri = "30711111111"  # 3·5+0·4+7·3+1·2+1·7+1·6+1·5+1·4+1·3+1·2 = 65 = 11·5 + 10: digit 11 − 10 = 1
    cuentas = tmp_path / "cuentas.toml"
    cuentas.write_text(
        "".join(
            f'[[cuenta]]\nnombre = "{nombre}"\ncuit = "{cuit}"\npunto_venta = 1\n'
            f'usertoken_env = "X_U"\napikey_env = "X_K"\napitoken_env = "X_T"\n\n'
            for nombre, cuit in (("Ferretería Centro", CUIT_RI), ("Librería Sur", otro_ri))
        ),
        encoding="utf-8",
    )
    cuentas.chmod(0o600)
    planilla = write_rows(
        tmp_path / "mes.xlsx",
        [
            valid_row(referencia="FER-1", emisor_cuit=CUIT_RI, precio_unitario=1000),
            valid_row(referencia="LIB-1", emisor_cuit=otro_ri, precio_unitario=2000),
        ],
    )
    monkeypatch.setenv("TF_IMPORT_DATOS", str(tmp_path / "datos"))
    assert main(["run", str(planilla), "--sandbox", "--cuentas", str(cuentas), "--rate", "0"]) == 0
    ws = load_workbook(planilla.with_name("mes-resultados.xlsx"), read_only=True)["Resultados"]
    rows = list(ws.iter_rows(values_only=True))
    found = [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]
    assert [r["comprobante_numero"] for r in found] == ["00001-00000001"] * 2  # one numbering each
    # one folder per issuer: each numbers its comprobantes from 1
    pdfs = [p.read_bytes() for p in planilla.with_name("mes-pdf-sandbox").rglob("*.pdf")]
    for r in found:
        assert sum(str(r["cae"]).encode() in pdf for pdf in pdfs) == 1, (
            f"{r['referencia']}: its PDF is missing"
        )
