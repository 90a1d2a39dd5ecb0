"""The four complete examples of tusfacturas-api.md §10 are accepted and answered as documented."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from importer.sandbox import Sandbox
from importer.sandbox.qr import decode_qr

from .ejemplos import (
    EMISOR_MONOTRIBUTO_DOCS,
    EMISOR_RI_DOCS,
    FACTURA_A_10_1,
    FACTURA_B_10_2,
    FACTURA_C_10_3,
    HOY_10_1,
    HOY_10_3,
    NOTA_CREDITO_A_10_4,
    ejemplo,
)
from .util import emitir, post

SUCCESS_KEYS = {
    "error",
    "errores",
    "rta",
    "cae",
    "requiere_fec",
    "vencimiento_cae",
    "vencimiento_pago",
    "comprobante_pdf_url",
    "comprobante_ticket_url",
    "afip_qr",
    "envio_x_mail",
    "envio_x_mail_direcciones",
    "external_reference",
    "comprobante_nro",
    "comprobante_tipo",
    "observaciones",
    "micrositios",
}


def _plus_10(fecha: str) -> str:
    return (datetime.strptime(fecha, "%d/%m/%Y") + timedelta(days=10)).strftime("%d/%m/%Y")


def _check_success(answer: dict, body: dict, numero: int, razon_social: str) -> None:
    comp = body["comprobante"]
    assert answer.keys() >= SUCCESS_KEYS
    assert answer["error"] == "N"
    assert re.fullmatch(r"\d{14} ", answer["cae"])
    assert answer["requiere_fec"] == "NO"
    assert answer["vencimiento_cae"] == _plus_10(comp["fecha"])
    assert answer["vencimiento_pago"] == comp["vencimiento"]
    assert answer["comprobante_nro"] == f"{int(comp['punto_venta']):05d}-{numero:08d}"
    assert answer["comprobante_tipo"] == comp["tipo"]
    assert answer["external_reference"] == comp["external_reference"]
    assert answer["rta"] == (
        f"El comprobante {comp['tipo']} {answer['comprobante_nro']} ({razon_social}) "
        "se ha guardado correctamente"
    )
    assert answer["afip_qr"].endswith(" ") and answer["afip_qr"].startswith(
        "https://www.afip.gob.ar/fe/qr/?p="
    )
    assert answer["comprobante_pdf_url"].endswith(f"-{answer['comprobante_nro']}.pdf")


@pytest.mark.parametrize("check_totals", [False, True], ids=["como-tusfacturas", "verificando-totales"])
def test_factura_a_10_1_then_nota_de_credito_10_4(check_totals: bool) -> None:
    with Sandbox(hoy=HOY_10_1, profile=EMISOR_RI_DOCS, check_totals=check_totals) as sb:
        sb.set_numbering(3, "FACTURA A", 124)  # the docs' account had issued 124 facturas A
        sb.set_numbering(3, "NOTA DE CREDITO A", 8)
        body = ejemplo(FACTURA_A_10_1, {})
        answer = emitir(sb, body)
        _check_success(answer, body, 125, "METALURGICA EJEMPLO SA")
        assert answer["envio_x_mail"] == "S"
        assert answer["envio_x_mail_direcciones"] == "compras@ferreteriadelsur.com.ar"
        # The docs' customer CUIT has a wrong check digit: accepted, with a padrón observation.
        assert "[ codigo: 10017 ]" in answer["observaciones"]
        assert decode_qr(answer["afip_qr"]) == {
            "ver": 1,
            "fecha": "2025-07-14",
            "cuit": 30712345678,
            "ptoVta": 3,
            "tipoCmp": 1,
            "nroCmp": 125,
            "importe": 12502,
            "moneda": "PES",
            "ctz": 1,
            "tipoDocRec": 80,
            "nroDocRec": 30698765432,
            "tipoCodAut": "E",
            "codAut": int(answer["cae"]),
        }

        nota = ejemplo(NOTA_CREDITO_A_10_4, {})
        answer_nc = emitir(sb, nota)
        _check_success(answer_nc, nota, 9, "METALURGICA EJEMPLO SA")
        assert decode_qr(answer_nc["afip_qr"])["tipoCmp"] == 3
        assert decode_qr(answer_nc["afip_qr"])["importe"] == 5083

        stored = sb.comprobantes()
        assert [(c["tipo"], c["numero"], c["total"]) for c in stored] == [
            ("FACTURA A", 125, "12502.00"),
            ("NOTA DE CREDITO A", 9, "5083.00"),
        ]
        assert stored[0]["cae"] == answer["cae"].strip()
        assert stored[0]["payload"]["comprobante"]["external_reference"] == "LIBRO2025-07_FILA0042"
        assert "usertoken" not in stored[0]["payload"]


def test_nota_de_credito_10_4_without_its_factura_is_rejected_with_10041() -> None:
    with Sandbox(hoy=HOY_10_1, profile=EMISOR_RI_DOCS) as sb:
        answer = emitir(sb, ejemplo(NOTA_CREDITO_A_10_4, {}))
        assert answer["error"] == "S"
        assert any("#6661145.10041 - No existe el comprobante asociado" in e for e in answer["errores"])
        assert sb.comprobantes() == []


@pytest.mark.parametrize("check_totals", [False, True], ids=["como-tusfacturas", "verificando-totales"])
def test_factura_b_10_2_consumidor_final_anonimo(check_totals: bool) -> None:
    with Sandbox(hoy=HOY_10_1, profile=EMISOR_RI_DOCS, check_totals=check_totals) as sb:
        body = ejemplo(FACTURA_B_10_2, {})
        answer = emitir(sb, body)
        _check_success(answer, body, 1, "METALURGICA EJEMPLO SA")
        assert answer["observaciones"] == ""
        assert answer["envio_x_mail"] == "N" and answer["envio_x_mail_direcciones"] == ""
        qr = decode_qr(answer["afip_qr"])
        assert (qr["tipoCmp"], qr["importe"], qr["tipoDocRec"], qr["nroDocRec"]) == (6, 6934, 99, 0)
        assert sb.comprobantes()[0]["total"] == "6934.00"


@pytest.mark.parametrize("check_totals", [False, True], ids=["como-tusfacturas", "verificando-totales"])
def test_factura_c_10_3_with_a_monotributo_profile(check_totals: bool) -> None:
    with Sandbox(hoy=HOY_10_3, profile=EMISOR_MONOTRIBUTO_DOCS, check_totals=check_totals) as sb:
        sb.set_numbering(2, "FACTURA C", 56)
        body = ejemplo(FACTURA_C_10_3, {})
        answer = emitir(sb, body)
        _check_success(answer, body, 57, "JUAN EJEMPLO")
        assert answer["vencimiento_cae"] == "11/07/2025"
        qr = decode_qr(answer["afip_qr"])
        assert (qr["cuit"], qr["ptoVta"], qr["tipoCmp"], qr["nroCmp"], qr["importe"]) == (
            20304050607,
            2,
            11,
            57,
            365000,
        )
        assert sb.comprobantes()[0]["total"] == "365000.00"


def test_factura_c_10_3_is_refused_to_a_responsable_inscripto_issuer() -> None:
    with Sandbox(hoy=HOY_10_3) as sb:
        answer = emitir(sb, ejemplo(FACTURA_C_10_3, {}))
        assert answer["error"] == "S"
        assert any('.10000 - No autorizado a emitir comprobantes clase "C"' in e for e in answer["errores"])


def test_lookups_answer_the_10_5_shape_for_the_emitted_examples() -> None:
    with Sandbox(hoy=HOY_10_1, profile=EMISOR_RI_DOCS) as sb:
        emitted = emitir(sb, ejemplo(FACTURA_A_10_1, {}))
        body = {"comprobante": {"tipo": "FACTURA A", "operacion": "V", "punto_venta": "3", "numero": "1"}}
        answer = post(sb, "facturacion/consulta", body).json()
        assert answer["error"] == "N" and answer["rta"] == "OK"
        cliente, comp = answer["cliente"], answer["comprobante"]
        assert cliente == {
            "documento_tipo": "CUIT",
            "documento_nro": "30698765432 ",
            "razon_social": "Ferretería del Sur SRL",
            "email": "compras@ferreteriadelsur.com.ar",
            "domicilio": "Av. Mitre 1234, Avellaneda",
        }
        assert comp["status"] == "EMITIDO"
        assert comp["cae"] == emitted["cae"] and comp["cae"].endswith(" ")
        assert comp["afip_qr"] == emitted["afip_qr"]
        assert (
            comp["external_reference"],
            comp["numero"],
            comp["punto_venta"],
            comp["tipo"],
            comp["fecha"],
        ) == ("LIBRO2025-07_FILA0042", 1, 3, "FACTURA A", "14/07/2025")
        assert comp["total"] == 12502
        assert comp["vencimiento_cae"] == "24/07/2025" and comp["vencimiento_pago"] == "13/08/2025"
        assert comp["comprobante_pdf_url"] == emitted["comprobante_pdf_url"]
        assert "[ codigo: 10017 ]" in comp["afip_observaciones"]
        assert comp["tributos"] == [
            {
                "tipo": 7,
                "tipo_descripcion": "Percepcion de IIBB",
                "regimen": 5,
                "regimen_descripcion": "BUENOS AIRES",
                "base_imponible": 10600,
                "alicuota": 1.5,
                "total": 159,
            }
        ]
        assert [d["producto"]["precio_total"] for d in comp["detalle"]] == [1500, 4600, 4500]
