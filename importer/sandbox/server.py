"""The sandbox's HTTP side: a loopback server, its lifecycle, authentication and transport faults.

`Sandbox` is what callers use::

    with Sandbox(hoy=date(2025, 7, 14)) as sb:
        requests.post(f"{sb.base_url}/facturacion/nuevo", json={**sb.credentials, ...})

Each connection has its own daemon thread. Fault sleeps wait on an Event that only `stop()` sets,
so a "latency before commit" keeps the server's promise (it commits when the wait ends, even if
the client is gone) while the server runs, and `stop()` never waits for it: a sleeper woken by
`stop()` commits nothing and closes its connection, as a crashed server would.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from http import HTTPStatus
from pathlib import Path
from typing import Any

from importer.sandbox.api import CREDENTIALS, Api, Call, Reply, Settings, not_found
from importer.sandbox.emisores import Emisor, emisor, emisores_demo
from importer.sandbox.faults import ENDPOINT_ALIASES, FaultPlan, FaultRuntime
from importer.sandbox.http import MAX_BODY, Handler, Server, hang_up, read_body  # noqa: F401 - MAX_BODY
from importer.sandbox.profile import IssuerProfile
from importer.sandbox.state import Store, account_id
from importer.sandbox.values import ahora_argentina, hoy_argentina
from importer.sandbox.views import maintenance, simple_error

logger = logging.getLogger("importer.sandbox")
PREFIX = "/app/api/v2/"
PDF_PREFIX = "sandbox/pdf/"
DEMO_CREDENTIALS = {
    "usertoken": "sandbox-usertoken-demo",
    "apikey": "1000",
    "apitoken": "sandbox-apitoken-demo",
}
ENDPOINTS = (
    "facturacion/nuevo",
    "facturacion/consulta",
    "facturacion/consulta_avanzada",
    "facturacion/numeracion",
    "estado_servicios/alertas",
    "facturacion/topecf",
    "facturacion/regenerar_pdf",
    "facturacion/requiere_fec",
)
NOT_SIMULATED = (
    "facturacion/nuevo_encola",
    "facturacion/lotes",
    "facturacion/lotes_encola",
    "facturacion/reenviar",
    "facturacion/eliminar_encolado",
    "facturacion/cambiar_fecha_encolado",
    "facturacion/reenviar_encolado",
    "clientes/afip-info",
)
HTML_500 = (
    b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>"
    b"<h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>"
)
HTML_524 = (
    b"<!DOCTYPE html><html><head><title>www.tusfacturas.app | 524: A timeout occurred</title></head>"
    b"<body><h1>A timeout occurred</h1><p>Error code 524</p></body></html>"
)
HTML_429 = (
    b"<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head><body>"
    b"<h1>Too Many Requests</h1></body></html>"
)


class Sandbox:
    """A local TusFacturas API v2 on loopback (see tusfacturas-api.md §11 and interface.md §6)."""

    def __init__(
        self,
        faults: FaultPlan | None = None,
        *,
        hoy: date | None = None,
        datos: Path | None = None,
        profile: IssuerProfile | None = None,
        check_totals: bool = False,
        tope_cf: Decimal = Decimal("10000000"),
        monto_fce: Decimal | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        cuentas: Sequence[Emisor] = (),
        solo_registradas: bool = False,
    ) -> None:
        self.profile = profile or IssuerProfile()
        # Registered triples (emisores.py): the built-in demo accounts, then the given ones.
        self._emisores: dict[str, Emisor] = {}
        for cuenta in (*emisores_demo(), *cuentas):
            self._emisores[account_id(*_triple(cuenta.credentials))] = cuenta
        # Refuse (401) any triple nobody registered, as the real API refuses unknown credentials.
        self.solo_registradas = solo_registradas
        self.check_totals = check_totals
        self.tope_cf = Decimal(tope_cf)
        # From what amount the large companies (tablas.GRANDES_EMPRESAS) require FCE; None: AFIP's.
        self.monto_fce = None if monto_fce is None else Decimal(monto_fce)
        self.host = host
        self.verbose = verbose
        self.credentials = dict(DEMO_CREDENTIALS)
        self._hoy = hoy
        self._port = port
        self._store = Store(datos)
        self._runtime = FaultRuntime(faults or FaultPlan())
        self._stopping = threading.Event()
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        self._httpd: Server | None = None
        self._thread: threading.Thread | None = None
        self._api = Api(
            self._store,
            Settings(
                profile=self.profile,
                tope_cf=self.tope_cf,
                check_totals=check_totals,
                hoy=lambda: self.hoy,
                afip_down_seconds=lambda: self._runtime.remaining("afip_caido"),
                monto_fce=self.monto_fce,
                perfil_de=self._perfil_de,
            ),
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._httpd is not None:
            raise RuntimeError("el simulador ya está en marcha")
        self._stopping.clear()
        self._httpd = Server((self.host, self._port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="tf-sandbox-servidor",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> None:
        """Stop serving, wake every fault sleep and close every connection; waits at most ~`timeout`."""
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        if httpd is not None:
            deadline = time.monotonic() + timeout
            httpd.shutdown()
            connections = httpd.connections()
            for sock in connections.values():
                hang_up(sock)
            httpd.server_close()
            if self._thread is not None:
                self._thread.join(max(0.0, deadline - time.monotonic()))
            for thread in connections:
                thread.join(max(0.0, deadline - time.monotonic()))
        self._store.close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("el simulador no está en marcha")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}/app/api/v2"

    # -- simulated world ----------------------------------------------------------------------

    @property
    def hoy(self) -> date:
        """AFIP's N: the fixed simulated date, or today in Argentina."""
        return self._hoy or hoy_argentina()

    @hoy.setter
    def hoy(self, value: date | None) -> None:
        self._hoy = value

    @property
    def faults(self) -> FaultPlan:
        return self._runtime.plan

    @faults.setter
    def faults(self, plan: FaultPlan | None) -> None:
        self.set_faults(plan)

    def set_faults(self, plan: FaultPlan | None) -> None:
        """Install a plan; its counters start from zero and outage windows close."""
        self._runtime = FaultRuntime(plan or FaultPlan())

    def open_afip_outage(self, seconds: float) -> None:
        self._runtime.open_window("afip_caido", seconds)

    def open_maintenance(self, seconds: float) -> None:
        self._runtime.open_window("mantenimiento", seconds)

    def close_outages(self) -> None:
        self._runtime.close_window("afip_caido")
        self._runtime.close_window("mantenimiento")

    def set_numbering(
        self, punto_venta: int, tipo: str, ultimo: int, credentials: dict[str, Any] | None = None
    ) -> None:
        """Pretend `ultimo` comprobantes of `tipo` were already issued in `punto_venta`."""
        account = self._store.account(account_id(*_triple(credentials or self.credentials)))
        self._store.set_numbering(account, punto_venta, tipo, ultimo)

    # -- accounts -------------------------------------------------------------------------------

    def registrar(
        self, cuit: str, punto_venta: int, condicion_iva: str = "RI", nombre: str = ""
    ) -> dict[str, str]:
        """Register the account (CUIT, punto de venta) and return its demo triple (not a secret)."""
        cuenta = emisor(cuit, punto_venta, condicion_iva, nombre)
        self._emisores[account_id(*_triple(cuenta.credentials))] = cuenta
        return dict(cuenta.credentials)

    @property
    def emisores(self) -> list[Emisor]:
        """Every registered account, built-in first."""
        return list(self._emisores.values())

    def _perfil_de(self, ident: str) -> IssuerProfile | None:
        found = self._emisores.get(ident)
        return found.profile if found else None

    # -- inspection (tests, benchmarks) ---------------------------------------------------------

    def comprobantes(self, credentials: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every stored comprobante of an account, in emission order (copies)."""
        account = self._store.peek(account_id(*_triple(credentials or self.credentials)))
        if account is None:
            return []
        with self._store.lock:
            return json.loads(json.dumps(account.comprobantes))

    def clientes(self, credentials: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        account = self._store.peek(account_id(*_triple(credentials or self.credentials)))
        with self._store.lock:
            return [dict(c) for c in account.clientes.values()] if account else []

    def requests_count(self, endpoint: str | None = None) -> int:
        with self._counts_lock:
            if endpoint is None:
                return sum(self._counts.values())
            names = ENDPOINT_ALIASES.get(endpoint) or (endpoint,)
            return sum(self._counts.get(name, 0) for name in names)

    # -- request handling -----------------------------------------------------------------------

    def _sleep(self, seconds: float) -> bool:
        """Wait; False when `stop()` cut the wait short."""
        return seconds <= 0 or not self._stopping.wait(seconds)

    def _handle(self, handler: Handler, method: str) -> None:
        path = handler.path.split("?", 1)[0]
        body = read_body(handler)
        endpoint = path[len(PREFIX) :].strip("/") if path.startswith(PREFIX) else None
        with self._counts_lock:
            key = endpoint if endpoint is not None else path
            self._counts[key] = self._counts.get(key, 0) + 1
        if body is None:
            reply = Reply(status=400, body=simple_error("El cuerpo del pedido no es válido."))
        elif endpoint is not None and endpoint.startswith(PDF_PREFIX) and method in ("GET", "HEAD"):
            account, _, name = endpoint[len(PDF_PREFIX) :].partition("/")
            reply = self._api.pdf(account, name)
        elif endpoint is None or (
            endpoint not in ENDPOINTS
            and endpoint not in NOT_SIMULATED
            and not endpoint.startswith("tablas_referencia/")
        ):
            reply = not_found()
        elif method != "POST":
            reply = Reply(
                status=405, body=simple_error("Método no permitido: use POST."), headers=(("Allow", "POST"),)
            )
        else:
            reply = self._process(handler, endpoint, body)
        self._send(handler, reply)
        if self.verbose:
            logger.info(
                "%s %s -> %s %s",
                method,
                endpoint or path,
                "sin respuesta" if reply.drop else reply.status,
                reply.note,
            )

    def _process(self, handler: Handler, endpoint: str, raw: bytes) -> Reply:
        decision = self._runtime.decide(endpoint)
        left = self._runtime.remaining("mantenimiento")
        if left > 0:
            return Reply(body=maintenance(ahora_argentina() + timedelta(seconds=left)), note="mantenimiento")
        if decision.pre == "429":
            return Reply(status=429, raw=HTML_429, content_type="text/html", note="falla: 429")
        if decision.pre == "500":
            return Reply(status=500, raw=HTML_500, content_type="text/html", note="falla: 500")
        try:
            body = json.loads(raw, parse_float=Decimal)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return Reply(
                status=400, body=simple_error("El cuerpo del pedido debe ser un objeto JSON válido.")
            )
        triple = [body.get(name) for name in CREDENTIALS]
        if any(value is None or value == "" for value in triple):
            return Reply(
                status=401, body=simple_error("Acceso denegado: faltan usertoken, apikey o apitoken.")
            )
        if any(isinstance(v, bool) or not isinstance(v, str | int) or len(str(v)) > 255 for v in triple):
            return Reply(status=403, body=simple_error("Acceso denegado: credenciales con formato inválido."))
        if endpoint not in ENDPOINTS:
            return Reply(body=simple_error(f"El método {endpoint} no está disponible en el simulador."))
        if not self._sleep(decision.delay):
            return Reply(drop=True, note="detenido durante la demora")
        ident = account_id(*_triple(body))
        cuenta = self._emisores.get(ident)
        if cuenta is None and self.solo_registradas:
            return Reply(
                status=401,
                body=simple_error("Acceso denegado: las credenciales no corresponden a ninguna cuenta."),
                note="credenciales desconocidas",
            )
        account = self._store.account(ident)
        profile = cuenta.profile if cuenta else None
        call = Call(account, body, self._base_url(handler), decision, raw, profile, cuenta is not None)
        reply = getattr(self._api, endpoint.rsplit("/", 1)[1])(call)
        if not self._sleep(decision.post_delay):
            return Reply(drop=True, note="detenido durante la respuesta lenta")
        if decision.post == "524":
            return Reply(
                status=524, raw=HTML_524, content_type="text/html", note=f"{reply.note} (falla: 524)"
            )
        if decision.post == "corte":
            return Reply(drop=True, note=f"{reply.note} (falla: corte)")
        return reply

    def _base_url(self, handler: Handler) -> str:
        host = handler.headers.get("Host")
        return f"http://{host}/app/api/v2" if host else self.base_url

    @staticmethod
    def _send(handler: Handler, reply: Reply) -> None:
        if reply.drop:
            handler.close_connection = True
            hang_up(handler.connection)
            return
        data = reply.raw if reply.body is None else json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        headers = [
            f"HTTP/1.1 {reply.status} {_phrase(reply.status)}",
            f"Server: {handler.server_version}",
            f"Date: {handler.date_time_string()}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(data)}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if handler.close_connection:
            headers.append("Connection: close")
        head = ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1")
        try:
            # One write for head and body: two small writes stall on Nagle + delayed ACK.
            handler.wfile.write(head if handler.command == "HEAD" else head + data)
        except OSError:  # the client is gone; what was committed stays committed
            handler.close_connection = True


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "A Timeout Occurred" if status == 524 else "Unknown"


def _triple(credentials: dict[str, Any]) -> tuple[str, str, str]:
    return tuple(str(credentials.get(name, "")) for name in CREDENTIALS)  # type: ignore[return-value]
