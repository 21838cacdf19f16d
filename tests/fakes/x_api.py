"""A fake X API v2 on 127.0.0.1 that tweepy's real requests reach (fixture `x_api`).

It answers `POST /2/tweets` and `GET /2/users/me` as X does: the tweet is created unless its
weighted length is over 280 (403, "too long") or it repeats an accepted text exactly (403,
duplicate content); the `Authorization` header must carry the expected consumer key and
access token (OAuth 1, the signature is not verified: tweepy signs its original URL) or
the OAuth 2 token (`Bearer`), else 401. Every request is recorded for assertions.

Failures are scripted: `x_api.script(rate_limited(), dropped(), ...)` makes the next calls
answer so, in order, whatever their path; then it behaves normally again. A test module
imports `x_api_fixture` and asks for the fixture `x_api`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from twitter_text import parse_tweet

from tests.fakes.server import JsonHandler, ServerThread, serving

API_KEY = "fake-x-api-key-7c1e0b"
API_SECRET = "fake-x-api-secret-2b9d44"
ACCESS_TOKEN = "1234567890-fake-x-access-token-5a3f"
ACCESS_TOKEN_SECRET = "fake-x-access-token-secret-8e4c7"
OAUTH2_TOKEN = "fake-x-oauth2-user-token-d61b92"

MAX_WEIGHTED_LENGTH = 280
MAX_DELAY = 3.0  # a scripted slow answer never waits longer than this
ME = {"id": "1", "name": "Test", "username": "testbot"}
FIRST_TWEET_ID = 1_861_000_000_000_000_000

Body = dict[str, Any] | None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass(frozen=True)
class Answer:
    """A scripted answer to one request.

    By default the server answers `status`, `body` and `headers` without looking at the
    request. With `handle`, it first handles the request as X would (a tweet is created)
    and answers that instead. `delay` waits before answering; `drop` closes the connection
    without a word.
    """

    status: int = 200
    body: Body = None
    headers: dict[str, str] = field(default_factory=dict)
    handle: bool = False
    delay: float = 0.0
    drop: bool = False


def _problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict:
    return {"title": title, "detail": detail, "type": kind, "status": status}


def rate_limited(reset_in: float | None = 3.0, *, headers: dict[str, str] | None = None) -> Answer:
    """429; with `x-rate-limit-reset` `reset_in` seconds ahead (epoch seconds) unless None."""
    limit_headers = (
        {}
        if reset_in is None
        else {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(time.time() + reset_in)),
        }
    )
    return Answer(
        429,
        _problem(429, "Too Many Requests", "Too Many Requests"),
        {**limit_headers, **(headers or {})},
    )


def server_error(status: int = 500) -> Answer:
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    title = titles.get(status, "Server Error")
    return Answer(status, _problem(status, title, f"{title}: please retry later"))


def slow(seconds: float) -> Answer:
    """X creates the tweet but answers only after `seconds` (at most MAX_DELAY)."""
    return Answer(handle=True, delay=seconds)


def dropped() -> Answer:
    """The connection closes before the request is handled: nothing is created."""
    return Answer(drop=True)


def created_then_dropped() -> Answer:
    """The tweet is created, then the connection closes before the answer."""
    return Answer(handle=True, drop=True)


def unauthorized() -> Answer:
    return Answer(401, _problem(401, "Unauthorized", "Unauthorized"))


def duplicate() -> Answer:
    return Answer(403, _DUPLICATE)


def not_permitted() -> Answer:
    """What X answers when the app or account may not post."""
    return Answer(403, _problem(403, "Forbidden", "You are not permitted to perform this action."))


def bad_request(message: str = "The `text` field is invalid.") -> Answer:
    return Answer(
        400,
        {
            "errors": [{"parameters": {"text": []}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


_DUPLICATE = _problem(
    403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
)
_TOO_LONG = _problem(
    403,
    "Forbidden",
    "Your Tweet text is too long. For more information on how Twitter determines text "
    "length see https://github.com/twitter/twitter-text.",
)
_UNAUTHORIZED = unauthorized()


class FakeXApi:
    """The server's state: accepted tweets, recorded requests, the script of failures."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        access_token: str = ACCESS_TOKEN,
        oauth2_token: str = OAUTH2_TOKEN,
    ) -> None:
        self.api_key = api_key
        self.access_token = access_token
        self.oauth2_token = oauth2_token
        self.tweets: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
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
        """The texts of the tweets created, in order."""
        return [tweet["text"] for tweet in self.tweets]

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
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        headers = {name.lower(): value for name, value in request.headers.items()}
        with self._lock:
            self.requests.append(RecordedRequest(request.command, request.path, headers, payload))
            answer = self._script.popleft() if self._script else Answer(handle=True)
        if answer.handle:
            status, body, extra = self._answer_as_x(request.command, request.path, headers, payload)
        else:
            status, body, extra = answer.status, answer.body, answer.headers
        if answer.delay:
            self._stopping.wait(min(answer.delay, MAX_DELAY))
        if answer.drop or self._stopping.is_set():
            request.close_connection = True
            return
        request.reply(status, body, extra)

    def _answer_as_x(
        self, method: str, path: str, headers: dict[str, str], payload: Any
    ) -> tuple[int, Body, dict[str, str]]:
        route = path.split("?", 1)[0]
        if not self._authorized(headers.get("authorization", "")):
            return _UNAUTHORIZED.status, _UNAUTHORIZED.body, {}
        if (method, route) == ("POST", "/2/tweets"):
            return self._create_tweet(payload)
        if (method, route) == ("GET", "/2/users/me"):
            return 200, {"data": ME}, {}
        return (
            404,
            _problem(
                404,
                "Not Found Error",
                f"Could not find {route}",
                "https://api.twitter.com/2/problems/resource-not-found",
            ),
            {},
        )

    def _authorized(self, authorization: str) -> bool:
        if authorization.startswith("OAuth "):
            params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', authorization)}
            return (
                params.get("oauth_consumer_key") == self.api_key
                and params.get("oauth_token") == self.access_token
            )
        return authorization == f"Bearer {self.oauth2_token}"

    def _create_tweet(self, payload: Any) -> tuple[int, Body, dict[str, str]]:
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            invalid = bad_request("Tweet text is required.")
            return invalid.status, invalid.body, {}
        if parse_tweet(text).weightedLength > MAX_WEIGHTED_LENGTH:
            return 403, _TOO_LONG, {}
        with self._lock:
            if text in self.texts:
                return 403, _DUPLICATE, {}
            tweet_id = str(FIRST_TWEET_ID + len(self.tweets))
            reply = payload.get("reply") or {}
            self.tweets.append(
                {"id": tweet_id, "text": text, "in_reply_to": reply.get("in_reply_to_tweet_id")}
            )
        return (
            201,
            {"data": {"edit_history_tweet_ids": [tweet_id], "id": tweet_id, "text": text}},
            {},
        )


class _Handler(JsonHandler):  # HTTP/1.1 keeps tweepy's pooled connections alive
    def do_GET(self) -> None:
        self.server.fake.handle(self)

    do_POST = do_DELETE = do_PUT = do_GET


@pytest.fixture(name="x_api")
def x_api_fixture() -> Iterator[FakeXApi]:
    """`x_api`: a started fake X API; its `url` is the channel's `api_base_url`.

    Import `x_api_fixture` into a test module and ask for `x_api` (a fixture imported under
    its own name would be flagged by ruff as redefined by each test's parameter).
    """
    yield from serving(FakeXApi())
