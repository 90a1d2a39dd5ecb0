"""What every request to the page passes before any route sees it.

The server listens on loopback only, but any web page the user visits can make the browser send
requests to it, and a DNS-rebinding site can even read the answers. So, as Jupyter does:
- the Host header must name this server by loopback (127.0.0.1 or localhost, this port);
- every request carries the random token of the start-up URL, which the first visit turns into an
  HttpOnly, SameSite=Strict cookie (and a redirect that drops it from the address bar);
- a POST must come from this page's own origin (Origin, else Referer) and carry the session's CSRF
  token (checked by the routes, `csrf_valido`); its body is limited in size while it arrives.
Answers carry a strict Content-Security-Policy: the page loads nothing from anywhere else.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from importer.web.configuracion import ConfigWeb

MARGEN_MULTIPART = 256 * 1024  # the form's own bytes around the file
CABECERAS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),  # keeps Origin on our POSTs, sends nothing elsewhere
    (b"cache-control", b"no-store"),
]
SIN_TOKEN = (
    "Acceso denegado: abra la dirección completa (con ?token=…) que mostró «tf-import web» al iniciar."
)


class CuerpoDemasiadoGrande(Exception):
    """The request body passed the limit while it was arriving."""


def iguales(dado: str | None, esperado: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input from a client."""
    return dado is not None and secrets.compare_digest(dado.encode("utf-8"), esperado.encode("utf-8"))


def csrf_valido(config: ConfigWeb, form: Mapping[str, Any], headers: Headers) -> bool:
    dado = form.get("csrf")
    return iguales(dado if isinstance(dado, str) else headers.get("x-csrf-token"), config.csrf)


def pagina_error(status: int, texto: str) -> HTMLResponse:
    from html import escape

    cuerpo = (
        '<!doctype html><html lang="es-AR"><head><meta charset="utf-8"><title>tf-import</title></head>'
        f'<body><main><h1>tf-import</h1><p role="alert">{escape(texto)}</p>'
        '<p><a href="/">Volver a la página</a></p></main></body></html>'
    )
    return HTMLResponse(cuerpo, status_code=status)


class Guardia:
    """ASGI middleware wrapped around the whole application."""

    def __init__(self, app: ASGIApp, config: ConfigWeb) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            await send({"type": "websocket.close", "code": 1008})
            return

        async def send_seguro(message: Message) -> None:
            if message["type"] == "http.response.start":
                nombres = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in CABECERAS if k not in nombres]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        negado = self._negar(scope)
        if negado is not None:
            await negado(scope, receive, send_seguro)
            return
        await self.app(scope, self._limitado(scope, receive), send_seguro)

    def _negar(self, scope: Scope) -> Response | None:
        """The answer that refuses this request, or None to let it through."""
        c = self.config
        headers = Headers(scope=scope)
        if headers.get("host", "").lower() not in c.hosts:
            return pagina_error(403, "Acceso denegado: esta página solo responde en 127.0.0.1 o localhost.")
        query = QueryParams(scope.get("query_string", b""))
        por_url = query.get("token")
        cookie = cookie_parser(headers.get("cookie", "")).get(c.cookie)
        if not (iguales(por_url, c.token) or iguales(cookie, c.token)):
            return pagina_error(403, SIN_TOKEN)
        metodo = scope["method"]
        if metodo in ("GET", "HEAD"):
            if por_url is not None:  # first visit: the token becomes a cookie and leaves the URL
                path = scope.get("path", "/")
                destino = path if path.startswith("/") and not path.startswith("//") else "/"
                respuesta = RedirectResponse(destino, status_code=303)
                respuesta.set_cookie(c.cookie, c.token, httponly=True, samesite="strict", path="/")
                return respuesta
            return None
        if not self._mismo_origen(headers):
            return pagina_error(
                403, "Pedido rechazado: solo se aceptan acciones desde la página de tf-import."
            )
        largo = headers.get("content-length")
        if largo is not None and (not largo.isdigit() or int(largo) > self._tope()):
            return pagina_error(413, c.demasiado_grande())
        return None

    def _mismo_origen(self, headers: Headers) -> bool:
        origen = headers.get("origin")
        if origen is not None:
            return origen in self.config.origenes
        referer = headers.get("referer", "")
        return any(referer == o or referer.startswith(o + "/") for o in self.config.origenes)

    def _tope(self) -> int:
        return self.config.limite_subida + MARGEN_MULTIPART

    def _limitado(self, scope: Scope, receive: Receive) -> Receive:
        """`receive` that refuses a body growing past the limit (no Content-Length, or a lie)."""
        if scope["method"] in ("GET", "HEAD"):
            return receive
        tope, recibido = self._tope(), 0

        async def recibir() -> Message:
            nonlocal recibido
            message = await receive()
            if message["type"] == "http.request":
                recibido += len(message.get("body", b""))
                if recibido > tope:
                    raise CuerpoDemasiadoGrande
            return message

        return recibir
