"""Large companies must receive FCE: `requiere_fec` on `nuevo` and `facturacion/requiere_fec`.

The sandbox's register (README, "Simulador"): 30-50000001-1, 30-50000003-8 and 30-50000004-6, obliged
from AFIP's minimum in force on the comprobante's date (afip-rules.md §8): $1.357.480, then
$3.958.316 from 11/04/2025 and $5.549.862 from 14/04/2026 — or from `monto_fce` when set.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from importer.sandbox import IssuerProfile, Sandbox
from importer.sandbox.cli import add_sandbox_arguments
from importer.sandbox.cuit import is_valid_cuit
from importer.sandbox.faults import FaultPlan

from .conftest import HOY
from .util import CUIT_CLIENTE, emitir, factura, fce_factura, item, post

# The check digit of each, mod 11 with weights 5 4 3 2 7 6 5 4 3 2 (afip-rules.md §1.2):
#   3050000001 → 15+0+15+0+0+0+0+0+0+2 = 32, 32 % 11 = 10, 11 − 10 = 1 → 30500000011
#   3050000003 → 15+0+15+0+0+0+0+0+0+6 = 36, 36 % 11 = 3,  11 − 3 = 8  → 30500000038
#   3050000004 → 15+0+15+0+0+0+0+0+0+8 = 38, 38 % 11 = 5,  11 − 5 = 6  → 30500000046
GRANDES = ("30500000011", "30500000038", "30500000046")
GRANDE = {"documento_nro": GRANDES[0], "codigo": GRANDES[0]}
MINIMO_2025 = Decimal("3958316")


def exento(total: Decimal | str) -> list[dict[str, Any]]:
    """One exento line: the comprobante's total is the price itself (no IVA to round)."""
    return [item(str(total), "-1")]


def consulta(sb: Sandbox, **body: Any) -> dict[str, Any]:
    response = post(sb, "facturacion/requiere_fec", body)
    assert response.status_code == 200, response.text
    return response.json()


# --- the register ------------------------------------------------------------------------------------


def test_the_documented_cuits_are_valid() -> None:
    assert all(is_valid_cuit(c) for c in GRANDES)


@pytest.mark.parametrize("cuit", GRANDES)
def test_the_endpoint_says_each_large_company_is_obliged(sandbox: Sandbox, cuit: str) -> None:
    answer = consulta(sandbox, cuit=cuit, fecha="16/07/2025")
    # The shape of TusFacturas' page (tusfacturas-api.md §9.7): errores [] and rta "" on success.
    assert answer == {"error": "N", "errores": [], "rta": "", "esta_obligado": "S", "importe_desde": 3958316}


@pytest.mark.parametrize(
    ("fecha", "desde"),
    [("10/04/2025", 1357480), ("11/04/2025", 3958316), ("13/04/2026", 3958316), ("14/04/2026", 5549862)],
)
def test_the_minimum_is_the_one_in_force_on_the_date(sandbox: Sandbox, fecha: str, desde: int) -> None:
    assert consulta(sandbox, cuit=GRANDES[1], fecha=fecha)["importe_desde"] == desde


def test_the_cuit_may_be_a_json_number(sandbox: Sandbox) -> None:
    assert consulta(sandbox, cuit=30500000038, fecha="16/07/2025")["esta_obligado"] == "S"  # as in the docs


def test_any_other_cuit_is_not_obliged(sandbox: Sandbox) -> None:
    answer = consulta(sandbox, cuit=CUIT_CLIENTE, fecha="16/07/2025")
    assert answer["error"] == "N" and answer["esta_obligado"] == "N"


@pytest.mark.parametrize(
    ("body", "texto"),
    [
        ({"fecha": "16/07/2025"}, "El campo cuit es obligatorio."),
        ({"cuit": GRANDES[0]}, "El campo fecha es obligatorio."),
        ({"cuit": "30-50000001-1", "fecha": "16/07/2025"}, "El CUIT enviado 30-50000001-1 es invalido."),
        ({"cuit": "30500000012", "fecha": "16/07/2025"}, "El CUIT enviado 30500000012 es invalido."),
        ({"cuit": GRANDES[0], "fecha": "2025-07-16"}, "El campo fecha debe ser una fecha dd/mm/aaaa"),
    ],
)
def test_the_endpoint_refuses_bad_requests(sandbox: Sandbox, body: dict[str, str], texto: str) -> None:
    answer = consulta(sandbox, **body)
    assert answer["error"] == "S" and answer["rta"] == ""
    assert any(e.startswith(texto) for e in answer["errores"]), answer


def test_the_endpoint_answers_the_configured_amount() -> None:
    with Sandbox(hoy=HOY, monto_fce=Decimal("1500000.50")) as sb:
        assert consulta(sb, cuit=GRANDES[2], fecha="16/07/2025")["importe_desde"] == 1500000.5


# --- facturacion/nuevo ---------------------------------------------------------------------------------


def test_a_common_factura_a_at_the_minimum_is_refused_with_requiere_fec(sandbox: Sandbox) -> None:
    body = factura(HOY, detalle=exento(MINIMO_2025), total=str(MINIMO_2025), cliente_changes=GRANDE)
    answer = emitir(sandbox, body)
    assert answer["error"] == "S" and answer["requiere_fec"] == "SI"
    assert answer["errores"] == [
        "AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.10192 - Por su "
        "categorizacion y el monto de la operacion, el receptor esta obligado a recibir una Factura de "
        "Credito Electronica MiPyME (FCE)."
    ]
    assert sandbox.comprobantes() == []


def test_a_cent_below_the_minimum_passes(sandbox: Sandbox) -> None:
    below = MINIMO_2025 - Decimal("0.01")
    body = factura(HOY, detalle=exento(below), total=str(below), cliente_changes=GRANDE)
    answer = emitir(sandbox, body)
    assert answer["error"] == "N" and answer["requiere_fec"] == "NO"


def test_the_fce_itself_passes(sandbox: Sandbox) -> None:
    body = fce_factura(HOY, detalle=exento(MINIMO_2025), total=str(MINIMO_2025), cliente_changes=GRANDE)
    answer = emitir(sandbox, body)
    assert answer["error"] == "N" and answer["requiere_fec"] == "NO"


def test_other_customers_are_not_affected(sandbox: Sandbox) -> None:
    body = factura(HOY, detalle=exento(MINIMO_2025 * 10), total=str(MINIMO_2025 * 10))
    assert emitir(sandbox, body)["error"] == "N"


def test_the_amount_is_compared_in_pesos(sandbox: Sandbox) -> None:
    # 3300 DOL × 1200 = 3.960.000 pesos ≥ 3.958.316; 3298 × 1200 = 3.957.600 < it.
    refused = factura(HOY, "D-1", moneda="DOL", cotizacion="1200", detalle=exento("3300"), total="3300")
    assert emitir(sandbox, refused | {"cliente": {**refused["cliente"], **GRANDE}})["requiere_fec"] == "SI"
    passes = factura(HOY, "D-2", moneda="DOL", cotizacion="1200", detalle=exento("3298"), total="3298")
    assert emitir(sandbox, passes | {"cliente": {**passes["cliente"], **GRANDE}})["error"] == "N"


def test_the_minimum_changes_with_the_comprobante_date() -> None:
    # 10/04/2025: the previous minimum 1.357.480 applies; 11/04/2025: 3.958.316.
    with Sandbox(hoy=date(2025, 4, 11)) as sb:
        body = factura(
            date(2025, 4, 10), "V-1", detalle=exento("1357480"), total="1357480", cliente_changes=GRANDE
        )
        assert emitir(sb, body)["requiere_fec"] == "SI"
        body = factura(
            date(2025, 4, 11), "V-2", detalle=exento("1357480"), total="1357480", cliente_changes=GRANDE
        )
        assert emitir(sb, body)["error"] == "N"


def test_a_configured_amount_replaces_afip_minimum() -> None:
    with Sandbox(hoy=HOY, monto_fce=Decimal("1210")) as sb:
        assert emitir(sb, factura(HOY, "C-1", cliente_changes=GRANDE))["requiere_fec"] == "SI"  # 1210.00
        body = factura(HOY, "C-2", detalle=[item("999.99")], total="1209.99", cliente_changes=GRANDE)
        assert emitir(sb, body)["error"] == "N"  # 999.99 × 1.21 = 1209.9879 → 1209.99


def test_a_monotributista_factura_c_is_refused_too() -> None:
    with Sandbox(hoy=HOY, profile=IssuerProfile.monotributo()) as sb:
        body = factura(
            HOY,
            tipo="FACTURA C",
            detalle=[item(str(MINIMO_2025), "0")],
            total=str(MINIMO_2025),
            cliente_changes=GRANDE,
        )
        assert emitir(sb, body)["requiere_fec"] == "SI"


def test_notes_follow_their_factura_and_are_not_refused(sandbox: Sandbox) -> None:
    periodo = {"fecha_desde": "01/07/2025", "fecha_hasta": "15/07/2025"}
    body = factura(
        HOY,
        tipo="NOTA DE CREDITO A",
        detalle=exento(MINIMO_2025),
        total=str(MINIMO_2025),
        comprobantes_asociados_periodo=periodo,
        cliente_changes=GRANDE,
    )
    assert emitir(sandbox, body)["error"] == "N"


def test_the_fec_fault_still_applies_to_any_cuit(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("fec=1000"))
    assert emitir(sandbox, factura(HOY))["requiere_fec"] == "SI"


def test_other_errors_come_first(sandbox: Sandbox) -> None:
    body = factura(HOY, detalle=exento(MINIMO_2025), total=str(MINIMO_2025), vencimiento="15/07/2025")
    body["cliente"].update(GRANDE)
    answer = emitir(sandbox, body)
    assert answer["error"] == "S" and "requiere_fec" not in answer and ".10036 - " in answer["errores"][0]


# --- the command line -----------------------------------------------------------------------------------


def test_monto_fce_is_typed_the_argentine_way() -> None:
    parser = argparse.ArgumentParser()
    add_sandbox_arguments(parser)
    assert parser.parse_args([]).monto_fce is None
    assert parser.parse_args(["--monto-fce", "5.549.862"]).monto_fce == Decimal("5549862")
    assert parser.parse_args(["--monto-fce", "$ 1.500,50"]).monto_fce == Decimal("1500.50")
