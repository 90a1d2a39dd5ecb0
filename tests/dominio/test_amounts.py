"""Totals the way TusFacturas and AFIP compute them (tusfacturas-api.md §9.3, afip-rules.md §5.2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.dominio.amounts import comprobante_totals, compute_totals, round_cents
from importer.dominio.comprobantes import Cliente, Comprobante, Linea

D = Decimal


def total(lines: list[tuple[str, str, str, str]], letra: str = "A") -> Decimal:
    return compute_totals(((D(q), D(p), a, D(b)) for q, p, a, b in lines), letra).total


# --- Worked examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "letra", "expected"),
    [
        # §9.3 Factura B: 114.88 @21 → 139.0048 → 139.00
        ([("1", "114.88", "21", "0")], "B", "139.00"),
        # §9.3 line discount: 100 @21 with 20 % → 80 × 1.21
        ([("1", "100", "21", "20")], "A", "96.80"),
        # §10.1 without its IIBB perception (159.00): 12502.00 − 159.00
        (
            [("10", "150.00", "21", "0"), ("2", "2300.00", "10.5", "0"), ("1", "5000.00", "21", "10")],
            "A",
            "12343.00",
        ),
        # §10.2 Factura B to an anonymous consumidor final
        ([("2", "2500.00", "21", "0"), ("1", "800.00", "10.5", "0")], "B", "6934.00"),
        # §10.3 Factura C: final prices, no IVA
        ([("1", "350000.00", "0", "0"), ("1", "15000.00", "0", "0")], "C", "365000.00"),
        # §10.4 Nota de crédito A: 2 × 2300 @10.5
        ([("2", "2300.00", "10.5", "0")], "A", "5083.00"),
        # afip-rules §5.2: 100 @21 + 50 @10.5 (the 7.80 tributo is not a column of ours) → 184.05 − 7.80
        ([("1", "100.00", "21", "0"), ("1", "50.00", "10.5", "0")], "A", "176.25"),
        # §9.3 Factura A: 1000 @21, exento, no gravado, @10.5 → 4345 − perceptions 30
        (
            [
                ("1", "1000", "21", "0"),
                ("1", "1000", "-1", "0"),
                ("1", "1000", "-2", "0"),
                ("1", "1000", "10.5", "0"),
            ],
            "A",
            "4315.00",
        ),
    ],
)
def test_worked_examples(lines, letra, expected):
    assert total(lines, letra) == D(expected)


def test_breakdown_of_example_10_1():
    t = compute_totals(
        [(D(10), D("150"), "21", D(0)), (D(2), D("2300"), "10.5", D(0)), (D(1), D("5000"), "21", D(10))], "A"
    )
    assert t.neto == {"21": D("6000.00"), "10.5": D("4600.00")}
    assert t.iva == {"21": D("1260.00"), "10.5": D("483.00")}
    assert (t.neto_gravado, t.iva_total, t.exento, t.no_gravado) == (D("10600.00"), D("1743.00"), D(0), D(0))


def test_letter_c_ignores_alicuotas():
    assert total([("1", "100", "21", "0"), ("3", "33.333", "", "0")], "C") == D("200.00")


def test_comprobante_totals_reads_the_lines():
    c = Comprobante(
        referencia="NC-1",
        filas=(2,),
        fecha=date(2025, 7, 18),
        tipo="NOTA DE CREDITO A",
        punto_venta=3,
        cliente=Cliente("CUIT", "30698765433", "Ferretería del Sur SRL", "RI"),
        lineas=(Linea(2, "Aceite lubricante multiuso", D(2), D("2300.00"), "10.5"),),
    )
    assert comprobante_totals(c).total == D("5083.00")


# --- Rounding -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0.125", "0.12"),
        ("0.135", "0.14"),
        ("0.145", "0.14"),
        ("2.675", "2.68"),
        ("-0.125", "-0.12"),
        ("0.1251", "0.13"),
    ],
)
def test_round_half_even_at_the_cent(amount, rounded):
    assert round_cents(D(amount)) == D(rounded)
    assert total([("1", amount, "0", "0")]) == D(rounded)


def test_iva_is_rounded_half_even():
    # 0.50 @ 10.5 % = 0.0525 → 0.05; 1.50 @ 10.5 % = 0.1575 → 0.16
    assert compute_totals([(D(1), D("0.50"), "10.5", D(0))], "A").iva["10.5"] == D("0.05")
    assert compute_totals([(D(1), D("1.50"), "10.5", D(0))], "A").iva["10.5"] == D("0.16")


def test_nets_are_rounded_once_per_alicuota_not_per_line():
    # three lines of 0.333 each: per line they would round to 0.33 × 3 = 0.99; the group gives 1.00
    assert total([("1", "0.333", "0", "0")] * 3) == D("1.00")


# --- Properties -------------------------------------------------------------------------------------------------

_ALICUOTAS = st.sampled_from(["27", "21", "10.5", "0", "-1", "-2"])
_LINE = st.tuples(
    st.decimals(min_value=D("0.01"), max_value=D(1000), places=2),
    st.decimals(min_value=D(0), max_value=D(100000), places=3),
    _ALICUOTAS,
    st.decimals(min_value=D(0), max_value=D(100), places=2),
)


@given(st.lists(_LINE, min_size=1, max_size=12), st.sampled_from("ABM"))
@settings(max_examples=150, deadline=None)
def test_parts_add_up_to_the_total(lines, letra):
    t = compute_totals(lines, letra)
    assert (
        t.total
        == sum(t.neto.values(), D(0)) + sum(t.iva.values(), D(0)) + t.neto_cero + t.exento + t.no_gravado
    )
    for amount in (*t.neto.values(), *t.iva.values(), t.neto_cero, t.exento, t.no_gravado, t.total):
        assert amount == amount.quantize(D("0.01"))
    for code, neto in t.neto.items():
        assert t.iva[code] == round_cents(neto * D(code) / 100)


@given(st.lists(_LINE, min_size=1, max_size=12), st.sampled_from("ABCEM"), st.randoms(use_true_random=False))
@settings(max_examples=150, deadline=None)
def test_total_does_not_depend_on_line_order(lines, letra, rnd):
    shuffled = list(lines)
    rnd.shuffle(shuffled)
    assert compute_totals(shuffled, letra) == compute_totals(lines, letra)


@given(st.lists(_LINE, min_size=1, max_size=12))
@settings(max_examples=100, deadline=None)
def test_c_total_is_the_rounded_sum_of_line_nets(lines):
    exact = sum((q * p * (100 - b) / 100 for q, p, _, b in lines), D(0))
    assert compute_totals(lines, "C").total == round_cents(exact)
