"""`tf-import resolver`: the command on a real ledger in tmp_path, with the environment's account
or an accounts file; exit 0 when recorded, 2 (Spanish, no traceback) for every refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from importer.cli.main import main
from importer.emision import ledger as L
from importer.emision.secrets import Credentials
from tests.emision.test_resolver import CAE, events, make_manual, plan

ENV = {"usertoken": "ut-env-secreto-1234", "apikey": "4242", "apitoken": "at-env-secreto-1234"}
CENTRO = {"usertoken": "ut-centro-secreto", "apikey": "1111", "apitoken": "at-centro-secreto"}
NORTE = {"usertoken": "ut-norte-secreto", "apikey": "2222", "apitoken": "at-norte-secreto"}
SECRETOS = [v for triple in (ENV, CENTRO, NORTE) for k, v in triple.items() if k != "apikey"]


def key(triple: dict[str, str]) -> str:
    return Credentials(triple["usertoken"], triple["apikey"], triple["apitoken"]).account_key()


@pytest.fixture(autouse=True)
def entorno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("TF_IMPORT_CUENTAS", raising=False)
    monkeypatch.setenv("TUSFACTURAS_USERTOKEN", ENV["usertoken"])
    monkeypatch.setenv("TUSFACTURAS_APIKEY", ENV["apikey"])
    monkeypatch.setenv("TUSFACTURAS_APITOKEN", ENV["apitoken"])


@pytest.fixture
def registro(tmp_path: Path) -> Path:
    return tmp_path / "registro.sqlite"


def correr(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["resolver", *argv])
    out, err = capsys.readouterr()
    for secret in SECRETOS:
        assert secret not in out + err
    assert "Traceback" not in out + err
    return code, out, err


def record(registro: Path, account: str, ref: str) -> L.Record:
    with L.Ledger(registro, exclusive=False) as ledger:
        found = ledger.get(account, ref)
    assert found is not None
    return found


def test_no_emitido_with_the_environment_account(registro, capsys):
    with L.Ledger(registro) as ledger:
        make_manual(ledger, "FA-7", account=key(ENV))
    code, out, _ = correr(capsys, "FA-7", "--no-emitido", "--estado", str(registro))
    assert code == 0 and "NO emitido" in out and "PENDIENTE" in out
    after = record(registro, key(ENV), "FA-7")
    assert after.state == L.PENDING and after.manual == 0


def test_emitido_records_numero_cae_and_vencimiento(registro, capsys):
    with L.Ledger(registro) as ledger:
        make_manual(ledger, "FA-7", account=key(ENV), pv=3)
    code, out, _ = correr(
        capsys, "FA-7", "--emitido", "--numero", "125", "--cae", CAE,
        "--vencimiento-cae", "05/12/2026", "--estado", str(registro),
    )  # fmt: skip
    assert code == 0
    assert "EMITIDO" in out and "00003-00000125" in out and CAE in out and "05/12/2026" in out
    after = record(registro, key(ENV), "FA-7")
    assert (after.state, after.comprobante_nro, after.cae, after.cae_vencimiento) == (
        L.EMITTED,
        "00003-00000125",
        CAE,
        "2026-12-05",
    )
    with L.Ledger(registro, exclusive=False) as ledger:
        assert events(ledger, "FA-7")[-1][2].startswith("resuelto a mano: emitido según ARCA")


def test_tf_import_estado_is_the_default_ledger(registro, capsys, monkeypatch):
    monkeypatch.setenv("TF_IMPORT_ESTADO", str(registro))
    with L.Ledger(registro) as ledger:
        make_manual(ledger, "FA-7", account=key(ENV))
    assert correr(capsys, "FA-7", "--no-emitido")[0] == 0
    assert record(registro, key(ENV), "FA-7").state == L.PENDING


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--emitido", "--cae", CAE], "--emitido necesita --numero"),
        (["--emitido", "--numero", "5"], "--emitido necesita --cae"),
        (["--emitido"], "--numero y --cae"),
        (["--emitido", "--numero", "00003-00000125", "--cae", CAE], "sin el punto de venta"),
        (["--emitido", "--numero", "5", "--cae", "1234"], "14 dígitos"),
        (["--emitido", "--numero", "5", "--cae", CAE, "--vencimiento-cae", "2026-12-05"], "dd/mm/aaaa"),
        (["--no-emitido", "--numero", "5"], "--no-emitido no lleva --numero"),
        (["--no-emitido", "--cae", CAE, "--vencimiento-cae", "05/12/2026"], "--cae, --vencimiento-cae"),
    ],
)
def test_bad_shapes_are_refused_before_touching_the_ledger(registro, capsys, argv, expected):
    with L.Ledger(registro) as ledger:
        before = make_manual(ledger, "FA-7", account=key(ENV))
    code, _, err = correr(capsys, "FA-7", *argv, "--estado", str(registro))
    assert code == 2 and expected in err
    assert record(registro, key(ENV), "FA-7") == before


def test_emitido_and_no_emitido_together_or_neither_are_refused(registro, capsys):
    assert correr(capsys, "FA-7", "--emitido", "--no-emitido", "--estado", str(registro))[0] == 2
    code, _, err = correr(capsys, "FA-7", "--estado", str(registro))
    assert code == 2 and "--emitido" in err


def test_a_referencia_not_awaiting_manual_resolution_is_refused(registro, capsys):
    with L.Ledger(registro) as ledger:
        plan(ledger, "FA-8", account=key(ENV))
    code, _, err = correr(capsys, "FA-8", "--no-emitido", "--estado", str(registro))
    assert code == 2 and "no espera resolución manual" in err and "PENDIENTE" in err
    assert record(registro, key(ENV), "FA-8").state == L.PENDING


def test_a_missing_ledger_is_refused_and_not_created(registro, capsys):
    code, _, err = correr(capsys, "FA-7", "--no-emitido", "--estado", str(registro))
    assert code == 2 and "no hay nada que resolver" in err and not registro.exists()


def test_a_ledger_in_use_by_a_run_is_refused(registro, capsys):
    with L.Ledger(registro) as ledger:  # a run holds it
        make_manual(ledger, "FA-7", account=key(ENV))
        code, _, err = correr(capsys, "FA-7", "--no-emitido", "--estado", str(registro))
    assert code == 2 and "en uso" in err


# --- accounts file -------------------------------------------------------------------------------


def cuentas(tmp_path: Path) -> Path:
    def bloque(nombre: str, pv: int, triple: dict[str, str]) -> str:
        lines = [f'nombre = "{nombre}"', 'cuit = "30717778886"', f"punto_venta = {pv}"]
        return "[[cuenta]]\n" + "\n".join([*lines, *(f'{k} = "{v}"' for k, v in triple.items())]) + "\n\n"

    path = tmp_path / "cuentas.toml"
    path.write_text(bloque("Centro", 3, CENTRO) + bloque("Norte", 4, NORTE), encoding="utf-8")
    if os.name != "nt":
        path.chmod(0o600)
    return path


def test_the_account_holding_the_referencia_is_found_in_the_accounts_file(registro, capsys, tmp_path):
    archivo = cuentas(tmp_path)
    with L.Ledger(registro) as ledger:
        make_manual(ledger, "FA-7", account=key(NORTE), pv=4)
    code, out, _ = correr(
        capsys, "FA-7", "--no-emitido", "--cuentas", str(archivo), "--estado", str(registro)
    )
    assert code == 0 and "Norte" in out
    assert record(registro, key(NORTE), "FA-7").state == L.PENDING


def test_a_referencia_in_two_accounts_needs_cuenta(registro, capsys, tmp_path):
    archivo = cuentas(tmp_path)
    with L.Ledger(registro) as ledger:
        make_manual(ledger, "FA-7", account=key(CENTRO), pv=3)
        make_manual(ledger, "FA-7", account=key(NORTE), pv=4)
    base = [
        "FA-7",
        "--emitido",
        "--numero",
        "9",
        "--cae",
        CAE,
        "--cuentas",
        str(archivo),
        "--estado",
        str(registro),
    ]
    code, _, err = correr(capsys, *base)
    assert code == 2 and "varias cuentas" in err and "--cuenta" in err
    assert record(registro, key(CENTRO), "FA-7").state == L.IN_DOUBT
    code, out, _ = correr(capsys, *base, "--cuenta", "Centro")
    assert code == 0 and "00003-00000009" in out
    assert record(registro, key(CENTRO), "FA-7").state == L.EMITTED
    assert record(registro, key(NORTE), "FA-7").state == L.IN_DOUBT  # the other one is untouched
    code, _, err = correr(
        capsys, *base[:-4], "--cuenta", "Sur", "--cuentas", str(archivo), "--estado", str(registro)
    )
    assert code == 2 and "ninguna cuenta con ese nombre" in err


def test_help_shows_both_examples(capsys):
    assert main(["resolver", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--emitido --numero 125 --cae" in out and "--no-emitido" in out
