"""The asociado of a nota must name its issuer's CUIT (tusfacturas-api.md §3.7), and the
`solo_arca` fault answers "existe en ARCA pero no en TusFacturasAPP" without storing anything."""

from __future__ import annotations

from typing import Any

import pytest

from importer.sandbox import FaultPlan, IssuerProfile, Sandbox

from .conftest import HOY
from .util import emitir, factura, fce_factura, fce_nota, rechazo

OBLIGATORIO = "El campo comprobante.comprobantes_asociados[0].cuit es obligatorio."


def nota(tipo: str, asociado: dict[str, Any]) -> dict[str, Any]:
    return factura(HOY, "NC-1", tipo=tipo, comprobantes_asociados=[asociado])


def asociado_de(original: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "tipo_comprobante": "FACTURA A",
        "punto_venta": 1,
        "numero": int(original["comprobante_nro"].split("-")[1]),
        "comprobante_fecha": HOY.strftime("%d/%m/%Y"),
        **changes,
    }


@pytest.mark.parametrize("tipo", ["NOTA DE CREDITO A", "NOTA DE DEBITO A"])
def test_a_nota_whose_asociado_lacks_the_cuit_is_refused_and_stores_nothing(
    sandbox: Sandbox, tipo: str
) -> None:
    original = emitir(sandbox, factura(HOY, "FA-1"))
    assert original["error"] == "N"
    assert OBLIGATORIO in rechazo(sandbox, nota(tipo, asociado_de(original)))


def test_an_empty_cuit_is_missing_too(sandbox: Sandbox) -> None:
    original = emitir(sandbox, factura(HOY, "FA-1"))
    assert OBLIGATORIO in rechazo(sandbox, nota("NOTA DE CREDITO A", asociado_de(original, cuit="")))


def test_the_same_nota_with_the_issuer_cuit_is_accepted(sandbox: Sandbox) -> None:
    original = emitir(sandbox, factura(HOY, "FA-1"))
    answer = emitir(sandbox, nota("NOTA DE CREDITO A", asociado_de(original, cuit=IssuerProfile().cuit)))
    assert answer["error"] == "N", answer["errores"]


def test_a_factura_needs_no_asociado_cuit(sandbox: Sandbox) -> None:
    # The rule is for notas only: a factura never carried one and still goes through.
    assert emitir(sandbox, factura(HOY, "FA-1"))["error"] == "N"


def test_an_fce_nota_without_cuit_still_gets_afip_10158_only(sandbox: Sandbox) -> None:
    original = emitir(sandbox, fce_factura(HOY))
    assert original["error"] == "N", original["errores"]
    stored = next(c for c in sandbox.comprobantes() if c["external_reference"] == "FCE-0001")
    body = fce_nota(HOY, stored)
    del body["comprobante"]["comprobantes_asociados"][0]["cuit"]
    errores = rechazo(sandbox, body)
    assert OBLIGATORIO not in errores and any(".10158 - " in e for e in errores)


def test_solo_arca_answers_the_message_and_stores_nothing(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultPlan.parse("solo_arca@1"))
    answer = emitir(sandbox, factura(HOY, "R1"))
    assert answer["error"] == "S" and "existe en ARCA pero no en TusFacturasAPP" in answer["errores"][0]
    assert sandbox.comprobantes() == []
    # only the first request: the second one is emitted normally, with number 1
    second = emitir(sandbox, factura(HOY, "R1"))
    assert second["error"] == "N" and second["comprobante_nro"] == "00001-00000001"


def test_solo_arca_is_for_nuevo_only() -> None:
    with pytest.raises(ValueError):
        FaultPlan.parse("consulta:solo_arca")
