"""Hints for AFIP's FCE codes and perceptions: each names what to fix in the planilla."""

from __future__ import annotations

import pytest

from importer.dominio.hints import GENERIC_API_HINT, hint_for_api_error


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("10162", ("fce_cbu", "fce_transferencia")),
        ("10163", ("vencimiento",)),
        ("10164", ("vencimiento", "hoy")),
        ("10165", ("fce_cbu", "22 dígitos")),
        ("10168", ("fce_cbu", "verificadores")),
        ("10174", ("fce_cbu", "registro")),
        ("10166", ("fce_alias",)),
        ("10167", ("fce_anulacion",)),
        ("10173", ("fce_anulacion",)),
        ("10171", ("fce_anulacion", "factura")),
        ("10172", ("fce_cbu", "fce_alias", "fce_transferencia")),
        ("10169", ("fce_*",)),
        ("10214", ("fce_transferencia", "SCA", "ADC")),
        ("10215", ("fce_transferencia",)),
        ("10216", ("fce_transferencia",)),
        ("10192", ("FCE A", "fce_cbu")),
        ("10188", ("FCE A",)),
        ("10067", ("Tributos", "identifique al cliente")),
    ],
)
def test_each_code_points_at_what_to_fix(code, words):
    hint = hint_for_api_error(
        f"AFIP Factura electronica, informa el siguiente error: Cod. Error: #6661145.{code} - x"
    )
    assert hint != GENERIC_API_HINT
    for word in words:
        assert word in hint, (code, word, hint)
    assert "todavía no envía" not in hint  # perceptions and FCE data are sent now


def test_the_requiere_fce_message_of_a_rejection_gets_the_fce_hint():
    hint = hint_for_api_error(
        "ARCA exige para esta operación una Factura de Crédito Electrónica MiPyME: cambie el tipo a «FCE A»."
    )
    assert "FCE A" in hint and "fce_cbu" in hint
