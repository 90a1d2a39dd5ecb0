"""FCE defaults from TF_IMPORT_FCE_* (environment or .env), as validation asks for them."""

from __future__ import annotations

import pytest

from importer.dominio.comprobantes import DatosFce
from importer.dominio.errores import UsageError
from importer.emision.fce import abreviatura_fce, fce_defaults, tipo_fce_de
from importer.emision.secrets import load_settings

CBU = "0170215820000005295250"  # valid BCRA check digits (afip-rules.md §8)


def test_nothing_set_gives_empty_defaults():
    assert fce_defaults({})("30712345678", 3) == DatosFce()


def test_environment_values_for_every_issuer_and_punto_de_venta():
    defaults = fce_defaults(
        {
            "TF_IMPORT_FCE_CBU": "0170 2158-2000 0005 2952 50",
            "TF_IMPORT_FCE_ALIAS": " ferreteria.sur ",
            "TF_IMPORT_FCE_TRANSFERENCIA": "adc",
        }
    )
    expected = DatosFce(cbu=CBU, alias="ferreteria.sur", transferencia="ADC")
    assert defaults("30712345678", 3) == expected
    assert defaults("", 7) == expected  # the environment's ignore both arguments


def test_dot_env_provides_them_too(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"TF_IMPORT_FCE_CBU={CBU}\nTF_IMPORT_FCE_TRANSFERENCIA=SCA\n", encoding="utf-8")
    settings = load_settings(environ={}, dotenv=dotenv)
    assert fce_defaults(settings)("", 1) == DatosFce(cbu=CBU, transferencia="SCA")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TF_IMPORT_FCE_CBU", "0170215820000005295251"),  # last check digit wrong
        ("TF_IMPORT_FCE_CBU", "017021582000000529525"),  # 21 digits
        ("TF_IMPORT_FCE_ALIAS", "corto"),  # fewer than 6
        ("TF_IMPORT_FCE_ALIAS", "alias con espacios"),
        ("TF_IMPORT_FCE_TRANSFERENCIA", "CBU"),
    ],
)
def test_a_wrong_value_stops_naming_the_variable_only_when_used(name, value):
    defaults = fce_defaults({name: value})  # building them never fails: a sheet without FCE goes on
    with pytest.raises(UsageError) as raised:
        defaults("30712345678", 3)
    assert name in str(raised.value) and ".env" in str(raised.value)


def test_the_fce_tipo_that_replaces_a_common_one():
    pairs = {
        "FACTURA A": ("FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A", "FCE A"),
        "FACTURA B": ("FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) B", "FCE B"),
        "NOTA DE CREDITO A": ("NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A", "NC FCE A"),
        "NOTA DE DEBITO C": ("NOTA DE DEBITO ELECTRONICA MiPyME (FCE) C", "ND FCE C"),
    }
    for comun, (nombre, corto) in pairs.items():
        fce = tipo_fce_de(comun)
        assert fce is not None and (fce.nombre, abreviatura_fce(fce)) == (nombre, corto)
    assert tipo_fce_de("FACTURA E") is None and tipo_fce_de("FACTURA M") is None
