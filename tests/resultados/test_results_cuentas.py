"""Several accounts and TusFacturas' own figures in the results workbook (interface.md §7, §10).

The scenario is built by hand: two issuer CUITs, three accounts (two puntos de venta of one CUIT),
and the post-run verification's three outcomes («ok», a different total, not verified yet). Every
figure below is derived by hand from the spec: IVA = neto × alícuota, a perception is base ×
alícuota / 100, a nota de crédito takes away, and where TusFacturas records another total that is
the figure shown and summed. Both writers (the fast one and its plain-openpyxl fallback) must
write the same sheets.
"""

from __future__ import annotations

import dataclasses
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
    RECHAZADO,
    Asociado,
    Cliente,
    Comprobante,
    Emision,
    Linea,
    Tributo,
)
from importer.dominio.tributos import IIBB
from importer.planilla.reading import Planilla
from importer.planilla.validation import Validacion
from importer.resultados.results import RunInfo, write_results
from tests.conftest import CUIT_CLIENTE
from tests.resultados.libro import subtotal_value
from tests.resultados.test_results_fallback import no_formulas_anywhere, snapshot

D = Decimal
CUIT_A, CUIT_A_GUIONES = "30711111112", "30-71111111-2"
CUIT_B, CUIT_B_GUIONES = "20222222223", "20-22222222-3"
DIFERENCIA = "TusFacturas registra total 242.01 (calculado 242.00)."
REJECTION = "El cliente no existe (Cod. 10013)"

# Comprobantes rows: Excel row → (referencia, tipo, fecha, punto de venta, cantidad, precio, alícuota,
# emisor_cuit as typed). FA-3 takes two rows; FA-4 is rejected.
FILAS: dict[int, tuple[str, str, date, int, str, str, str, object]] = {
    2: ("FA-1", "FACTURA A", date(2025, 7, 10), 1, "1", "1000", "21", "30-71111111-2"),
    3: ("FA-2", "FACTURA A", date(2025, 7, 15), 2, "1", "500", "10.5", None),
    4: ("FB-1", "FACTURA A", date(2025, 7, 12), 1, "2", "300", "21", 20222222223),
    5: ("NC-1", "NOTA DE CREDITO A", date(2025, 8, 3), 1, "1", "100", "21", 20222222223),
    6: ("FA-3", "FACTURA A", date(2025, 8, 5), 1, "1", "100", "21", None),
    7: ("FA-3", "FACTURA A", date(2025, 8, 5), 1, "1", "100", "21", None),
    8: ("FA-4", "FACTURA A", date(2025, 8, 6), 1, "1", "100", "21", None),
}
# Referencia → (account name, issuer CUIT, número, verificación, TusFacturas' total when it differs).
EMISIONES: dict[str, tuple[str, str, int | None, str, Decimal | None]] = {
    "FA-1": ("Local Centro", CUIT_A, 1, "ok", None),
    "FA-2": ("Local Norte", CUIT_A, 1, "", None),  # not verified yet
    "FB-1": ("Estudio Pérez", CUIT_B, 1, "ok", None),
    "NC-1": ("Estudio Pérez", CUIT_B, 1, "ok", None),
    "FA-3": ("Local Centro", CUIT_A, 2, DIFERENCIA, D("242.01")),
    "FA-4": ("Local Centro", CUIT_A, None, "", None),
}
# Perceptions: FA-2 IIBB Buenos Aires (régimen 5) 3 % of 500; FB-1 IIBB CABA (régimen 4) 2 % of 600.
TRIBUTOS = {
    "FA-2": Tributo(1, IIBB, 5, D("500"), D("3"), D("15.00")),
    "FB-1": Tributo(2, IIBB, 4, D("600"), D("2"), D("12.00")),
}


@dataclass
class Caso:
    folder: Path
    validacion: Validacion
    emisiones: dict[str, Emision]
    info: RunInfo

    def results(self, name: str = "cuentas-resultados.xlsx") -> Path:
        return write_results(self.folder / name, self.validacion, self.emisiones, self.info)


def comprobante(ref: str) -> Comprobante:
    filas = [f for f, r in FILAS.items() if r[0] == ref]
    _, tipo, fecha, pv, *_ = FILAS[filas[0]]
    lineas = tuple(Linea(f, f"Servicio {ref}", D(FILAS[f][4]), D(FILAS[f][5]), FILAS[f][6]) for f in filas)
    nota = tipo.startswith("NOTA")
    return Comprobante(
        referencia=ref,
        filas=tuple(filas),
        fecha=fecha,
        tipo=tipo,
        punto_venta=pv,
        cliente=Cliente("CUIT", CUIT_CLIENTE, f"Cliente {ref}", "RI"),
        lineas=lineas,
        asociado=Asociado("FACTURA A", 1, 1, date(2025, 7, 12)) if nota else None,
        tributos=(TRIBUTOS[ref],) if ref in TRIBUTOS else (),
        emisor_cuit=EMISIONES[ref][1],
    )


def emision(ref: str) -> Emision:
    cuenta, cuit, numero, verificacion, tf_total = EMISIONES[ref]
    if numero is None:
        return Emision(ref, RECHAZADO, errores=(REJECTION,), cuenta=cuenta, emisor_cuit=cuit)
    pv = FILAS[next(f for f, r in FILAS.items() if r[0] == ref)][3]
    return Emision(
        ref,
        EMITIDO,
        f"{pv:05d}-{numero:08d}",
        numero,
        f"7123456789{numero:04d}",
        date(2025, 9, 1),
        # In the run that finds it, the difference is also one of the comprobante's notes.
        errores=(verificacion,) if tf_total is not None else (),
        cuenta=cuenta,
        emisor_cuit=cuit,
        total_tusfacturas=tf_total,
        verificacion=verificacion,
    )


@pytest.fixture
def caso(tmp_path: Path) -> Caso:
    datos = pd.DataFrame(
        {
            "referencia": [r[0] for r in FILAS.values()],
            "tipo": [r[1] for r in FILAS.values()],
            "fecha": [r[2] for r in FILAS.values()],
            "punto_venta": [r[3] for r in FILAS.values()],
            "emisor_cuit": [r[7] for r in FILAS.values()],
        },
        index=pd.Index(list(FILAS), name="fila"),
        dtype=object,
    )
    planilla = Planilla(
        path=tmp_path / "cuentas.xlsx",
        hoja="Comprobantes",
        datos=datos,
        letras={c: "ABCDE"[i] for i, c in enumerate(datos.columns)},
        extras=(),
        sha256="ef" * 32,
        fecha_simulada=None,
        encabezados_originales={c: c for c in datos.columns},
    )
    refs = list(dict.fromkeys(r[0] for r in FILAS.values()))
    validacion = Validacion(
        planilla=planilla,
        problems=[],
        comprobantes=[comprobante(r) for r in refs],
        referencia_por_fila={f: r[0] for f, r in FILAS.items()},
        invalidas=set(),
        filas_invalidas=set(),
    )
    info = RunInfo(
        modo="PRODUCCIÓN",
        inicio=datetime(2025, 8, 31, 10, 0, 0),
        fin=datetime(2025, 8, 31, 10, 1, 0),
        version="9.9.9",
        planilla=tmp_path / "cuentas.xlsx",
        planilla_sha256="ef" * 32,
    )
    return Caso(tmp_path, validacion, {r: emision(r) for r in refs}, info)


@pytest.fixture(params=["fast", "plain"])
def writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test runs with the fast writer and with the fallback (its module made unimportable)."""
    if request.param == "plain":
        monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    return str(request.param)


def money(value: object) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def resumen(path: Path) -> list[list[object]]:
    return [[c.value for c in r] for r in load_workbook(path)["Resumen"].iter_rows()]


def section(rows: list[list[object]], title: str) -> list[list[object]]:
    """The rows of the table titled `title` (under its header, up to the next blank row)."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 2
    end = next((i for i in range(start, len(rows)) if all(v is None for v in rows[i])), len(rows))
    return rows[start:end]


def partes(path: Path) -> dict[str, tuple[object, list[list[object]]]]:
    """The Resumen cut at each issuer heading: heading → (the line under it, its rows)."""
    rows = resumen(path)
    starts = [i for i, r in enumerate(rows) if str(r[0]).startswith("Emisor")]
    ends = [*starts[1:], len(rows)]
    return {str(rows[i][0]): (rows[i + 1][0], rows[i + 1 : end]) for i, end in zip(starts, ends, strict=True)}


TIPOS = "Comprobantes emitidos por tipo (importes en pesos)"
IVA = "IVA débito fiscal (emitidos, en pesos; notas de crédito restadas)"
PERCEPCIONES = "Percepciones practicadas (emitidos, en pesos; notas de crédito restadas, de débito sumadas)"


# --- Resultados -----------------------------------------------------------------------------------------


def test_resultados_names_each_rows_account_and_issuer_after_the_outputs(caso: Caso, writer: str) -> None:
    ws = load_workbook(caso.results())["Resultados"]
    header = [c.value for c in ws[1]]
    assert header[-3:] == ["observaciones_afip", "cuenta_nombre", "cuenta_cuit"]
    col = {h: i for i, h in enumerate(header)}
    rows = {r[0].row: r for r in ws.iter_rows(min_row=2)}
    got = {f: (rows[f][col["cuenta_nombre"]].value, rows[f][col["cuenta_cuit"]].value) for f in FILAS}
    assert got == {
        2: ("Local Centro", CUIT_A_GUIONES),
        3: ("Local Norte", CUIT_A_GUIONES),
        4: ("Estudio Pérez", CUIT_B_GUIONES),
        5: ("Estudio Pérez", CUIT_B_GUIONES),
        6: ("Local Centro", CUIT_A_GUIONES),
        7: ("Local Centro", CUIT_A_GUIONES),
        8: ("Local Centro", CUIT_A_GUIONES),  # rejected: the account it went to all the same
    }
    assert rows[2][col["cuenta_cuit"]].data_type == "s"
    # The input column stays as typed: text, a number or blank.
    typed = {f: rows[f][col["emisor_cuit"]].value for f in FILAS}
    assert typed[2] == "30-71111111-2" and typed[4] == 20222222223 and typed[3] is None


def test_resultados_shows_tusfacturas_difference_once_on_the_first_row(caso: Caso, writer: str) -> None:
    ws = load_workbook(caso.results())["Resultados"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    rows = {r[0].row: r for r in ws.iter_rows(min_row=2)}
    observaciones = {f: rows[f][col["observaciones_afip"]].value for f in FILAS}
    errores = {f: rows[f][col["errores"]].value for f in FILAS}
    assert observaciones == {2: None, 3: None, 4: None, 5: None, 6: DIFERENCIA, 7: None, 8: None}
    assert errores[6] is None and errores[7] is None  # not a second time among the errores
    assert errores[8] == REJECTION
    # FA-3: 2 × 100 + 21 % = 242,00 calculated; TusFacturas' 242,01 is the total shown, with both said,
    # once, on its first row (row 7 is its second).
    total = rows[6][col["total"]]
    assert money(total.value) == D("242.01")
    assert total.comment is not None
    assert total.comment.text == "Calculado por tf-import: $ 242,00; TusFacturas registra $ 242,01."
    assert rows[7][col["total"]].value is None
    assert money(rows[2][col["total"]].value) == D("1210.00") and rows[2][col["total"]].comment is None


# --- Comprobantes ---------------------------------------------------------------------------------------


def test_comprobantes_shows_the_issuer_and_what_tusfacturas_recorded(caso: Caso, writer: str) -> None:
    path = caso.results()
    ws = load_workbook(path)["Comprobantes"]
    header = [c.value for c in ws[1]]
    assert header[2] == "Punto de Venta"  # ARCA's columns first; the issuer's last
    assert header[-4:] == ["Estado", "Verificación", "CUIT emisor", "Cuenta"]
    col = {h: i for i, h in enumerate(header)}
    rows = {r[col["Referencia"]].value: r for r in ws.iter_rows(min_row=2) if r[col["Referencia"]].value}
    issuer = {ref: (r[col["CUIT emisor"]].value, r[col["Cuenta"]].value) for ref, r in rows.items()}
    assert issuer["FA-2"] == (CUIT_A_GUIONES, "Local Norte")
    assert issuer["NC-1"] == (CUIT_B_GUIONES, "Estudio Pérez")
    verificacion = {ref: r[col["Verificación"]].value for ref, r in rows.items()}
    assert verificacion == {
        "FA-1": "ok",
        "FA-2": "pendiente",
        "FB-1": "ok",
        "NC-1": "ok",
        "FA-3": DIFERENCIA,
        "FA-4": None,  # rejected: nothing to verify
    }
    fa3 = rows["FA-3"]
    assert money(fa3[col["Total en moneda de origen"]].value) == D("242.01")
    assert money(fa3[col["Imp. Total"]].value) == D("242.01")
    note = "Calculado por tf-import: $ 242,00; TusFacturas registra $ 242,01."
    assert fa3[col["Imp. Total"]].comment.text == note
    assert fa3[col["Total en moneda de origen"]].comment.text == note
    # The amounts per alícuota stay the ones calculated: TusFacturas' listing gives only the total.
    assert money(fa3[col["Neto gravado 21 %"]].value) == D("200.00")
    assert money(fa3[col["IVA 21 %"]].value) == D("42.00")
    assert rows["FA-1"][col["Imp. Total"]].comment is None
    # The footer sums the figures shown: 1210 + 567,50 + 738 − 121 (the nota de crédito) + 242,01.
    footer_row = next(r for r in ws.iter_rows() if str(r[0].value).startswith("Total emitido"))
    footer = {h: subtotal_value(ws, footer_row[col[h]].value) for h in ("Imp. Total", "IVA 21 %")}
    assert footer["Imp. Total"] == D("2636.51")
    assert footer["IVA 21 %"] == D("357.00")  # 210 + 126 − 21 + 42
    assert subtotal_value(ws, footer_row[col["IVA 10,5 %"]].value) == D("52.50")
    assert subtotal_value(ws, footer_row[col["Percepciones IIBB"]].value) == D("27.00")
    no_formulas_anywhere(path)


# --- Resumen --------------------------------------------------------------------------------------------


def test_resumen_gives_each_cuit_its_own_iva_perceptions_tipos_and_numbering(caso: Caso, writer: str) -> None:
    path = caso.results()
    rows = resumen(path)
    estados = section(rows, "Estados")  # one table of estados for the whole run, before the issuers
    # Rows: FA-3 takes two. Comprobantes: FA-1, FA-2, FB-1, NC-1, FA-3 emitted; FA-4 rejected.
    assert {r[0]: r[1:3] for r in estados} == {EMITIDO: [6, 5], RECHAZADO: [1, 1], "Total": [7, 6]}
    got = partes(path)
    assert list(got) == [f"Emisor: CUIT {CUIT_B_GUIONES}", f"Emisor: CUIT {CUIT_A_GUIONES}"]

    cuentas, b = got[f"Emisor: CUIT {CUIT_B_GUIONES}"]
    assert cuentas == "Cuenta: Estudio Pérez"
    tipos = {r[0]: (r[1], money(r[2])) for r in section(b, TIPOS)}
    assert tipos == {"FACTURA A": (1, D("738.00")), "NOTA DE CREDITO A": (1, D("121.00"))}
    iva = {r[0]: (money(r[1]), money(r[2])) for r in section(b, IVA)}
    assert iva["07/2025 — 21 %"] == (D("600.00"), D("126.00"))
    assert iva["Total 07/2025"] == (D("600.00"), D("126.00"))
    assert iva["08/2025 — 21 %"] == (D("-100.00"), D("-21.00"))  # the nota de crédito subtracts
    assert iva["Total 08/2025"] == (D("-100.00"), D("-21.00"))
    percepciones = {r[0]: (money(r[1]), money(r[2])) for r in section(b, PERCEPCIONES)}
    assert percepciones == {
        "07/2025 — Percepciones IIBB — CABA": (D("600.00"), D("12.00")),
        "Total 07/2025": (D("600.00"), D("12.00")),
    }
    numeracion = [(r[0], r[1], r[2], r[3], r[4]) for r in section(b, "Numeración emitida")]
    assert numeracion == [("FACTURA A", 1, 1, 1, 1), ("NOTA DE CREDITO A", 1, 1, 1, 1)]

    cuentas, a = got[f"Emisor: CUIT {CUIT_A_GUIONES}"]
    assert cuentas == "Cuentas: Local Centro, Local Norte"
    tipos = {r[0]: (r[1], money(r[2])) for r in section(a, TIPOS)}
    assert tipos == {"FACTURA A": (3, D("2019.51"))}  # 1210 + 567,50 + 242,01 (TusFacturas')
    iva = {r[0]: (money(r[1]), money(r[2])) for r in section(a, IVA)}
    assert iva["07/2025 — 21 %"] == (D("1000.00"), D("210.00"))
    assert iva["07/2025 — 10,5 %"] == (D("500.00"), D("52.50"))
    assert iva["07/2025 — 27 %"] == (D("0.00"), D("0.00"))
    assert iva["Total 07/2025"] == (D("1500.00"), D("262.50"))
    assert iva["Total 08/2025"] == (D("200.00"), D("42.00"))
    percepciones = {r[0]: (money(r[1]), money(r[2])) for r in section(a, PERCEPCIONES)}
    assert percepciones == {
        "07/2025 — Percepciones IIBB — Buenos Aires": (D("500.00"), D("15.00")),
        "Total 07/2025": (D("500.00"), D("15.00")),
    }
    # Both CUITs have a FACTURA A number 1 at punto de venta 1: each CUIT keeps its own numbering.
    numeracion = [(r[0], r[1], r[2], r[3], r[4]) for r in section(a, "Numeración emitida")]
    assert numeracion == [("FACTURA A", 1, 1, 2, 2), ("FACTURA A", 2, 1, 1, 1)]


# --- Ejecución ------------------------------------------------------------------------------------------


def test_ejecucion_counts_the_differences_with_tusfacturas(caso: Caso, writer: str) -> None:
    ws = load_workbook(caso.results())["Ejecución"]
    values = {r[0].value: r[1].value for r in ws.iter_rows()}
    assert values["Diferencias con TusFacturas"] == 1  # FA-3
    assert values["Emitidos sin verificar en TusFacturas"] == 1  # FA-2


# --- One account: the layout of before --------------------------------------------------------------------


def test_one_cuit_keeps_the_resumen_as_one_with_the_sums_of_its_accounts(caso: Caso, writer: str) -> None:
    caso.emisiones = {ref: dataclasses.replace(e, emisor_cuit=CUIT_A) for ref, e in caso.emisiones.items()}
    rows = resumen(caso.results())
    assert not any(str(r[0]).startswith("Emisor") for r in rows)
    tipos = {r[0]: (r[1], money(r[2])) for r in section(rows, TIPOS)}
    # FA-1 1210 + FA-2 567,50 + FB-1 738 + FA-3 242,01; the nota de crédito on its own line.
    assert tipos == {"FACTURA A": (4, D("2757.51")), "NOTA DE CREDITO A": (1, D("121.00"))}
    iva = {r[0]: (money(r[1]), money(r[2])) for r in section(rows, IVA)}
    assert iva["Total 07/2025"] == (D("2100.00"), D("388.50"))  # 1000 + 500 + 600; 210 + 52,50 + 126
    assert iva["Total 08/2025"] == (D("100.00"), D("21.00"))  # FA-3 200 − NC-1 100; 42 − 21


def test_without_accounts_nor_issuer_no_new_columns_appear(caso: Caso, writer: str) -> None:
    caso.emisiones = {
        ref: dataclasses.replace(e, cuenta="", emisor_cuit="", verificacion="", total_tusfacturas=None)
        for ref, e in caso.emisiones.items()
    }
    wb = load_workbook(caso.results())
    resultados = [c.value for c in wb["Resultados"][1]]
    assert "cuenta_nombre" not in resultados and "cuenta_cuit" not in resultados
    assert resultados[-1] == "observaciones_afip"
    comprobantes = [c.value for c in wb["Comprobantes"][1]]
    assert comprobantes[-1] == "Verificación" and "Cuenta" not in comprobantes
    assert not any(str(r[0]).startswith("Emisor") for r in resumen(caso.results("otra.xlsx")))


def test_both_writers_write_the_same_accounts_workbook(caso: Caso, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = snapshot(caso.results("rápido.xlsx"))
    monkeypatch.setitem(sys.modules, "importer.resultados.xlsx", None)
    plain = snapshot(caso.results("común.xlsx"))
    assert plain == fast
