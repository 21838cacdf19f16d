"""The plumbing the fake servers share: a stdlib HTTP server on 127.0.0.1, in a thread.

    running = ServerThread(fake, Handler)    serving at once; handlers reach `self.server.fake`
    running.url                              http://127.0.0.1:<port>
    running.stop()                           stops listening and cuts open connections

A fixture yields a started fake with `yield from serving(fake)`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeHTTPServer(ThreadingHTTPServer):
    """Knows its open connections, so that none outlives the test, and reports no errors."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, fake: Any) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        with self._connections_lock:
            self._connections.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End open (kept-alive) connections, so no handler thread outlives the test."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (too large, timeout) breaks the pipe: expected, not reported."""


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 (keep-alive, as the real servers) and no log lines: tests read the fake."""

    protocol_version = "HTTP/1.1"
    server: FakeHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: paths may hold a token, and the tests read what the fake recorded."""


class JsonHandler(QuietHandler):
    """A handler whose fake answers in JSON: `reply(status, body, headers)`."""

    timeout = 10

    def reply(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class ServerThread:
    """A FakeHTTPServer for `fake` on 127.0.0.1 (`port` 0: any free one), serving in a thread."""

    def __init__(
        self,
        fake: Any,
        handler: type[QuietHandler],
        *,
        port: int = 0,
        poll_interval: float = 0.05,
        name: str | None = None,
    ) -> None:
        self.server = FakeHTTPServer(("127.0.0.1", port), handler, fake)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            name=name,
            kwargs={"poll_interval": poll_interval},
            daemon=True,
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self, join_timeout: float = 5.0) -> None:
        """Stop listening (a connect is refused) and cut the connections still open."""
        self.server.shutdown()
        self.server.close_connections()
        self.server.server_close()
        self.thread.join(timeout=join_timeout)


def serving(fake: Any) -> Iterator[Any]:
    """For a fixture: start `fake`, yield it, stop it after the test."""
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
