"""The emission loop against precise API sequences (responses): exactly-once decisions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
import requests
import responses

from importer.dominio.comprobantes import Cliente, Comprobante, Linea
from importer.dominio.reloj import Reloj
from importer.emision import ledger as L
from importer.emision.api import TusFacturasClient
from importer.emision.runner import Runner, RunOptions, pdf_name
from importer.emision.secrets import Credentials

BASE = "https://api.test/app/api/v2"
ERROR_10016 = (
    "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10016 - El numero o "
    "fecha del comprobante no se corresponde con el proximo a autorizar"
)
CREDS = Credentials("user-token-123456", "9991", "api-token-654321")
CLIENTE = Cliente("CUIT", "30698765433", "Ferretería del Sur SRL", "RI")


def comprobante(ref, fecha=date(2026, 11, 25), pv=1, precio="1000", tipo="FACTURA A"):
    return Comprobante(
        referencia=ref,
        filas=(2,),
        fecha=fecha,
        tipo=tipo,
        punto_venta=pv,
        cliente=CLIENTE,
        lineas=(Linea(2, "Tornillos", D("1"), D(precio), "21"),),
    )


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds

    def reloj(self):
        """The runner's clock; sleeping goes through `self.sleep`, so a test may swap it later."""
        return Reloj(now=self, sleep=lambda seconds: self.sleep(seconds))


class FakeTF:
    """A scripted TusFacturas: `nuevo` answers from a queue; lookups see what was 'stored'."""

    def __init__(self, clock, rsps):
        self.clock = clock
        self.nuevo_script: list = []
        self.stored: list[dict] = []  # comprobantes TusFacturas has
        self.lookup_failures = 0
        self.fail_after_first_post: set[str] = set()  # referencias whose lookups fail once a POST was made
        self.estado_ok_after = 0  # estado_servicios calls answering "not OK" first
        self.posts = 0
        self.post_times: list[float] = []
        self.last_number: dict[tuple[str, int], int] = {}
        self.listings: list[str] = []  # dates listed (consulta_avanzada F), in order
        for path, fn in (
            ("facturacion/nuevo", self.nuevo),
            ("facturacion/consulta_avanzada", self.avanzada),
            ("facturacion/numeracion", self.numeracion),
            ("facturacion/consulta", self.consulta),
            ("estado_servicios/alertas", self.estado),
            ("facturacion/regenerar_pdf", self.regenerar),
        ):
            rsps.add_callback(responses.POST, f"{BASE}/{path}", callback=fn)
        rsps.add(responses.GET, "https://files.test/pdf", body=b"%PDF-1.4 fake\n%%EOF\n", status=200)

    def next_number_ok(self, body):
        """Like AFIP: an explicit number must be exactly the next one."""
        comp = body["comprobante"]
        if "numero" not in comp:
            return True
        return int(comp["numero"]) == self.last_number.get((comp["tipo"], int(comp["punto_venta"])), 0) + 1

    def store(self, body):
        comp = body["comprobante"]
        key = (comp["tipo"], int(comp["punto_venta"]))
        numero = self.last_number.get(key, 0) + 1
        self.last_number[key] = numero
        item = {
            "external_reference": comp["external_reference"],
            "fecha": comp["fecha"],
            "tipo": comp["tipo"],
            "punto_venta": int(comp["punto_venta"]),
            "numero": numero,
            "total": comp["total"],
            "cae": f"{numero:014d} ",
            "vencimiento_cae": "05/12/2026",
            "status": "EMITIDO",
            "comprobante_pdf_url": "https://files.test/pdf",
            "afip_qr": "https://qr ",
        }
        self.stored.append(
            {"cliente": {"documento_nro": body["cliente"]["documento_nro"] + " "}, "comprobante": item}
        )
        return item

    def nuevo(self, request):
        self.posts += 1
        self.post_times.append(self.clock.now)
        body = json.loads(request.body)
        action = self.nuevo_script.pop(0) if self.nuevo_script else "ok"
        if action in ("ok", "commit_then_timeout") and not self.next_number_ok(body):
            return 200, {}, json.dumps({"error": "S", "errores": [ERROR_10016]})
        if action == "ok":
            item = self.store(body)
            return (
                200,
                {},
                json.dumps(
                    {
                        "error": "N",
                        "errores": [""],
                        "cae": item["cae"],
                        "comprobante_nro": f"{item['punto_venta']:05d}-{item['numero']:08d}",
                        "vencimiento_cae": "05/12/2026",
                        "comprobante_pdf_url": item["comprobante_pdf_url"],
                        "afip_qr": "https://qr ",
                    }
                ),
            )
        if action == "commit_then_timeout":
            self.store(body)
            raise requests.ReadTimeout("read timed out")
        if action == "timeout":
            raise requests.ReadTimeout("read timed out")
        if action == "500":
            return 500, {}, "<html>Internal Server Error</html>"
        if action == "429":
            return 429, {}, "slow down"
        if action == "401":
            return 401, {}, ""
        if action == "afip_down":
            return (
                200,
                {},
                json.dumps(
                    {
                        "error": "S",
                        "errores": ["Los servicios de facturacion de AFIP estan presentando errores."],
                    }
                ),
            )
        if action == "reject":
            return (
                200,
                {},
                json.dumps(
                    {
                        "error": "S",
                        "errores": [
                            "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10036 - El campo "
                            "FchVtoPago no puede ser anterior a la fecha del comprobante."
                        ],
                    }
                ),
            )
        raise AssertionError(action)

    def _fail_lookup(self, ref=None):
        if ref in self.fail_after_first_post and self.posts:
            return True
        if self.lookup_failures:
            self.lookup_failures -= 1
            return True
        return False

    def avanzada(self, request):
        body = json.loads(request.body)
        if body["busqueda_tipo"] == "F":  # listing by date (the pre-send check of many referencias)
            self.listings.append(body["comprobante"]["fecha"])
            if self._fail_lookup():
                return 500, {}, "<html>error</html>"
            found = [
                s
                for s in self.stored
                if s["comprobante"]["fecha"] == body["comprobante"]["fecha"] and self.listed(s)
            ]
            page = found[body["pagina"] * body["limite"] : (body["pagina"] + 1) * body["limite"]]
            return 200, {}, json.dumps({"error": "N", "total": len(found), "comprobantes": page})
        ref = body["comprobante"]["external_reference"]
        if self._fail_lookup(ref):
            return 500, {}, "<html>error</html>"
        found = [s for s in self.stored if s["comprobante"]["external_reference"] == ref]
        if not found:
            return 200, {}, json.dumps({"error": "S", "errores": ["No se han encontrado comprobantes."]})
        return 200, {}, json.dumps({"error": "N", "total": len(found), "comprobantes": found})

    def listed(self, stored):
        """Whether a date listing shows this stored comprobante (subclasses model index lag)."""
        return True

    def numeracion(self, request):
        comp = json.loads(request.body)["comprobante"]
        last = self.last_number.get((comp["tipo"], int(comp["punto_venta"])), 0)
        return 200, {}, json.dumps({"error": "N", "comprobante": {"numero": last}})

    def consulta(self, request):
        comp = json.loads(request.body)["comprobante"]
        for s in self.stored:
            c = s["comprobante"]
            if (c["tipo"], c["punto_venta"], c["numero"]) == (
                comp["tipo"],
                int(comp["punto_venta"]),
                int(comp["numero"]),
            ):
                return 200, {}, json.dumps({"error": "N", **s})
        return 200, {}, json.dumps({"error": "S", "errores": ["No existe"]})

    def estado(self, request):
        if self.estado_ok_after:
            self.estado_ok_after -= 1
            return 200, {}, json.dumps({"error": "S", "facturacion": "AFIP caido"})
        return 200, {}, json.dumps({"error": "N", "facturacion": "OK"})

    def regenerar(self, request):
        return 200, {}, json.dumps({"error": "N", "comprobante_pdf_url": "https://files.test/pdf"})

    def refs(self):
        return [s["comprobante"]["external_reference"] for s in self.stored]


@pytest.fixture
def env(tmp_path):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        clock = Clock()
        fake = FakeTF(clock, rsps)
        ledger = L.Ledger(tmp_path / "registro.sqlite")

        def make(comprobantes, **kw):
            options = RunOptions(
                account=CREDS.account_key(),
                timeout=30,
                margin=10,
                rate=None,
                pdf_dir=tmp_path / "pdf",
                planilla="julio.xlsx",
                **kw,
            )
            client = TusFacturasClient(BASE, CREDS, timeout=30)
            return Runner(comprobantes, client, ledger, options, reloj=clock.reloj())

        yield make, fake, ledger, clock
        ledger.close()


def state(ledger, ref):
    return ledger.get(CREDS.account_key(), ref).state


def test_clean_month_emits_each_once_in_date_order_and_downloads_pdfs(env, tmp_path):
    make, fake, ledger, _ = env
    cs = [
        comprobante("B", date(2026, 11, 25)),
        comprobante("A", date(2026, 11, 24)),
        comprobante("C", date(2026, 11, 25)),
    ]
    report = make(cs).run()
    assert fake.refs() == ["A", "B", "C"]
    assert report.emitted_now == 3 and not report.stop_reason
    assert (tmp_path / "pdf" / pdf_name("FACTURA A", 1, 1)).read_bytes().startswith(b"%PDF")
    assert fake.posts == 3
    report = make(cs).run()  # a re-run sends nothing
    assert fake.posts == 3 and report.sent == 0


def test_timeout_after_commit_is_found_by_reference_and_never_resent(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["commit_then_timeout"]
    report = make([comprobante("A"), comprobante("B")]).run()
    assert fake.posts == 2 and fake.refs() == ["A", "B"]
    record = ledger.get(CREDS.account_key(), "A")
    assert record.state == L.EMITTED and record.cae == "00000000000001" and report.reconciled == 1


def test_absence_is_proven_only_after_the_in_flight_window(env):
    make, fake, ledger, clock = env
    fake.nuevo_script = ["500"]
    make([comprobante("A")]).run()
    assert fake.posts == 2 and fake.refs() == ["A"]
    first, second = fake.post_times
    assert second - first >= 30 + 10  # re-sent only after read timeout + margin
    assert state(ledger, "A") == L.EMITTED


def test_a_late_landing_request_of_a_killed_run_is_adopted_not_duplicated(env):
    make, fake, ledger, clock = env
    acc = CREDS.account_key()
    runner = make([comprobante("A")])
    runner.prepare()
    ledger.transition(acc, "A", L.PENDING, L.SENDING, sent_at=clock.now, inflight_until=clock.now + 40)
    # the killed process's request is still in flight: TusFacturas stores it 20 s later
    body = runner.payload(comprobante("A"))[0]
    original_sleep = clock.sleep

    def sleep_and_land(seconds):
        original_sleep(seconds)
        if clock.now > 1_000_020 and "A" not in fake.refs():
            fake.store(body)

    clock.sleep = sleep_and_land  # the runners' clock sleeps through it
    make_again = make([comprobante("A")])
    make_again.run()
    assert fake.posts == 0 and fake.refs() == ["A"]
    assert state(ledger, "A") == L.EMITTED


def test_429_backs_off_and_resends(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["429", "429"]
    report = make([comprobante("A")]).run()
    assert fake.posts == 3 and fake.refs() == ["A"] and report.emitted_now == 1


def test_afip_down_pauses_until_the_service_is_back(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["afip_down"]
    fake.estado_ok_after = 2
    report = make([comprobante("A")]).run()
    assert fake.refs() == ["A"] and not report.stop_reason


def test_afip_down_for_too_long_stops_resumably(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["afip_down"]
    fake.estado_ok_after = 10_000
    report = make([comprobante("A")], max_pause=60).run()
    assert "AFIP" in report.stop_reason and fake.refs() == []
    assert state(ledger, "A") == L.PENDING


def test_bad_credentials_stop_at_once(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["401"]
    report = make([comprobante("A"), comprobante("B")]).run()
    assert "credenciales" in report.stop_reason and fake.posts == 1
    assert state(ledger, "A") == L.PENDING and state(ledger, "B") == L.PENDING


def test_a_rejection_does_not_stop_the_others(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["reject"]
    report = make([comprobante("A"), comprobante("B")]).run()
    assert state(ledger, "A") == L.REJECTED and state(ledger, "B") == L.EMITTED
    assert "10036" in ledger.get(CREDS.account_key(), "A").error_list[0] and report.rejected_now == 1


def test_fixed_row_is_sent_again_on_the_next_run(env):
    make, fake, ledger, _ = env
    fake.nuevo_script = ["reject"]
    make([comprobante("A", precio="1000")]).run()
    make([comprobante("A", precio="1200")]).run()
    assert fake.refs() == ["A"] and fake.stored[0]["comprobante"]["total"] == "1452.00"


def test_a_date_earlier_than_the_last_emitted_is_reported_not_sent(env):
    make, fake, ledger, _ = env
    make([comprobante("A", date(2026, 11, 25))]).run()
    make([comprobante("B", date(2026, 11, 23))]).run()
    assert fake.posts == 1 and state(ledger, "B") == L.REJECTED
    assert "anterior al último comprobante" in ledger.get(CREDS.account_key(), "B").error_list[0]


def test_emitted_rows_changed_later_are_reported_not_resent(env):
    make, fake, ledger, _ = env
    make([comprobante("A")]).run()
    report = make([comprobante("A", precio="5")]).run()
    assert fake.posts == 1 and "nota de crédito" in report.notes["A"][0]


def test_unreconcilable_doubt_blocks_its_punto_de_venta_only(env):
    make, fake, ledger, clock = env
    fake.nuevo_script = ["timeout"]
    runner = make([comprobante("A", pv=1), comprobante("B", pv=1), comprobante("C", pv=2)])
    fake.fail_after_first_post = {"A"}
    report = runner.run()
    assert report.unresolved == ["A"]
    assert fake.refs() == ["C"] and state(ledger, "B") == L.PENDING


def test_limit_sends_at_most_n(env):
    make, fake, ledger, _ = env
    report = make([comprobante(r) for r in "ABCD"], limit=2).run()
    assert fake.refs() == ["A", "B"] and report.limit_reached


def test_missing_pdf_is_regenerated_on_the_next_run(env, tmp_path):
    make, fake, ledger, _ = env
    make([comprobante("A")]).run()
    pdf = tmp_path / "pdf" / pdf_name("FACTURA A", 1, 1)
    pdf.unlink()
    make([comprobante("A")]).run()
    assert pdf.exists() and fake.posts == 1


def test_a_torn_pdf_is_fetched_again(env, tmp_path):
    make, fake, ledger, _ = env
    make([comprobante("A")]).run()
    pdf = tmp_path / "pdf" / pdf_name("FACTURA A", 1, 1)
    pdf.write_bytes(b"%PDF-1.4 trunc")
    make([comprobante("A")]).run()
    assert pdf.read_bytes().rstrip().endswith(b"%%EOF") and fake.posts == 1


def test_a_referencia_already_in_tusfacturas_is_adopted_not_resent(env, tmp_path):
    """A lost ledger (or new credentials): TusFacturas already has it with the same data."""
    make, fake, ledger, _ = env
    body = make([comprobante("A")]).payload(comprobante("A"))[0]
    fake.store(body)
    report = make([comprobante("A")]).run()
    record = ledger.get(CREDS.account_key(), "A")
    assert fake.posts == 0 and record.state == L.EMITTED and record.cae == "00000000000001"
    assert "no figuraba en el registro" in report.notes["A"][0]


def test_a_reused_referencia_with_other_data_is_refused_without_sending(env):
    make, fake, ledger, _ = env
    fake.store(make([comprobante("A")]).payload(comprobante("A", precio="999"))[0])
    make([comprobante("A")]).run()
    record = ledger.get(CREDS.account_key(), "A")
    assert fake.posts == 0 and record.state == L.REJECTED
    assert "ya existe en TusFacturas" in record.error_list[0]


def test_when_the_precheck_lookup_fails_nothing_is_sent_on_that_punto_de_venta(env):
    make, fake, ledger, _ = env
    # Every try of the date listing fails, then every try of A's own lookup; C's works.
    fake.lookup_failures = 8
    report = make([comprobante("A"), comprobante("B"), comprobante("C", pv=2)]).run()
    assert fake.refs() == ["C"]
    assert state(ledger, "A") == L.PENDING and state(ledger, "B") == L.PENDING
    assert "punto de venta 1" in report.stop_reason


def test_a_precheck_lookup_that_recovers_on_retry_sends_once(env):
    make, fake, ledger, _ = env
    fake.lookup_failures = 3  # the fourth try answers
    make([comprobante("A")]).run()
    assert fake.posts == 1 and state(ledger, "A") == L.EMITTED
