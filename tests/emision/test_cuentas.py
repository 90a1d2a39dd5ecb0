"""The accounts file (interface.md §10): real TOML files in tmp_path, every refusal, no secret leaks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from importer.dominio.comprobantes import DatosFce
from importer.dominio.errores import ExitCode, UsageError
from importer.emision import cuentas as modulo
from importer.emision.cuentas import Cuenta, cargar_cuentas, cuenta_de, ruta_cuentas
from importer.emision.secrets import Credentials

# Distinctive secrets: no message may contain any of them.
UT, AK, AT = "ut-secreto-centro-9f2", "55443322", "at-secreto-centro-7c1"
UT2, AK2, AT2 = "ut-secreto-norte-1a2", "66778899", "at-secreto-norte-3b4"
SECRETOS = (UT, AK, AT, UT2, AK2, AT2)
# CUITs with their check digit worked by hand (weights 5 4 3 2 7 6 5 4 3 2, 11 − sum mod 11):
#   3071234567: 15+0+21+2+14+12+20+20+15+12 = 131 → 131 mod 11 = 10 → 11 − 10 = 1
#   2028765432: 10+0+6+16+49+36+25+16+9+4 = 171 → 171 mod 11 = 6 → 11 − 6 = 5
CUIT_CENTRO = "30-71234567-1"
CUIT_KIOSCO = "20-28765432-5"
CBU = "0170215820000005295250"  # TusFacturas' doc example, check digits verified in tests/sandbox/util.py

CENTRO = f"""
[[cuenta]]
nombre = "Local Centro"
cuit = "{CUIT_CENTRO}"
punto_venta = 3
usertoken = "{UT}"
apikey = "{AK}"
apitoken = "{AT}"
"""
NORTE_ENV = """
[[cuenta]]
nombre = "Local Norte"
cuit = "30712345671"
punto_venta = 4
usertoken_env = "TF_NORTE_UT"
apikey_env = "TF_NORTE_AK"
apitoken_env = "TF_NORTE_AT"
"""
SETTINGS = {"TF_NORTE_UT": UT2, "TF_NORTE_AK": AK2, "TF_NORTE_AT": AT2}


def escribir(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "cuentas.toml"
    path.write_text(text, encoding="utf-8")
    if os.name != "nt":
        path.chmod(mode)
    return path


def rechazo(path: Path, settings: dict[str, str] | None = None) -> str:
    with pytest.raises(UsageError) as raised:
        cargar_cuentas(path, settings if settings is not None else SETTINGS)
    message = str(raised.value)
    assert raised.value.exit_code == ExitCode.CANNOT_START
    assert str(path) in message and "\n" not in message
    for secret in SECRETOS:
        assert secret not in message
    return message


def test_inline_and_env_accounts_are_read(tmp_path: Path) -> None:
    path = escribir(tmp_path, CENTRO + NORTE_ENV)
    centro, norte = cargar_cuentas(path, SETTINGS)
    assert (centro.nombre, centro.cuit, centro.punto_venta, centro.condicion_iva) == (
        "Local Centro",
        "30712345671",
        3,
        "RI",
    )
    assert centro.credentials.as_body() == {"usertoken": UT, "apikey": AK, "apitoken": AT}
    assert centro.credenciales_desde == "en el archivo"
    assert centro.origen == f"{path}, cuenta 1"
    assert norte.credentials.as_body() == {"usertoken": UT2, "apikey": AK2, "apitoken": AT2}
    assert norte.credenciales_desde == "variables TF_NORTE_UT, TF_NORTE_AK, TF_NORTE_AT"
    assert centro.cuit_con_guiones == CUIT_CENTRO
    for cuenta in (centro, norte):
        for secret in SECRETOS:
            assert secret not in repr(cuenta) and secret not in cuenta.describir()


def test_optional_keys_condicion_fce_and_a_default_name(tmp_path: Path) -> None:
    text = f"""
[[cuenta]]
cuit = "{CUIT_KIOSCO}"
punto_venta = "12"
condicion_iva = "Monotributo"
apikey = 1134
usertoken = "{UT}"
apitoken = "{AT}"
fce_cbu = "{CBU}"
fce_alias = "kiosco.norte-1"
fce_transferencia = "adc"
"""
    (cuenta,) = cargar_cuentas(escribir(tmp_path, text), {})
    assert cuenta.nombre == "CUIT 20-28765432-5 PV 12"
    assert (cuenta.condicion_iva, cuenta.punto_venta) == ("M", 12)
    assert cuenta.credentials.apikey == "1134"  # the docs send apikey as a bare number too
    assert cuenta.fce == DatosFce(cbu=CBU, alias="kiosco.norte-1", transferencia="ADC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            CENTRO.replace("punto_venta", "puntoventa"),
            "cuenta 1 («Local Centro»): clave desconocida «puntoventa» (¿quiso decir «punto_venta»?)",
        ),
        (CENTRO.replace('cuit = "30-71234567-1"\n', ""), "cuenta 1 («Local Centro»): falta «cuit»"),
        (CENTRO.replace("punto_venta = 3\n", ""), "falta «punto_venta»"),
        (CENTRO.replace(f'apikey = "{AK}"\n', ""), "falta «apikey» (o «apikey_env»"),
        (CENTRO + 'usertoken_env = "X"\n', "tiene «usertoken» y «usertoken_env»"),
        (
            CENTRO.replace("30-71234567-1", "30-71234567-8"),
            "la CUIT «30-71234567-8» no es válida: el dígito verificador",
        ),
        (CENTRO.replace("30-71234567-1", "3071234567"), "debe tener 11 dígitos"),
        (
            CENTRO.replace("punto_venta = 3", "punto_venta = 0"),
            "«punto_venta» debe ser un número entero de 1 a 99999",
        ),
        (CENTRO.replace("punto_venta = 3", "punto_venta = 100000"), "de 1 a 99999"),
        (CENTRO.replace("punto_venta = 3", 'punto_venta = "tres"'), "de 1 a 99999"),
        (CENTRO.replace(f'usertoken = "{UT}"', 'usertoken = "  "'), "«usertoken» está vacío"),
        (CENTRO + 'condicion_iva = "Exento"\n', "«condicion_iva» debe ser"),
        (
            CENTRO + 'fce_cbu = "0170215820000005295251"\n',
            "«fce_cbu» tiene dígitos verificadores incorrectos",
        ),
        (CENTRO + 'fce_cbu = "01702158"\n', "«fce_cbu» debe tener 22 dígitos"),
        (CENTRO + "fce_cbu = 170215820000005295250\n", "«fce_cbu» debe ir entre comillas"),
        (CENTRO + 'fce_alias = "mi alias!"\n', "«fce_alias» debe tener de 6 a 20"),
        (CENTRO + 'fce_transferencia = "CBU"\n', "«fce_transferencia» debe ser"),
        (
            CENTRO + CENTRO.replace("Local Centro", "Otro").replace(UT, UT2),
            "las cuentas 1 y 2 son de la misma CUIT 30-71234567-1 y punto de venta 3",
        ),
        (
            CENTRO + CENTRO.replace("punto_venta = 3", "punto_venta = 5").replace(UT, UT2),
            "las cuentas 1 y 2 se llaman «Local Centro»",
        ),
        (
            CENTRO + CENTRO.replace("Local Centro", "Otro").replace("punto_venta = 3", "punto_venta = 5"),
            "usan las mismas credenciales",
        ),
        ("", "no hay ninguna cuenta"),
        ("# solo comentarios\n", "no hay ninguna cuenta"),
        (CENTRO.replace("[[cuenta]]", "[cuenta]"), "[[cuenta]] (con doble corchete)"),
        (CENTRO.replace("[[cuenta]]", "[[cuentas]]"), "clave desconocida «cuentas» fuera de las cuentas"),
    ],
)
def test_every_problem_is_one_spanish_line_naming_file_account_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert expected in rechazo(escribir(tmp_path, text))


def test_a_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    text = f'[[cuenta]]\nnombre = "Local Centro"\ncuit = 30-71234567-1\nusertoken = "{UT}"\n'
    message = rechazo(escribir(tmp_path, text))
    assert "error de sintaxis TOML en la línea 3, columna" in message


@pytest.mark.parametrize("settings", [{}, {"TF_NORTE_UT": "", "TF_NORTE_AK": AK2, "TF_NORTE_AT": AT2}])
def test_an_env_variable_that_is_unset_or_empty_is_named(tmp_path: Path, settings: dict[str, str]) -> None:
    message = rechazo(escribir(tmp_path, NORTE_ENV), settings)
    assert (
        "cuenta 1 («Local Norte»): la variable TF_NORTE_UT (de «usertoken_env») no está definida o está vacía"
        in message
    )


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    assert "no existe el archivo de cuentas" in rechazo(tmp_path / "no-esta.toml")
    (tmp_path / "latin1.toml").write_bytes('[[cuenta]]\nnombre = "Ñandú"\n'.encode("latin-1"))
    assert "UTF-8" in rechazo(tmp_path / "latin1.toml")


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_inline_secrets_in_a_file_others_can_read_are_refused(tmp_path: Path) -> None:
    path = escribir(tmp_path, CENTRO, mode=0o644)
    message = rechazo(path)
    assert f"chmod 600 {path}" in message and "644" in message
    path.chmod(0o640)  # the group alone is enough to refuse
    assert "chmod 600" in rechazo(path)
    demo = Credentials("demo-ut-xyz", "123456789", "demo-at-xyz")
    with pytest.raises(UsageError, match="chmod 600"):  # the simulator ignores them, but they are exposed
        cargar_cuentas(path, SETTINGS, simuladas=lambda cuit, pv: demo)
    path.chmod(0o600)
    assert len(cargar_cuentas(path, SETTINGS)) == 1


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_a_file_without_secrets_may_be_shared(tmp_path: Path) -> None:
    path = escribir(tmp_path, NORTE_ENV, mode=0o644)
    assert [c.nombre for c in cargar_cuentas(path, SETTINGS)] == ["Local Norte"]


def test_the_simulator_supplies_credentials_and_the_files_are_not_needed(tmp_path: Path) -> None:
    demo = Credentials("demo-ut-xyz", "123456789", "demo-at-xyz")
    asked: list[tuple[str, int]] = []

    def simuladas(cuit: str, punto_venta: int) -> Credentials:
        asked.append((cuit, punto_venta))
        return demo

    (cuenta,) = cargar_cuentas(escribir(tmp_path, NORTE_ENV), {}, simuladas=simuladas)
    assert cuenta.credentials is demo and asked == [("30712345671", 4)]
    # The structure is still checked.
    assert "tiene «apikey» y «apikey_env»" in str(
        pytest.raises(
            UsageError,
            cargar_cuentas,
            escribir(tmp_path, NORTE_ENV + 'apikey = "1"\n'),
            {},
            simuladas=simuladas,
        ).value
    )


def test_ruta_cuentas_option_then_environment_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "config" / "cuentas.toml"
    monkeypatch.setattr(modulo, "ruta_por_defecto", lambda: default)
    opcion = tmp_path / "opcion.toml"
    assert ruta_cuentas(opcion, {"TF_IMPORT_CUENTAS": "/otra.toml"}) == opcion
    assert ruta_cuentas(None, {"TF_IMPORT_CUENTAS": str(tmp_path / "env.toml")}) == tmp_path / "env.toml"
    assert ruta_cuentas(None, {}) is None  # no file: the environment triple goes on working
    default.parent.mkdir()
    default.write_text(CENTRO, encoding="utf-8")
    assert ruta_cuentas(None, {}) == default


def test_the_default_file_lives_in_the_user_config_folder() -> None:
    path = modulo.ruta_por_defecto()
    assert path.name == "cuentas.toml" and "tf-import" in path.parent.name


def _cuenta(nombre: str, cuit: str, pv: int) -> Cuenta:
    return Cuenta(nombre, cuit, pv, Credentials(f"ut-{nombre}", "9999", f"at-{nombre}"))


CUENTAS = [
    _cuenta("centro", "30712345671", 3),
    _cuenta("norte", "30712345671", 4),
    _cuenta("kiosco", "20287654325", 4),
]


def test_cuenta_de_by_cuit_and_punto_de_venta() -> None:
    assert cuenta_de(CUENTAS, "30-71234567-1", 4) is CUENTAS[1]
    assert cuenta_de(CUENTAS, "20287654325", 4) is CUENTAS[2]
    assert cuenta_de(CUENTAS, "", 3) is CUENTAS[0]  # the only account with pv 3


def test_cuenta_de_says_what_to_add_or_fill_in() -> None:
    missing = cuenta_de(CUENTAS, "30712345671", 7)
    assert isinstance(missing, str)
    assert "no hay ninguna cuenta para la CUIT 30-71234567-1, punto de venta 7" in missing
    assert "cuentas.toml" in missing
    several = cuenta_de(CUENTAS, "", 4)
    assert isinstance(several, str) and "emisor_cuit" in several and "20-28765432-5" in several
    nobody = cuenta_de(CUENTAS, "", 9)
    assert isinstance(nobody, str) and "punto de venta 9" in nobody
