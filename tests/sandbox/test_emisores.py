"""Several issuers in one sandbox: registered triples, one punto de venta each (interface.md §10).

A registered triple (the built-in demo accounts, or the accounts of a cuentas.toml) is one CUIT and
ONE punto de venta, as TusFacturas issues them: a POST for another punto de venta is refused and
every lookup sees only its own. A triple nobody registered keeps the sandbox's default profile.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest
import requests

from importer.sandbox import Sandbox
from importer.sandbox.emisores import demo_credentials, emisor, leer_cuentas
from importer.sandbox.qr import decode_qr
from importer.sandbox.server import DEMO_CREDENTIALS

from .conftest import HOY
from .util import emitir, factura, item, post

RI_CUIT = "30717778886"  # the RI demo issuer (README, "Simulador")
MONO_CUIT = "20287654325"  # the monotributista demo issuer
RI_PV3 = demo_credentials(RI_CUIT, 3)
MONO_PV11 = demo_credentials(MONO_CUIT, 11)


def factura_c(referencia: str, punto_venta: int) -> dict[str, Any]:
    """A FACTURA C: final prices, alícuota 0, 1 × 1000 = 1000.00."""
    return factura(
        HOY,
        referencia,
        tipo="FACTURA C",
        punto_venta=str(punto_venta),
        detalle=[item(alicuota="0")],
        total="1000.00",
    )


def numeracion(sb: Sandbox, tipo: str, pv: int, credentials: dict[str, Any]) -> dict[str, Any]:
    body = {"comprobante": {"tipo": tipo, "operacion": "V", "punto_venta": pv}}
    response = post(sb, "facturacion/numeracion", body, credentials=credentials)
    assert response.status_code == 200
    return response.json()


def por_fecha(sb: Sandbox, credentials: dict[str, Any]) -> dict[str, Any]:
    body = {
        "busqueda_tipo": "F",
        "pagina": 0,
        "limite": 100,
        "comprobante": {"fecha": HOY.strftime("%d/%m/%Y"), "operacion": "V"},
    }
    return post(sb, "facturacion/consulta_avanzada", body, credentials=credentials).json()


def test_a_registered_triple_is_refused_for_another_punto_de_venta(sandbox: Sandbox) -> None:
    answer = emitir(sandbox, factura(HOY, "OTRO-PV", punto_venta="4"), credentials=RI_PV3)
    assert answer["error"] == "S"
    text = " ".join(answer["errores"])
    assert "punto de venta enviado no es válido" in text and "punto de venta 3" in text
    assert "credenciales" in text  # the client classifies it as an account problem, not bad data
    assert sandbox.comprobantes(RI_PV3) == []
    ok = emitir(sandbox, factura(HOY, "PROPIO", punto_venta="3"), credentials=RI_PV3)
    assert ok["error"] == "N", ok["errores"]
    assert ok["comprobante_nro"] == "00003-00000001"


def test_lookups_of_a_registered_triple_see_only_its_punto_de_venta(sandbox: Sandbox) -> None:
    # The unregistered demo triple is another account: its pv 3 comprobante is not RI_PV3's.
    assert emitir(sandbox, factura(HOY, "DEMO-3", punto_venta="3"))["error"] == "N"
    assert emitir(sandbox, factura(HOY, "PV3-A", punto_venta="3"), credentials=RI_PV3)["error"] == "N"
    assert emitir(sandbox, factura(HOY, "PV3-B", punto_venta="3"), credentials=RI_PV3)["error"] == "N"

    assert numeracion(sandbox, "FACTURA A", 3, RI_PV3)["comprobante"]["numero"] == 2
    otro = numeracion(sandbox, "FACTURA A", 4, RI_PV3)
    assert otro["error"] == "S" and "punto de venta" in " ".join(otro["errores"])

    listado = por_fecha(sandbox, RI_PV3)
    refs = [c["comprobante"]["external_reference"] for c in listado["comprobantes"]]
    assert listado["total"] == 2 and refs == ["PV3-B", "PV3-A"]

    tn = {
        "busqueda_tipo": "TN",
        "pagina": 0,
        "limite": 10,
        "comprobante": {
            "tipo": "FACTURA A",
            "operacion": "V",
            "punto_venta": 4,
            "numero_desde": 1,
            "numero_hasta": 9,
        },
    }
    answer = post(sandbox, "facturacion/consulta_avanzada", tn, credentials=RI_PV3).json()
    assert answer["error"] == "S" and answer["comprobantes"] == []

    consulta = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 4, "numero": 1}}
    answer = post(sandbox, "facturacion/consulta", consulta, credentials=RI_PV3).json()
    assert answer["error"] == "S"
    consulta["comprobante"]["punto_venta"] = 3
    answer = post(sandbox, "facturacion/consulta", consulta, credentials=RI_PV3).json()
    assert answer["error"] == "N" and answer["comprobante"]["external_reference"] == "PV3-A"


def test_the_monotributo_demo_issuer_issues_c_only(sandbox: Sandbox) -> None:
    refused = emitir(sandbox, factura(HOY, "MONO-A", punto_venta="11"), credentials=MONO_PV11)
    assert refused["error"] == "S"
    assert any('clase "A"' in e for e in refused["errores"])
    ok = emitir(sandbox, factura_c("MONO-C", 11), credentials=MONO_PV11)
    assert ok["error"] == "N", ok["errores"]
    assert ok["comprobante_nro"] == "00011-00000001"
    qr = decode_qr(ok["afip_qr"].strip())
    assert str(qr["cuit"]) == MONO_CUIT and int(qr["ptoVta"]) == 11
    pdf = requests.get(ok["comprobante_pdf_url"], timeout=5)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "20-28765432-5" in text and "Monotributo" in text


def test_the_ri_demo_issuer_does_not_issue_c_nor_in_the_monotributo_puntos_de_venta(sandbox: Sandbox) -> None:
    ri_pv1 = demo_credentials(RI_CUIT, 1)
    assert emitir(sandbox, factura_c("RI-C", 1), credentials=ri_pv1)["error"] == "S"
    # Puntos de venta 11 and 12 are the monotributista's only: the RI has no account there.
    assert not any(e.punto_venta in (11, 12) and e.profile.cuit == RI_CUIT for e in sandbox.emisores)


def test_built_in_triples_are_fixed_and_distinct(tmp_path: Path) -> None:
    # Pinned: changing the derivation would orphan the ledgers of earlier rehearsals.
    assert demo_credentials(RI_CUIT, 1) == {
        "usertoken": "sandbox-30717778886-pv1-e39b2177",
        "apikey": "472786496",
        "apitoken": "sandbox-9e802b590ac495891a61f43fec8e5572",
    }
    with Sandbox(hoy=HOY) as first:
        cuentas = [(e.nombre, e.profile.cuit, e.punto_venta, e.credentials) for e in first.emisores]
    assert [(cuit, pv) for _, cuit, pv, _ in cuentas] == [(RI_CUIT, pv) for pv in range(1, 11)] + [
        (MONO_CUIT, 11),
        (MONO_CUIT, 12),
    ]
    triples = {tuple(c.values()) for *_, c in cuentas}
    assert len(triples) == 12 and tuple(DEMO_CREDENTIALS.values()) not in triples
    with Sandbox(hoy=HOY) as second:
        assert [(e.nombre, e.profile.cuit, e.punto_venta, e.credentials) for e in second.emisores] == cuentas


def test_a_restarted_sandbox_continues_a_built_in_accounts_numbering(tmp_path: Path) -> None:
    with Sandbox(hoy=HOY, datos=tmp_path) as sb:
        assert emitir(sb, factura(HOY, "R1", punto_venta="3"), credentials=RI_PV3)["error"] == "N"
    with Sandbox(hoy=HOY, datos=tmp_path) as sb:
        again = emitir(sb, factura(HOY, "R2", punto_venta="3"), credentials=demo_credentials(RI_CUIT, 3))
        assert again["comprobante_nro"] == "00003-00000002"


def test_an_unregistered_triple_keeps_every_punto_de_venta_of_the_default_profile(sandbox: Sandbox) -> None:
    for credentials in (DEMO_CREDENTIALS, {"usertoken": "cualquiera", "apikey": 5, "apitoken": "otra"}):
        for pv in (1, 7, 10):
            answer = emitir(sandbox, factura(HOY, f"U-{pv}", punto_venta=str(pv)), credentials=credentials)
            assert answer["error"] == "N", answer["errores"]
        assert numeracion(sandbox, "FACTURA A", 7, credentials)["comprobante"]["numero"] == 1


def test_registered_accounts_answer_to_their_demo_triple_only() -> None:
    with Sandbox(hoy=HOY) as sb:
        triple = sb.registrar("30712345671", 3, "M", "Local Centro")
        assert triple == demo_credentials("30712345671", 3)
        refused = emitir(sb, factura(HOY, "LC-A", punto_venta="3"), credentials=triple)
        assert refused["error"] == "S"  # a monotributista: no A
        assert emitir(sb, factura_c("LC-C", 3), credentials=triple)["error"] == "N"
        assert emitir(sb, factura_c("LC-C2", 4), credentials=triple)["error"] == "S"


def test_only_registered_triples_mode_refuses_unknown_credentials_with_401() -> None:
    with Sandbox(hoy=HOY, solo_registradas=True) as sb:
        body = {"comprobante": {"tipo": "FACTURA B", "operacion": "V", "punto_venta": 3}}
        assert post(sb, "facturacion/numeracion", body, credentials=DEMO_CREDENTIALS).status_code == 401
        assert post(sb, "facturacion/numeracion", body, credentials=RI_PV3).status_code == 200


def test_accounts_file_registers_issuers_without_reading_secrets(tmp_path: Path) -> None:
    path = tmp_path / "cuentas.toml"
    path.write_text(
        '[[cuenta]]\nnombre = "Kiosco"\ncuit = "20-28765432-5"\npunto_venta = 1\ncondicion_iva = "M"\n'
        'usertoken = "secreto-real"\napikey = "1"\napitoken = "otro-secreto"\n\n'
        '[[cuenta]]\ncuit = "30712345671"\npunto_venta = 3\nusertoken_env = "X"\napikey_env = "Y"\napitoken_env = "Z"\n',
        encoding="utf-8",
    )
    kiosco, centro = leer_cuentas(path)
    assert (kiosco.nombre, kiosco.profile.cuit, kiosco.punto_venta, kiosco.profile.letras) == (
        "Kiosco",
        MONO_CUIT,
        1,
        frozenset({"C", "E"}),
    )
    assert kiosco.credentials == demo_credentials(MONO_CUIT, 1)
    assert (centro.profile.cuit, centro.punto_venta, centro.profile.condicion_iva) == ("30712345671", 3, "RI")
    assert emisor("30712345671", 3).credentials == centro.credentials


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[cuenta]]\ncuit = 'x'\npunto_venta = 1\n", "cuenta 1: «cuit»"),
        ("[[cuenta]]\ncuit = '30712345671'\npunto_venta = 0\n", "«punto_venta»"),
        ("[[cuenta]]\ncuit = '30712345671'\npunto_venta = 1\ncondicion_iva = 'CF'\n", "«condicion_iva»"),
        ("[[cuenta]]\ncuit = '30712345671'\npunto_venta = 1\n" * 2, "repite la CUIT"),
        ("cuit = \n", "no es TOML válido"),
        ("", "ninguna tabla [[cuenta]]"),
    ],
)
def test_accounts_file_errors_are_spanish(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "cuentas.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="cuentas.toml") as raised:
        leer_cuentas(path)
    assert expected in str(raised.value)
