"""Numbering per punto de venta and tipo, and the lookup endpoints finding what was emitted."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
import requests

from importer.sandbox import Sandbox

from .conftest import HOY
from .util import CONSUMIDOR_FINAL, dias, emitir, factura, item, por_referencia, post

OTRA_CUENTA = {"usertoken": "otro-usuario", "apikey": 77, "apitoken": "otro-token"}


def factura_b(referencia: str, **changes: Any) -> dict[str, Any]:
    return factura(HOY, referencia, tipo="FACTURA B", cliente_changes=CONSUMIDOR_FINAL, **changes)


def numeracion(sb: Sandbox, tipo: str, punto_venta: Any, **kwargs: Any) -> int:
    body = {"comprobante": {"tipo": tipo, "operacion": "V", "punto_venta": punto_venta}}
    answer = post(sb, "facturacion/numeracion", body, **kwargs).json()
    assert answer["error"] == "N" and answer["comprobante"]["tipo"] == tipo
    return answer["comprobante"]["numero"]


def test_numbering_is_per_punto_de_venta_and_tipo(sandbox: Sandbox) -> None:
    assert numeracion(sandbox, "FACTURA A", "1") == 0
    nros = [
        emitir(sandbox, body)["comprobante_nro"]
        for body in (
            factura(HOY, "A1"),
            factura(HOY, "A2"),
            factura_b("B1"),
            factura(HOY, "A3", punto_venta="2"),
            factura(HOY, "A4"),
            factura_b("B2", punto_venta=2),
        )
    ]
    assert nros == [
        "00001-00000001",
        "00001-00000002",
        "00001-00000001",
        "00002-00000001",
        "00001-00000003",
        "00002-00000001",
    ]
    assert numeracion(sandbox, "FACTURA A", "0001") == 3
    assert numeracion(sandbox, "FACTURA A", 2) == 1
    assert numeracion(sandbox, "FACTURA B", 1) == 1
    assert numeracion(sandbox, "NOTA DE CREDITO A", 1) == 0


def test_each_credential_triple_is_a_separate_account(sandbox: Sandbox) -> None:
    emitir(sandbox, factura(HOY, "A1"))
    other = emitir(sandbox, factura(HOY, "A1"), credentials=OTRA_CUENTA)
    assert other["comprobante_nro"] == "00001-00000001"
    assert numeracion(sandbox, "FACTURA A", 1, credentials=OTRA_CUENTA) == 1
    assert len(sandbox.comprobantes()) == 1 and len(sandbox.comprobantes(OTRA_CUENTA)) == 1
    assert por_referencia(sandbox, "A1", credentials={**OTRA_CUENTA, "apikey": "78"})["total"] == 0


def test_consulta_finds_by_tipo_punto_de_venta_and_numero(sandbox: Sandbox) -> None:
    emitted = emitir(sandbox, factura(HOY, "A1"))
    body = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 1, "numero": "00000001"}}
    answer = post(sandbox, "facturacion/consulta", body).json()
    assert answer["comprobante"]["cae"] == emitted["cae"]
    assert answer["comprobante"]["status"] == "EMITIDO"


def test_consulta_of_a_missing_number_says_it_does_not_exist(sandbox: Sandbox) -> None:
    body = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 1, "numero": 5}}
    answer = post(sandbox, "facturacion/consulta", body).json()
    assert answer["error"] == "S"
    assert answer["errores"] == ["No existe el comprobante FACTURA A 00001-00000005 en esta cuenta."]


def test_ext_ref_allows_duplicates_newest_first(sandbox: Sandbox) -> None:
    sandbox.hoy = dias(HOY, 2)
    emitir(sandbox, factura(HOY, "DUP"))
    emitir(sandbox, factura(HOY, "OTRA"))
    emitir(sandbox, factura_b("DUP"))
    emitir(sandbox, factura(dias(HOY, 1), "DUP"))
    answer = por_referencia(sandbox, "DUP")
    assert answer["error"] == "N" and answer["total"] == 3
    found = [(c["comprobante"]["tipo"], c["comprobante"]["numero"]) for c in answer["comprobantes"]]
    assert found == [("FACTURA A", 3), ("FACTURA B", 1), ("FACTURA A", 1)]
    assert por_referencia(sandbox, "DU")["total"] == 0  # exact match, not a prefix


def test_consulta_avanzada_pages_and_counts(sandbox: Sandbox) -> None:
    for n in range(1, 6):
        emitir(sandbox, factura(HOY, f"R{n}"))
    body = {
        "busqueda_tipo": "F",
        "pagina": 1,
        "limite": 2,
        "comprobante": {"fecha": "16/07/2025", "operacion": "V"},
    }
    answer = post(sandbox, "facturacion/consulta_avanzada", body).json()
    assert answer["total"] == 5
    assert [c["comprobante"]["numero"] for c in answer["comprobantes"]] == [3, 2]
    body["pagina"] = 2
    assert [
        c["comprobante"]["numero"]
        for c in post(sandbox, "facturacion/consulta_avanzada", body).json()["comprobantes"]
    ] == [1]
    tn = {
        "busqueda_tipo": "TN",
        "pagina": 0,
        "limite": 100,
        "comprobante": {
            "tipo": "FACTURA A",
            "operacion": "V",
            "punto_venta": "0001",
            "numero_desde": "00000002",
            "numero_hasta": 4,
        },
    }
    answer = post(sandbox, "facturacion/consulta_avanzada", tn).json()
    assert answer["total"] == 3 and [c["comprobante"]["numero"] for c in answer["comprobantes"]] == [4, 3, 2]


@pytest.mark.parametrize(
    "body",
    [
        {"busqueda_tipo": "X", "comprobante": {}},
        {"busqueda_tipo": "EXT_REF", "comprobante": {"external_reference": ""}},
        {"busqueda_tipo": "TN", "comprobante": {"tipo": "FACTURA A"}},
        {"busqueda_tipo": "F", "limite": 1001, "comprobante": {"fecha": "16/07/2025"}},
    ],
)
def test_consulta_avanzada_rejects_bad_searches(sandbox: Sandbox, body: dict[str, Any]) -> None:
    answer = post(sandbox, "facturacion/consulta_avanzada", body).json()
    assert answer["error"] == "S" and answer["errores"] and answer["comprobantes"] == []


def test_topecf_and_alertas(sandbox: Sandbox) -> None:
    assert post(sandbox, "facturacion/topecf", {}).json() == {"error": "N", "errores": [], "monto": 10000000}
    alertas = post(sandbox, "estado_servicios/alertas", {}).json()
    assert alertas["error"] == "N" and alertas["facturacion"] == "OK"


def test_pdf_is_a_real_pdf_with_the_comprobante(sandbox: Sandbox) -> None:
    body = factura(
        HOY, "A1", leyenda_gral="Gracias por su compra", detalle=[item(cantidad="10", precio="100.00")]
    )
    answer = emitir(sandbox, body)
    response = requests.get(answer["comprobante_pdf_url"], timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content), strict=True)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "SANDBOX" in text and "SIN VALIDEZ FISCAL" in text
    assert answer["cae"].strip() in text
    for expected in (
        "FACTURA A",
        "00001-00000001",
        "16/07/2025",
        sandbox.profile.razon_social,
        "Ferretería del Sur SRL",
        "10   Tornillo hexagonal",
        "IVA 21%: 210,00",
        "1.210,00",
    ):
        assert expected in text, expected
    ticket = requests.get(answer["comprobante_ticket_url"], timeout=5)
    assert ticket.status_code == 200 and ticket.content.startswith(b"%PDF-1.4")


def test_pdf_of_130_items_spans_pages(sandbox: Sandbox) -> None:
    answer = emitir(sandbox, factura(HOY, "A1", detalle=[item()] * 130, total="157300.00"))
    reader = pypdf.PdfReader(io.BytesIO(requests.get(answer["comprobante_pdf_url"], timeout=5).content))
    assert len(reader.pages) >= 2
    assert answer["cae"].strip() in reader.pages[-1].extract_text()


def test_regenerar_pdf_returns_working_urls(sandbox: Sandbox) -> None:
    emitir(sandbox, factura(HOY, "A1"))
    body = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": 1, "numero": 1}}
    answer = post(sandbox, "facturacion/regenerar_pdf", body).json()
    assert answer["error"] == "N"
    assert requests.get(answer["comprobante_pdf_url"], timeout=5).content.startswith(b"%PDF")
    body["comprobante"]["numero"] = 2
    assert post(sandbox, "facturacion/regenerar_pdf", body).json()["error"] == "S"


def test_unknown_pdf_is_404(sandbox: Sandbox) -> None:
    url = emitir(sandbox, factura(HOY, "A1"))["comprobante_pdf_url"]
    assert requests.get(url.replace("00000001", "00000009"), timeout=5).status_code == 404
    assert (
        requests.get(
            f"{sandbox.base_url}/sandbox/pdf/nadie/FACTURA_A-00001-00000001.pdf", timeout=5
        ).status_code
        == 404
    )


def test_customer_master_keeps_document_and_condition(sandbox: Sandbox) -> None:
    emitir(sandbox, factura(HOY, "A1"))
    emitir(sandbox, factura(HOY, "A2", cliente_changes={"domicilio": "Calle Nueva 1", "condicion_iva": "M"}))
    [cliente] = sandbox.clientes()
    assert cliente["domicilio"] == "Calle Nueva 1" and cliente["condicion_iva"] == "RI"
