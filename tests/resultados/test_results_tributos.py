"""Perceptions and FCE in the results workbook (interface.md §7, §8, §9), read back with openpyxl.

The scenario is built by hand (planilla, validation and emissions), so the figures below are
derived from the spec, not from the code: a perception is base × alícuota / 100, a nota de crédito
takes away and a nota de débito adds, dollars are converted at their cotización. Both writers (the
fast one and its plain-openpyxl fallback) must write the same sheets.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from importer.dominio.comprobantes import (
    EMITIDO,
    INVALIDO,
    RECHAZADO,
    VALIDO,
    Asociado,
    Cliente,
    Comprobante,
    DatosFce,
    Emision,
    Linea,
    Tributo,
)
from importer.dominio.problems import Problem
from importer.dominio.tributos import IIBB, IVA, NACIONAL
from importer.planilla.reading import HojaTributos, Planilla
from importer.planilla.validation import Validacion
from importer.resultados.results import RunInfo, write_report, write_results
from tests.conftest import CUIT_CLIENTE
from tests.resultados.libro import subtotal_value
from tests.resultados.test_results_fallback import no_formulas_anywhere, snapshot

FCE_A = "FACTURA DE CREDITO ELECTRONICA MiPyME (FCE) A"
INJECTION = '=HYPERLINK("http://x","ver")'
XML_INVALID = "Percepción \ufffe ARBA"
D = Decimal

# Comprobantes rows: Excel row → (referencia, tipo, fecha, cantidad, precio, moneda, cotización).
COMPROBANTES = {
    2: ("FA-1", "FACTURA A", date(2025, 7, 10), "1", "1000", "PES", "1"),
    3: ("FA-2", "FACTURA A", date(2025, 7, 20), "1", "500", "PES", "1"),
    4: ("NC-1", "NOTA DE CREDITO A", date(2025, 7, 25), "1", "300", "PES", "1"),
    5: ("FD-1", "FACTURA A", date(2025, 8, 1), "1", "10", "DOL", "1000"),
    6: ("FCE-1", FCE_A, date(2025, 8, 5), "1", "2000000", "PES", "1"),
    7: ("FCE-2", FCE_A, date(2025, 8, 6), "1", "1000000", "PES", "1"),
    8: ("BAD-1", "FACTURA A", date(2025, 8, 7), "1", "100", "PES", "1"),
    9: ("ND-1", "NOTA DE DEBITO A", date(2025, 8, 8), "1", "100", "PES", "1"),
    10: ("REJ-1", "FACTURA A", date(2025, 8, 9), "1", "100", "PES", "1"),
    11: ("TRB-1", "FACTURA A", date(2025, 8, 10), "1", "100", "PES", "1"),
}
VENCIMIENTOS = {"FCE-1": date(2025, 9, 15), "FCE-2": date(2025, 9, 30)}

# Tributos rows as typed: Excel row → (referencia, tributo, regimen, base, alícuota, importe, descripción).
# Row 8 is blank. Row 7 names a comprobante that does not exist; row 13 a régimen that does not.
TRIBUTOS: dict[int, tuple[object, ...]] = {
    2: ("FA-1", "IIBB", "Buenos Aires", 1000, 10, None, "ARBA"),
    3: ("FA-1", "IVA", "RG 2408", 1000, 3, None, None),
    4: ("FA-2", "iibb", "buenos aires", 500, 10, "50,00", INJECTION),
    5: ("FA-2", "NACIONAL", "Ganancias", 500, 2, None, XML_INVALID),
    6: ("NC-1", "IIBB", "Buenos Aires", 300, 10, None, None),
    7: ("ZZZ-9", "IIBB", "CABA", 100, 3, None, None),
    9: ("FD-1", "IIBB", "CABA", 10, 3, None, None),
    10: ("BAD-1", "IIBB", "Córdoba", 100, 2, None, None),
    11: ("ND-1", "IIBB", "Buenos Aires", 100, 10, None, None),
    12: ("REJ-1", "IIBB", "Buenos Aires", 100, 10, None, None),
    13: ("TRB-1", "IIBB", "Narnia", 100, 10, None, None),
    14: ("TRB-1", "IVA", "RG 2408", 100, 3, None, None),
}
# The régimen each valid row resolves to (its code, tusfacturas-api.md §4.10): CABA 4, Buenos Aires 5,
# Córdoba 9, RG 2408 2, Ganancias 33.
REGIMEN = {"Buenos Aires": 5, "buenos aires": 5, "CABA": 4, "Córdoba": 9, "RG 2408": 2, "Ganancias": 33}
TIPO = {"IIBB": IIBB, "iibb": IIBB, "IVA": IVA, "NACIONAL": NACIONAL}
AVISO = "El comprobante TRB-1 no se emite: la percepción de la hoja Tributos, fila 13, tiene errores."
REJECTION = "El régimen de percepción informado no corresponde (Cod. 10051)"


@dataclass
class Caso:
    folder: Path
    validacion: Validacion
    emisiones: dict[str, Emision]
    info: RunInfo

    def results(self, name: str = "julio-resultados.xlsx") -> Path:
        return write_results(self.folder / name, self.validacion, self.emisiones, self.info)

    def report(self, name: str = "julio-reporte.xlsx") -> Path:
        info = RunInfo(**{**self.info.__dict__, "modo": "VALIDACIÓN"})
        return write_report(self.folder / name, self.validacion, info)


def tributo(fila: int) -> Tributo:
    ref, tipo, regimen, base, alicuota, _, descripcion = TRIBUTOS[fila]
    importe = D(base) * D(alicuota) / 100  # every base here gives whole cents
    return Tributo(
        fila, TIPO[str(tipo)], REGIMEN[str(regimen)], D(base), D(alicuota), importe, descripcion or ""
    )


def comprobante(fila: int) -> Comprobante:
    ref, tipo, fecha, cantidad, precio, moneda, cotizacion = COMPROBANTES[fila]
    nota = tipo.startswith("NOTA")
    return Comprobante(
        referencia=ref,
        filas=(fila,),
        fecha=fecha,
        tipo=tipo,
        punto_venta=1,
        cliente=Cliente("CUIT", CUIT_CLIENTE, f"Cliente {ref}", "RI"),
        lineas=(Linea(fila, f"Servicio {ref}", D(cantidad), D(precio), "21"),),
        moneda=moneda,
        cotizacion=D(cotizacion),
        vencimiento=VENCIMIENTOS.get(ref),
        asociado=Asociado("FACTURA A", 1, 1, date(2025, 7, 10)) if nota else None,
        tributos=tuple(tributo(f) for f, t in TRIBUTOS.items() if t[0] == ref and f != 13),
        fce=DatosFce(cbu="2850590940090418135201", transferencia="SCA") if tipo == FCE_A else None,
    )


@pytest.fixture
def caso(tmp_path: Path) -> Caso:
    datos = pd.DataFrame(
        {
            "referencia": [r[0] for r in COMPROBANTES.values()],
            "tipo": [r[1] for r in COMPROBANTES.values()],
            "fecha": [r[2] for r in COMPROBANTES.values()],
            "precio_unitario": [int(r[4]) for r in COMPROBANTES.values()],
        },
        index=pd.Index(list(COMPROBANTES), name="fila"),
        dtype=object,
    )
    names = ["referencia", "tributo", "regimen", "base_imponible", "alicuota", "importe", "descripcion"]
    tributos = pd.DataFrame(
        {name: [row[i] for row in TRIBUTOS.values()] for i, name in enumerate(names)},
        index=pd.Index(list(TRIBUTOS), name="fila"),
        dtype=object,
    )
    letras = {name: "ABCDEFG"[i] for i, name in enumerate(names)}
    hoja = HojaTributos("Tributos", tributos, letras, (), {n: n for n in names})
    planilla = Planilla(
        path=tmp_path / "julio.xlsx",
        hoja="Comprobantes",
        datos=datos,
        letras={c: "ABCD"[i] for i, c in enumerate(datos.columns)},
        extras=(),
        sha256="cd" * 32,
        fecha_simulada=None,
        encabezados_originales={c: c for c in datos.columns},
        tributos=hoja,
    )
    # As validation reports them: a Tributos row's problems name that sheet; a wrong perception of a
    # known comprobante also gives the comprobante a notice of its own (`tributo.con_errores`).
    problems = [
        Problem(
            "cuit.digito_verificador",
            "el dígito verificador es incorrecto",
            8,
            "referencia",
            "A",
            "BAD-1",
            hoja="Comprobantes",
            referencia="BAD-1",
        ),  # fmt: skip
        Problem("tributo.con_errores", AVISO, hoja="Comprobantes", referencia="TRB-1"),
        Problem(
            "tributo.referencia_desconocida",
            "referencia: ZZZ-9 no está en la hoja Comprobantes",
            7,
            "referencia",
            "A",
            "ZZZ-9",
            hoja="Tributos",
        ),  # fmt: skip
        Problem(
            "tributo.regimen",
            "regimen: «Narnia» no es un régimen de percepción",
            13,
            "regimen",
            "C",
            "Narnia",
            hoja="Tributos",
            referencia="TRB-1",
        ),  # fmt: skip
    ]
    validacion = Validacion(
        planilla=planilla,
        problems=problems,
        comprobantes=[comprobante(f) for f in COMPROBANTES],
        referencia_por_fila={f: r[0] for f, r in COMPROBANTES.items()},
        invalidas={"BAD-1", "TRB-1"},
        filas_invalidas={8},
        tributos_referencia_por_fila={f: str(r[0]) for f, r in TRIBUTOS.items() if f != 7},  # known ones
        tributos_filas_invalidas={7, 13},
    )

    def emitido(ref: str, numero: int) -> Emision:
        return Emision(
            ref, EMITIDO, f"00001-{numero:08d}", numero, f"7123456789{numero:04d}", date(2025, 9, 1)
        )

    emisiones = {
        ref: emitido(ref, n)
        for n, ref in enumerate(("FA-1", "FA-2", "NC-1", "FD-1", "FCE-1", "FCE-2", "ND-1"), start=1)
    }
    emisiones["REJ-1"] = Emision("REJ-1", RECHAZADO, errores=(REJECTION,))
    info = RunInfo(
        modo="PRODUCCIÓN",
        inicio=datetime(2025, 8, 31, 10, 0, 0),
        fin=datetime(2025, 8, 31, 10, 1, 0),
        version="9.9.9",
        planilla=tmp_path / "julio.xlsx",
        planilla_sha256="cd" * 32,
    )
    return Caso(tmp_path, validacion, emisiones, info)


@pytest.fixture(params=["fast", "plain"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with the fast writer and with the fallback, forced the way a moved openpyxl
    internal would: the fast writer's module cannot be imported."""
    if request.param == "plain":
        monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    return str(request.param)


def table(path: Path, sheet: str) -> tuple[list[str], list[list[object]]]:
    rows = [[c.value for c in r] for r in load_workbook(path)[sheet].iter_rows()]
    return [str(h) for h in rows[0]], rows[1:]


def money(value: object) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


# --- The Tributos sheet ---------------------------------------------------------------------------------


def test_tributos_sheet_copies_every_row_with_estado_and_errores(caso: Caso, writer: str) -> None:
    path = caso.results()
    wb = load_workbook(path)
    assert wb.sheetnames == ["Resultados", "Tributos", "Comprobantes", "Resumen", "Errores", "Ejecución"]
    ws = wb["Tributos"]
    header = [c.value for c in ws[1]]
    # estado and errores right after referencia; referencia and estado stay in sight.
    assert header == ["referencia", "estado", "errores", "tributo", "regimen", "base_imponible", "alicuota",
                      "importe", "descripcion"]  # fmt: skip
    assert ws.freeze_panes == "C2"
    rows = {r[0].row: r for r in ws.iter_rows(min_row=2) if r[0].value is not None}
    assert sorted(rows) == sorted(TRIBUTOS)  # each row keeps its Excel number; row 8 stays blank
    assert all(c.value is None for c in ws[8])
    for fila, typed in TRIBUTOS.items():
        assert [c.value for c in rows[fila][:1] + rows[fila][3:]] == [
            None if v is None else (v.replace("\ufffe", "\ufffd") if isinstance(v, str) else v) for v in typed
        ], fila
    estado = {fila: rows[fila][1].value for fila in rows}
    assert estado == {
        2: EMITIDO, 3: EMITIDO, 4: EMITIDO, 5: EMITIDO, 6: EMITIDO,
        7: INVALIDO,  # its referencia is no comprobante: the row itself is wrong
        9: EMITIDO,
        10: INVALIDO,  # a good row of a comprobante that is wrong elsewhere
        11: EMITIDO, 12: RECHAZADO,
        13: INVALIDO, 14: INVALIDO,  # a wrong perception stops its comprobante
    }  # fmt: skip
    errores = {fila: rows[fila][2].value for fila in rows}
    assert errores[7] == "columna A (referencia): ZZZ-9 no está en la hoja Comprobantes"
    assert errores[13] == "columna E (regimen): «Narnia» no es un régimen de percepción"  # of this sheet
    assert errores[10] is not None and "BAD-1" in errores[10] and "Comprobantes fila 8" in errores[10]
    assert errores[14] is not None and "TRB-1" in errores[14] and "(Tributos fila 13)" in errores[14]
    assert errores[12] == REJECTION  # TusFacturas' answer may be about this very perception
    assert errores[5] is not None and "I (descripcion)" in errores[5]  # the character replaced, said
    assert all(errores[f] is None for f in (2, 3, 4, 6, 9, 11))
    # Estados are coloured as in Resultados; text that looks like a formula stays text.
    assert rows[2][1].fill.fgColor.rgb.endswith("C6EFCE") and rows[7][1].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows[4][8].data_type == "s" and rows[4][8].quotePrefix
    assert rows[2][5].number_format == "#,##0.00"
    # The faulty cell itself is marked and says why.
    assert rows[13][4].fill.fgColor.rgb.endswith("FF8B8B") and "Narnia" in rows[13][4].comment.text
    no_formulas_anywhere(path)


def test_tributos_rows_do_not_mix_with_the_comprobantes_rows_of_the_same_number(
    caso: Caso, writer: str
) -> None:
    header, rows = table(caso.results(), "Resultados")
    by_row = dict(zip(COMPROBANTES, rows, strict=True))
    estado, errores = header.index("estado"), header.index("errores")
    # Tributos row 7 (the unknown referencia) is not Comprobantes row 7: that one is clean.
    assert by_row[7][estado] == EMITIDO and by_row[7][errores] is None
    # Tributos row 13 is wrong: its comprobante (Comprobantes row 11) says so once, by its notice.
    assert by_row[11][estado] == INVALIDO and by_row[11][errores] == AVISO


# --- Comprobantes -------------------------------------------------------------------------------------


def test_comprobantes_shows_the_perceptions_per_tributo_and_subtracts_the_nota_de_credito(
    caso: Caso, writer: str
) -> None:
    path = caso.results()
    header, rows = table(path, "Comprobantes")
    col = {h: i for i, h in enumerate(header)}
    names = ("Percepciones IVA", "Percepciones IIBB", "Otras percepciones", "Otros Tributos", "Imp. Total")
    assert col["Percepciones IVA"] < col["Percepciones IIBB"] < col["Otras percepciones"]
    got = {r[col["Referencia"]]: [money(r[col[n]]) for n in names] for r in rows if r[col["Referencia"]]}
    # neto + IVA 21 % + perceptions, by hand, in pesos
    assert got["FA-1"] == [D("30.00"), D("100.00"), D("0.00"), D("130.00"), D("1340.00")]
    assert got["FA-2"] == [D("0.00"), D("50.00"), D("10.00"), D("60.00"), D("665.00")]
    assert got["NC-1"] == [D("0.00"), D("-30.00"), D("0.00"), D("-30.00"), D("-393.00")]  # negative
    assert got["FD-1"] == [D("0.00"), D("300.00"), D("0.00"), D("300.00"), D("12400.00")]  # 1000 a dollar
    assert got["ND-1"] == [D("0.00"), D("10.00"), D("0.00"), D("10.00"), D("131.00")]
    fd = next(r for r in rows if r[col["Referencia"]] == "FD-1")
    assert money(fd[col["Total en moneda de origen"]]) == D("12.40")  # in dollars
    ws = load_workbook(path)["Comprobantes"]
    footer = next(r for r in ws.iter_rows() if str(r[0].value).startswith("Total emitido"))
    # EMITIDO only, in pesos: FA-1, FA-2, FD-1 (× 1000), ND-1 added; NC-1 subtracted.
    sums = [money(subtotal_value(ws, footer[col[n]].value)) for n in names]
    assert sums[:4] == [D("30.00"), D("430.00"), D("10.00"), D("470.00")]
    total = D("1340") + D("665") - D("393") + D("12400") + D("2420000") + D("1210000") + D("131")
    assert sums[4] == total


def test_comprobantes_marks_the_fce_and_its_payment_due_date(caso: Caso, writer: str) -> None:
    wb = load_workbook(caso.results())
    ws = wb["Comprobantes"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    rows = {r[col["Referencia"]].value: r for r in ws.iter_rows(min_row=2) if r[col["Referencia"]].value}
    assert rows["FCE-1"][col["FCE"]].value == "Sí" and rows["FA-1"][col["FCE"]].value is None
    vence = rows["FCE-2"][col["Vencimiento de pago"]]
    assert vence.value == datetime(2025, 9, 30) and vence.number_format == "dd/mm/yyyy"
    assert rows["FA-1"][col["Vencimiento de pago"]].value is None
    assert ws.cell(1, col["Otros Tributos"] + 1).comment is not None  # says it is the sum


# --- Resumen -----------------------------------------------------------------------------------------


def resumen(path: Path) -> list[list[object]]:
    return [[c.value for c in r] for r in load_workbook(path)["Resumen"].iter_rows()]


def section(rows: list[list[object]], title: str) -> list[list[object]]:
    start = next(i for i, r in enumerate(rows) if str(r[0]).startswith(title)) + 2
    end = next((i for i in range(start, len(rows)) if all(v is None for v in rows[i])), len(rows))
    return rows[start:end]


def test_resumen_totals_each_perception_regimen_per_month(caso: Caso, writer: str) -> None:
    rows = section(resumen(caso.results()), "Percepciones practicadas")
    got = {r[0]: (money(r[1]), money(r[2])) for r in rows}
    assert got == {
        # IIBB Buenos Aires in July: 100,00 + 50,00 − 30,00 (the nota de crédito); bases alike.
        "07/2025 — Percepciones IVA — RG 2408": (D("1000.00"), D("30.00")),
        "07/2025 — Percepciones IIBB — Buenos Aires": (D("1200.00"), D("120.00")),
        "07/2025 — Otras percepciones — Ganancias": (D("500.00"), D("10.00")),
        "Total 07/2025": (D("2700.00"), D("160.00")),
        # August: CABA on a dollar factura (0,30 × 1000) and the nota de débito's 10,00 added; the
        # rejected REJ-1 and the invalid BAD-1 and TRB-1 declare nothing.
        "08/2025 — Percepciones IIBB — CABA": (D("10000.00"), D("300.00")),
        "08/2025 — Percepciones IIBB — Buenos Aires": (D("100.00"), D("10.00")),
        "Total 08/2025": (D("10100.00"), D("310.00")),
    }
    assert list(got)[:4] == [  # months in order, IVA before IIBB before the national ones
        "07/2025 — Percepciones IVA — RG 2408",
        "07/2025 — Percepciones IIBB — Buenos Aires",
        "07/2025 — Otras percepciones — Ganancias",
        "Total 07/2025",
    ]


def test_resumen_lists_the_fce_facturas_emitted_per_month(caso: Caso, writer: str) -> None:
    rows = section(resumen(caso.results()), "Facturas de Crédito Electrónica MiPyME emitidas")
    assert len(rows) == 1
    periodo, cantidad, total, primero, ultimo = rows[0][:5]
    assert (periodo, cantidad) == ("08/2025", 2)
    assert money(total) == D("2420000.00") + D("1210000.00")  # 2.000.000 and 1.000.000 plus 21 %
    assert (primero, ultimo) == (datetime(2025, 9, 15), datetime(2025, 9, 30))


# --- Errores, Ejecución, the validation report, both writers alike ---------------------------------------


def test_errores_names_the_sheet_of_each_row(caso: Caso, writer: str) -> None:
    header, rows = table(caso.results(), "Errores")
    assert header[:4] == ["Hoja", "Fila", "Referencia", "Columna"]
    places = [tuple(r[:4]) for r in rows if r[3]]
    assert places == [  # the main sheet's rows first, then the Tributos sheet's
        ("Comprobantes", 8, "BAD-1", "A (referencia)"),
        ("Tributos", 7, "ZZZ-9", "A (referencia)"),  # referencia of the row, not of Comprobantes row 7
        ("Tributos", 13, "TRB-1", "C (regimen)"),
    ]
    rejected = next(r for r in rows if r[2] == "REJ-1")
    assert rejected[:2] == ["Comprobantes", 10]


def test_ejecucion_counts_the_perception_rows(caso: Caso, writer: str) -> None:
    _, rows = table(caso.results(), "Ejecución")
    values = {r[0]: r[1] for r in rows}
    assert values["Hoja de percepciones"] == "Tributos"
    assert values["Filas de percepciones leídas"] == len(TRIBUTOS)


def test_validation_report_copies_the_tributos_sheet_valido_or_invalido(caso: Caso, writer: str) -> None:
    path = caso.report()
    assert load_workbook(path).sheetnames == ["Resultados", "Tributos", "Errores", "Ejecución"]
    header, rows = table(path, "Tributos")
    estados = {i + 2: r[header.index("estado")] for i, r in enumerate(rows) if r[0] is not None}
    assert estados[2] == VALIDO and estados[12] == VALIDO  # nothing was sent: no rejection yet
    assert estados[7] == INVALIDO and estados[10] == INVALIDO and estados[13] == INVALIDO


def test_both_writers_write_the_same_tributos_sheets(caso: Caso, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = snapshot(caso.results("rápido.xlsx"))
    monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    plain = snapshot(caso.results("común.xlsx"))
    assert plain == fast


def test_a_planilla_without_tributos_gets_no_tributos_sheet(caso: Caso, writer: str) -> None:
    planilla = caso.validacion.planilla
    caso.validacion.planilla = Planilla(**{**planilla.__dict__, "tributos": None})
    wb = load_workbook(caso.results())
    assert "Tributos" not in wb.sheetnames
    values = {r[0].value: r[1].value for r in wb["Ejecución"].iter_rows()}
    assert "Hoja de percepciones" not in values
