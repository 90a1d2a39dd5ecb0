"""Review of the explicit-number change (number → lookup → POST; 10016 sends it back to the start).

Each test states the correct behaviour and reproduces a defect found in review: a path that POSTs
a referencia TusFacturas already has, or that stops or rejects wrongly. The scripted TusFacturas is
`RacingTF` of tests/emision/test_numbering.py (another emitter acting between our lookup and our POST),
extended with what the real service may do and our fakes did not: an `external_reference` index
that lags behind the numbers, a number visible before its referencia, a numbering that lags
behind AFIP, and odd answers.
"""

from __future__ import annotations

import json

import pytest

from importer.emision import ledger as L
from tests.emision.test_exactly_once_review import scripted
from tests.emision.test_numbering import RacingTF
from tests.emision.test_runner import CREDS, comprobante

ACC = CREDS.account_key()


class LaggingTF(RacingTF):
    """RacingTF plus the ways the real TusFacturas may show a comprobante late or partly."""

    def __init__(self, clock, rsps):
        super().__init__(clock, rsps)
        self.ext_ref_hidden: set[str] = set()  # EXT_REF does not show these (index lag)
        self.number_without_ref: set[str] = set()  # consulta shows them with no external_reference yet
        self.unseen_until: dict[str, float] = {}  # AFIP has them; TusFacturas shows nothing before then
        self.ext_ref_fails = False  # consulta_avanzada answers HTTP 500 for good
        self.numeracion_body: str | None = None  # a raw numeracion answer, when set
        self.on_numeracion = lambda: None  # runs after each numeracion answer

    def store(self, body):
        item = super().store(body)
        item["fecha"] = body["comprobante"]["fecha"]
        return item

    def _unseen(self, ref):
        return self.clock.now < self.unseen_until.get(ref, float("-inf"))

    def listed(self, stored):
        ref = stored["comprobante"]["external_reference"]
        return ref not in self.ext_ref_hidden and not self._unseen(ref)

    def avanzada(self, request):
        if self.ext_ref_fails:
            return 500, {}, "<html>error</html>"
        if json.loads(request.body)["busqueda_tipo"] == "F":
            return super().avanzada(request)
        ref = json.loads(request.body)["comprobante"]["external_reference"]
        if ref in self.ext_ref_hidden or self._unseen(ref):
            answer = (200, {}, json.dumps({"error": "S", "errores": ["No se han encontrado comprobantes."]}))
            if self.after_lookup:
                self.after_lookup.pop(0)()
            return answer
        return super().avanzada(request)

    def consulta(self, request):
        status, headers, text = super().consulta(request)
        data = json.loads(text)
        comp = data.get("comprobante") or {}
        ref = comp.get("external_reference")
        if self._unseen(ref):
            return 200, {}, json.dumps({"error": "S", "errores": ["No existe"]})
        if ref in self.number_without_ref:
            data["comprobante"] = {**comp, "external_reference": ""}
        return status, headers, json.dumps(data)

    def numeracion(self, request):
        if self.numeracion_body is not None:
            answer = (200, {}, self.numeracion_body)
        else:
            comp = json.loads(request.body)["comprobante"]
            key = (comp["tipo"], int(comp["punto_venta"]))
            seen = [
                s["comprobante"]["numero"]
                for s in self.stored
                if (s["comprobante"]["tipo"], s["comprobante"]["punto_venta"]) == key
                and not self._unseen(s["comprobante"]["external_reference"])
            ]
            answer = (200, {}, json.dumps({"error": "N", "comprobante": {"numero": max(seen, default=0)}}))
        self.on_numeracion()
        return answer

    def count(self, ref):
        return self.refs().count(ref)


@pytest.fixture
def env(tmp_path):
    with scripted(tmp_path, LaggingTF) as (make, fake, ledger, _, paths):
        yield make, fake, ledger, paths


def test_ctrl_c_during_the_lookup_before_sending_sends_nothing(env):
    """Defect: an interrupted pre-send lookup counted as "could not check" and the POST went out
    anyway, without the lookup: here the referencia was already emitted (another computer that
    finished earlier, or a lost ledger), so the Ctrl-C produced a second legal invoice."""
    make, fake, ledger, paths = env
    a = comprobante("A")
    fake.other_computer_emits(a)  # TusFacturas already has A as number 1
    stop = {"now": False}
    fake.on_numeracion = lambda: stop.update(now=True)  # Ctrl-C while the number is being learned
    report = make([a], should_stop=lambda: stop["now"]).run()
    assert fake.count("A") == 1, "Ctrl-C must not send a comprobante it has not looked up"
    assert "facturacion/nuevo" not in paths()
    assert report.interrupted
    assert ledger.get(ACC, "A").state == L.PENDING


def test_after_a_10016_a_number_showing_our_comprobante_without_its_referencia_yet_is_not_resent(env):
    """Defect: after a 10016 the scan by number adopts only items carrying our referencia. The real
    service may show a new number before its referencia (the reconciler already adopts "a new
    number without reference" with our content); here the other computer's A is number 1, the
    EXT_REF index has not caught up and `consulta` shows it with no referencia: ours was re-sent as
    number 2, a second invoice."""
    make, fake, ledger, _ = env
    a = comprobante("A")
    fake.ext_ref_hidden = {"A"}
    fake.number_without_ref = {"A"}
    fake.after_lookup = [lambda: fake.other_computer_emits(a)]  # lands between our lookup and our POST
    make([a]).run()
    assert fake.count("A") == 1, "A must exist once in TusFacturas"
    assert fake.sent_numbers == [1], "ours was refused with 10016; it must not go out again"


def test_after_a_10016_the_newest_numbers_are_checked_first(env):
    """Defect: `_numbers_taken_since` checks the 20 numbers right after ours, the oldest ones, and
    stops. A comprobante the EXT_REF index does not show yet is one of the NEWEST; when more than 20
    numbers were taken since ours was fixed (the other computer kept emitting while ours was
    backing off from 429s), the other computer's A at number 26 was never looked at and ours went
    out again as number 27."""
    make, fake, ledger, _ = env
    a = comprobante("A")
    fake.ext_ref_hidden = {"A"}

    def the_other_computer_runs_ahead():
        for i in range(25):
            fake.someone_else_emits(f"OTRA{i:02d}")  # the rest of its sheet
        fake.other_computer_emits(a)

    fake.after_lookup = [the_other_computer_runs_ahead]
    make([a]).run()
    assert fake.count("A") == 1, "A must exist once in TusFacturas"
    assert ledger.get(ACC, "A").numero == 26


def test_limit_counts_only_comprobantes_actually_sent(env):
    """Defect: `send_one` adds the referencia to the --limit count before the pre-send lookup, so a
    referencia found already emitted (adopted, nothing sent) used up the limit: `--limit 1` sent
    nothing. Before this change the pre-check ran outside `send_one` and did not count."""
    make, fake, ledger, _ = env
    fake.other_computer_emits(comprobante("A"))  # emitted earlier elsewhere: adopted, not sent
    report = make([comprobante("A"), comprobante("B")], limit=1).run()
    assert ledger.get(ACC, "A").state == L.EMITTED
    assert fake.sent_numbers == [2], "one comprobante sent, as --limit 1 says"
    assert ledger.get(ACC, "B").state == L.EMITTED
    assert report.sent == 1


def test_when_referencias_cannot_be_looked_up_a_lost_ledger_does_not_re_emit_the_sheet(env):
    """Defect (pre-existing, and the new comment claims the number covers it): when the pre-send
    lookup fails the comprobante is POSTed anyway. With a lost or moved ledger (or regenerated
    credentials: a new account key) every referencia of the sheet is already in TusFacturas; the
    explicit number does not help, since it is learned after those emissions. A failing
    consulta_avanzada then re-emits the whole sheet. The design's rule for an impossible lookup is
    to stop (exit 3). NOTE: this contradicts tests/emision/test_runner.py::
    test_when_the_precheck_lookup_fails_the_comprobante_is_still_sent_once, which must change."""
    make, fake, ledger, _ = env
    fake.other_computer_emits(comprobante("A"))  # the same sheet, emitted last week from here
    fake.other_computer_emits(comprobante("B"))
    fake.ext_ref_fails = True
    report = make([comprobante("A"), comprobante("B")]).run()
    assert fake.sent_numbers == [], "nothing may be sent while its referencia cannot be checked"
    assert fake.count("A") == 1 and fake.count("B") == 1
    assert report.stop_reason


@pytest.mark.parametrize(
    "body",
    [
        '{"error": "N", "comprobante": {"numero": "sin dato"}}',
        '{"error": "N", "comprobante": []}',
        '{"error": "N", "comprobante": {"numero": "12.5"}}',
    ],
)
def test_an_odd_numeracion_answer_stops_resumably_instead_of_crashing(env, body):
    """Defect: `numeracion` is now asked on every run before the first POST; an answer whose number
    is not an integer raised ValueError/AttributeError out of the runner (the CLI prints "Error
    inesperado", exit 2, and writes no results) instead of a resumable stop naming the numbering."""
    make, fake, ledger, _ = env
    fake.numeracion_body = body
    report = make([comprobante("A")]).run()
    assert fake.sent_numbers == []
    assert "numeración" in report.stop_reason
    assert ledger.get(ACC, "A").state == L.PENDING


def test_a_10016_with_the_right_number_is_checked_again_before_blaming_the_date(env):
    """Defect (low): AFIP authorises before TusFacturas records. Right after our 10016 the other
    computer's A may be in AFIP but not yet visible in TusFacturas (neither numeracion nor the
    lookups count it): our number then looks "correct" and A was marked RECHAZADO with "revise la
    fecha" although it IS emitted. A person who follows the advice (new referencia, new date)
    emits it twice. One more learn + lookup after a short pause finds it."""
    make, fake, ledger, _ = env
    a = comprobante("A")

    def other_lands_but_tf_is_late():
        fake.other_computer_emits(a)  # AFIP authorised it as number 1 ...
        fake.unseen_until["A"] = fake.clock.now + 3  # ... TusFacturas shows it a few seconds later

    fake.after_lookup = [other_lands_but_tf_is_late]
    make([a]).run()
    record = ledger.get(ACC, "A")
    assert record.state != L.REJECTED, record.error_list
    assert fake.count("A") == 1
