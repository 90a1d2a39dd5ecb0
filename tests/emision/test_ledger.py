"""The ledger: durable transitions, compare-and-set, recovery of `sending`, one run at a time."""

from __future__ import annotations

import subprocess
import sys

import pytest

from importer.emision import ledger as L


def add(ledger, ref="R1", **kw):
    values = dict(
        fingerprint="fp1",
        payload="{}",
        tipo="FACTURA A",
        punto_venta=1,
        fecha="2026-11-25",
        total="1210.00",
        cliente_documento="30698765433",
        planilla="julio.xlsx",
    )
    values.update(kw)
    return ledger.upsert_pending("acc", ref, **values)


def test_states_survive_reopening(tmp_path):
    path = tmp_path / "registro.sqlite"
    with L.Ledger(path) as ledger:
        add(ledger)
        ledger.transition("acc", "R1", L.PENDING, L.SENDING, attempts=1, sent_at=10.0, inflight_until=70.0)
    with L.Ledger(path) as ledger:
        record = ledger.get("acc", "R1")
        assert (record.state, record.attempts, record.inflight_until) == (L.SENDING, 1, 70.0)
        assert ledger.sending_to_in_doubt("acc") == ["R1"]
        assert ledger.get("acc", "R1").state == L.IN_DOUBT


def test_transition_is_compare_and_set(tmp_path):
    with L.Ledger(tmp_path / "r.sqlite") as ledger:
        add(ledger)
        with pytest.raises(L.TransitionError):
            ledger.transition("acc", "R1", L.SENDING, L.EMITTED)
        assert ledger.get("acc", "R1").state == L.PENDING


def test_emitted_is_never_reset_to_pending(tmp_path):
    with L.Ledger(tmp_path / "r.sqlite") as ledger:
        add(ledger)
        ledger.transition("acc", "R1", L.PENDING, L.SENDING)
        ledger.transition("acc", "R1", L.SENDING, L.EMITTED, numero=7, cae="1" * 14)
        with pytest.raises(L.TransitionError):
            add(ledger, fingerprint="other")
        assert ledger.get("acc", "R1").fingerprint == "fp1"
        assert ledger.max_numero("acc", 1, "FACTURA A") == 7
        assert ledger.last_emitted_date("acc", 1) == "2026-11-25"


def test_rejected_goes_back_to_pending_with_the_new_data(tmp_path):
    with L.Ledger(tmp_path / "r.sqlite") as ledger:
        add(ledger)
        ledger.transition("acc", "R1", L.PENDING, L.SENDING)
        ledger.transition("acc", "R1", L.SENDING, L.REJECTED, errores='["mal"]')
        record = add(ledger, fingerprint="fp2", total="99.00")
        assert (record.state, record.fingerprint, record.total) == (L.PENDING, "fp2", "99.00")
        events = ledger.con.execute(
            "SELECT to_state FROM eventos WHERE referencia='R1' ORDER BY id"
        ).fetchall()
        assert [e[0] for e in events] == [L.PENDING, L.SENDING, L.REJECTED, L.PENDING]


def test_accounts_are_separate(tmp_path):
    with L.Ledger(tmp_path / "r.sqlite") as ledger:
        add(ledger)
        assert ledger.get("other-account", "R1") is None


def test_a_second_run_cannot_open_a_ledger_in_use(tmp_path):
    path = tmp_path / "r.sqlite"
    code = (
        "import pathlib, sys\n"
        "from importer.emision.ledger import Ledger, LedgerLocked\n"
        f"try:\n    Ledger(pathlib.Path({str(path)!r}))\nexcept LedgerLocked:\n    sys.exit(7)\n"
    )
    with L.Ledger(path):
        assert subprocess.run([sys.executable, "-c", code]).returncode == 7
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "r.sqlite"
    path.write_text("esto no es una base de datos " * 100)
    with pytest.raises(L.LedgerError):
        L.Ledger(path)


def test_timestamps_come_from_the_run_clock(tmp_path):
    """The ledger's times and the runner's in-flight windows are on one clock (the injected one)."""
    from importer.dominio.reloj import Reloj

    with L.Ledger(tmp_path / "r.sqlite", reloj=Reloj(now=lambda: 1234.5)) as ledger:
        add(ledger)
        ledger.transition("acc", "R1", L.PENDING, L.SENDING)
        row = ledger.con.execute("SELECT created_at, updated_at FROM comprobantes").fetchone()
        events = [e[0] for e in ledger.con.execute("SELECT at FROM eventos ORDER BY id")]
    assert tuple(row) == (1234.5, 1234.5) and events == [1234.5, 1234.5]


def test_sending_is_synced_to_disk_before_the_post_and_the_other_writes_are_not(tmp_path):
    """`sending` must survive even a power cut (fsync: synchronous=FULL); later writes only need to
    survive a killed process (WAL, synchronous=NORMAL), since losing one leaves `sending` → in doubt."""
    with L.Ledger(tmp_path / "registro.sqlite") as ledger:
        add(ledger)
        statements: list[str] = []
        ledger.con.set_trace_callback(statements.append)
        ledger.transition("acc", "R1", L.PENDING, L.SENDING, attempts=1)
        to_sending = list(statements)
        statements.clear()
        ledger.transition("acc", "R1", L.SENDING, L.EMITTED, numero=1, cae="1" * 14)
        ledger.update("acc", "R1", pdf_path="/pdf/x.pdf")
        after = list(statements)
        ledger.con.set_trace_callback(None)
    assert to_sending.index("PRAGMA synchronous=FULL") < to_sending.index("BEGIN IMMEDIATE")
    assert "PRAGMA synchronous=NORMAL" in after and "PRAGMA synchronous=FULL" not in after
