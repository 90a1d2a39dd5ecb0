"""Hints for the perception and FCE codes of the planilla: each points at what to fix."""

from __future__ import annotations

import pytest

from importer.dominio.hints import GENERIC_HINT, hint_for_problem


@pytest.mark.parametrize(
    ("codigo", "columna", "fragmento"),
    [
        ("tributo.referencia_desconocida", "referencia", "hoja Comprobantes"),
        ("tributo.importe_no_coincide", "importe", "base × alícuota"),
        ("tributo.base_negativa", "base_imponible", "hoja Tributos"),
        ("tributo.con_errores", None, "hoja Tributos"),
        ("cliente.cuit_generico_sin_percepcion", "cliente_documento_nro", "23000000000"),
        ("fce.cbu_digito_verificador", "fce_cbu", "22 dígitos"),
        ("fce.anulacion_requerida", "fce_anulacion", "S si el comprador"),
        ("emisor_cuit.invalido", "emisor_cuit", "CUIT del emisor"),
        ("requerido", "fce_cbu", "Complete la celda"),
    ],
)
def test_new_codes_have_their_own_hint(codigo, columna, fragmento):
    hint = hint_for_problem(codigo, columna)
    assert hint != GENERIC_HINT and fragmento in hint
