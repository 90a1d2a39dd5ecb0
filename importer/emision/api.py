"""The TusFacturas client: emission, lookups, numbering, service status and PDFs.

Every answer to an emission is classified by ONE table-driven function, `classify_emission`, into
the outcome that decides what the ledger records:

- EMITTED   the comprobante exists, with its CAE;
- REJECTED  TusFacturas/AFIP refused the data: nothing was created; fix the row;
- RETRY     certainly not processed (connect failure, 429, AFIP down, maintenance): send again later;
- IN_DOUBT  it may have been created (timeout, dropped connection, 5xx, 524, unreadable answer,
            "AFIP no devolvió el CAE"): look it up before anything else is sent;
- STOP      account or configuration problem: a human must act; stop the run.

Only the connect phase is retried by the transport (urllib3 `Retry(connect=…, read=False)`): a
POST that may have reached the server is never re-sent by any retry helper.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from importer.dominio.formato import es_loopback, fecha_texto

# The classification of answers lives in clasificacion.py; callers import these names from here.
from importer.emision.clasificacion import (  # noqa: F401 - re-exported
    MESSAGE_RULES,
    NOT_FOUND,
    EmissionResult,
    LookupFailed,
    Outcome,
    as_list,
    classify_emission,
    plain_text,
)
from importer.emision.secrets import Credentials, mask_secrets

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.tusfacturas.app/app/api/v2"
CONNECT_TIMEOUT = 10.0
CONNECT_RETRIES = 3
CONNECT_BACKOFF = 0.5
# Longest time before a POST's bytes can leave: every connect attempt timing out, plus back-off.
CONNECT_BUDGET = (CONNECT_RETRIES + 1) * CONNECT_TIMEOUT + sum(
    CONNECT_BACKOFF * 2**i for i in range(CONNECT_RETRIES)
)
LOOKUP_TIMEOUT = 60.0
LISTING_PAGE = 1000  # consulta_avanzada's largest page
MAX_LISTING_PAGES = 1000  # a million comprobantes in one day: beyond that the answer is not sane
USER_AGENT = "tf-import"


# --- the client --------------------------------------------------------------------------------


def make_session() -> requests.Session:
    """A session whose transport retries only failures to connect (nothing was sent)."""
    retry = Retry(
        total=None, connect=3, read=False, status=False, other=0, redirect=False, backoff_factor=0.5
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


@dataclass(frozen=True)
class ServiceStatus:
    ok: bool
    message: str = ""
    maintenance_until: str = ""


@dataclass(frozen=True)
class RequisitoFce:
    """`facturacion/requiere_fec`: whether a customer must receive FCE, and from what amount."""

    obligado: bool
    importe_desde: Decimal | None  # pesos; None when the answer has no usable amount


class TusFacturasClient:
    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float = 180.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.timeout = timeout
        self.session = session or make_session()
        if es_loopback(self.base_url):
            self.session.trust_env = False  # no proxy lookups for a local sandbox (~0.5 ms a request)

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def _post(self, path: str, body: dict[str, Any], read_timeout: float) -> requests.Response:
        full = {**self.credentials.as_body(), **body}
        return self.session.post(self._url(path), json=full, timeout=(CONNECT_TIMEOUT, read_timeout))

    def emitir(self, payload: dict[str, Any]) -> EmissionResult:
        """POST facturacion/nuevo once. Never retried here: the caller decides from the outcome."""
        try:
            response = self._post("facturacion/nuevo", payload, self.timeout)
        except requests.RequestException as exc:
            return classify_emission(None, None, exc)
        return classify_emission(response.status_code, response.text)

    def _lookup(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A read-only call; raises LookupFailed for anything but a clear answer."""
        try:
            response = self._post(path, body, LOOKUP_TIMEOUT)
        except requests.RequestException as exc:
            raise LookupFailed(f"{path}: sin respuesta ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise LookupFailed(f"{path}: respuesta HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise LookupFailed(f"{path}: respuesta ilegible") from None
        if not isinstance(data, dict):
            raise LookupFailed(f"{path}: respuesta ilegible")
        if str(data.get("mantenimiento", "")).strip() == "1":
            raise LookupFailed(f"{path}: TusFacturas está en mantenimiento")
        return data

    def consultar_referencia(self, referencia: str) -> list[dict[str, Any]]:
        """Every comprobante stored with this external_reference (all pages)."""
        found: list[dict[str, Any]] = []
        page = 0
        while True:
            data = self._lookup(
                "facturacion/consulta_avanzada",
                {
                    "busqueda_tipo": "EXT_REF",
                    "pagina": page,
                    "limite": 100,
                    "comprobante": {"external_reference": referencia, "operacion": "V"},
                },
            )
            if str(data.get("error", "")).strip().upper() != "N":
                text = " ".join(str(e) for e in as_list(data.get("errores")))
                if re.search(NOT_FOUND, plain_text(text)):
                    return found
                raise LookupFailed(f"consulta_avanzada: {mask_secrets(text) or 'error'}")
            items = data.get("comprobantes") or []
            found.extend(i for i in items if isinstance(i, dict))
            total = int(data.get("total") or 0)
            if not items or len(found) >= total:
                return found
            page += 1

    def listar_fecha(
        self, fecha: date, *, before_page: Callable[[], None] = lambda: None
    ) -> list[dict[str, Any]]:
        """Every comprobante of the credentials' punto de venta dated `fecha` (consulta_avanzada
        `F`, all pages of up to 1,000). `before_page` runs before each request (pacing)."""
        found: list[dict[str, Any]] = []
        page = total = 0
        while True:
            before_page()
            data = self._lookup(
                "facturacion/consulta_avanzada",
                {
                    "busqueda_tipo": "F",
                    "pagina": page,
                    "limite": LISTING_PAGE,
                    "comprobante": {"fecha": f"{fecha:%d/%m/%Y}", "operacion": "V"},
                },
            )
            if str(data.get("error", "")).strip().upper() != "N":
                text = " ".join(str(e) for e in as_list(data.get("errores")))
                if re.search(NOT_FOUND, plain_text(text)) and len(found) >= total:
                    return found
                raise LookupFailed(f"consulta_avanzada: {mask_secrets(text) or 'error'}")
            items = [i for i in data.get("comprobantes") or [] if isinstance(i, dict)]
            found.extend(items)
            try:
                total = int(data.get("total") or 0)
            except (TypeError, ValueError):
                total = 0
            # Descending by arrival: a comprobante emitted meanwhile pushes the others to later
            # pages, so a page can repeat one (harmless) but none is skipped. `total` says how many
            # there are: pages that end before it are an incomplete answer, never "that is all".
            if total and len(found) >= total:
                return found
            if not items or (not total and len(items) < LISTING_PAGE):
                if total:
                    raise LookupFailed(
                        f"consulta_avanzada: el listado del {fecha:%d/%m/%Y} terminó con {len(found)} "
                        f"de {total} comprobantes"
                    )
                return found
            page += 1
            if page > MAX_LISTING_PAGES:
                raise LookupFailed(f"consulta_avanzada: el listado del {fecha:%d/%m/%Y} no termina")

    def numeracion(self, tipo: str, punto_venta: int) -> int:
        data = self._lookup(
            "facturacion/numeracion",
            {"comprobante": {"tipo": tipo, "operacion": "V", "punto_venta": str(punto_venta)}},
        )
        if str(data.get("error", "")).strip().upper() != "N":
            raise LookupFailed("numeracion: " + " ".join(str(e) for e in data.get("errores") or ()))
        comp = data.get("comprobante")
        raw = str(comp.get("numero", "")).strip() if isinstance(comp, dict) else ""
        if not raw.isdigit():  # never guess 0: that would send number 1 or scan nothing
            raise LookupFailed(f"numeracion: respuesta sin número ({mask_secrets(raw) or 'vacía'})")
        return int(raw)

    def consultar(self, tipo: str, punto_venta: int, numero: int) -> dict[str, Any] | None:
        """The comprobante with this number, or None when TusFacturas says it does not exist."""
        data = self._lookup(
            "facturacion/consulta",
            {
                "comprobante": {
                    "tipo": tipo,
                    "operacion": "V",
                    "punto_venta": str(punto_venta),
                    "numero": str(numero),
                }
            },
        )
        if str(data.get("error", "")).strip().upper() != "N":
            text = " ".join(str(e) for e in as_list(data.get("errores")))
            if re.search(NOT_FOUND, plain_text(text)):
                return None
            raise LookupFailed(f"consulta: {mask_secrets(text) or 'error'}")
        return data

    def requiere_fec(self, cuit: str, fecha: date) -> RequisitoFce:
        """Is this customer (11-digit CUIT) obliged to receive FCE on `fecha` (tusfacturas-api §9.7)."""
        body = {"cuit": int(cuit) if cuit.isdigit() else cuit, "fecha": fecha_texto(fecha)}
        data = self._lookup("facturacion/requiere_fec", body)
        if str(data.get("error", "")).strip().upper() != "N":
            text = " ".join(str(e) for e in as_list(data.get("errores")))
            raise LookupFailed(f"requiere_fec: {mask_secrets(text) or 'error'}")
        try:
            importe: Decimal | None = Decimal(str(data.get("importe_desde")).strip())
        except InvalidOperation:
            importe = None
        if importe is not None and (not importe.is_finite() or importe < 0):
            importe = None
        obligado = str(data.get("esta_obligado", "")).strip().upper() == "S"
        return RequisitoFce(obligado, importe)

    def topecf(self) -> Decimal:
        """The ceiling in pesos for an anonymous consumidor final (tusfacturas-api.md §6.5, §9.2),
        to the cent; raises LookupFailed when there is no usable positive amount."""
        data = self._lookup("facturacion/topecf", {})
        if str(data.get("error", "")).strip().upper() != "N":
            text = " ".join(str(e) for e in as_list(data.get("errores")))
            raise LookupFailed(f"topecf: {mask_secrets(text) or 'error'}")
        try:
            monto = Decimal(str(data.get("monto")).strip())
        except InvalidOperation:
            monto = Decimal("NaN")
        if not monto.is_finite() or monto <= 0:
            raise LookupFailed("topecf: respuesta sin un monto válido")
        return monto.quantize(Decimal("0.01"))  # the context's rounding: half to even

    def estado_servicios(self) -> ServiceStatus:
        data = self._lookup("estado_servicios/alertas", {})
        facturacion = str(data.get("facturacion", "")).strip()
        return ServiceStatus(
            ok=facturacion.upper() == "OK",
            message=facturacion,
            maintenance_until=str(data.get("mantenimiento_hasta", "")),
        )

    def regenerar_pdf(self, tipo: str, punto_venta: int, numero: int) -> str:
        data = self._lookup(
            "facturacion/regenerar_pdf",
            {
                "comprobante": {
                    "tipo": tipo,
                    "operacion": "V",
                    "punto_venta": str(punto_venta),
                    "numero": str(numero),
                }
            },
        )
        url = str(data.get("comprobante_pdf_url", "")).strip()
        if str(data.get("error", "")).strip().upper() != "N" or not url:
            raise LookupFailed("regenerar_pdf: " + " ".join(str(e) for e in data.get("errores") or ()))
        return url

    def descargar_pdf(self, url: str, destino: Path) -> None:
        """Download to `destino` atomically; raises LookupFailed when the file is not a PDF."""
        try:
            response = self.session.get(url, timeout=(CONNECT_TIMEOUT, LOOKUP_TIMEOUT))
        except requests.RequestException as exc:
            raise LookupFailed(f"PDF: sin respuesta ({type(exc).__name__})") from None
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise LookupFailed(f"PDF: respuesta HTTP {response.status_code} sin PDF")
        # No fsync: a PDF is derived data; a torn file fails `pdf_ok` and is fetched again.
        write_atomic(destino, response.content, durable=False)


def tope_cf_de_la_api(client: TusFacturasClient) -> Decimal | None:
    """AFIP's current ceiling for anonymous consumidores finales as TusFacturas reports it, or None
    on any failure (no connection, an error answer, no usable amount): the caller keeps its own."""
    try:
        return client.topecf()
    except LookupFailed as exc:
        logger.info("No se pudo leer el tope para consumidor final de TusFacturas (%s).", exc)
        return None


def write_atomic(path: Path, content: bytes, *, durable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
