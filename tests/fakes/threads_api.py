"""A fake Threads API on 127.0.0.1 (fixture `threads_api`), answering as its documentation
says, under /v1.0:

    POST /{user}/threads           form: media_type=TEXT, text, link_attachment   {"id"}
                                   (a container, FINISHED; text over 500 as Threads
                                   counts it — an emoji as its UTF-8 bytes — refused)
    POST /{user}/threads_publish   form: creation_id     {"id": media}; the container
                                   becomes PUBLISHED (a second publish is refused)
    GET  /{container}?fields=status,error_message        {"id", "status"}
    GET  /{media}?fields=id,permalink                    {"id", "permalink"}
    GET  /{user}/threads?fields=...&limit=N              {"data": [...]} newest first
    GET  /me?fields=id,username                          {"id", "username"}
    GET  /debug_token?input_token=T                      {"data": {expires_at, issued_at,
                                                         is_valid, scopes}}
    GET  /refresh_access_token?grant_type=th_refresh_token&access_token=T
                                   {"access_token": new, "token_type": "bearer",
                                   "expires_in": 5184000}; the old token stops working

`{user}` is "me" or the user's id. A request with a token the fake does not accept gets
Graph's 190 (HTTP 400). Failures are scripted (tests.fakes.graph).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import regex

from tests.fakes.graph import FakeGraph, Request, graph_error
from tests.fakes.server import serving

TOKEN = "THAAfakeThreadsToken-0123456789abcdef"
USER_ID = "17841400000000001"
USERNAME = "farmerjay"
LIMIT = 500
LONG_LIVED = 60 * 24 * 3600  # seconds: what a refresh gives

# Threads: "Text posts are limited to 500 characters. Emojis are counted as the number of
# UTF-8 bytes." Written apart from the bot's counter, on purpose.
_EMOJI = regex.compile(
    r"[\p{Emoji_Presentation}\p{Extended_Pictographic}\p{Emoji_Modifier}"
    r"\p{Regional_Indicator}\u200d\ufe0f]"
)


def threads_count(text: str) -> int:
    return sum(len(c.encode()) if _EMOJI.fullmatch(c) and ord(c) > 0x7F else 1 for c in text)


@dataclass
class Token:
    value: str
    expires_at: int  # epoch seconds
    issued_at: int


@dataclass
class Container:
    id: str
    text: str
    link: str | None
    status: str = "FINISHED"
    media: str | None = None


@dataclass
class FakeThreadsState:
    containers: dict[str, Container] = field(default_factory=dict)
    published: list[dict[str, Any]] = field(default_factory=list)


class FakeThreads(FakeGraph):
    def __init__(
        self,
        *,
        token: str = TOKEN,
        expires_at: datetime | None = None,
        issued_at: datetime | None = None,
    ) -> None:
        super().__init__(tokens={token})
        now = int(datetime.now(UTC).timestamp())
        self.token_info: dict[str, Token] = {
            token: Token(
                token,
                int(expires_at.timestamp()) if expires_at else now + LONG_LIVED,
                int(issued_at.timestamp()) if issued_at else now - 86400 * 2,
            )
        }
        self.state = FakeThreadsState()
        self.refreshed: list[str] = []  # the tokens refreshes handed out, in order
        self._ids = itertools.count(18_000_000_000_000_001)

    @property
    def texts(self) -> list[str]:
        return [p["text"] for p in self.state.published]

    @property
    def containers(self) -> list[Container]:
        return list(self.state.containers.values())

    def publishes(self) -> list[Request]:
        return self.calls("POST", "/threads_publish")

    def route(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        path = request.path.strip("/")
        if path == "refresh_access_token":
            return self._refresh(request)
        if not path.startswith("v1.0/"):
            return _error(graph_error(2500, "Unknown path components"))
        path = path.removeprefix("v1.0/")
        if request.token not in self.tokens:
            return _error(
                graph_error(190, "Error validating access token: Session has expired", subcode=463)
            )
        method, parts = request.method, path.split("/")
        user = parts[0] in ("me", USER_ID)
        if (method, path) == ("GET", "debug_token"):
            return self._debug(request)
        if method == "POST" and user and parts[1:] == ["threads"]:
            return self._create(request)
        if method == "POST" and user and parts[1:] == ["threads_publish"]:
            return self._publish(request)
        if method == "GET":
            return self._read(request, parts, user)
        return _error(graph_error(100, "Unsupported request", kind="GraphMethodException"))

    def _debug(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        info = self.token_info.get(request.query.get("input_token", ""))
        if info is None:
            return 200, {"data": {"is_valid": False}}, {}
        return (
            200,
            {
                "data": {
                    "type": "USER",
                    "application": "excerpt-bot",
                    "is_valid": info.value in self.tokens,
                    "expires_at": info.expires_at,
                    "issued_at": info.issued_at,
                    "scopes": ["threads_basic", "threads_content_publish"],
                    "user_id": USER_ID,
                }
            },
            {},
        )

    def _read(
        self, request: Request, parts: list[str], user: bool
    ) -> tuple[int, Any, dict[str, str]]:
        if user and parts[1:] == ["threads"]:
            limit = int(request.query.get("limit") or 25)
            return 200, {"data": list(reversed(self.state.published))[:limit]}, {}
        if user and len(parts) == 1:
            return 200, {"id": USER_ID, "username": USERNAME}, {}
        container = self.state.containers.get(parts[0]) if len(parts) == 1 else None
        if container is not None:
            return 200, {"id": container.id, "status": container.status}, {}
        for post in self.state.published:
            if len(parts) == 1 and post["id"] == parts[0]:
                return 200, {"id": post["id"], "permalink": post["permalink"]}, {}
        return _error(
            graph_error(
                100,
                "Unsupported get request: the object does not exist",
                kind="GraphMethodException",
            )
        )

    def _create(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        form = request.form
        if form.get("media_type") != "TEXT":
            return _error(graph_error(100, "Param media_type must be one of TEXT, IMAGE, ..."))
        text = form.get("text", "")
        if threads_count(text) > LIMIT:
            return _error(graph_error(100, "Param text must be at most 500 characters long."))
        container = Container(str(next(self._ids)), text, form.get("link_attachment"))
        self.state.containers[container.id] = container
        return 200, {"id": container.id}, {}

    def _publish(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        container = self.state.containers.get(request.form.get("creation_id", ""))
        if container is None or container.status != "FINISHED":
            return _error(graph_error(24, "The requested resource does not exist", subcode=4279009))
        media = str(next(self._ids))
        container.status, container.media = "PUBLISHED", media
        self.state.published.append(
            {
                "id": media,
                "text": container.text,
                "link": container.link,
                "permalink": f"https://www.threads.net/@{USERNAME}/post/C{media[-8:]}",
                "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            }
        )
        return 200, {"id": media}, {}

    def _refresh(self, request: Request) -> tuple[int, Any, dict[str, str]]:
        old = request.query.get("access_token", "")
        if request.query.get("grant_type") != "th_refresh_token" or old not in self.tokens:
            return _error(graph_error(190, "Error validating access token"))
        new = f"THAArefreshed-{len(self.refreshed) + 1}-{old[-6:]}"
        self.tokens.discard(old)
        self.tokens.add(new)
        self.refreshed.append(new)
        now = int(datetime.now(UTC).timestamp())
        self.token_info[new] = Token(new, now + LONG_LIVED, now)
        return 200, {"access_token": new, "token_type": "bearer", "expires_in": LONG_LIVED}, {}


def _error(answer) -> tuple[int, Any, dict[str, str]]:
    return answer.status, answer.body, {}


@pytest.fixture(name="threads_api")
def threads_api_fixture() -> Iterator[FakeThreads]:
    yield from serving(FakeThreads())
