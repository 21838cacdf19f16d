"""What the fake Graph-style servers (Facebook, Threads, LinkedIn) share: requests recorded
as received, failures scripted in order, tokens checked, answers in JSON.

    fake.script(rate_limited_graph(4), created_then(500), timeout(), dropped(), ...)
        the next requests matching a scripted answer's `where` (every request, unless it
        names a method and path prefix) answer so, in order; then the fake behaves normally
    fake.requests                   every request: method, path, headers, query, form, json
    fake.tokens                     the access tokens it accepts (change them to expire one)

Each subclass answers `route(request)` as its platform does.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import JsonHandler, ServerThread

MAX_DELAY = 3.0  # a scripted slow answer never waits longer than this


@dataclass(frozen=True)
class Request:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    form: dict[str, str]
    json: Any
    body: bytes = b""

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ")
        return self.query.get("access_token") or self.form.get("access_token")


@dataclass(frozen=True)
class Answer:
    """A scripted answer. Without `handle`, `status`/`body`/`headers` are answered and the
    request is not handled; with it, the request is handled (a post is created) and then
    `status`/`body` answered anyway when `status` is not 200. `delay` waits (a timeout on
    the client's side), `drop` closes the connection without a word. `where` (method,
    path prefix) limits the answer to matching requests."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    handle: bool = False
    delay: float = 0.0
    drop: bool = False
    where: tuple[str, str] | None = None


def graph_error(
    code: int,
    message: str,
    *,
    status: int = 400,
    subcode: int | None = None,
    kind: str = "OAuthException",
    transient: bool = False,
    where: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """An error as Graph answers it: {"error": {"message", "type", "code", ...}}."""
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf123"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return Answer(status, {"error": error}, headers or {}, where=where)


def rate_limited_graph(
    code: int = 32, *, minutes: int = 1, status: int = 403, where: tuple[str, str] | None = None
) -> Answer:
    """A Graph rate limit: HTTP 403 (or 400: Graph uses both) with its code, and the usage
    header saying in how many minutes access comes back."""
    usage = {
        "1234": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 10,
                "total_time": 10,
                "estimated_time_to_regain_access": minutes,
            }
        ]
    }
    return graph_error(
        code,
        f"(#{code}) Application request limit reached",
        status=status,
        where=where,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )


def too_many(seconds: int = 30, where: tuple[str, str] | None = None) -> Answer:
    return Answer(
        429,
        {"message": "Too Many Requests", "status": 429},
        {"Retry-After": str(seconds)},
        where=where,
    )


def server_error(status: int = 500, where: tuple[str, str] | None = None) -> Answer:
    """A 5xx before anything was done."""
    return Answer(
        status,
        {
            "error": {
                "message": "An unexpected error has occurred.",
                "type": "OAuthException",
                "code": 2,
                "is_transient": True,
            }
        },
        where=where,
    )


def created_then(status: int = 500, where: tuple[str, str] | None = None) -> Answer:
    """The request is handled (the post exists), then a 5xx."""
    return Answer(
        status,
        {
            "error": {
                "message": "Please retry your request later.",
                "type": "OAuthException",
                "code": 1,
                "is_transient": True,
            }
        },
        handle=True,
        where=where,
    )


def timeout(seconds: float = 1.5, where: tuple[str, str] | None = None) -> Answer:
    """Handled, but answered only after `seconds` (longer than the channel waits)."""
    return Answer(handle=True, delay=seconds, where=where)


def dropped(where: tuple[str, str] | None = None) -> Answer:
    """The connection closes before the request is handled: nothing is done."""
    return Answer(drop=True, where=where)


def created_then_dropped(where: tuple[str, str] | None = None) -> Answer:
    return Answer(handle=True, drop=True, where=where)


class FakeGraph:
    """The state every fake shares; subclasses implement `route`."""

    def __init__(self, *, tokens: set[str]) -> None:
        self.tokens = set(tokens)
        self.requests: list[Request] = []
        self._script: deque[Answer] = deque()
        self.lock = threading.RLock()
        self._stopping = threading.Event()
        self._running: ServerThread | None = None

    @property
    def url(self) -> str:
        assert self._running is not None, "start() the fake first"
        return self._running.url

    def script(self, *answers: Answer) -> None:
        with self.lock:
            self._script.extend(answers)

    def unscript(self) -> None:
        """Forget the scripted answers not yet given: the fake behaves normally again."""
        with self.lock:
            self._script.clear()

    def start(self) -> None:
        self._stopping.clear()
        self._running = ServerThread(self, _Handler)

    def stop(self) -> None:
        self._stopping.set()
        if self._running is not None:
            self._running.stop()

    def calls(self, method: str, path_part: str) -> list[Request]:
        """The requests of `method` whose path holds `path_part`."""
        return [r for r in self.requests if r.method == method and path_part in r.path]

    def at(self, method: str, path: str) -> list[Request]:
        """The requests of `method` to exactly `path`."""
        return [r for r in self.requests if r.method == method and r.path == path]

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    # --- in the server's threads -----------------------------------------------------------

    def handle(self, handler: _Handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        parts = urlsplit(handler.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        form: dict[str, str] = {}
        body: Any = None
        kind = headers.get("content-type", "")
        if "json" in kind and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        elif "form" in kind and raw:
            form = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        request = Request(handler.command, parts.path, headers, query, form, body, raw)
        with self.lock:
            self.requests.append(request)
            answer = self._next_answer(request)
        if answer is None or answer.handle:
            with self.lock:
                status, reply, extra = self.route(request)
            if answer is not None and answer.status != 200:
                status, reply, extra = answer.status, answer.body, answer.headers
        else:
            status, reply, extra = answer.status, answer.body, answer.headers
        if answer is not None and answer.delay:
            self._stopping.wait(min(answer.delay, MAX_DELAY))
        if (answer is not None and answer.drop) or self._stopping.is_set():
            handler.close_connection = True
            return
        handler.reply(status, reply, extra)

    def _next_answer(self, request: Request) -> Answer | None:
        for i, answer in enumerate(self._script):
            if answer.where is None or (
                request.method == answer.where[0] and request.path.startswith(answer.where[1])
            ):
                del self._script[i]
                return answer
        return None


class _Handler(JsonHandler):
    def do_GET(self) -> None:
        self.server.fake.handle(self)

    do_POST = do_DELETE = do_PUT = do_GET
