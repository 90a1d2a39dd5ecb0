"""The page's routes: one page, a few POST actions, an event stream of progress, the downloads.

Actions are plain HTML forms (POST, then a redirect back to the page), so the page works with a
few lines of JavaScript: the confirmation, dropping a file, filtering the errors table and the
server-sent events that move the progress. The page adds no logic about invoices: `Mesa` hands
everything to the emission service.
"""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from importer import __version__
from importer.web.configuracion import ConfigWeb
from importer.web.mesa import Mesa, Rechazo
from importer.web.seguridad import CuerpoDemasiadoGrande, Guardia, csrf_valido, pagina_error
from importer.web.trabajo import EMISION, ENSAYO, Trabajo

ESTATICOS = Path(__file__).parent / "static"
INTERVALO_EVENTOS = 0.25  # seconds between looks at the job for the event stream


def _plantillas() -> Environment:
    entorno = Environment(
        loader=PackageLoader("importer.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    entorno.filters["miles"] = lambda n: f"{n:,}".replace(",", ".")
    return entorno


def nombre_mostrable(nombre: str) -> str:
    """The client's file name as shown: no control characters, not endless. Never a path."""
    return re.sub(r"[\x00-\x1f\x7f]", "", nombre).strip()[:150] or "planilla.xlsx"


def nombre_descarga(nombre: str, sufijo: str) -> str:
    """A download's suggested name from the shown one: `julio.xlsx` → `julio-resultados.xlsx`."""
    base = re.sub(r"(-ensayo)?(-resultados)?\.xlsx$", "", nombre, flags=re.IGNORECASE)  # a book fed back
    base = re.sub(r"[^\w .-]", "_", base).strip(" .") or "planilla"
    return f"{base[:80]}{sufijo}"


def crear_app(config: ConfigWeb, mesa: Mesa | None = None) -> ASGIApp:
    mesa = mesa or Mesa(config)
    plantillas = _plantillas()

    def pagina(request: Request) -> HTMLResponse:
        aviso, mesa.aviso = mesa.aviso, ""
        trabajo = mesa.trabajo
        revision = mesa.revision
        html = plantillas.get_template("pagina.html").render(
            version=__version__,
            config=config,
            aviso=aviso,
            revision=revision,
            trabajo=trabajo,
            progreso=trabajo.instantanea() if trabajo else None,
            ocupada=trabajo is not None and not trabajo.terminado,
            cuentas=mesa.cuentas_texto(),
            destino=config.base_url or "TusFacturas.app",
            limite=config.limite_subida,
            limite_mb=config.limite_subida // (1024 * 1024),
            ENSAYO=ENSAYO,
            EMISION=EMISION,
        )
        return HTMLResponse(html)

    def estado(request: Request) -> JSONResponse:
        revision = mesa.revision
        cuerpo: dict[str, Any] = {"planilla": None, "trabajo": None}
        if revision is not None:
            cuerpo["planilla"] = {
                "nombre": revision.subida.nombre,
                "comprobantes": revision.comprobantes,
                "validos": revision.validos,
                "invalidos": revision.invalidos,
                "errores": revision.total_errores,
                "error": revision.error,
            }
        if mesa.trabajo is not None:
            cuerpo["trabajo"] = mesa.trabajo.instantanea()
        return JSONResponse(cuerpo)

    async def eventos(request: Request) -> Response:
        trabajo = mesa.trabajo

        async def flujo() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            visto = -1
            while trabajo is not None:
                foto = trabajo.instantanea()
                if foto["version"] != visto:
                    visto = foto["version"]
                    yield f"data: {json.dumps(foto, ensure_ascii=False)}\n\n"
                if foto["terminado"] == "si" or mesa.trabajo is not trabajo:
                    return
                await asyncio.sleep(INTERVALO_EVENTOS)

        return StreamingResponse(flujo(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})

    async def accion(
        request: Request, hacer: Callable[[Any], Awaitable[str | None]], destino: str = "/"
    ) -> Response:
        """A POST: parse the form (size-limited), check the CSRF token, act, and back to the page."""
        try:
            async with request.form(max_files=1, max_fields=8) as form:
                if not csrf_valido(config, form, request.headers):
                    return pagina_error(403, "Pedido rechazado: vuelva a abrir la página e intente de nuevo.")
                try:
                    aviso = await hacer(form)
                except Rechazo as exc:
                    aviso = str(exc)
        except CuerpoDemasiadoGrande:
            return pagina_error(413, config.demasiado_grande())
        if aviso:
            mesa.aviso = aviso
        return RedirectResponse(destino, status_code=303)

    async def subir(request: Request) -> Response:
        async def hacer(form: Any) -> str | None:
            archivo = form.get("planilla")
            if not isinstance(archivo, UploadFile) or not archivo.filename:
                return "Elija el archivo de la planilla (.xlsx) antes de validar."
            subida = await run_in_threadpool(mesa.guardar, archivo.file, nombre_mostrable(archivo.filename))
            await run_in_threadpool(mesa.revisar, subida)
            return None

        return await accion(request, hacer, "/#revision")

    def lanzar(modo: str | None) -> Callable[[Request], Awaitable[Response]]:
        async def hacer(form: Any) -> str | None:
            if modo is None:
                mesa.reintentar()
            else:
                mesa.iniciar(modo)
            return None

        async def ruta(request: Request) -> Response:
            return await accion(request, hacer, "/#progreso")

        return ruta

    async def detener(request: Request) -> Response:
        async def hacer(form: Any) -> str | None:
            mesa.detener()
            return None

        return await accion(request, hacer, "/#progreso")

    async def descarga(request: Request) -> Response:
        cual = request.path_params["cual"]
        if cual == "plantilla":
            from importer.planilla.template import write_template

            ruta = config.carpeta / "plantilla" / "comprobantes.xlsx"
            ruta.parent.mkdir(parents=True, exist_ok=True)
            await run_in_threadpool(write_template, ruta)
            return FileResponse(ruta, filename="comprobantes.xlsx")
        revision, trabajo = mesa.revision, mesa.trabajo
        if cual == "reporte" and revision is not None and revision.reporte and revision.reporte.is_file():
            return FileResponse(
                revision.reporte, filename=nombre_descarga(revision.subida.nombre, "-reporte.xlsx")
            )
        if trabajo is not None and trabajo.terminado:
            sufijo = "-ensayo" if trabajo.modo == ENSAYO else ""
            nombre = trabajo.subida.nombre
            if cual == "resultados" and trabajo.resultados and trabajo.resultados.is_file():
                return FileResponse(
                    trabajo.resultados, filename=nombre_descarga(nombre, f"{sufijo}-resultados.xlsx")
                )
            if cual == "pdfs" and trabajo.pdfs:
                zip_path = await run_in_threadpool(_zip_pdfs, config, trabajo)
                return FileResponse(zip_path, filename=nombre_descarga(nombre, f"{sufijo}-pdf.zip"))
        return pagina_error(404, "Ese archivo no está disponible (todavía): vuelva a la página.")

    @asynccontextmanager
    async def vida(app: Starlette) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(mesa.cerrar)  # Ctrl-C: settle the request in flight, save the results

    app = Starlette(
        routes=[
            Route("/", pagina),
            Route("/estado", estado),
            Route("/eventos", eventos),
            Route("/planilla", subir, methods=["POST"]),
            Route("/ensayar", lanzar(ENSAYO), methods=["POST"]),
            Route("/emitir", lanzar(EMISION), methods=["POST"]),
            Route("/reintentar", lanzar(None), methods=["POST"]),
            Route("/detener", detener, methods=["POST"]),
            Route("/descargas/{cual}", descarga),
            Mount("/static", StaticFiles(directory=ESTATICOS), name="static"),
        ],
        lifespan=vida,
    )
    app.state.mesa = mesa
    return Guardia(app, config)


def _zip_pdfs(config: ConfigWeb, trabajo: Trabajo) -> Path:
    """The job's PDFs in one zip under the working folder (flat: the PDFs' own names)."""
    carpeta = config.carpeta / "descargas"
    carpeta.mkdir(parents=True, exist_ok=True)
    destino = carpeta / f"pdf-{trabajo.subida.numero:03d}-{trabajo.modo}.zip"
    temporal = destino.with_suffix(".tmp")
    with zipfile.ZipFile(temporal, "w", zipfile.ZIP_DEFLATED) as archivo:
        for pdf in trabajo.pdfs:
            if pdf.is_file():
                archivo.write(pdf, arcname=pdf.name)
    temporal.replace(destino)
    return destino
