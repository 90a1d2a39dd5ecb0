"""After a rejection the later-dated comprobantes of the account go on being emitted, and the
rejected one is told which date AFIP still takes: none before the last one emitted in its punto
de venta (tusfacturas-api.md §7.5, §9.4)."""

from __future__ import annotations

import json
from datetime import date, datetime

import responses

from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient
from importer.emision.runner import Runner, RunOptions
from tests.emision.test_runner import BASE, CREDS, ERROR_10016, Clock, FakeTF, comprobante, env  # noqa: F401

HINT_26 = "use una fecha desde el 26/11/2026 (la del último comprobante emitido en el punto de venta 1)"


def errores(ledger, ref):
    return " ".join(ledger.get(CREDS.account_key(), ref).error_list)


def test_later_dates_go_on_after_a_rejection_and_the_fixed_row_is_told_its_date(env):  # noqa: F811
    make, fake, ledger, _ = env
    fake.nuevo_script = ["reject"]  # AFIP refuses A's data (10036); nothing is created
    sheet = [comprobante("A", date(2026, 11, 25)), comprobante("B", date(2026, 11, 26))]
    report = make(sheet).run()
    assert ledger.get(CREDS.account_key(), "A").state == L.REJECTED
    assert ledger.get(CREDS.account_key(), "B").state == L.EMITTED and fake.refs() == ["B"]
    assert report.rejected_now == 1 and report.emitted_now == 1 and not report.stop_reason
    # A fixed in the sheet: its 25/11 is now before B's 26/11, which AFIP refuses; not sent.
    fixed = [comprobante("A", date(2026, 11, 25), precio="1200"), comprobante("B", date(2026, 11, 26))]
    make(fixed).run()
    assert fake.posts == 2 and fake.refs() == ["B"]
    assert ledger.get(CREDS.account_key(), "A").state == L.REJECTED
    assert HINT_26 in errores(ledger, "A")
    # with the date the message gives, it goes out
    make([comprobante("A", date(2026, 11, 26), precio="1200"), comprobante("B", date(2026, 11, 26))]).run()
    assert fake.refs() == ["B", "A"] and ledger.get(CREDS.account_key(), "A").state == L.EMITTED


def test_the_hint_names_the_punto_de_venta_of_the_comprobante(env):  # noqa: F811
    make, fake, ledger, _ = env
    make([comprobante("X", date(2026, 11, 28), pv=4), comprobante("Y", date(2026, 11, 20), pv=5)]).run()
    make([comprobante("Z", date(2026, 11, 27), pv=4)]).run()
    assert (
        "use una fecha desde el 28/11/2026 (la del último comprobante emitido en el punto de venta 4)"
        in errores(ledger, "Z")
    )


class DatedTF(FakeTF):
    """AFIP's date rule: a date before the newest one stored in the punto de venta gets 10016,
    even with the right number."""

    def nuevo(self, request):
        comp = json.loads(request.body)["comprobante"]
        fecha = _d(comp["fecha"])
        pv = int(comp["punto_venta"])
        fechas = [_d(s["comprobante"]["fecha"]) for s in self.stored if s["comprobante"]["punto_venta"] == pv]
        if fechas and fecha < max(fechas):
            self.posts += 1
            return 200, {}, json.dumps({"error": "S", "errores": [ERROR_10016]})
        return super().nuevo(request)


def _d(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


def run_against(fake_cls, ledger, tmp_path, sheet, stored=()):
    """One run against a scripted TusFacturas of class `fake_cls` holding `stored` bodies."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        clock = Clock()
        fake = fake_cls(clock, rsps)
        for body in stored:
            fake.store(body)
        options = RunOptions(
            account=CREDS.account_key(), timeout=30, margin=10, rate=None, pdf_dir=tmp_path / "pdf"
        )
        client = TusFacturasClient(BASE, CREDS, timeout=30)
        report = Runner(sheet, client, ledger, options, reloj=clock.reloj()).run()
    return fake, report


def test_a_10016_for_the_date_names_the_newest_listed_date(env, tmp_path):  # noqa: F811
    _, _, ledger, _ = env
    # Another computer (or a lost ledger) already emitted on 27/11 in punto de venta 1.
    otra = {
        "cliente": {"documento_nro": "20123456786"},
        "comprobante": {
            "external_reference": "OTRA-PC-1",
            "fecha": "27/11/2026",
            "tipo": "FACTURA A",
            "punto_venta": "1",
            "total": "100.00",
        },
    }
    sheet = [
        comprobante("A", date(2026, 11, 26)),
        comprobante("B", date(2026, 11, 27)),
        comprobante("C", date(2026, 11, 27), precio="2000"),
    ]
    fake, report = run_against(DatedTF, ledger, tmp_path, sheet, [otra])
    acc = CREDS.account_key()
    assert ledger.get(acc, "A").state == L.REJECTED
    message = errores(ledger, "A")
    assert "10016" in message
    assert (
        "use una fecha desde el 27/11/2026 (la del último comprobante emitido en el punto de venta 1)"
        in message
    )
    # B and C, dated 27/11, go on
    assert ledger.get(acc, "B").state == L.EMITTED and ledger.get(acc, "C").state == L.EMITTED
    assert fake.refs() == ["OTRA-PC-1", "B", "C"] and not report.stop_reason


class Always10016(FakeTF):
    def nuevo(self, request):
        self.posts += 1
        return 200, {}, json.dumps({"error": "S", "errores": [ERROR_10016]})


def test_no_date_is_suggested_when_none_later_is_known(env, tmp_path):  # noqa: F811
    # A 10016 to the right number whose cause the known dates do not show (the numbering of
    # TusFacturas and AFIP differ): the message keeps its two possibilities and invents no date.
    _, _, ledger, _ = env
    fake, _ = run_against(Always10016, ledger, tmp_path, [comprobante("A", date(2026, 11, 26))])
    assert fake.posts == 1 and ledger.get(CREDS.account_key(), "A").state == L.REJECTED
    message = errores(ledger, "A")
    assert "10016" in message and "use una fecha desde" not in message
