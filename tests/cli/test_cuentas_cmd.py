"""`tf-import cuentas`: lists the accounts without secrets and, with --probar, says which work.

--probar talks to a real sandbox on loopback that accepts only registered triples (like the real
API): one account with its demo triple works, one with an invented triple gets 401, one whose triple
belongs to another punto de venta is refused by TusFacturas.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from importer.cli.main import build_parser, main
from importer.sandbox import Sandbox
from importer.sandbox.emisores import demo_credentials

RI_CUIT = "30717778886"
PV3 = demo_credentials(RI_CUIT, 3)
PV4 = demo_credentials(RI_CUIT, 4)
INVENTADA = {"usertoken": "ut-inventado-secreto", "apikey": "31415926", "apitoken": "at-inventado-secreto"}
SECRETOS = (*PV3.values(), *PV4.values(), *INVENTADA.values(), "ut-env-secreto", "at-env-secreto")
CBU = "0170215820000005295250"


def bloque(nombre: str, cuit: str, pv: int, triple: dict[str, str], extra: str = "") -> str:
    lines = [f'nombre = "{nombre}"', f'cuit = "{cuit}"', f"punto_venta = {pv}"]
    lines += [f'{key} = "{value}"' for key, value in triple.items()]
    return "[[cuenta]]\n" + "\n".join(lines) + "\n" + extra + "\n"


@pytest.fixture(autouse=True)
def entorno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real accounts, credentials or data folder of this computer leak into a test."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("TF_IMPORT_DATOS", str(tmp_path / "datos"))
    for name in ("TF_IMPORT_CUENTAS", "TUSFACTURAS_USERTOKEN", "TUSFACTURAS_APIKEY", "TUSFACTURAS_APITOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TUSFACTURAS_BASE_URL", raising=False)


def archivo(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cuentas.toml"
    path.write_text(text, encoding="utf-8")
    if os.name != "nt":
        path.chmod(0o600)
    return path


def correr(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["cuentas", *argv])
    out, err = capsys.readouterr()
    salida = out + err
    for secret in SECRETOS:
        assert secret not in salida
    assert "Traceback" not in salida
    return code, salida


def test_lists_accounts_with_where_credentials_come_from_never_the_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TF_KIOSCO_UT", "ut-env-secreto")
    monkeypatch.setenv("TF_KIOSCO_AK", "27182818")
    monkeypatch.setenv("TF_KIOSCO_AT", "at-env-secreto")
    env = {"usertoken_env": "TF_KIOSCO_UT", "apikey_env": "TF_KIOSCO_AK", "apitoken_env": "TF_KIOSCO_AT"}
    text = bloque("Local Centro", "30-71777888-6", 3, PV3, f'fce_cbu = "{CBU}"\nfce_transferencia = "SCA"')
    text += bloque("Kiosco", "20287654325", 11, env, 'condicion_iva = "M"')
    code, salida = correr(capsys, "--cuentas", str(archivo(tmp_path, text)))
    assert code == 0
    for expected in (
        "Local Centro",
        "CUIT 30-71777888-6 · punto de venta 3 · Responsable Inscripto",
        "credenciales: en el archivo",
        f"FCE por defecto: CBU {CBU}, transferencia SCA",
        "CUIT 20-28765432-5 · punto de venta 11 · Monotributo",
        "credenciales: variables TF_KIOSCO_UT, TF_KIOSCO_AK, TF_KIOSCO_AT",
    ):
        assert expected in salida, expected


def test_probar_says_which_accounts_work_and_exits_3_when_one_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = bloque("Centro", RI_CUIT, 3, PV3)
    text += bloque("Inventada", RI_CUIT, 6, INVENTADA)
    text += bloque("Cruzada", RI_CUIT, 5, PV4)  # pv 4's triple used for pv 5
    path = archivo(tmp_path, text)
    with Sandbox(solo_registradas=True) as sb:
        sb.set_numbering(3, "FACTURA B", 41, credentials=PV3)
        code, salida = correr(capsys, "--cuentas", str(path), "--probar", "--base-url", sb.base_url)
        probes = sb.requests_count("facturacion/numeracion")
    assert code == 3
    assert probes == 3  # one request per account, nothing billed
    lines = {line.split(":", 1)[0].strip(): line for line in salida.splitlines() if ": " in line}
    assert (
        "Centro: funciona" in lines["Centro"]
        and "último FACTURA B del punto de venta 3: 41" in lines["Centro"]
    )
    assert "Inventada: NO funciona: credenciales rechazadas (HTTP 401)" in lines["Inventada"]
    assert "Cruzada: NO funciona" in lines["Cruzada"] and "punto de venta" in lines["Cruzada"]
    assert "2 de 3 cuentas no funcionan" in salida


def test_probar_exits_0_when_every_account_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = archivo(tmp_path, bloque("Centro", RI_CUIT, 3, PV3) + bloque("Norte", RI_CUIT, 4, PV4))
    with Sandbox(solo_registradas=True) as sb:
        code, salida = correr(capsys, "--cuentas", str(path), "--probar", "--base-url", sb.base_url)
    assert code == 0 and "Las 2 cuentas funcionan." in salida


def test_probar_without_network_says_it_could_not_connect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = archivo(tmp_path, bloque("Centro", RI_CUIT, 3, PV3))
    code, salida = correr(
        capsys, "--cuentas", str(path), "--probar", "--base-url", f"http://127.0.0.1:{port}/app/api/v2"
    )
    assert code == 3 and "Centro: NO funciona: no se pudo conectar" in salida


def test_sandbox_probes_the_files_accounts_with_demo_triples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Variables that are not set do not matter: the simulator never takes the file's secrets.
    env = {
        "usertoken_env": "NO_DEFINIDA_UT",
        "apikey_env": "NO_DEFINIDA_AK",
        "apitoken_env": "NO_DEFINIDA_AT",
    }
    text = bloque("Centro", "30-71234567-1", 3, env) + bloque(
        "Kiosco", "20287654325", 1, env, 'condicion_iva = "M"'
    )
    code, salida = correr(capsys, "--cuentas", str(archivo(tmp_path, text)), "--sandbox", "--probar")
    assert code == 0
    assert "Centro: funciona: último FACTURA B del punto de venta 3: 0" in salida
    assert "Kiosco: funciona: último FACTURA C del punto de venta 1: 0" in salida
    assert "credenciales: el simulador" in salida


def test_without_a_file_explains_where_and_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, salida = correr(capsys)
    assert code == 0
    assert str(tmp_path / "config" / "tf-import" / "cuentas.toml") in salida
    assert "[[cuenta]]" in salida and "usertoken_env" in salida and "chmod 600" in salida
    assert "no hay ninguna cuenta configurada" in salida
    monkeypatch.setenv("TUSFACTURAS_USERTOKEN", "ut-env-secreto")
    monkeypatch.setenv("TUSFACTURAS_APIKEY", "27182818")
    monkeypatch.setenv("TUSFACTURAS_APITOKEN", "at-env-secreto")
    code, salida = correr(capsys)
    assert code == 0 and "una sola cuenta para todos los puntos de venta" in salida
    code, salida = correr(capsys, "--probar")
    assert code == 2 and "--probar necesita un archivo de cuentas" in salida


def test_the_default_file_is_found_in_the_config_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "config" / "tf-import"
    folder.mkdir(parents=True)
    path = folder / "cuentas.toml"
    path.write_text(bloque("Centro", RI_CUIT, 3, PV3), encoding="utf-8")
    if os.name != "nt":
        path.chmod(0o600)
    code, salida = correr(capsys)
    assert code == 0 and f"Cuentas de {path} (1):" in salida


def test_sandbox_without_a_file_lists_and_probes_the_demo_accounts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, salida = correr(capsys, "--sandbox", "--probar")
    assert code == 0
    assert "Demo RI PV 1" in salida and "Demo Monotributo PV 12" in salida
    assert "CUIT 20-28765432-5 · punto de venta 11 · Monotributo" in salida
    assert "Las 12 cuentas funcionan." in salida


def test_a_bad_file_is_one_error_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = archivo(tmp_path, bloque("Centro", RI_CUIT, 3, PV3, "puntoventa = 3"))
    code, salida = correr(capsys, "--cuentas", str(path))
    assert code == 2 and "clave desconocida «puntoventa»" in salida


@pytest.mark.parametrize(
    ("argv", "funcion", "opciones"),
    [
        (["validate", "p.xlsx"], "validar", "OpcionesValidacion"),
        (["run", "p.xlsx", "--sandbox"], "emitir", "OpcionesEmision"),
        (["status", "p.xlsx"], "estado", "OpcionesEstado"),
    ],
)
def test_run_validate_and_status_pass_cuentas_to_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], funcion: str, opciones: str
) -> None:
    import importer.emision.servicio as servicio

    seen: dict[str, Any] = {}

    def fake(planilla: Path, o: Any, deps: Any) -> SimpleNamespace:
        seen["opciones"] = o
        return SimpleNamespace(codigo=0)

    monkeypatch.setattr(servicio, funcion, fake)
    ruta = tmp_path / "mis-cuentas.toml"
    assert main([*argv, "--cuentas", str(ruta)]) == 0
    assert type(seen["opciones"]).__name__ == opciones and seen["opciones"].cuentas == ruta
    assert main(argv) == 0 and seen["opciones"].cuentas is None


def test_the_resume_command_keeps_cuentas() -> None:
    from importer.cli.reanudar import resume_command

    args = build_parser().parse_args(["run", "p.xlsx", "--cuentas", "c.toml"])
    assert "--cuentas c.toml" in resume_command(args, windows=False)
