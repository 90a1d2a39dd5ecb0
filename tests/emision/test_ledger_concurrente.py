"""One ledger, several account streams writing at once from their threads (issue: accounts)."""

from __future__ import annotations

import threading

from importer.emision import ledger as L

ACCOUNTS = ("cuenta-1", "cuenta-2", "cuenta-3", "cuenta-4")
PER_ACCOUNT = 60


def _plan(ref: str) -> dict:
    return dict(
        fingerprint="fp-" + ref,
        payload="{}",
        tipo="FACTURA A",
        punto_venta=1,
        fecha="2026-11-25",
        total="121.00",
        cliente_documento="30698765433",
        planilla="julio.xlsx",
    )


def _stream(ledger: L.Ledger, account: str, errors: list[BaseException], start: threading.Barrier) -> None:
    try:
        start.wait()
        for i in range(PER_ACCOUNT):
            ref = f"R{i:03d}"
            ledger.upsert_pending(account, ref, **_plan(ref))
            ledger.transition(account, ref, L.PENDING, L.SENDING, attempts=1, sent_at=1.0)
            ledger.transition(account, ref, L.SENDING, L.EMITTED, numero=i + 1, cae=f"{i:014d}")
            ledger.update(account, ref, pdf_path=f"/pdf/{account}/{ref}.pdf")
            assert ledger.last_emitted_date(account, 1) == "2026-11-25"
    except BaseException as exc:  # collected: an assertion in a thread would otherwise vanish
        errors.append(exc)


def test_streams_of_several_accounts_write_the_shared_ledger_at_once(tmp_path):
    path = tmp_path / "registro.sqlite"
    errors: list[BaseException] = []
    with L.Ledger(path) as ledger:
        start = threading.Barrier(len(ACCOUNTS))
        threads = [
            threading.Thread(target=_stream, args=(ledger, account, errors, start)) for account in ACCOUNTS
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    with L.Ledger(path) as ledger:  # everything committed, nothing of one account in another's rows
        for account in ACCOUNTS:
            records = ledger.all(account)
            assert len(records) == PER_ACCOUNT
            assert {r.state for r in records} == {L.EMITTED}
            assert all(r.pdf_path == f"/pdf/{account}/{r.referencia}.pdf" for r in records)
        events = ledger.con.execute("SELECT COUNT(*) FROM eventos").fetchone()[0]
    assert events == len(ACCOUNTS) * PER_ACCOUNT * 3  # nuevo, sending, emitted: none lost


def test_a_second_run_still_cannot_open_a_ledger_in_use(tmp_path):
    path = tmp_path / "registro.sqlite"
    with L.Ledger(path):
        try:
            L.Ledger(path)
        except L.LedgerLocked:
            pass
        else:
            raise AssertionError("a second run opened a ledger another run holds")
