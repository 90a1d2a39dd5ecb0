"""End to end: TusFacturas answers "existe en ARCA pero no en TusFacturasAPP" (the sandbox's
`solo_arca` fault), the run stops with the comprobante awaiting manual resolution, `status` says
how to settle it, the user checks ARCA and runs `tf-import resolver … --no-emitido`, and the next
run emits it exactly once."""

from __future__ import annotations

import pytest

from importer.cli.main import main
from importer.dominio.reloj import hoy_en_argentina
from importer.emision import ledger as L
from importer.emision.api import Outcome, classify_emission
from importer.emision.rutas import data_dir
from importer.sandbox import FaultPlan, Sandbox
from importer.sandbox.emisores import emisores_demo
from importer.sandbox.rules import SOLO_EN_ARCA
from tests.conftest import valid_row

HOY = hoy_en_argentina()
PV1 = next(e.credentials for e in emisores_demo() if e.punto_venta == 1)  # the account --sandbox uses


def manual_record(referencia: str) -> L.Record:
    with L.Ledger(data_dir() / "registro-sandbox.sqlite", exclusive=False) as ledger:
        found = [
            r
            for r in ledger.con.execute("SELECT account FROM comprobantes WHERE referencia=?", (referencia,))
        ]
        assert len(found) == 1
        record = ledger.get(found[0][0], referencia)
    assert record is not None
    return record


def test_the_client_reads_the_sandbox_wording_as_the_manual_case() -> None:
    result = classify_emission(200, '{"error": "S", "errores": ["' + SOLO_EN_ARCA + '"]}')
    assert result.outcome is Outcome.IN_DOUBT and result.reason == "existe_en_afip"


def test_solo_arca_then_resolver_no_emitido_then_one_emission(write_workbook, capsys) -> None:
    planilla = write_workbook(
        [
            valid_row(referencia="FA-1", fecha=HOY),
            valid_row(referencia="FA-2", fecha=HOY, precio_unitario=2000),
        ],
        name="mes.xlsx",
    )
    with Sandbox(FaultPlan.parse("solo_arca@1"), hoy=HOY) as sb:
        run = ["run", str(planilla), "--sandbox", "--base-url", sb.base_url, "--rate", "0"]
        assert main(run) == 3  # stopped, resumable
        out, err = capsys.readouterr()
        assert "TusFacturas no lo registró" in out + err
        assert sb.comprobantes(PV1) == []  # nothing else went out on that punto de venta
        record = manual_record("FA-1")
        assert record.state == L.IN_DOUBT and record.manual == 1

        # a rerun does not send it (nor anything after it) while it waits for a person
        assert main(run) == 3
        capsys.readouterr()
        assert sb.comprobantes(PV1) == []

        assert main(["status", str(planilla), "--sandbox"]) == 0
        out = capsys.readouterr().out
        assert "FA-1: EN_DUDA" in out and "tf-import resolver FA-1" in out

        # what it must not accept
        assert main(["resolver", "FA-2", "--no-emitido", "--sandbox"]) == 2
        assert "no espera resolución manual" in capsys.readouterr().err
        assert main(["resolver", "FA-1", "--emitido", "--numero", "1", "--cae", "123", "--sandbox"]) == 2
        assert "14 dígitos" in capsys.readouterr().err
        assert manual_record("FA-1").state == L.IN_DOUBT

        # the user looked in ARCA and it is not there
        assert main(["resolver", "FA-1", "--no-emitido", "--sandbox"]) == 0
        out = capsys.readouterr().out
        assert "NO emitido" in out and "PENDIENTE" in out
        assert manual_record("FA-1").state == L.PENDING

        assert main(run) == 0
        capsys.readouterr()
        refs = sorted(c["external_reference"] for c in sb.comprobantes(PV1))
        assert refs == ["FA-1", "FA-2"]  # each exactly once
        assert main(run) == 0  # and a rerun sends nothing
        assert len(sb.comprobantes(PV1)) == 2
    record = manual_record("FA-1")
    assert record.state == L.EMITTED and record.manual == 0 and len(record.cae or "") == 14


@pytest.mark.parametrize("extra", [[], ["--cuenta", "nadie"]])
def test_resolver_without_a_ledger_or_account_is_refused(extra, capsys) -> None:
    assert main(["resolver", "FA-1", "--no-emitido", "--sandbox", *extra]) == 2
    err = capsys.readouterr().err
    assert "Error:" in err and "Traceback" not in err
