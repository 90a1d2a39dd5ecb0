"""The explicit number: number → lookup → POST, and what a 10016 sets off (exact API sequences).

A second computer emitting the same sheet at the same moment is simulated inside the scripted
TusFacturas: right after our lookup says "not found", it stores the same referencia under the
next number, as the other computer's POST would.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
import responses

from importer.emision import ledger as L
from importer.emision.runner import MAX_SEQUENCE_RETRIES
from tests.emision.test_exactly_once_review import scripted
from tests.emision.test_runner import BASE, CREDS, ERROR_10016, FakeTF, comprobante

ACC = CREDS.account_key()


class RacingTF(FakeTF):
    """FakeTF whose other emitters act between our lookup and our POST."""

    def __init__(self, clock, rsps):
        super().__init__(clock, rsps)
        self.after_lookup: list = []  # callables run once each, after an EXT_REF lookup answered
        self.sent_numbers: list[int | None] = []
        self.last_date: date | None = None
        self.refuse_next = 0  # answer 10016 to this many POSTs whatever their number (AFIP holds one more)

    def avanzada(self, request):
        answer = super().avanzada(request)
        if self.after_lookup:
            self.after_lookup.pop(0)()
        return answer

    def nuevo(self, request):
        comp = json.loads(request.body)["comprobante"]
        self.sent_numbers.append(int(comp["numero"]) if "numero" in comp else None)
        fecha = date(*reversed([int(x) for x in comp["fecha"].split("/")]))
        if self.refuse_next or (self.last_date and fecha < self.last_date):
            self.refuse_next = max(0, self.refuse_next - 1)  # AFIP: a date before the last one is 10016 too
            self.posts += 1
            return 200, {}, json.dumps({"error": "S", "errores": [ERROR_10016]})
        return super().nuevo(request)

    def other_computer_emits(self, c):
        """The same comprobante, POSTed by another computer with its own ledger."""
        from importer.emision.payload import build_payload

        self.store(build_payload(c))

    def someone_else_emits(self, ref="AJENO"):
        self.store(build_other(ref))


def build_other(ref):
    from importer.emision.payload import build_payload

    return build_payload(comprobante(ref))


@pytest.fixture
def env(tmp_path):
    with scripted(tmp_path, RacingTF) as (make, fake, ledger, _, paths):
        yield make, fake, ledger, paths


def test_the_number_is_fixed_before_the_lookup_and_sent_with_the_post(env):
    make, fake, ledger, paths = env
    fake.someone_else_emits("ANTERIOR")  # the punto de venta already has number 1
    # One referencia per date: each one is looked up by itself, after the number.
    make([comprobante("A"), comprobante("B", fecha=date(2026, 11, 26))]).run()
    assert paths()[:5] == [
        "facturacion/numeracion",  # number first: learned once per punto de venta and tipo
        "facturacion/consulta_avanzada",  # then the lookup that proves A absent
        "facturacion/nuevo",
        "facturacion/consulta_avanzada",  # B: the number is known locally (A's + 1)
        "facturacion/nuevo",
    ]
    assert fake.listings == ["25/11/2026", "26/11/2026"]  # only the verification, after the run
    assert fake.sent_numbers == [2, 3]
    assert ledger.get(ACC, "A").numero_enviado == 2
    assert ledger.get(ACC, "B").comprobante_nro == "00001-00000003"


def test_several_referencias_of_a_date_are_checked_by_one_listing_taken_after_the_number(env):
    make, fake, ledger, paths = env
    fake.someone_else_emits("ANTERIOR")
    make([comprobante("A"), comprobante("B"), comprobante("C")]).run()
    assert paths() == [
        "facturacion/numeracion",  # the number first, so the listing vouches for it
        "facturacion/consulta_avanzada",  # one listing of 25/11/2026 instead of three lookups
        "facturacion/nuevo",
        "facturacion/nuevo",
        "facturacion/nuevo",
        "facturacion/consulta_avanzada",  # after the run: what TusFacturas recorded
    ]
    assert fake.listings == ["25/11/2026", "25/11/2026"]
    assert fake.sent_numbers == [2, 3, 4]


def test_a_number_learned_again_after_the_listing_goes_back_to_one_lookup_per_referencia(env):
    make, fake, ledger, paths = env
    # Right after the listing another computer takes number 1: A's POST gets 10016, the number is
    # learned again, and from then on the listing (older than the number) vouches for nothing.
    fake.after_lookup = [lambda: fake.someone_else_emits("AJENO")]
    make([comprobante("A"), comprobante("B")]).run()
    assert fake.listings == ["25/11/2026", "25/11/2026"]  # before sending, and the verification
    assert fake.sent_numbers == [1, 2, 3]
    assert paths()[3:] == [
        "facturacion/numeracion",  # after the 10016: learn the number again
        "facturacion/consulta_avanzada",  # look A up by itself
        "facturacion/consulta",
        "facturacion/nuevo",
        "facturacion/consulta_avanzada",  # B too: the listing is older than the number now
        "facturacion/nuevo",
        "facturacion/consulta_avanzada",  # the verification
    ]


def test_without_the_reference_check_the_number_still_goes_first(env):
    make, fake, _, paths = env
    make([comprobante("A")], precheck=False).run()
    assert paths()[:2] == ["facturacion/numeracion", "facturacion/nuevo"]
    assert fake.sent_numbers == [1]


def test_another_computer_emitting_the_same_referencia_at_once_is_adopted_not_duplicated(env):
    make, fake, ledger, paths = env
    a = comprobante("A")
    # Both computers fixed number 1 and found no "A"; the other one's POST lands first.
    fake.after_lookup = [lambda: fake.other_computer_emits(a)]
    report = make([a]).run()
    assert fake.refs() == ["A"], "exactly one comprobante A in TusFacturas"
    assert fake.sent_numbers == [1]  # ours was refused with 10016: nothing created
    record = ledger.get(ACC, "A")
    assert record.state == L.EMITTED and record.numero == 1 and record.cae == "00000000000001"
    assert paths()[3:5] == ["facturacion/numeracion", "facturacion/consulta_avanzada"]  # learn, then look up
    assert report.emitted_now == 0 and report.reconciled == 1


def test_a_number_taken_by_another_comprobante_is_learned_again_and_sent_once_more(env):
    make, fake, ledger, paths = env
    fake.after_lookup = [lambda: fake.someone_else_emits("AJENO")]
    make([comprobante("A")]).run()
    assert fake.sent_numbers == [1, 2]
    assert sorted(fake.refs()) == ["A", "AJENO"]
    assert ledger.get(ACC, "A").numero == 2
    # after the 10016: number, then lookup, then the POST with the new number (no second lookup)
    assert paths() == [
        "facturacion/numeracion",
        "facturacion/consulta_avanzada",
        "facturacion/nuevo",
        "facturacion/numeracion",
        "facturacion/consulta_avanzada",
        "facturacion/consulta",  # number 1 checked by number too: it is AJENO's
        "facturacion/nuevo",
        "facturacion/consulta_avanzada",  # after the run: the verification of what was recorded
    ]


def test_a_10016_with_the_right_number_is_a_date_problem_and_is_rejected_without_resending(env):
    make, fake, ledger, _ = env
    fake.last_date = date(2026, 11, 24)  # AFIP's last comprobante of the punto de venta
    report = make([comprobante("A", fecha=date(2026, 11, 20))]).run()
    record = ledger.get(ACC, "A")
    assert record.state == L.REJECTED
    assert fake.sent_numbers == [1] and fake.refs() == []
    assert any("fecha 20/11/2026" in e and "10016" in e for e in record.error_list)
    assert report.rejected_now == 1


def test_someone_taking_every_number_stops_the_run_after_a_bounded_number_of_posts(env):
    make, fake, ledger, _ = env
    fake.after_lookup = [lambda i=i: fake.someone_else_emits(f"AJENO{i}") for i in range(20)]
    report = make([comprobante("A")]).run()
    assert "otro sistema está emitiendo" in report.stop_reason
    assert len(fake.sent_numbers) == MAX_SEQUENCE_RETRIES + 1
    assert "A" not in fake.refs()
    assert ledger.get(ACC, "A").state == L.PENDING


def test_no_post_when_the_number_cannot_be_learned(env):
    make, fake, ledger, paths = env

    def broken(request):
        return 500, {}, "<html>error</html>"

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, f"{BASE}/facturacion/numeracion", callback=broken)
        rsps.add_callback(responses.POST, f"{BASE}/facturacion/nuevo", callback=fake.nuevo)
        report = make([comprobante("A")]).run()
    assert fake.sent_numbers == []
    assert "numeración" in report.stop_reason
    assert ledger.get(ACC, "A").state == L.PENDING


def test_after_a_doubt_the_number_is_learned_again_before_the_next_post(env):
    make, fake, ledger, paths = env
    fake.nuevo_script = ["timeout"]  # nothing stored: proven absent after the window, then re-sent
    make([comprobante("A")]).run()
    assert fake.refs() == ["A"] and fake.sent_numbers == [1, 1]
    calls = paths()
    second_post = len(calls) - 1 - calls[::-1].index("facturacion/nuevo")
    # the re-send: number learned again, then looked up, then POSTed
    assert calls[second_post - 2 : second_post + 1] == [
        "facturacion/numeracion",
        "facturacion/consulta_avanzada",
        "facturacion/nuevo",
    ]


def test_a_right_number_10016_after_an_unanswered_attempt_is_left_for_a_person_never_resent(env):
    """The timed-out attempt reached AFIP but not TusFacturas: AFIP refuses the number TusFacturas
    calls next. Rejecting it would invite a re-send (a second invoice once the numbering is fixed)."""
    make, fake, ledger, _ = env
    fake.nuevo_script = ["timeout"]
    fake.after_lookup = [lambda: None, lambda: None, lambda: setattr(fake, "refuse_next", 10)]
    report = make([comprobante("A")]).run()
    record = ledger.get(ACC, "A")
    assert record.state == L.IN_DOUBT and record.manual == 1
    assert fake.sent_numbers == [1, 1] and fake.refs() == []
    assert "soporte de TusFacturas" in report.stop_reason
    again = make([comprobante("A")]).run()  # the next run does not send it either
    assert fake.sent_numbers == [1, 1] and again.unresolved == ["A"]


def test_a_success_answer_without_a_readable_number_keeps_the_number_that_was_sent(env, tmp_path):
    make, fake, ledger, _ = env
    original = fake.nuevo

    def answer_without_number(request):
        status, headers, body = original(request)
        data = json.loads(body)
        data.pop("comprobante_nro", None)
        return status, headers, json.dumps(data)

    fake.nuevo = answer_without_number
    fake.someone_else_emits("ANTERIOR")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for path, fn in (
            ("facturacion/nuevo", answer_without_number),
            ("facturacion/consulta_avanzada", fake.avanzada),
            ("facturacion/numeracion", fake.numeracion),
        ):
            rsps.add_callback(responses.POST, f"{BASE}/{path}", callback=fn)
        rsps.add(responses.GET, "https://files.test/pdf", body=b"%PDF-1.4 fake\n%%EOF\n", status=200)
        make([comprobante("A"), comprobante("B")]).run()
    assert fake.sent_numbers == [2, 3], "the local number advanced without a second numeracion"
    assert ledger.get(ACC, "A").comprobante_nro == "00001-00000002"
    assert (tmp_path / "pdf" / "FACTURA_A_00001-00000002.pdf").exists()
