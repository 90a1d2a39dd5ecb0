"""The sandbox is a second, independent implementation: own arithmetic, own tables, own CUIT check.

The property tests compare it with the client's; the worked examples pin both to the spec's numbers
(tusfacturas-api.md §9.3, afip-rules.md §5.2), so agreement is not agreement on the same mistake.
"""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.dominio import catalogs, documentos
from importer.dominio.amounts import compute_totals
from importer.sandbox import aritmetica, tablas
from importer.sandbox.cuit import is_valid_cuit

SANDBOX_DIR = Path(__file__).parents[2] / "importer" / "sandbox"
D = Decimal


def test_the_sandbox_imports_nothing_from_the_client() -> None:
    foreign = []
    for path in sorted(SANDBOX_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            foreign += [
                f"{path.name}:{node.lineno} {name}"
                for name in names
                if name.split(".")[0] == "importer" and not name.startswith("importer.sandbox")
            ]
    assert foreign == []


# --- the spec's own numbers ------------------------------------------------------------------------


def total(lines, letra="A", **kwargs) -> Decimal:
    return aritmetica.compute([(D(c), D(p), a, D(b)) for c, p, a, b in lines], letra, **kwargs).total_pesos


def test_docs_factura_a_with_every_kind_of_line() -> None:
    # §9.3: 1000 @21, 1000 exento, 1000 no gravado, 1000 @10.5, perceptions 10 + 20 → 4345.
    lines = [
        ("1", "1000", "21", "0"),
        ("1", "1000", "-1", "0"),
        ("1", "1000", "-2", "0"),
        ("1", "1000", "10.5", "0"),
    ]
    assert total(lines) + 10 + 20 == D("4345")


def test_docs_nota_de_credito_a() -> None:
    # §9.3: 100 exento + 10 @21 + perceptions 30 → 142.1.
    assert total([("1", "100", "-1", "0"), ("1", "10", "21", "0")]) + 30 == D("142.10")


def test_docs_factura_b_rounds_the_iva_half_even() -> None:
    # §9.3: 114.88 @21 → 114.88 × 1.21 = 139.0048 → 139.00.
    assert total([("1", "114.88", "21", "0")], "B") == D("139.00")


def test_docs_line_and_global_discounts() -> None:
    # §9.3: 100 @21 with 20 % line discount → 96.8; the same with a global bonificación of 20 → 96.8.
    assert total([("1", "100", "21", "20")]) == D("96.80")
    assert total([("1", "100", "21", "0")], bonificacion=D("20")) == D("96.80")


def test_docs_global_discount_lands_on_the_21_percent_subtotal() -> None:
    # 100 @10.5 + 100 @21, global 50 off the 21 % net: 100 + 10.50 + 50 + 10.50 = 171.00.
    assert total([("1", "100", "10.5", "0"), ("1", "100", "21", "0")], bonificacion=D("50")) == D("171.00")


def test_docs_rg5329_factura_a() -> None:
    # §9.3: 2 × 102000 @21, 1 × 1000 @21, 1 × 200300 @10.5, perceptions 6120 + 3004.5 + 20 → 478526.
    lines = [("2", "102000", "21", "0"), ("1", "1000", "21", "0"), ("1", "200300", "10.5", "0")]
    assert total(lines) + D("6120") + D("3004.5") + D("20") == D("478526")


def test_afip_manual_example_1() -> None:
    # afip-rules.md §5.2: 100 @21 + 50 @10.5 + tributo 7.80 → 184.05.
    assert total([("1", "100", "21", "0"), ("1", "50", "10.5", "0")]) + D("7.80") == D("184.05")


def test_half_cents_go_to_the_even_cent() -> None:
    # Round half even (ARCA): 0.125 → 0.12, 0.135 → 0.14; IVA 21 % of 0.50 = 0.105 → 0.10.
    assert total([("1", "0.125", "-1", "0")]) == D("0.12")
    assert total([("1", "0.135", "-1", "0")]) == D("0.14")
    assert total([("1", "0.50", "21", "0")]) == D("0.60")


def test_a_perception_is_rounded_once_half_to_even() -> None:
    # base × alícuota / 100, to the cent, half to even:
    #   1 % of 100.50 = 1.005 → 1.00 (half: the even cent); 1 % of 101.50 = 1.015 → 1.02 (even)
    #   1.5 % of 10600 = 159 exactly; 3 % of 0.10 = 0.003 → 0.00; 2.5 % of 100.30 = 2.5075 → 2.51
    assert aritmetica.percepcion(D("100.50"), D("1")) == 100
    assert aritmetica.percepcion(D("101.50"), D("1")) == 102
    assert aritmetica.percepcion(D("10600"), D("1.5")) == 15900
    assert aritmetica.percepcion(D("0.10"), D("3")) == 0
    assert aritmetica.percepcion(D("100.30"), D("2.5")) == 251


def test_iva_is_taken_on_the_two_decimal_base_afip_receives() -> None:
    # AFIP 10051 checks AlicIva.Importe against BaseImp × rate, BaseImp having 2 decimals:
    #   1000.015 → base 1000.02, 27 % → 270.0054 → 270.01 (on the exact net: 270.00405 → 270.00)
    #   1000.115 → base 1000.12, 21 % → 210.0252 → 210.03 (on the exact net: 210.02415 → 210.02)
    #   1000.046 → base 1000.05, 10.5 % → 105.00525 → 105.01 (on the exact net: 105.00483 → 105.00)
    # IVA on the exact nets would make the total 3585.21, three cents off.
    lines = [("1", "1000.015", "27", "0"), ("1", "1000.115", "21", "0"), ("1", "1000.046", "10.5", "0")]
    result = aritmetica.compute([(D(c), D(p), a, D(b)) for c, p, a, b in lines], "A")
    assert result.neto == {"27": 100002, "21": 100012, "10.5": 100005}
    assert result.iva == {"27": 27001, "21": 21003, "10.5": 10501}
    assert result.total_pesos == D("3585.24")


def test_c_prices_are_final() -> None:
    # 3 × 33.333 = 99.999 → 100.00, no IVA whatever the alícuota says.
    assert total([("3", "33.333", "0", "0")], "C") == D("100.00")


# --- the two arithmetics agree -----------------------------------------------------------------------

CANTIDAD = st.integers(1, 10_000_000).map(lambda n: D(n).scaleb(-2))  # 0.01 … 100000.00
PRECIO = st.integers(0, 100_000_000).map(lambda n: D(n).scaleb(-3))  # 0.000 … 100000.000
BONIFICACION = st.one_of(st.just(D("0")), st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2)))
ALICUOTA = st.sampled_from(["27", "21", "10.5", "0", "-1", "-2"])


@st.composite
def comprobantes(draw: st.DrawFn) -> tuple[str, list[tuple[Decimal, Decimal, str, Decimal]]]:
    letra = draw(st.sampled_from(["A", "B", "C"]))
    alicuota = st.just("0") if letra == "C" else ALICUOTA
    line = st.tuples(CANTIDAD, PRECIO, alicuota, BONIFICACION)
    return letra, draw(st.lists(line, min_size=1, max_size=40))


@settings(max_examples=400, deadline=None)
@given(comprobantes())
def test_client_and_sandbox_totals_agree_to_the_cent(comprobante) -> None:
    letra, lines = comprobante
    client = compute_totals(lines, letra)
    sandbox = aritmetica.compute(lines, letra)
    assert client.total == sandbox.total_pesos
    assert client.iva == {k: aritmetica.as_pesos(v) for k, v in sandbox.iva.items()}
    if letra != "C":
        assert client.exento == aritmetica.as_pesos(sandbox.exento)
        assert client.no_gravado == aritmetica.as_pesos(sandbox.no_gravado)


# --- the two tables agree ------------------------------------------------------------------------------


def test_tipos_agree() -> None:
    client = {t.nombre: (t.afip_code, t.clase, t.letra, t.fce, t.es_nota) for t in catalogs.TIPOS}
    sandbox = {t.nombre: (t.afip_code, t.clase, t.letra, t.fce, t.es_nota) for t in tablas.TIPOS}
    assert client == sandbox


def test_alicuotas_agree() -> None:
    assert set(catalogs.ALICUOTA_IVA.codes) == set(tablas.ALICUOTAS)
    assert catalogs.ALICUOTA_TASA == tablas.ALICUOTAS
    assert set(catalogs.ALICUOTAS_GRAVADAS) == {c for c, rate in tablas.ALICUOTAS.items() if rate > 0}


def test_other_code_tables_agree() -> None:
    assert catalogs.DOCUMENTOS_AFIP == tablas.DOCUMENTOS
    assert set(catalogs.CONDICION_IVA.codes) == set(tablas.CONDICIONES_IVA)
    assert set(catalogs.MONEDA.codes) == set(tablas.MONEDAS)
    assert set(catalogs.UNIDAD_MEDIDA.codes) == set(tablas.UNIDADES_MEDIDA)
    assert set(catalogs.PROVINCIA.codes) == {str(code) for code in tablas.PROVINCIAS}
    # The client leaves out 214 ("Otra"), which needs a free-text companion; the API has it.
    assert set(catalogs.CONDICION_PAGO.codes) == tablas.CONDICIONES_PAGO - {tablas.CONDICION_PAGO_OTRA}


@pytest.mark.parametrize(
    ("cuit", "valid"),
    [  # afip-rules.md §1.3
        ("20123456786", True),
        ("27280335148", True),
        ("30712345671", True),
        ("23300000029", True),
        ("33693450239", True),
        ("30000000007", True),
        ("23000000000", True),
        ("20123456789", False),  # wrong digit
        ("21123456783", False),  # unknown prefix
        ("2012345678", False),  # ten digits
        ("20300000029", False),  # mod 11 gives 10: never issued
        ("30693450239", False),
        ("00000000000", False),
    ],
)
def test_cuit_check_digit_follows_the_spec(cuit: str, valid: bool) -> None:
    assert is_valid_cuit(cuit) is valid


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"(20|23|24|27|30|33|34|50|51|55|[0-9]{2})[0-9]{9}", fullmatch=True))
def test_cuit_checks_agree(cuit: str) -> None:
    assert is_valid_cuit(cuit) == documentos.cuit_valido(cuit)
