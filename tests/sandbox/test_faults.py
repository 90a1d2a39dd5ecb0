"""Every fault mode does what it says; the language parses, and probabilities are reproducible."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import requests

from importer.sandbox import FaultPlan, Sandbox

from .conftest import HOY
from .util import CONSUMIDOR_FINAL, emitir, factura, por_referencia, post

CONSULTA = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 1, "numero": 1}}


def nuevo(sb: Sandbox, referencia: str = "R1", **kwargs: object) -> requests.Response:
    return post(sb, "facturacion/nuevo", factura(HOY, referencia), **kwargs)  # type: ignore[arg-type]


# -- the language -------------------------------------------------------------------------------------


def test_parse_reads_every_part() -> None:
    plan = FaultPlan.parse("corte@3; 429@10% , consultas:500@1-2|5 demora=1-3 fec=500000 rps=20 semilla=7")
    assert plan.seed == 7
    assert [(f.kind, f.value) for f in plan.faults] == [
        ("corte", None),
        ("429", None),
        ("500", None),
        ("demora", (1.0, 3.0)),
        ("fec", Decimal("500000")),
        ("rps", 20),
    ]
    corte, p429, c500 = plan.faults[:3]
    assert corte.endpoints == ("facturacion/nuevo",) and corte.when.ranges == ((3, 3),)
    assert p429.when.probability == pytest.approx(0.10)
    assert c500.endpoints == (
        "facturacion/consulta",
        "facturacion/consulta_avanzada",
        "facturacion/numeracion",
    )
    assert c500.when.ranges == ((1, 2), (5, 5))
    assert plan.faults[5].endpoints is None
    assert FaultPlan.parse("").faults == () and not FaultPlan.parse(" ")
    assert FaultPlan.parse("corte", seed=3).seed == 3


@pytest.mark.parametrize(
    "spec",
    [
        "caida@1",
        "nuevo:corte@0",
        "corte@3-1",
        "corte@x",
        "429@150%",
        "demora",
        "demora=-1",
        "afip_caido=1-2",
        "consulta:sin_cae",
        "consultas:fec=10",
        "rps=3@2",
        "rps=0",
        "corte=5",
        "planeta:500",
        "fec=abc",
    ],
)
def test_parse_rejects_bad_clauses_in_spanish(spec: str) -> None:
    with pytest.raises(ValueError) as info:
        FaultPlan.parse(spec)
    assert any(
        word in str(info.value)
        for word in (
            "inválid",
            "desconocido",
            "falta",
            "solo",
            "use",
            "mal",
            "rango",
            "no lleva",
            "probabilidad",
        )
    )


def _hits(seed: int) -> list[int]:
    with Sandbox(FaultPlan.parse("alertas:500@30%", seed=seed), hoy=HOY) as sb, requests.Session() as s:
        return [
            i for i in range(40) if post(sb, "estado_servicios/alertas", {}, session=s).status_code == 500
        ]


def test_probabilities_are_reproducible_with_the_seed() -> None:
    first, again, other = _hits(11), _hits(11), _hits(12)
    assert first == again
    assert first != other
    assert 4 <= len(first) <= 24


# -- faults before committing ---------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "status"), [("429@1", 429), ("500@1", 500)])
def test_429_and_500_commit_nothing(sandbox: Sandbox, spec: str, status: int) -> None:
    sandbox.set_faults(FaultPlan.parse(spec))
    response = nuevo(sandbox)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert sandbox.comprobantes() == []
    assert nuevo(sandbox).json()["comprobante_nro"] == "00001-00000001"


def test_error_commits_nothing(sandbox: Sandbox) -> None:
    sandbox.faults = FaultPlan.parse("error@1")
    answer = nuevo(sandbox).json()
    assert answer["error"] == "S" and "EJBTransactionRolledbackException" in answer["errores"][0]
    assert sandbox.comprobantes() == []


def test_fec_above_the_amount_commits_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("fec=1210"))
    answer = nuevo(sandbox).json()
    assert answer["error"] == "S" and answer["requiere_fec"] == "SI"
    assert ".10192 - " in answer["errores"][0]
    anonymous = factura(HOY, "B1", tipo="FACTURA B", cliente_changes=CONSUMIDOR_FINAL)
    assert emitir(sandbox, anonymous)["error"] == "N"  # FCE needs a CUIT receiver
    sandbox.set_faults(FaultPlan.parse("fec=1210.01"))
    assert nuevo(sandbox).json()["requiere_fec"] == "NO"


def test_afip_down_window(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("afip_caido=0.4@2"))
    assert nuevo(sandbox, "R1").json()["error"] == "N"
    answer = nuevo(sandbox, "R2").json()
    assert answer["error"] == "S" and answer["external_reference"] == "R2"
    assert "Los servicios de facturacion de AFIP estan presentando errores" in answer["errores"][0]
    assert "impediremos que factures por un lapso de 12 minutos" in answer["errores"][0]
    alertas = post(sandbox, "estado_servicios/alertas", {}).json()
    assert alertas["error"] == "S" and "12 minutos" in alertas["facturacion"]
    assert len(sandbox.comprobantes()) == 1
    time.sleep(0.45)
    assert post(sandbox, "estado_servicios/alertas", {}).json()["facturacion"] == "OK"
    assert nuevo(sandbox, "R2").json()["error"] == "N"


def test_maintenance_window_answers_every_endpoint(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("mantenimiento=0.4"))
    for endpoint in ("facturacion/nuevo", "facturacion/consulta", "estado_servicios/alertas"):
        answer = post(sandbox, endpoint, factura(HOY)).json()
        assert answer["error"] == "S" and answer["mantenimiento"] == 1
        assert answer["mantenimiento_hasta"][:10] and len(answer["mantenimiento_hasta"]) == 16
        assert answer["errores"][0].startswith("Estaremos realizando tareas de mantenimiento hasta las ")
    time.sleep(0.45)
    assert nuevo(sandbox).json()["error"] == "N"


def test_open_windows_from_python(sandbox: Sandbox) -> None:
    sandbox.open_maintenance(30)
    assert nuevo(sandbox).json()["mantenimiento"] == 1
    sandbox.close_outages()
    sandbox.open_afip_outage(30)
    assert "12 minutos" in nuevo(sandbox).json()["errores"][0]
    sandbox.close_outages()
    assert nuevo(sandbox).json()["error"] == "N"


def test_lookup_endpoints_can_fail(sandbox: Sandbox) -> None:
    emitir(sandbox, factura(HOY, "R1"))
    sandbox.set_faults(FaultPlan.parse("consulta_avanzada:500@1; consulta:error@1; numeracion:error@1"))
    assert (
        post(
            sandbox,
            "facturacion/consulta_avanzada",
            {"busqueda_tipo": "EXT_REF", "comprobante": {"external_reference": "R1"}},
        ).status_code
        == 500
    )
    assert por_referencia(sandbox, "R1")["total"] == 1
    assert post(sandbox, "facturacion/consulta", CONSULTA).json()["error"] == "S"
    assert post(sandbox, "facturacion/consulta", CONSULTA).json()["error"] == "N"
    numeracion = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 1}}
    assert post(sandbox, "facturacion/numeracion", numeracion).json()["error"] == "S"
    assert post(sandbox, "facturacion/numeracion", numeracion).json()["comprobante"]["numero"] == 1


def test_rps_limit(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("rps=3"))
    with requests.Session() as s:
        statuses = [post(sandbox, "facturacion/topecf", {}, session=s).status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


def test_todos_counts_every_endpoint(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("todos:500@3"))
    assert post(sandbox, "facturacion/topecf", {}).status_code == 200
    assert post(sandbox, "estado_servicios/alertas", {}).status_code == 200
    assert nuevo(sandbox).status_code == 500
    assert nuevo(sandbox).status_code == 200


def test_set_faults_restarts_the_counters(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("500@2"))
    assert [nuevo(sandbox, f"R{i}").status_code for i in range(3)] == [200, 500, 200]
    sandbox.set_faults(FaultPlan.parse("500@2"))
    assert [nuevo(sandbox, f"S{i}").status_code for i in range(2)] == [200, 500]
    assert sandbox.requests_count("facturacion/nuevo") == 5 and sandbox.requests_count("nuevo") == 5


# -- faults after committing ----------------------------------------------------------------------------


def test_524_after_committing(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("524@1"))
    response = nuevo(sandbox)
    assert response.status_code == 524 and "524" in response.text
    assert len(sandbox.comprobantes()) == 1
    assert por_referencia(sandbox, "R1")["comprobantes"][0]["comprobante"]["status"] == "EMITIDO"


def test_dropped_connection_after_committing_is_found_by_lookup(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("corte@1"))
    with pytest.raises(requests.ConnectionError):
        nuevo(sandbox)
    [stored] = sandbox.comprobantes()
    found = por_referencia(sandbox, "R1")
    assert found["total"] == 1
    assert found["comprobantes"][0]["comprobante"]["cae"].strip() == stored["cae"]
    assert nuevo(sandbox, "R2").json()["comprobante_nro"] == "00001-00000002"


def test_sin_cae_after_committing(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("sin_cae@1"))
    answer = nuevo(sandbox).json()
    assert answer["error"] == "S"
    assert answer["errores"] == ["AFIP No devolvio el CAE asociado. (Cod. Error #6661141.S1254)"]
    [stored] = sandbox.comprobantes()
    assert len(stored["cae"]) == 14
    assert por_referencia(sandbox, "R1")["comprobantes"][0]["comprobante"]["cae"] == stored["cae"] + " "


def test_slow_answer_after_committing(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("lenta=0.3@1"))
    done = threading.Event()
    seen: list[int] = []

    def watch() -> None:
        while not done.is_set():
            seen.append(len(sandbox.comprobantes()))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    answer = nuevo(sandbox).json()
    done.set()
    watcher.join()
    assert time.monotonic() - started >= 0.3
    assert answer["error"] == "N"
    assert 1 in seen[:-1]  # committed while the answer was still being held back


def test_observacion(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("observacion@1"))
    answer = nuevo(sandbox).json()
    assert answer["error"] == "N" and answer["observaciones"].endswith("[ codigo: 10063 ]")


def test_latency_still_commits_after_the_client_gave_up(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("demora=0.6@1"))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        nuevo(sandbox, timeout=0.15)
    # The request is still in flight: an early lookup sees nothing ...
    assert por_referencia(sandbox, "R1")["total"] == 0
    # ... and the server commits it once the delay is over.
    while not sandbox.comprobantes() and time.monotonic() - started < 3:
        time.sleep(0.02)
    assert time.monotonic() - started >= 0.55
    assert por_referencia(sandbox, "R1")["total"] == 1


def test_latency_then_dropped_connection(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("demora=0.2@1 corte@1"))
    with pytest.raises(requests.ConnectionError):
        nuevo(sandbox)
    assert len(sandbox.comprobantes()) == 1
