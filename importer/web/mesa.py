"""The page's server-side state: the planilla on the table, its review, and the one job.

Everything the page shows lives here, not in the browser. Files live only under the working
folder, with names chosen here (`subidas/planilla-001.xlsx`); the client's name is only shown.
One job at a time per server (so at most one per ledger); another process on the same ledger is
refused by the ledger's own lock, with the service's Spanish message.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from importer.dominio.errores import TfImportError
from importer.dominio.hints import hint_for_problem
from importer.emision.opciones import Dependencias, OpcionesEmision, OpcionesValidacion
from importer.emision.secrets import load_credentials
from importer.web.configuracion import ConfigWeb
from importer.web.trabajo import ENSAYO, Subida, Trabajo

logger = logging.getLogger("importer")
MAX_ERRORES_TABLA = 2000  # rows in the page's table; every error is in the report
REANUDAR = "use el botón Reintentar de la página de tf-import web (lo ya emitido no se vuelve a enviar)"


class Rechazo(Exception):
    """What the page cannot do now, in Spanish (shown as a notice, nothing changes)."""


@dataclass(frozen=True)
class FilaError:
    hoja: str
    fila: int | None
    columna: str
    referencia: str
    mensaje: str
    que_hacer: str


@dataclass(frozen=True)
class Revision:
    """A planilla reviewed: the figures of the summary, the errors, the report to download."""

    subida: Subida
    filas: int = 0
    comprobantes: int = 0
    validos: int = 0
    invalidos: int = 0
    sin_comprobante: int = 0
    errores: list[FilaError] = field(default_factory=list)  # at most MAX_ERRORES_TABLA
    total_errores: int = 0
    mensajes: list[str] = field(default_factory=list)
    reporte: Path | None = None
    error: str = ""  # the file could not be read at all


class Mesa:
    def __init__(self, config: ConfigWeb) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._contador = 0
        self.revision: Revision | None = None
        self.trabajo: Trabajo | None = None
        self.aviso = ""  # a notice for the next page (shown once)
        self.interrumpida = False  # the server stopped while a job ran (it is resumable)
        self.subidas = config.carpeta / "subidas"

    # --- the planilla -----------------------------------------------------------------------------

    def guardar(self, origen: IO[bytes], nombre: str) -> Subida:
        """Copy an upload into the working folder under a name of ours; the size was limited on arrival."""
        if not nombre.lower().endswith(".xlsx"):
            raise Rechazo(
                f"«{nombre}» no es un libro de Excel .xlsx: guarde la planilla como .xlsx y súbala."
            )
        with self._lock:
            self._ocupada()
            self.subidas.mkdir(parents=True, exist_ok=True)
            while True:
                self._contador += 1
                ruta = self.subidas / f"planilla-{self._contador:03d}.xlsx"
                if any(self.subidas.glob(f"{ruta.stem}*")):  # an earlier server's files: keep them
                    continue
                try:
                    destino = ruta.open("xb")  # never over an earlier upload (or a results file)
                except FileExistsError:
                    continue
                break
        with destino:
            copiados = 0
            while bloque := origen.read(1 << 20):
                copiados += len(bloque)
                if copiados > self.config.limite_subida:
                    break
                destino.write(bloque)
        if copiados > self.config.limite_subida:
            ruta.unlink(missing_ok=True)
            raise Rechazo(self.config.demasiado_grande())
        return Subida(self._contador, ruta, nombre)

    def revisar(self, subida: Subida) -> Revision:
        """Validate with the service (same checks and report as `tf-import validate`)."""
        from importer.emision.servicio import validar

        mensajes: list[str] = []
        deps = Dependencias(on_message=mensajes.append, on_error=mensajes.append, ajustes=self.config.ajustes)
        reporte = subida.ruta.with_name(f"{subida.ruta.stem}-reporte.xlsx")
        opciones = OpcionesValidacion(datos=self.config.datos, reporte=reporte, cuentas=self.config.cuentas)
        try:
            resultado = validar(subida.ruta, opciones, deps)
        except TfImportError as exc:
            revision = Revision(subida, mensajes=mensajes, error=subida.para_la_pagina(str(exc)))
        except Exception as exc:  # last resort, as the CLI: a Spanish line, never a traceback
            logger.debug("web validation failed", exc_info=True)
            texto = f"Error inesperado al leer la planilla: {exc}"
            revision = Revision(subida, mensajes=mensajes, error=subida.para_la_pagina(texto))
        else:
            v, planilla = resultado.revisada.validacion, resultado.revisada.planilla
            errores = [
                FilaError(
                    hoja=p.hoja or planilla.hoja,
                    fila=p.fila,
                    columna=f"{p.letra} ({p.columna})" if p.letra and p.columna else (p.columna or ""),
                    referencia=p.referencia or "",
                    mensaje=p.mensaje,
                    que_hacer=hint_for_problem(p.codigo, p.columna),
                )
                for p in v.problems[:MAX_ERRORES_TABLA]
            ]
            revision = Revision(
                subida,
                filas=len(planilla.datos),
                comprobantes=len(v.referencias),
                validos=len(v.validas),
                invalidos=len(v.referencias) - len(v.validas),
                sin_comprobante=len(v.filas_sin_comprobante),
                errores=errores,
                total_errores=len(v.problems),
                mensajes=mensajes,
                reporte=resultado.reporte,
            )
        with self._lock:
            self._ocupada()
            self.revision = revision
        return revision

    # --- jobs -------------------------------------------------------------------------------------

    def iniciar(self, modo: str) -> Trabajo:
        """Start a rehearsal (ENSAYO) or a real emission (EMISION) of the planilla on the table."""
        from importer.emision.servicio import emitir

        with self._lock:
            self._ocupada()
            revision = self.revision
            if revision is None or revision.error:
                raise Rechazo("Primero elija la planilla y valídela.")
            if not revision.validos:
                raise Rechazo(
                    "La planilla no tiene comprobantes válidos para enviar: corríjala y súbala de nuevo."
                )
            opciones = self._opciones(revision.subida, ensayo=modo == ENSAYO)
            deps = Dependencias(simulador=self.config.simulador(), ajustes=self.config.ajustes)
            ruta = revision.subida.ruta
            trabajo = Trabajo(
                modo,
                revision.subida,
                lambda d: emitir(ruta, opciones, d),
                deps,
                validos=revision.validos,
                invalidos=revision.invalidos,
            )
            self.trabajo = trabajo
            trabajo.iniciar()
        return trabajo

    def reintentar(self) -> Trabajo:
        """The last job's kind again, on the planilla now on the table (maybe corrected)."""
        anterior = self.trabajo
        if anterior is None:
            raise Rechazo("Todavía no hubo ningún envío que reintentar: use Ensayar o Emitir.")
        return self.iniciar(anterior.modo)

    def detener(self) -> None:
        trabajo = self.trabajo
        if trabajo is None or trabajo.terminado:
            raise Rechazo("No hay ningún envío en curso.")
        trabajo.detener()

    def cerrar(self) -> None:
        """Server shutdown: stop the job and wait until the request in flight is settled."""
        trabajo = self.trabajo
        if trabajo is not None and not trabajo.terminado:
            self.interrumpida = True
            trabajo.detener()
            trabajo.esperar()

    def _ocupada(self) -> None:
        if self.trabajo is not None and not self.trabajo.terminado:
            raise Rechazo("Hay un envío en curso: espere a que termine o use Detener.")

    def _opciones(self, subida: Subida, *, ensayo: bool) -> OpcionesEmision:
        c = self.config
        return OpcionesEmision(
            datos=c.datos,
            sandbox=ensayo,
            base_url=None if ensayo else c.base_url,
            estado=None if ensayo else c.estado,
            pdf_dir=None if ensayo else c.pdf_dir,
            rate=0 if ensayo else c.rate,  # the local simulator needs no pacing
            timeout=c.timeout,
            comando_reanudar=REANUDAR,
            cuentas=c.cuentas,
        )

    # --- what the confirmation says ---------------------------------------------------------------

    def cuentas_texto(self) -> str:
        """Which accounts a real emission uses, in words (never a secret)."""
        c = self.config
        ajustes = c.ajustes()
        try:
            from importer.emision.cuentas import cargar_cuentas, ruta_cuentas
        except ImportError:  # a service without accounts files: the environment's triple only
            archivo = None
        else:
            archivo = ruta_cuentas(c.cuentas, ajustes)
        if archivo is not None:
            try:
                cuentas = cargar_cuentas(archivo, ajustes)
            except TfImportError as exc:
                return f"ninguna: {exc}"
            return "las cuentas " + ", ".join(cuenta.describir() for cuenta in cuentas)
        if load_credentials(ajustes) is None:
            return "ninguna: faltan las credenciales de TusFacturas (TUSFACTURAS_USERTOKEN, APIKEY, APITOKEN)"
        cuit = ajustes.get("TUSFACTURAS_CUIT", "").strip()
        destino = c.base_url or ajustes.get("TUSFACTURAS_BASE_URL") or "TusFacturas.app"
        quien = f"CUIT {cuit}" if cuit else "las credenciales TUSFACTURAS_* configuradas"
        return f"la cuenta de {quien}, en {destino}"
