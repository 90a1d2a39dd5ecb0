"""The sandbox's socket plumbing: one daemon thread per connection, bounded bodies, a hang-up.

Kept apart from `server.py` (what the simulator answers) so each reads on its own; the handler
hands every request to `Sandbox._handle`.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importer.sandbox.server import Sandbox

logger = logging.getLogger("importer.sandbox")
MAX_BODY = 10 * 1024 * 1024


def hang_up(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def read_body(handler: Handler) -> bytes | None:
    length = handler.headers.get("Content-Length")
    if handler.headers.get("Transfer-Encoding"):
        handler.close_connection = True
        return None
    if length is None:
        return b""
    if not length.isdigit() or int(length) > MAX_BODY:
        handler.close_connection = True
        return None
    return handler.rfile.read(int(length))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: avoid the 40 ms stall
    server_version = "TusFacturasSandbox/1.0"
    sys_version = ""
    timeout = 300  # idle keep-alive connections end after five minutes
    server: Server

    def do_POST(self) -> None:
        self.server.sandbox._handle(self, self.command)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="tf-sandbox-conexion",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def connections(self) -> dict[threading.Thread, socket.socket]:
        with self._connections_lock:
            return dict(self._connections)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("conexión con %s terminada con error", client_address, exc_info=True)
