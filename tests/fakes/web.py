"""A small web server on 127.0.0.1 serving the pages and feeds a test sets up (fixture `web`).

    web.serve("/feed.xml", rss(...), content_type="application/rss+xml", etag='"v1"')
    web.redirect("/a", "/b")                 a 302 to another path (or a loop)
    web.huge("/big", 50 * MIB)               streams that many bytes, unless the client quits
    web.serve("/slow", page, delay=3.0)      waits before answering
    web.url("/feed.xml")                     the absolute URL
    web.requests                             what was asked: (path, headers), in order

A route with an `etag` answers 304 to a request whose If-None-Match carries it. A path
with no route is a 404. Every wait is bounded (MAX_DELAY), and the server stops with the
test. A test module imports `web_fixture` and asks for the fixture `web`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.fakes.server import QuietHandler, ServerThread, serving

MIB = 1024 * 1024
MAX_DELAY = 5.0  # a slow answer never waits longer than this
CHUNK = 64 * 1024
HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = HTML
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0
    stream_bytes: int = 0  # > 0: stream this many bytes of filler instead of `body`


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names lower-cased


class FakeWeb:
    """The server's routes and the requests it received."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._running: ServerThread | None = None

    def url(self, path: str = "/") -> str:
        assert self._running is not None, "start() the fake first"
        return f"{self._running.url}{path}"

    def serve(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str | None = HTML,
        status: int = 200,
        etag: str | None = None,
        delay: float = 0.0,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Answer `path` with `body`; return its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self.routes[path] = Route(
                data, status, content_type, dict(headers or {}), etag, min(delay, MAX_DELAY)
            )
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.serve(path, b"", status=status, content_type=None, headers={"Location": to})

    def huge(self, path: str, size: int, *, declare_length: bool = False) -> str:
        """Stream `size` bytes of HTML filler (with a Content-Length only if asked)."""
        with self._lock:
            self.routes[path] = Route(
                stream_bytes=size, headers={"Content-Length": str(size)} if declare_length else {}
            )
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self._running = ServerThread(self, _Handler)

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()

    # --- handling (in the server's threads) ---------------------------------------------------

    def handle(self, request: _Handler) -> None:
        path = request.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self._lock:
            self.requests.append(Request(path, headers))
            route = self.routes.get(path)
        if route is None:
            request.reply(404, b"<html><body><p>Not found</p></body></html>", HTML, {})
            return
        if route.delay:
            time.sleep(route.delay)
        if route.etag is not None and headers.get("if-none-match") == route.etag:
            request.reply(304, b"", None, {"ETag": route.etag})
            return
        extra = {**route.headers, **({"ETag": route.etag} if route.etag else {})}
        if route.stream_bytes:
            request.stream(route.stream_bytes, extra)
        else:
            request.reply(route.status, route.body, route.content_type, extra)


class _Handler(QuietHandler):
    timeout = 10

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def reply(
        self, status: int, body: bytes, content_type: str | None, headers: dict[str, str]
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def stream(self, size: int, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        if "Content-Length" not in headers:
            self.send_header("Connection", "close")  # the body ends when the connection does
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        filler = b"<p>" + b"x" * (CHUNK - 7) + b"</p>\n"
        sent = 0
        with contextlib.suppress(OSError):
            while sent < size:
                piece = filler[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        self.close_connection = True


@pytest.fixture(name="web")
def web_fixture() -> Iterator[FakeWeb]:
    """`web`: a started fake web server on 127.0.0.1."""
    yield from serving(FakeWeb())
