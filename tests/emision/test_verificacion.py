"""After the run, the date listing checks what TusFacturas recorded (número, CAE, total)."""

from __future__ import annotations

from tests.emision.test_runner import CREDS, comprobante, env  # noqa: F401 - env is a fixture

ACC = CREDS.account_key()


def test_what_tusfacturas_recorded_is_verified_once_and_kept(env):  # noqa: F811
    make, fake, ledger, _ = env
    make([comprobante("A"), comprobante("B")]).run()
    assert fake.listings == ["25/11/2026", "25/11/2026"]  # the check before sending, the verification
    assert ledger.get(ACC, "A").verificacion == "ok" and ledger.get(ACC, "B").verificacion == "ok"
    make([comprobante("A"), comprobante("B")]).run()  # a rerun: nothing to send, nothing to verify
    assert fake.listings == ["25/11/2026", "25/11/2026"]


def test_a_different_total_at_tusfacturas_is_reported_and_its_figure_kept(env):  # noqa: F811
    make, fake, ledger, _ = env
    original_store = fake.store

    def rounds_otherwise(body):  # TusFacturas records one cent more (IVA rounded per line)
        item = original_store(body)
        item["total"] = f"{float(body['comprobante']['total']) + 0.01:.2f}"
        return item

    fake.store = rounds_otherwise
    report = make([comprobante("A", precio="1000")]).run()
    # 1000 @ 21 %: our total 1210.00; TusFacturas shows 1210.01.
    record = ledger.get(ACC, "A")
    assert record.tf_total == "1210.01"
    assert "total 1210.01 (calculado 1210.00)" in record.verificacion
    assert report.differences == {"A": record.verificacion}
    assert record.verificacion in report.notes["A"]


def test_a_comprobante_tusfacturas_does_not_list_yet_is_verified_in_a_later_run(env):  # noqa: F811
    make, fake, ledger, _ = env
    fake.listed = lambda stored: False  # the listing lags behind the emissions
    make([comprobante("A")]).run()
    assert ledger.get(ACC, "A").verificacion is None
    fake.listed = lambda stored: True
    make([comprobante("A")]).run()
    assert ledger.get(ACC, "A").verificacion == "ok"
