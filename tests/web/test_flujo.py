"""The month's flow through the page's HTTP interface (no browser): review, rehearse, emit, stop,
resume, download. The same flow in a real browser is in test_navegador.py."""

from __future__ import annotations

import io
import re
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from openpyxl import load_workbook

from importer.planilla.columns import NAMES
from importer.web.configuracion import ConfigWeb
from tests.conftest import valid_row, write_rows
from tests.web.conftest import (
    CREDENCIALES,
    EJEMPLO,
    TOKEN,
    conectar,
    esperar_fin,
    filas_resultados,
    mes_de_hoy,
    para_emitir,
    post,
    subir,
    triple,
)


class _Tabla(HTMLParser):
    """The rows of table[data-tabla=errores] tbody, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.filas: list[list[str]] = []
        self._en_tabla = self._en_cuerpo = False
        self._celda: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("data-tabla", "errores") in attrs:
            self._en_tabla = True
        elif self._en_tabla and tag == "tbody":
            self._en_cuerpo = True
        elif self._en_cuerpo and tag == "tr":
            self.filas.append([])
        elif self._en_cuerpo and tag == "td":
            self._celda = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._celda is not None:
            self.filas[-1].append("".join(self._celda).strip())
            self._celda = None
        elif tag == "table":
            self._en_tabla = self._en_cuerpo = False

    def handle_data(self, data: str) -> None:
        if self._celda is not None:
            self._celda.append(data)


def tabla_errores(html: str) -> list[list[str]]:
    parser = _Tabla()
    parser.feed(html)
    return parser.filas


def test_the_errors_table_names_sheet_row_column_and_what_to_do(cliente, con_errores: Path) -> None:
    pagina = subir(cliente, con_errores).text
    filas = tabla_errores(pagina)
    por_lugar = {(f[1], f[2]): f for f in filas}
    cuit = por_lugar[("2", "L (cliente_documento_nro)")]
    assert cuit[0] == "Comprobantes" and cuit[3] == "NOV26-001"
    assert "verificador" in cuit[4].lower()
    assert "constancia de inscripción" in cuit[5]  # the hint says where to check the number
    precio = por_lugar[("3", "AA (precio_unitario)")]
    assert "catorce mil" in precio[4] or "número" in precio[4].lower()
    assert precio[5].startswith("Escriba un número")
    # one comprobante (NOV26-001) of the example's 42 is invalid now
    estado = cliente.get("/estado").json()["planilla"]
    assert (estado["comprobantes"], estado["validos"], estado["invalidos"]) == (42, 41, 1)
    assert estado["errores"] == len(filas)
    # the report: the same errors, in the workbook `tf-import validate --reporte` writes
    r = cliente.get("/descargas/reporte")
    assert r.status_code == 200 and "con-errores-reporte.xlsx" in r.headers["content-disposition"]
    errores = load_workbook(io.BytesIO(r.content), read_only=True)["Errores"]
    lineas = [str(c) for row in errores.iter_rows(values_only=True) for c in row if c is not None]
    assert any(CUIT_MAL_FRAGMENT in linea for linea in lineas)


CUIT_MAL_FRAGMENT = "verificador"


def test_a_fixed_sheet_rehearses_in_the_sandbox_and_hands_over_book_and_pdfs(
    cliente, con_errores: Path
) -> None:
    subir(cliente, con_errores)
    pagina = subir(cliente, EJEMPLO).text
    assert tabla_errores(pagina) == [] and "Sin errores" in pagina
    assert post(cliente, "/ensayar").status_code == 200
    trabajo = esperar_fin(cliente)
    assert (trabajo["emitidos"], trabajo["rechazados"], trabajo["pendientes"], trabajo["en_duda"]) == (
        42,
        0,
        0,
        0,
    )
    assert trabajo["modo"] == "ensayo" and trabajo["codigo"] == 0
    r = cliente.get("/descargas/resultados")
    assert "ejemplo-ensayo-resultados.xlsx" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    filas = list(wb["Resultados"].iter_rows(values_only=True))
    encabezado, datos = filas[0], [dict(zip(filas[0], f, strict=False)) for f in filas[1:]]
    assert "estado" in encabezado and len(datos) == 102  # one row per input row
    assert {d["estado"] for d in datos} == {"EMITIDO"}
    assert all(re.fullmatch(r"\d{14}", str(d["cae"])) for d in datos)
    numeros = {f"{d['comprobante_tipo']} {d['comprobante_numero']}".replace(" ", "_") for d in datos}
    assert len(numeros) == 42
    z = zipfile.ZipFile(io.BytesIO(cliente.get("/descargas/pdfs").content))
    nombres = z.namelist()
    assert len(nombres) == 42 and all(n.endswith(".pdf") for n in nombres)
    assert all(z.read(n).startswith(b"%PDF") for n in nombres)
    # every PDF the workbook links to is in the zip, and nothing else
    assert {Path(str(d["pdf"])).name for d in datos if d["pdf"]} == set(nombres)


def test_emitting_without_credentials_says_what_is_missing(cliente, tmp_path: Path) -> None:
    subir(cliente, mes_de_hoy(tmp_path / "diciembre.xlsx", 2))
    assert "ninguna: faltan las credenciales" in cliente.get("/").text  # in the confirmation already
    post(cliente, "/emitir")
    trabajo = esperar_fin(cliente)
    assert trabajo["codigo"] == 2
    assert "Faltan las credenciales de TusFacturas" in trabajo["error"]
    assert "TUSFACTURAS_USERTOKEN" in trabajo["error"]
    assert "«Ensayar en el simulador»" in trabajo["error"]  # the page's button, not --sandbox
    assert "Faltan las credenciales" in cliente.get("/").text


def test_the_example_is_for_the_simulator_only(config: ConfigWeb, sandbox_lento) -> None:
    with conectar(para_emitir(config, sandbox_lento.base_url)) as c:
        c.get(f"/?token={TOKEN}")
        subir(c, EJEMPLO)
        post(c, "/emitir")
        trabajo = esperar_fin(c)
    assert "«ejemplo.xlsx» es una planilla de ejemplo para el simulador" in trabajo["error"]
    assert "úsela con «Ensayar en el simulador»" in trabajo["error"]
    assert sandbox_lento.comprobantes(triple()) == []


def test_emit_stop_and_resume_sends_each_comprobante_once(
    config: ConfigWeb, sandbox_lento, tmp_path: Path
) -> None:
    planilla = mes_de_hoy(tmp_path / "diciembre.xlsx", 8)
    with conectar(para_emitir(config, sandbox_lento.base_url)) as c:
        c.get(f"/?token={TOKEN}")
        subir(c, planilla)
        assert "la cuenta de las credenciales TUSFACTURAS_* configuradas" in c.get("/").text
        post(c, "/emitir")
        fin = time.monotonic() + 30
        while c.get("/estado").json()["trabajo"]["emitidos"] < 2:
            assert time.monotonic() < fin
            time.sleep(0.05)
        # one job at a time: nothing else starts, no upload replaces the planilla
        assert "Hay un envío en curso" in post(c, "/ensayar").text
        assert "Hay un envío en curso" in subir(c, planilla).text
        post(c, "/detener")
        detenido = esperar_fin(c)
        assert detenido["codigo"] == 130
        assert 2 <= detenido["emitidos"] < 8 and detenido["emitidos"] + detenido["pendientes"] == 8
        assert "Reintentar" in detenido["cierre"]
        # the user carries on from the results workbook (as `run` accepts it)
        parcial = tmp_path / "diciembre-resultados.xlsx"
        parcial.write_bytes(c.get("/descargas/resultados").content)
        assert {r["estado"] for r in filas_resultados(parcial)} == {"EMITIDO", "PENDIENTE"}
        subir(c, parcial)
        assert c.get("/estado").json()["planilla"]["validos"] == 8
        post(c, "/reintentar")
        final = esperar_fin(c)
        assert (final["emitidos"], final["pendientes"], final["codigo"], final["modo"]) == (
            8,
            0,
            0,
            "emision",
        )
        r = c.get("/descargas/resultados")
        assert "diciembre-resultados.xlsx" in r.headers["content-disposition"]
        wb = load_workbook(io.BytesIO(r.content), read_only=True)["Resultados"]
        valores = list(wb.iter_rows(values_only=True))
        estados = [dict(zip(valores[0], v, strict=False))["estado"] for v in valores[1:]]
        assert estados == ["EMITIDO"] * 8
        assert len(zipfile.ZipFile(io.BytesIO(c.get("/descargas/pdfs").content)).namelist()) == 8
        vistas = c.get("/").text + c.get("/estado").text + c.get("/eventos").text
        assert not [v for v in CREDENCIALES.values() if v in vistas]  # the page never shows a credential
    emitidos = sandbox_lento.comprobantes(triple())
    assert len(emitidos) == 8  # stop + resume sent nothing twice
    assert not [v for v in CREDENCIALES.values() if v in str(detenido) + str(final)]


def test_the_template_is_downloadable(cliente) -> None:
    r = cliente.get("/descargas/plantilla")
    assert r.status_code == 200 and 'filename="comprobantes.xlsx"' in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content), read_only=True)["Comprobantes"]
    assert list(next(ws.iter_rows(max_row=1, values_only=True))) == list(NAMES)


def test_the_event_stream_ends_with_the_finished_job(cliente) -> None:
    subir(cliente, EJEMPLO)
    post(cliente, "/ensayar")
    esperar_fin(cliente)
    with cliente.stream("GET", "/eventos") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        datos = [line for line in r.iter_lines() if line.startswith("data: ")]
    assert len(datos) == 1 and '"terminado": "si"' in datos[0] and '"emitidos": 42' in datos[0]


def test_closing_the_server_mid_run_settles_the_request_in_flight(
    config: ConfigWeb, sandbox_lento, tmp_path: Path
) -> None:
    planilla = mes_de_hoy(tmp_path / "enero.xlsx", 10)
    c = conectar(para_emitir(config, sandbox_lento.base_url))
    with c:
        c.get(f"/?token={TOKEN}")
        subir(c, planilla)
        post(c, "/emitir")
        fin = time.monotonic() + 30
        while c.get("/estado").json()["trabajo"]["emitidos"] < 1:
            assert time.monotonic() < fin
            time.sleep(0.05)
        mesa = c.app.app.state.mesa  # type: ignore[attr-defined]
    # leaving the client shuts the app down (Ctrl-C does the same): the job stops cleanly
    trabajo = mesa.trabajo
    assert trabajo.terminado and trabajo.codigo == 130 and mesa.interrumpida
    libro = filas_resultados(trabajo.resultados)
    emitidos = sum(f["estado"] == "EMITIDO" for f in libro)
    assert 1 <= emitidos < 10 and {f["estado"] for f in libro} <= {"EMITIDO", "PENDIENTE"}
    assert len(sandbox_lento.comprobantes(triple())) == emitidos  # nothing left in doubt


def test_progress_is_counted_per_account(cliente, tmp_path: Path) -> None:
    """Two puntos de venta are two accounts of the built-in simulator: each has its own count."""
    filas = [valid_row(referencia=f"PV-{n}", punto_venta=1 + n % 2) for n in range(1, 6)]
    subir(cliente, write_rows(tmp_path / "dos-puntos.xlsx", filas))
    post(cliente, "/ensayar")
    trabajo = esperar_fin(cliente)
    assert trabajo["emitidos"] == 5
    por_cuenta = {nombre: (emitidos, rechazados) for nombre, emitidos, rechazados in trabajo["por_cuenta"]}
    assert sorted(por_cuenta.values()) == [(2, 0), (3, 0)]  # pv 1: PV-2, PV-4; pv 2: PV-1, PV-3, PV-5
    pagina = cliente.get("/").text
    assert all(nombre in pagina for nombre in por_cuenta)
