"""Perceptions (`tributos`) and FCE data (`rg_especiales`) in the body of facturacion/nuevo.

Expected fields are derived by hand from tusfacturas-api.md §3.6, §3.8, §4.10, §4.11, §9.3, §9.7 and
the worked examples §10.1, §10.4 and RG 5329 (§9.3/§9.9), never from the code's output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from importer.dominio.comprobantes import Asociado, Cliente, Comprobante, DatosFce, Linea, Tributo
from importer.emision.payload import build_payload, comprobante_from_payload, fingerprint

CLIENTE = Cliente(
    "CUIT",
    "30698765433",
    "Ferretería del Sur SRL",
    "RI",
    "Av. Mitre 1234",
    "2",
    "compras@ferreteria.com.ar",
    True,
)
CBU = "0170215820000005295250"  # TusFacturas' FCE example; its BCRA check digits are right
REGIMEN_FCE = "Factura de Crédito Electrónica MiPyMEs (FCE)"
FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
NC_FCE_A = "NOTA DE CREDITO ELECTRONICA MiPyME (FCE) A"


def factura_a(**kw) -> Comprobante:
    """Example 10.1 without its perception (items and dates as in the spec)."""
    values = dict(
        referencia="LIBRO2025-07_FILA0042",
        filas=(2, 3, 4),
        fecha=date(2025, 7, 14),
        tipo="FACTURA A",
        punto_venta=3,
        cliente=CLIENTE,
        lineas=(
            Linea(2, "Tornillo hexagonal 1/4", D("10"), D("150"), "21", codigo_producto="TOR-14"),
            Linea(3, "Aceite lubricante multiuso", D("2"), D("2300"), "10.5", leyenda="Envase 1 litro"),
            Linea(4, "Llave ajustable 12 pulgadas", D("1"), D("5000"), "21", D("10")),
        ),
        vencimiento=date(2025, 8, 13),
        condicion_pago="202",
        leyenda_general="Según OC-7781 con 5% off",
    )
    values.update(kw)
    return Comprobante(**values)


def nota_credito(**kw) -> Comprobante:
    values = dict(
        tipo="NOTA DE CREDITO A",
        referencia="NC-1",
        fecha=date(2025, 7, 18),
        asociado=Asociado("FACTURA A", 3, 125, date(2025, 7, 14)),
        periodo_desde=date(2025, 7, 1),
        periodo_hasta=date(2025, 7, 31),
    )
    values.update(kw)
    return factura_a(**values)


IIBB_BUENOS_AIRES = Tributo(7, "7", 5, D("10600.00"), D("1.5"), D("159.00"), "ARBA")


# --- byte for byte what earlier versions sent ----------------------------------------------------


def test_a_comprobante_without_perceptions_or_fce_keeps_its_fingerprint_of_earlier_versions():
    """Ledgers of earlier runs compare fingerprints: these were computed before perceptions and FCE
    existed in the payload (same comprobantes, same code path) and must never change."""
    c = factura_a(tipo="FACTURA C", lineas=(Linea(2, "Honorarios", D("1"), D("350000"), "0"),))
    pinned = {
        "factura_a": (
            build_payload(factura_a()),
            "3272f5d67ac2d152412ec685a967bf365b323332a45cfc6985249faa71a87fb1",
        ),
        "nc_con_cuit": (
            build_payload(nota_credito(), cuit_emisor="30712345671"),
            "3ee9ef30463acc326cf410c05286bd630bcbe2ef3db514f2d296c11b63ee8872",
        ),
        "nc_sin_cuit": (
            build_payload(nota_credito()),
            "9c6838e2b84adcb8c663495324d43929e08058bc429c90e49e3bd429e35ee8de",
        ),
        "factura_c": (build_payload(c), "d9fe2579d0389ac3f61058588383727f0704b7b1b52035b366e5fbc6cc0bc09f"),
    }
    for name, (body, expected) in pinned.items():
        assert fingerprint(body) == expected, name
        assert "rg_especiales" not in body["comprobante"], name
    assert pinned["factura_a"][0]["comprobante"]["tributos"] == []


# --- tributos -------------------------------------------------------------------------------------


def test_example_10_1_factura_a_with_one_iibb_perception():
    """§10.1: IIBB Buenos Aires (tipo 7, régimen 5) 1.5 % on 10600.00 = 159.00; total
    6000 + 4600 + 1260 + 483 + 159 = 12502.00."""
    comp = build_payload(factura_a(tributos=(IIBB_BUENOS_AIRES,)))["comprobante"]
    assert comp["tributos"] == [
        {"tipo": 7, "regimen": 5, "base_imponible": "10600.00", "alicuota": "1.50", "total": "159.00"}
    ]
    assert comp["total"] == "12502.00"


def test_example_10_4_nota_de_credito_a_sends_no_perception_and_the_issuer_cuit():
    """§10.4: 2 × 2300.00 @ 10.5 → 4600.00 + 483.00 = 5083.00; the asociado carries the issuer's CUIT."""
    nc = nota_credito(
        lineas=(Linea(2, "Aceite lubricante multiuso", D("2"), D("2300"), "10.5"),),
        periodo_desde=date(2025, 7, 18),
        periodo_hasta=date(2025, 7, 18),
        vencimiento=date(2025, 7, 18),
    )
    comp = build_payload(nc, cuit_emisor="30712345678")["comprobante"]
    assert comp["tributos"] == [] and comp["total"] == "5083.00"
    (asociado,) = comp["comprobantes_asociados"]
    assert asociado["cuit"] == "30712345678"
    assert (asociado["tipo_comprobante"], asociado["numero"], asociado["comprobante_fecha"]) == (
        "FACTURA A",
        "125",
        "14/07/2025",
    )


def test_rg_5329_example_total_includes_three_perceptions():
    """§9.3/§9.9: 2 × 102000 @21, 1 × 1000 @21, 1 × 200300 @10.5 → net 21 % 205000 (IVA 43050), net
    10.5 % 200300 (IVA 21031.50) = 469381.50; perceptions IVA RG 5329 3 % on 204000 = 6120, IVA RG 5329
    1.5 % on 200300 = 3004.50, IIBB Buenos Aires 10 % on 200 = 20 → 9144.50; total 478526.00."""
    c = factura_a(
        lineas=(
            Linea(2, "Heladera", D("2"), D("102000"), "21"),
            Linea(3, "Flete", D("1"), D("1000"), "21"),
            Linea(4, "Harina", D("1"), D("200300"), "10.5"),
        ),
        tributos=(
            Tributo(2, "6", 3, D("204000"), D("3"), D("6120")),
            Tributo(3, "6", 3, D("200300"), D("1.5"), D("3004.50")),
            Tributo(4, "7", 5, D("200"), D("10"), D("20")),
        ),
    )
    comp = build_payload(c)["comprobante"]
    assert comp["total"] == "478526.00"
    assert comp["tributos"] == [
        {"tipo": 6, "regimen": 3, "base_imponible": "204000.00", "alicuota": "3.00", "total": "6120.00"},
        {"tipo": 6, "regimen": 3, "base_imponible": "200300.00", "alicuota": "1.50", "total": "3004.50"},
        {"tipo": 7, "regimen": 5, "base_imponible": "200.00", "alicuota": "10.00", "total": "20.00"},
    ]


@given(
    importes=st.lists(
        st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
        max_size=7,
    )
)
def test_the_total_sent_is_the_items_total_plus_every_perception(importes):
    """§9.3: total = Σ net + Σ IVA + Σ tributos[].total; 12343.00 is §10.1's items and IVA."""
    tributos = tuple(Tributo(i, "7", 4 + i, D("1"), D("1"), importe) for i, importe in enumerate(importes))
    comp = build_payload(factura_a(tributos=tributos))["comprobante"]
    assert D(comp["total"]) == D("12343.00") + sum(importes, D(0))
    assert [D(t["total"]) for t in comp["tributos"]] == importes


# --- FCE: rg_especiales -----------------------------------------------------------------------------


def fce_factura(**fce) -> Comprobante:
    datos = DatosFce(**{"cbu": CBU, "transferencia": "SCA", **fce})
    return factura_a(tipo=FCE_A, fce=datos)


def test_fce_factura_sends_cbu_and_transferencia_and_the_optional_alias_and_reference():
    """§3.8/§4.11/§9.7: 2101 CBU, 2102 alias, 27 SCA/ADC, 23 commercial reference."""
    rg = build_payload(fce_factura(alias="ferreteria.sur", referencia_comercial="OC-7781"))["comprobante"][
        "rg_especiales"
    ]
    assert rg == {
        "regimen": REGIMEN_FCE,
        "datos": [
            {"id": 2101, "valor": CBU},
            {"id": 2102, "valor": "ferreteria.sur"},
            {"id": 27, "valor": "SCA"},
            {"id": 23, "valor": "OC-7781"},
        ],
    }
    plain = build_payload(fce_factura(transferencia="ADC"))["comprobante"]["rg_especiales"]
    assert plain["datos"] == [{"id": 2101, "valor": CBU}, {"id": 27, "valor": "ADC"}]


def test_fce_nota_sends_the_anulacion_and_no_bank_data():
    """§9.7: notes carry id 22 (S/N) and no CBU, alias or transferencia, even if some were given."""
    nc = nota_credito(
        tipo=NC_FCE_A,
        asociado=Asociado(FCE_A, 3, 7, date(2025, 7, 14)),
        fce=DatosFce(cbu=CBU, alias="ferreteria.sur", transferencia="SCA", anulacion="N"),
    )
    comp = build_payload(nc, cuit_emisor="30712345678")["comprobante"]
    assert comp["rg_especiales"] == {"regimen": REGIMEN_FCE, "datos": [{"id": 22, "valor": "N"}]}
    assert comp["comprobantes_asociados"][0]["cuit"] == "30712345678"
    with_reference = nota_credito(
        tipo=NC_FCE_A,
        asociado=Asociado(FCE_A, 3, 7, date(2025, 7, 14)),
        fce=DatosFce(anulacion="S", referencia_comercial="Devolución"),
    )
    assert build_payload(with_reference)["comprobante"]["rg_especiales"]["datos"] == [
        {"id": 22, "valor": "S"},
        {"id": 23, "valor": "Devolución"},
    ]


def test_the_issuer_cuit_of_an_asociado_is_the_accounts_else_the_rows():
    nc = nota_credito(emisor_cuit="30712345678")
    assert build_payload(nc)["comprobante"]["comprobantes_asociados"][0]["cuit"] == "30712345678"
    account = build_payload(nc, cuit_emisor="30717778886")
    assert account["comprobante"]["comprobantes_asociados"][0]["cuit"] == "30717778886"


# --- what was sent, read back ----------------------------------------------------------------------


def test_a_recorded_payload_gives_back_its_perceptions_and_fce_data():
    fce_nc = nota_credito(
        tipo=NC_FCE_A,
        asociado=Asociado(FCE_A, 3, 7, date(2025, 7, 14)),
        fce=DatosFce(anulacion="N", referencia_comercial="OC-1"),
    )
    originals = (
        factura_a(tributos=(IIBB_BUENOS_AIRES, Tributo(8, "6", 2, D("12000"), D("3"), D("360")))),
        fce_factura(alias="ferreteria.sur", referencia_comercial="OC-7781"),
        fce_nc,
    )
    for original in originals:
        body = build_payload(original, cuit_emisor="30712345678")
        again = comprobante_from_payload(body, filas=original.filas)
        assert build_payload(again, cuit_emisor="30712345678") == body
        assert [(t.tipo, t.regimen, t.base_imponible, t.alicuota, t.importe) for t in again.tributos] == [
            (t.tipo, t.regimen, t.base_imponible, t.alicuota, t.importe) for t in original.tributos
        ]
        assert again.fce == original.fce if original.es_fce and original.fce else again.fce is None
    assert comprobante_from_payload(build_payload(fce_nc), filas=(2,)).fce == DatosFce(
        anulacion="N", referencia_comercial="OC-1"
    )
