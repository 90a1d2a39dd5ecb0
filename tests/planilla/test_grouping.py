"""Rows → comprobantes: referencias, header inheritance and consistency, building the objects."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from importer.dominio.amounts import comprobante_totals
from importer.dominio.reloj import hoy_en_argentina
from importer.planilla.columns import HEADER_NAMES, NAMES
from importer.planilla.reading import Planilla, read_planilla
from importer.planilla.validation import Validacion, validate_planilla
from tests.conftest import CUIT_CLIENTE, CUIT_CLIENTE_2, valid_row

HOY = hoy_en_argentina()


def validar(write_workbook, rows: list[dict[str, object]]) -> Validacion:
    return validate_planilla(read_planilla(write_workbook(rows)), hoy=HOY)


def linea(**overrides: object) -> dict[str, object]:
    """A continuation row: only its line cells (and whatever the test adds)."""
    row = {
        "referencia": "FA-0001",
        "descripcion": "Arandela plana 1/4",
        "cantidad": 2,
        "precio_unitario": 50,
        "alicuota_iva": "21",
    }
    row.update(overrides)
    return row


def planilla_de(rows: list[dict[str, object]]) -> Planilla:
    """A `Planilla` straight from dicts (no workbook), for property tests."""
    columns = list(NAMES)
    datos = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns, dtype=object)
    datos.index = pd.RangeIndex(2, 2 + len(rows), name="fila")
    datos = datos.where(datos.notna(), np.nan)
    return Planilla(
        Path("p.xlsx"),
        "Comprobantes",
        datos,
        {c: get_column_letter(i + 1) for i, c in enumerate(columns)},
        (),
        "0" * 64,
        None,
        {c: c for c in columns},
    )


def codigos(v: Validacion) -> list[tuple[int | None, str, str | None]]:
    return [(p.fila, p.codigo, p.columna) for p in v.problems]


# --- Rows that share a referencia --------------------------------------------------------------------


def test_rows_with_one_referencia_form_one_comprobante(write_workbook):
    v = validar(write_workbook, [valid_row(), linea(), linea(descripcion="Tuerca 1/4", cantidad=3)])
    assert v.problems == []
    (c,) = v.comprobantes
    assert c.filas == (2, 3, 4)
    assert [ln.fila for ln in c.lineas] == [2, 3, 4]
    assert [ln.descripcion for ln in c.lineas] == [
        "Tornillo hexagonal 1/4",
        "Arandela plana 1/4",
        "Tuerca 1/4",
    ]
    assert c.cliente.documento_nro == CUIT_CLIENTE and c.cliente.razon_social == "Ferretería del Sur SRL"
    assert comprobante_totals(c).total == Decimal("1512.50")  # (1000 + 2 × 50 + 3 × 50) × 1.21


def test_continuation_rows_may_repeat_equal_header_values(write_workbook):
    repeated = valid_row(
        tipo="Factura a",
        fecha=HOY.strftime("%d/%m/%Y"),
        cliente_documento_nro=f"{CUIT_CLIENTE[:2]}-{CUIT_CLIENTE[2:10]}-{CUIT_CLIENTE[10]}",
        cliente_condicion_iva="Responsable Inscripto",
        punto_venta="1",
        cotizacion="1,00",
        cliente_provincia="Buenos Aires",
        descripcion="Segunda línea",
    )
    v = validar(write_workbook, [valid_row(cliente_documento_nro=int(CUIT_CLIENTE)), repeated])
    assert v.problems == []
    assert v.comprobantes[0].filas == (2, 3)


def test_a_different_header_value_is_reported_on_its_cell(write_workbook):
    v = validar(write_workbook, [valid_row(), linea(tipo="FACTURA B"), linea()])
    assert codigos(v) == [(3, "encabezado.distinto", "tipo")]
    p = v.problems[0]
    assert p.letra == "C" and p.valor == "FACTURA B" and p.referencia == "FA-0001"
    assert p.mensaje == (
        "tipo: «FACTURA B» no coincide con la primera fila del comprobante FA-0001 (en la fila 2 es "
        "«FACTURA A»). Déjela vacía o repita el mismo valor."
    )
    assert v.invalidas == {"FA-0001"} and v.validas == []


def test_a_header_written_only_on_a_later_row_differs_from_the_blank_first_row(write_workbook):
    vencimiento = HOY + timedelta(days=30)
    v = validar(write_workbook, [valid_row(), linea(vencimiento=vencimiento)])
    assert codigos(v) == [(3, "encabezado.distinto", "vencimiento")]
    assert "en la fila 2 está vacía" in v.problems[0].mensaje


def test_a_date_differing_by_one_day_is_reported(write_workbook):
    v = validar(
        write_workbook,
        [valid_row(), linea(fecha=datetime.combine(HOY - timedelta(days=1), datetime.min.time()))],
    )
    assert codigos(v) == [(3, "encabezado.distinto", "fecha")]


def test_first_row_problems_are_not_repeated_on_inheriting_rows(write_workbook):
    rows = [valid_row(cliente_documento_nro="30-71234567-9", cliente_razon_social=None), linea(), linea()]
    v = validar(write_workbook, rows)
    assert codigos(v) == [
        (2, "cuit.digito_verificador", "cliente_documento_nro"),
        (2, "requerido", "cliente_razon_social"),
    ]
    assert v.filas_invalidas == {2}
    assert v.invalidas == {"FA-0001"}


def test_unreadable_value_on_a_continuation_row_is_reported(write_workbook):
    v = validar(write_workbook, [valid_row(), linea(fecha="32/13/2025")])
    assert codigos(v) == [(3, "fecha_invalida", "fecha")]


# --- Rows with an empty referencia ------------------------------------------------------------------------


def test_empty_referencia_continues_the_comprobante_above(write_workbook):
    rows = [
        valid_row(),
        linea(referencia=None),
        linea(referencia=None, tipo="FACTURA A"),
        valid_row(referencia="FA-0002"),
        linea(referencia=None),
    ]
    v = validar(write_workbook, rows)
    assert v.problems == []
    assert [c.filas for c in v.comprobantes] == [(2, 3, 4), (5, 6)]
    assert v.referencia_por_fila == {2: "FA-0001", 3: "FA-0001", 4: "FA-0001", 5: "FA-0002", 6: "FA-0002"}


def test_empty_referencia_with_other_header_values_needs_a_referencia(write_workbook):
    rows = [valid_row(), linea(referencia=None, cliente_documento_nro=CUIT_CLIENTE_2), linea(referencia=None)]
    v = validar(write_workbook, rows)
    assert codigos(v) == [
        (None, "referencia.fila_incierta", None),
        (3, "requerido", "referencia"),
        (4, "requerido", "referencia"),
    ]
    requerido = v.problems[1]
    assert (
        "no continúa el comprobante FA-0001 de la fila 2 porque la columna cliente_documento_nro es distinta"
        in requerido.mensaje
    )
    assert requerido.referencia is None
    # Rows 3 and 4 may be lines of FA-0001 (a mistyped CUIT) or another sale: FA-0001 waits.
    bloqueo = v.problems[0]
    assert bloqueo.referencia == "FA-0001"
    assert bloqueo.mensaje.startswith("Las filas 3 y 4 no pertenecen con certeza a ningún comprobante")
    assert v.comprobantes[0].filas == (2,) and v.validas == []
    assert v.filas_invalidas == {3, 4}
    assert [p.codigo for p in v.problems_de_fila(4)] == ["requerido"]


def test_first_row_without_referencia(write_workbook):
    v = validar(write_workbook, [valid_row(referencia=None), valid_row(referencia="FA-9")])
    assert codigos(v) == [(None, "referencia.fila_incierta", None), (2, "requerido", "referencia")]
    assert v.problems[0].referencia == "FA-9"
    assert v.validas == []


# --- Rows of no certain comprobante -------------------------------------------------------------------------


def test_an_invalid_referencia_belongs_to_no_comprobante_and_blocks_both_neighbours(write_workbook):
    rows = [valid_row(), linea(referencia="FA 0001"), linea(referencia=None), valid_row(referencia="FA-0002")]
    v = validar(write_workbook, rows)
    assert v.referencia_por_fila == {2: "FA-0001", 5: "FA-0002"}  # rows 3 and 4: no comprobante
    assert [(c.referencia, c.filas) for c in v.comprobantes] == [("FA-0001", (2,)), ("FA-0002", (5,))]
    assert v.validas == [] and v.invalidas == {"FA-0001", "FA-0002"}
    bloqueos = [p for p in v.problems if p.codigo == "referencia.fila_incierta"]
    assert [p.referencia for p in bloqueos] == ["FA-0001", "FA-0002"]
    assert "la fila 3 tiene una referencia inválida («FA 0001»)" in bloqueos[0].mensaje
    # Row 4 continues row 3, whose comprobante is unknown: it says so instead of joining FA-0001.
    assert codigos(v)[2:] == [(3, "referencia.formato", "referencia"), (4, "requerido", "referencia")]
    assert "porque la fila 3 tiene una referencia inválida («FA 0001»)" in v.problems[3].mensaje


def test_a_new_referencia_on_a_row_with_no_header_data_blocks_both_neighbours(write_workbook):
    rows = [valid_row(), linea(referencia="FA-0O01"), valid_row(referencia="FA-0002")]
    v = validar(write_workbook, rows)
    bloqueos = {p.referencia: p.mensaje for p in v.problems if p.codigo == "referencia.fila_incierta"}
    assert set(bloqueos) == {"FA-0001", "FA-0002"}
    assert "La fila 3 tiene la referencia «FA-0O01» pero ningún dato del comprobante" in bloqueos["FA-0001"]
    assert v.validas == []


def test_a_new_comprobante_missing_one_header_cell_blocks_only_itself(write_workbook):
    rows = [valid_row(), valid_row(referencia="FA-0002", tipo=None), valid_row(referencia="FA-0003")]
    v = validar(write_workbook, rows)
    assert codigos(v) == [(3, "requerido", "tipo")]
    assert [c.referencia for c in v.validas] == ["FA-0001", "FA-0003"]


def test_a_row_between_two_blocks_of_one_comprobante_is_named_once(write_workbook):
    rows = [valid_row(), linea(referencia="FA 0001"), linea()]
    v = validar(write_workbook, rows)
    bloqueos = [p for p in v.problems if p.codigo == "referencia.fila_incierta"]
    assert [(p.referencia, p.mensaje.split(" tiene")[0]) for p in bloqueos] == [("FA-0001", "La fila 3")]


def test_many_rows_of_no_comprobante_give_one_problem_per_neighbour(write_workbook):
    rows = [valid_row(), *(linea(referencia=f"mal {i}") for i in range(8)), valid_row(referencia="FA-0002")]
    v = validar(write_workbook, rows)
    bloqueos = [p for p in v.problems if p.codigo == "referencia.fila_incierta"]
    assert [p.referencia for p in bloqueos] == ["FA-0001", "FA-0002"]
    assert bloqueos[0].mensaje.startswith("Las filas 3, 4, 5, 6, 7 y 3 más no pertenecen con certeza")


# --- A referencia in two blocks -----------------------------------------------------------------------------


def test_referencia_in_two_blocks_with_equal_headers_is_joined(write_workbook):
    rows = [valid_row(), valid_row(referencia="FA-0002"), linea(), linea(referencia="FA-0002")]
    v = validar(write_workbook, rows)
    assert v.problems == []
    assert [(c.referencia, c.filas) for c in v.comprobantes] == [("FA-0001", (2, 4)), ("FA-0002", (3, 5))]


def test_referencia_reused_for_another_comprobante(write_workbook):
    rows = [
        valid_row(),
        valid_row(referencia="FA-0002"),
        valid_row(cliente_documento_nro=CUIT_CLIENTE_2, tipo="FACTURA A", fecha=HOY),
        linea(cliente_documento_nro=CUIT_CLIENTE_2),
    ]
    v = validar(write_workbook, rows)
    assert codigos(v) == [(4, "referencia.repetida", "referencia")]
    assert "ya se usó en la fila 2 con otros datos (cliente_documento_nro)" in v.problems[0].mensaje
    assert v.invalidas == {"FA-0001"} and [c.referencia for c in v.validas] == ["FA-0002"]


# --- Building the objects ----------------------------------------------------------------------------------------


def test_comprobante_is_built_even_with_problems_when_essentials_parse(write_workbook):
    rows = [
        valid_row(cliente_email="no es un mail", total_control=1815),
        linea(cantidad="dos"),
        linea(descripcion="Clavo 2 pulgadas", cantidad=4),
    ]
    v = validar(write_workbook, rows)
    assert codigos(v) == [(2, "email.invalido", "cliente_email"), (3, "numero_invalido", "cantidad")]
    (c,) = v.comprobantes
    assert c.filas == (2, 3, 4)
    assert [ln.fila for ln in c.lineas] == [2, 4]  # the unreadable line is left out...
    assert v.validas == []  # ...and the comprobante is never sent; no misleading total.no_coincide either


def test_comprobante_without_essential_cells_is_not_built(write_workbook):
    v = validar(write_workbook, [valid_row(tipo="FACTURA Z"), linea()])
    assert codigos(v) == [(2, "valor_desconocido", "tipo")]
    assert v.comprobantes == [] and v.invalidas == {"FA-0001"}
    assert v.referencia_por_fila == {2: "FA-0001", 3: "FA-0001"}


def test_header_cells_come_from_the_first_row(write_workbook):
    rows = [
        valid_row(vencimiento=HOY + timedelta(days=10), leyenda_general="OC-7781", cliente_email="a@b.com"),
        linea(),
        linea(),
    ]
    v = validar(write_workbook, rows)
    (c,) = v.comprobantes
    assert (c.vencimiento, c.leyenda_general, c.cliente.email) == (
        HOY + timedelta(days=10),
        "OC-7781",
        "a@b.com",
    )


# --- Properties ----------------------------------------------------------------------------------------------------


_LINE = st.tuples(st.integers(1, 20), st.decimals(min_value=0, max_value=10000, places=2))


@given(
    st.lists(st.lists(_LINE, min_size=1, max_size=4), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
@settings(max_examples=25, deadline=None)
def test_grouping_keeps_every_line_once_whatever_the_interleaving(comprobantes, rnd):
    """Lines of several comprobantes, interleaved at random: every row lands in its comprobante
    once, in sheet order, and each total equals the one computed from its own lines."""
    rows = [
        (k, j, cantidad, precio)
        for k, lines in enumerate(comprobantes)
        for j, (cantidad, precio) in enumerate(lines)
    ]
    rnd.shuffle(rows)
    first_seen: set[int] = set()
    sheet = []
    for k, _, cantidad, precio in rows:
        row = valid_row(
            referencia=f"R{k}", cantidad=cantidad, precio_unitario=str(precio), descripcion=f"Producto {k}"
        )
        if k in first_seen:  # later rows leave the header cells blank
            row = {name: value for name, value in row.items() if name not in HEADER_NAMES}
        first_seen.add(k)
        sheet.append(row)
    v = validate_planilla(planilla_de(sheet), hoy=HOY)
    assert [p for p in v.problems if p.codigo not in ("total.no_positivo",)] == []
    assert sorted(f for c in v.comprobantes for f in c.filas) == list(range(2, 2 + len(rows)))
    for c in v.comprobantes:
        k = int(c.referencia[1:])
        assert list(c.filas) == sorted(c.filas)
        assert sorted((ln.cantidad, ln.precio_unitario) for ln in c.lineas) == sorted(
            (Decimal(cantidad), precio) for cantidad, precio in comprobantes[k]
        )
        expected = sum((Decimal(q) * p for q, p in comprobantes[k]), Decimal(0))
        assert comprobante_totals(c).neto["21"] == expected.quantize(Decimal("0.01"))


def test_empty_alicuota_of_a_factura_c_means_zero(write_workbook):
    rows = [valid_row(tipo="FACTURA C", alicuota_iva=None), linea(alicuota_iva="0"), linea(alicuota_iva=None)]
    v = validar(write_workbook, rows)
    assert v.problems == []
    assert [ln.alicuota for ln in v.comprobantes[0].lineas] == ["0", "0", "0"]
    assert comprobante_totals(v.comprobantes[0]).total == Decimal("1200.00")


def test_empty_alicuota_of_a_factura_a_is_reported_on_its_line(write_workbook):
    v = validar(write_workbook, [valid_row(), linea(alicuota_iva=None)])
    assert codigos(v) == [(3, "alicuota.requerida", "alicuota_iva")]
    assert v.problems[0].letra == "AB" and v.problems[0].referencia == "FA-0001"
