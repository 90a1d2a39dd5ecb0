"""The page in a real browser (Playwright on the system's Chromium) through the month's flow, against
the sandbox: errors table, fixed upload, rehearsal, emission with stop / reload / resume, downloads.

The tests also photograph the main states; with TF_IMPORT_CAPTURAS=1 the pictures are written to
docs/web/ (the README shows them). Without Chromium or Playwright these tests skip, saying so.
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from importer.web.configuracion import ConfigWeb
from tests.web.conftest import (
    CUIT_MAL,
    EJEMPLO,
    TOKEN,
    ServidorEnHilo,
    filas_resultados,
    mes_de_hoy,
    para_emitir,
    triple,
)

CAPTURAS = Path(__file__).resolve().parents[2] / "docs" / "web"
ESPERA = 90_000  # ms: a whole rehearsal on a loaded CI machine


def _chromium() -> str | None:
    for candidato in (
        os.environ.get("TF_IMPORT_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
        "/usr/bin/chromium",
    ):
        if candidato and Path(candidato).exists():
            return candidato
    return None


@pytest.fixture(scope="module")
def navegador() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "Playwright no está instalado (pip install -e '.[test]'): se omiten las pruebas en el navegador."
        )
    ejecutable = _chromium()
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=ejecutable, args=["--no-sandbox", "--lang=es-AR"])
        except Exception as exc:  # no browser on this machine (a Windows laptop without apt-get)
            pytest.skip(
                f"No hay un Chromium utilizable ({type(exc).__name__}): instale el paquete «chromium» "
                "(Debian/Ubuntu) o indique su ruta en TF_IMPORT_CHROMIUM; se omiten las pruebas en el navegador."
            )
        yield browser
        browser.close()


@pytest.fixture
def pagina(navegador: Any) -> Iterator[Any]:
    contexto = navegador.new_context(
        viewport={"width": 1280, "height": 860}, accept_downloads=True, locale="es-AR"
    )
    page = contexto.new_page()
    page.set_default_timeout(ESPERA)
    yield page
    contexto.close()


def foto(page: Any, nombre: str, tmp_path: Path) -> None:
    """A screenshot of the page as it is; kept in docs/web/ when TF_IMPORT_CAPTURAS=1."""
    destino = tmp_path / f"{nombre}.png"
    page.screenshot(path=str(destino), full_page=True)
    assert destino.stat().st_size > 5000
    if os.environ.get("TF_IMPORT_CAPTURAS") == "1":
        CAPTURAS.mkdir(parents=True, exist_ok=True)
        shutil.copy(destino, CAPTURAS / destino.name)


def enviar(page: Any, accion: str) -> None:
    """Press an action button (a form POST) and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f"[data-accion={accion}]")


def progreso(page: Any) -> dict[str, str]:
    el = page.locator("[data-progreso]")
    claves = ("emitidos", "rechazados", "invalidos", "pendientes", "en-duda", "terminado")
    return {k: el.get_attribute(f"data-{k}") or "" for k in claves}


def esperar_emitidos(page: Any, minimo: int) -> None:
    """Poll from here: the page's CSP forbids the eval that wait_for_function would need."""
    fin = time.monotonic() + ESPERA / 1000
    while int(progreso(page)["emitidos"] or 0) < minimo:
        assert time.monotonic() < fin, f"no se llegó a {minimo} emitidos"
        page.wait_for_timeout(50)


def esperar_terminado(page: Any) -> dict[str, str]:
    page.wait_for_selector("[data-progreso][data-terminado=si]")
    return progreso(page)


def descargar(page: Any, cual: str, tmp_path: Path) -> Path:
    enlace = page.locator(f"[data-descarga={cual}]")
    if not enlace.count():  # say what the page shows instead
        raise AssertionError(
            f"no hay enlace data-descarga={cual}; la página muestra:\n{page.inner_text('main')}"
        )
    with page.expect_download() as descarga:
        page.click(f"[data-descarga={cual}]")
    destino = tmp_path / descarga.value.suggested_filename
    descarga.value.save_as(destino)
    return destino


def test_review_fix_and_rehearse_in_a_real_browser(
    pagina: Any, config: ConfigWeb, con_errores: Path, tmp_path: Path
) -> None:
    page = pagina
    with ServidorEnHilo(config) as servidor:
        page.goto(f"{servidor.url}/?token={TOKEN}")
        assert page.url == f"{servidor.url}/"  # the token left the address bar (it is a cookie now)
        assert page.locator("input[type=file]").count() == 1
        assert page.locator("[data-accion=ensayar]").is_disabled()
        foto(page, "vacia", tmp_path)

        # a sheet with errors: one table row per error, with the place and what to do
        page.set_input_files("input[type=file]", str(con_errores))
        enviar(page, "validar")
        filas = page.locator("table[data-tabla=errores] tbody tr")
        textos = [filas.nth(i).inner_text() for i in range(filas.count())]
        cuit = [t for t in textos if "cliente_documento_nro" in t]
        assert len(cuit) == 1, page.inner_text("main")
        assert "\t2\t" in f"\t{cuit[0]}" and "verificador" in cuit[0].lower()
        assert any("precio_unitario" in t and "AA" in t for t in textos)
        assert page.inner_text("[data-invalidos]") == "1"
        foto(page, "errores", tmp_path)
        page.fill("[data-filtro]", "precio_unitario")
        visibles = page.locator("table[data-tabla=errores] tbody tr:visible")
        assert 1 <= visibles.count() < filas.count()
        assert all("precio_unitario" in visibles.nth(i).inner_text() for i in range(visibles.count()))
        reporte = descargar(page, "reporte", tmp_path)
        errores = load_workbook(reporte, read_only=True)["Errores"]
        assert any(CUIT_MAL in str(c) for row in errores.iter_rows(values_only=True) for c in row if c)

        # the fixed sheet: no errors, then a rehearsal in the simulator
        page.set_input_files("input[type=file]", str(EJEMPLO))
        enviar(page, "validar")
        assert page.locator("table[data-tabla=errores]").count() == 0
        assert page.locator("[data-sin-errores]").is_visible()
        enviar(page, "ensayar")
        cuentas = esperar_terminado(page)
        assert cuentas == {
            "emitidos": "42",
            "rechazados": "0",
            "invalidos": "0",
            "pendientes": "0",
            "en-duda": "0",
            "terminado": "si",
        }
        libro = descargar(page, "resultados", tmp_path)
        assert libro.name == "ejemplo-ensayo-resultados.xlsx"
        filas_libro = filas_resultados(libro)
        assert len(filas_libro) == 102 and {f["estado"] for f in filas_libro} == {"EMITIDO"}
        pdfs = zipfile.ZipFile(descargar(page, "pdfs", tmp_path)).namelist()
        assert len(pdfs) == 42 and all(n.endswith(".pdf") for n in pdfs)


def test_emit_stop_reload_and_resume_in_a_real_browser(
    pagina: Any, config: ConfigWeb, sandbox_lento: Any, tmp_path: Path
) -> None:
    page = pagina
    dialogos: list[str] = []

    def aceptar(dialogo: Any) -> None:
        dialogos.append(dialogo.message)
        dialogo.accept()

    page.on("dialog", aceptar)
    planilla = mes_de_hoy(tmp_path / "diciembre.xlsx", 12)
    with ServidorEnHilo(para_emitir(config, sandbox_lento.base_url)) as servidor:
        page.goto(f"{servidor.url}/?token={TOKEN}")
        page.set_input_files("input[type=file]", str(planilla))
        enviar(page, "validar")
        assert page.locator("[data-sin-errores]").count() == 1, page.inner_text("main")
        enviar(page, "emitir")
        assert len(dialogos) == 1
        assert "hasta 12 comprobantes" in dialogos[0] and "«diciembre.xlsx»" in dialogos[0]
        assert "credenciales TUSFACTURAS_* configuradas" in dialogos[0]

        # live progress pushed by the server
        esperar_emitidos(page, 2)
        assert progreso(page)["terminado"] == "no"
        foto(page, "emitiendo", tmp_path)
        # a reload loses nothing: the job runs in the server and the page reconnects to it
        page.reload()
        antes = int(progreso(page)["emitidos"])
        assert progreso(page)["terminado"] == "no"
        esperar_emitidos(page, antes + 1)

        enviar(page, "detener")
        detenido = esperar_terminado(page)
        emitidos = int(detenido["emitidos"])
        assert 3 <= emitidos < 12 and emitidos + int(detenido["pendientes"]) == 12
        assert "Reintentar" in page.inner_text("[data-cierre]")

        enviar(page, "reintentar")
        assert len(dialogos) == 2  # a real emission is confirmed every time
        final = esperar_terminado(page)
        assert (final["emitidos"], final["pendientes"], final["rechazados"]) == ("12", "0", "0")
        foto(page, "terminado", tmp_path)
        libro = descargar(page, "resultados", tmp_path)
        filas = filas_resultados(libro)
        assert [f["estado"] for f in filas] == ["EMITIDO"] * 12
        assert all(len(str(f["cae"])) == 14 for f in filas)
        assert len(zipfile.ZipFile(descargar(page, "pdfs", tmp_path)).namelist()) == 12
    assert len(sandbox_lento.comprobantes(triple())) == 12  # stop + resume: each sent once
