"""A fake Mastodon instance on 127.0.0.1 that Mastodon.py's real requests reach (fixture
`mastodon_api`).

It answers as Mastodon's documentation says:

    GET  /api/v2/instance                      domain, configuration.statuses (limits);
                                               404 when `v2 = False` (an older server)
    GET  /api/v1/instance                      uri, configuration.statuses
    GET  /api/v1/accounts/verify_credentials   the account (`username`)
    POST /api/v1/statuses                      form or JSON: status, visibility,
                                               spoiler_text, language, in_reply_to_id

A request needs `Authorization: Bearer <token>` (else 401, as Mastodon says it). A status
is created unless it is longer than `max_characters` as Mastodon's length validator counts
it — here by its own rules, written apart from the bot's: every http(s) URL is
`characters_reserved_per_url` characters, a mention `@user@domain` is `@user`, the
content warning counts too, grapheme clusters — (422 "Validation failed: Text character
limit of N exceeded"). The fake insists on an `Idempotency-Key` (422 without one: the bot
must always send it) and honours it as Mastodon does: the same key within an hour answers
the status it already created, and creates nothing.

Failures are scripted: `mastodon_api.script(rate_limited(), created_then(500), ...)` makes
the next requests answer so, in order; then it behaves normally again.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
import regex

from tests.fakes.server import JsonHandler, ServerThread, serving

TOKEN = "fake-mastodon-access-token-3f9a1c"
DOMAIN = "fake.social"
USERNAME = "me"
MAX_DELAY = 3.0  # a scripted slow answer never waits longer than this
IDEMPOTENCY_WINDOW = 3600.0
FIRST_STATUS_ID = 113_000_000_000_000_000

Body = dict[str, Any] | None

# Mastodon counts each http(s) URL as a fixed number of characters; a mention by its
# username alone. Written independently of bot.render.platforms, on purpose.
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")
_MENTION = re.compile(r"(?<![=/\w])@(\w+(?:[.-]+\w+)*)(?:@\w+(?:[.-]+\w+)*)?", re.ASCII)


def countable_length(text: str, spoiler_text: str, url_chars: int) -> int:
    """What Mastodon's StatusLengthValidator counts: the content warning and the text, URLs
    as `url_chars`, mentions as @user, in grapheme clusters."""
    countable = _MENTION.sub(r"@\1", _URL.sub("x" * url_chars, text))
    return len(regex.findall(r"\X", spoiler_text + countable))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, str]


@dataclass(frozen=True)
class Answer:
    """A scripted answer to one request.

    By default the server answers `status`, `body` and `headers` without handling the
    request. With `handle`, it first handles it as Mastodon would (a status is created)
    and answers that — or, with `status` not 200, answers `status` anyway (the status was
    created, the answer says otherwise). `delay` waits before answering; `drop` closes the
    connection without a word.
    """

    status: int = 200
    body: Body = None
    headers: dict[str, str] = field(default_factory=dict)
    handle: bool = False
    delay: float = 0.0
    drop: bool = False


def rate_limited(reset_in: float = 90.0) -> Answer:
    """429 with X-RateLimit-Reset `reset_in` seconds ahead (ISO 8601, as Mastodon sends it)."""
    reset = datetime.now(UTC) + timedelta(seconds=reset_in)
    return Answer(
        429,
        {"error": "Too many requests"},
        {
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    )


def server_error(status: int = 500) -> Answer:
    """A 5xx before anything was created."""
    return Answer(status, {"error": "We're sorry, but something went wrong on our end."})


def created_then(status: int = 500) -> Answer:
    """The status is created, then the server answers `status` (a proxy's 502, a crash)."""
    return Answer(
        status, {"error": "We're sorry, but something went wrong on our end."}, handle=True
    )


def slow(seconds: float) -> Answer:
    """The status is created but the answer comes only after `seconds` (at most MAX_DELAY)."""
    return Answer(handle=True, delay=seconds)


def dropped() -> Answer:
    """The connection closes before the request is handled: nothing is created."""
    return Answer(drop=True)


def created_then_dropped() -> Answer:
    """The status is created, then the connection closes before the answer."""
    return Answer(handle=True, drop=True)


def unauthorized() -> Answer:
    return Answer(401, {"error": "The access token is invalid"})


def forbidden() -> Answer:
    return Answer(403, {"error": "This action is not allowed"})


def unprocessable(message: str = "Validation failed: Text can't be blank") -> Answer:
    return Answer(422, {"error": message})


class FakeMastodon:
    """The instance's state: its limits, statuses, recorded requests, scripted failures."""

    def __init__(
        self,
        *,
        max_characters: int = 500,
        url_chars: int = 23,
        token: str = TOKEN,
        domain: str = DOMAIN,
        v2: bool = True,
    ) -> None:
        self.max_characters = max_characters
        self.url_chars = url_chars
        self.token = token
        self.domain = domain
        self.v2 = v2
        self.statuses: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        self._keys: dict[str, tuple[float, dict[str, Any]]] = {}
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._running: ServerThread | None = None

    @property
    def url(self) -> str:
        assert self._running is not None, "start() the fake first"
        return self._running.url

    @property
    def texts(self) -> list[str]:
        """The texts of the statuses created, in order."""
        return [status["text"] for status in self.statuses]

    def posts(self) -> list[RecordedRequest]:
        """The POST /api/v1/statuses requests received, in order."""
        return [r for r in self.requests if (r.method, r.path) == ("POST", "/api/v1/statuses")]

    def script(self, *answers: Answer) -> None:
        """Answer the next len(answers) requests so, in order."""
        with self._lock:
            self._script.extend(answers)

    def start(self) -> None:
        self._running = ServerThread(self, _Handler)

    def stop(self) -> None:
        self._stopping.set()  # wakes slow answers
        if self._running is not None:
            self._running.stop()

    # --- handling (in the server's threads) ---------------------------------------------------

    def handle(self, request: _Handler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in request.headers.items()}
        params = _params(raw, headers.get("content-type", ""))
        path = request.path.split("?", 1)[0].rstrip("/")  # Rails routes ignore a last "/"
        with self._lock:
            self.requests.append(RecordedRequest(request.command, path, headers, params))
            answer = self._script.popleft() if self._script else Answer(handle=True)
        if answer.handle:
            status, body = self._answer(request.command, path, headers, params)
            if answer.status != 200:
                status, body = answer.status, answer.body
            extra = answer.headers
        else:
            status, body, extra = answer.status, answer.body, answer.headers
        if answer.delay:
            self._stopping.wait(min(answer.delay, MAX_DELAY))
        if answer.drop or self._stopping.is_set():
            request.close_connection = True
            return
        request.reply(status, body, extra)

    def _answer(
        self, method: str, path: str, headers: dict[str, str], params: dict[str, str]
    ) -> tuple[int, Body]:
        if (method, path) == ("GET", "/api/v2/instance"):
            if not self.v2:
                return 404, {"error": "Record not found"}
            return 200, {
                "domain": self.domain,
                "title": "Fake",
                "version": "4.3.0",
                "configuration": self._configuration(),
            }
        if (method, path) == ("GET", "/api/v1/instance"):
            return 200, {
                "uri": self.domain,
                "title": "Fake",
                "version": "4.3.0",
                "configuration": self._configuration(),
            }
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "The access token is invalid"}
        if (method, path) == ("GET", "/api/v1/accounts/verify_credentials"):
            return 200, {
                "id": "1",
                "username": USERNAME,
                "acct": USERNAME,
                "display_name": "Me",
                "url": f"https://{self.domain}/@{USERNAME}",
            }
        if (method, path) == ("POST", "/api/v1/statuses"):
            return self._create_status(headers.get("idempotency-key"), params)
        return 404, {"error": "Record not found"}

    def _configuration(self) -> dict[str, Any]:
        return {
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": self.url_chars,
            }
        }

    def _create_status(self, key: str | None, params: dict[str, str]) -> tuple[int, Body]:
        text = params.get("status", "")
        spoiler = params.get("spoiler_text", "")
        if not key:
            return 422, {"error": "Validation failed: the fake wants an Idempotency-Key"}
        if not text.strip():
            return 422, {"error": "Validation failed: Text can't be blank"}
        if countable_length(text, spoiler, self.url_chars) > self.max_characters:
            return 422, {
                "error": "Validation failed: Text character limit of "
                f"{self.max_characters} exceeded"
            }
        with self._lock:
            kept = self._keys.get(key)
            if kept is not None and time.monotonic() - kept[0] < IDEMPOTENCY_WINDOW:
                return 200, kept[1]
            status_id = str(FIRST_STATUS_ID + len(self.statuses))
            status = {
                "id": status_id,
                "created_at": datetime.now(UTC).isoformat(),
                "uri": f"https://{self.domain}/users/{USERNAME}/statuses/{status_id}",
                "url": f"https://{self.domain}/@{USERNAME}/{status_id}",
                "content": f"<p>{text}</p>",
                "text": text,
                "visibility": params.get("visibility", "public"),
                "spoiler_text": spoiler,
                "language": params.get("language"),
                "in_reply_to_id": params.get("in_reply_to_id"),
                "sensitive": False,
                "idempotency_key": key,
                "account": {"id": "1", "username": USERNAME, "acct": USERNAME},
            }
            self.statuses.append(status)
            self._keys[key] = (time.monotonic(), status)
        return 200, status


def _params(raw: bytes, content_type: str) -> dict[str, str]:
    if not raw:
        return {}
    if "json" in content_type:
        try:
            body = json.loads(raw)
        except ValueError:
            return {}
        return {k: str(v) for k, v in body.items() if v is not None}
    return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}


class _Handler(JsonHandler):  # HTTP/1.1 keeps Mastodon.py's pooled connections alive
    def do_GET(self) -> None:
        self.server.fake.handle(self)

    do_POST = do_DELETE = do_PUT = do_GET


@pytest.fixture(name="mastodon_api")
def mastodon_api_fixture() -> Iterator[FakeMastodon]:
    """`mastodon_api`: a started fake instance (500 characters); its `url` is `instance`."""
    yield from serving(FakeMastodon())
