"""What the fake webhook servers (Discord, Slack) share: one secret URL on 127.0.0.1 that
records every request, answers as its platform does (`perform`, per platform), and plays
scripted failures.

    fake.url                       the webhook URL to give the channel (secret path included)
    fake.requests                  every request received (method, path, query, json, raw)
    fake.messages                  every message the webhook posted
    fake.script(answer, ...)       how to answer the next requests, in order:
        error(status, body, headers=..., deliver=False)   an error answer; `deliver`: the
                                   message is posted first (a 500 after it was created)
        slow(seconds)              posted now, answered late (past a client's timeout)
        dropped(deliver=False)     the connection closed without an answer
    fake.refuse_connections() / accept_connections()   stop / resume listening (same port)

A request to any other path gets the platform's "no such webhook" answer.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import QuietHandler, ServerThread

MAX_DELAY = 3.0  # a scripted slow answer never waits longer than this


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, body (a dict is sent as JSON), headers."""

    status: int
    body: dict | str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scripted:
    """How to answer one coming request instead of (or besides) the normal answer."""

    answer: Answer | None = None  # None: the normal answer
    deliver: bool = False  # perform the request (post the message) first
    delay: float = 0.0  # with the normal answer: wait this long before it
    drop: bool = False  # close the connection without answering


def error(
    status: int, body: dict | str, *, headers: dict[str, str] | None = None, deliver: bool = False
) -> Scripted:
    return Scripted(Answer(status, body, headers or {}), deliver=deliver)


def slow(seconds: float) -> Scripted:
    """Post the message, then answer only after `seconds` (at most MAX_DELAY)."""
    return Scripted(deliver=True, delay=min(seconds, MAX_DELAY))


def dropped(*, deliver: bool = False) -> Scripted:
    """Read the request (and post it when `deliver`), then close without a word."""
    return Scripted(deliver=deliver, drop=True)


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    content_type: str
    raw: bytes
    json: Any  # the parsed body, or None when it is not JSON


class FakeWebhook:
    """A webhook server: subclasses set `path` and implement `perform` and `not_found`."""

    name = "fake-webhook"

    def __init__(self, path: str) -> None:
        self.path = path
        self.requests: list[Request] = []
        self.messages: list[dict] = []
        self.port = 0
        self.lock = threading.Lock()
        self._script: list[Scripted] = []
        self._stopping = threading.Event()
        self._running: ServerThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    # lifecycle

    def start(self) -> FakeWebhook:
        self._stopping.clear()
        self.accept_connections()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.refuse_connections()

    def accept_connections(self) -> None:
        """Listen (again, on the same port once it had one)."""
        if self._running is None:
            self._running = ServerThread(
                self, _Handler, port=self.port, poll_interval=0.02, name=self.name
            )
            self.port = self._running.port

    def refuse_connections(self) -> None:
        """Stop listening and cut open connections: a connect now fails (refused)."""
        running, self._running = self._running, None
        if running is not None:
            running.stop(join_timeout=2)

    # scripting and reading

    def script(self, *answers: Scripted) -> None:
        with self.lock:
            self._script.extend(answers)

    def posts(self) -> list[Request]:
        """The POST requests received (each a try at posting a message)."""
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    # per platform

    def perform(self, request: Request) -> Answer:
        """The platform's normal answer to a request on the webhook's path."""
        raise NotImplementedError

    def not_found(self) -> Answer:
        """The answer to a request on any other path."""
        raise NotImplementedError

    # handling (on the server's threads)

    def _next(self, request: Request) -> Scripted | None:
        with self.lock:
            self.requests.append(request)
            return self._script.pop(0) if self._script else None


class _Handler(QuietHandler):  # HTTP/1.1: keep-alive, as the real servers
    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake: FakeWebhook = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = Request(
            method, url.path, parse_qs(url.query), self.headers.get("Content-Type", ""), raw, body
        )
        scripted = fake._next(request)
        if url.path != fake.path:
            self._answer(fake.not_found())
            return
        if scripted is None:
            self._answer(fake.perform(request))
            return
        normal = fake.perform(request) if scripted.deliver else None
        if scripted.drop:
            self.close_connection = True  # no answer at all
        elif scripted.answer is not None:
            self._answer(scripted.answer)
        else:  # slow: performed now, answered late
            fake._stopping.wait(scripted.delay)
            self._answer(normal)

    def _answer(self, answer: Answer) -> None:
        if isinstance(answer.body, dict):
            payload, kind = json.dumps(answer.body).encode(), "application/json"
        else:
            payload, kind = answer.body.encode(), "text/html"
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", kind)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timed out) first
            self.close_connection = True
