"""A fake Telegram Bot API server on 127.0.0.1, for python-telegram-bot's real requests.

`FakeTelegramAPI` is a stdlib `ThreadingHTTPServer` on an ephemeral port that answers
`POST [/prefix]/bot<token>/<method>` (a prefix as a self-hosted Bot API server behind a
path has; tests give each daemon its own, to tell who called) for getMe, getChat,
getChatMember, sendMessage (with an inline keyboard, `reply_markup`), editMessageText,
answerCallbackQuery and getUpdates (long polling: it waits up to `timeout` seconds for an
update; like Telegram, a second getUpdates ends the one still waiting with 409 Conflict,
counted in `conflicts`), with form-encoded (what python-telegram-bot sends) or JSON
bodies. `press(message_id, data, user)` makes a `callback_query` update, as a user
pressing a button of that message does. Like Telegram it refuses a wrong token (401),
checks HTML payloads (unknown or unbalanced tags, a bare `<` or `&`: 400 "can't parse
entities"), limits a message to 4096 UTF-16 code units of visible text, and answers with
realistic JSON (message ids that increase, the chat with its username).
Every call is recorded in `calls`; every message it accepted in `messages`.

Failures are scripted for the next calls (`api.script(flood(3), server_error())`):
an error answer (429 with `retry_after`, 500, 401, 403, 400), a slow answer (the message
is posted, the answer comes late), or a dropped connection; `refuse_connections()` stops
listening altogether, `accept_connections()` listens again on the same port.

The server never logs: the stdlib would print request paths, which hold the token.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakes.server import QuietHandler, ServerThread, serving

TOKEN = "123456:TEST-SECRET-TOKEN-abcdef"
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "My Bot",
    "username": "my_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
CHANNEL = {"id": -1001234567890, "type": "channel", "title": "My Channel", "username": "my_channel"}
PRIVATE_CHANNEL = {"id": -1009876543210, "type": "channel", "title": "Private Notes"}
ADMIN_GROUP = {"id": -1001112223334, "type": "supergroup", "title": "Bot admins"}
ADMIN = {"id": 1001, "is_bot": False, "first_name": "Ann", "last_name": "Admin", "username": "ann"}
STRANGER = {"id": 2002, "is_bot": False, "first_name": "Mallory", "username": "mallory"}
MAX_LONG_POLL = 50.0  # getUpdates waits at most this long (Telegram's own limit)
MAX_TEXT_UNITS = 4096  # UTF-16 code units of visible text
MAX_DELAY = 3.0  # a slow answer never waits longer than this
MAX_HOLD = 30.0  # a held call is answered after this long at the latest

_PATH = re.compile(r"^(?:/[^/]+)*?/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running"
)


# --- scripted answers --------------------------------------------------------------------


@dataclass(frozen=True)
class Scripted:
    """How to answer one coming call instead of (or besides) the normal answer."""

    status: int = 200
    body: dict | None = None  # None: the normal answer
    delay: float = 0.0  # wait this long (at most MAX_DELAY) before answering
    drop: bool = False  # close the connection without answering
    deliver: bool = False  # with drop: still perform the call first (the message is posted)
    method: str | None = None  # only for a call of this method (None: the next call)
    gate: threading.Event | None = None  # hold the call, unanswered, until this is set


def error_body(code: int, description: str, **parameters: Any) -> dict:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def flood(retry_after: int = 3, method: str | None = None) -> Scripted:
    """429: flood control, with `parameters.retry_after` as Telegram sends it."""
    return Scripted(
        429,
        error_body(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after),
        method=method,
    )


def server_error(method: str | None = None) -> Scripted:
    return Scripted(500, error_body(500, "Internal Server Error"), method=method)


def unauthorized(method: str | None = None) -> Scripted:
    return Scripted(401, error_body(401, "Unauthorized"), method=method)


def forbidden(
    description: str = "Forbidden: bot was kicked from the channel chat", method: str | None = None
) -> Scripted:
    return Scripted(403, error_body(403, description), method=method)


def bad_request(
    description: str = "Bad Request: can't parse entities: unsupported start "
    'tag "foo" at byte offset 0',
    method: str | None = None,
) -> Scripted:
    return Scripted(400, error_body(400, description), method=method)


def slow(seconds: float, method: str | None = None) -> Scripted:
    """Perform the call, then answer only after `seconds` (at most MAX_DELAY)."""
    return Scripted(delay=min(seconds, MAX_DELAY), method=method)


def held(gate: threading.Event, method: str | None = None) -> Scripted:
    """Hold the call without an answer until `gate` is set (at most MAX_HOLD seconds, or
    until the server stops), then perform and answer it."""
    return Scripted(gate=gate, method=method)


def dropped(*, deliver: bool = False, method: str | None = None) -> Scripted:
    """Read the request, then close the connection without a word."""
    return Scripted(drop=True, deliver=deliver, method=method)


# --- Telegram's HTML parse mode, roughly ---------------------------------------------------


class EntityError(ValueError):
    """The text does not parse as Telegram HTML; the message is Telegram's wording."""


_TAG = re.compile(
    r"<(?P<end>/?)(?P<name>[A-Za-z][A-Za-z0-9-]*)"
    r"(?P<attrs>(?:\s+[A-Za-z-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))*)\s*>"
)
_ATTR = re.compile(r"([A-Za-z-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))")
_ENTITY = re.compile(r"&(?:#(?P<dec>[0-9]{1,7})|#[xX](?P<hex>[0-9a-fA-F]{1,6})|(?P<name>[a-z]+));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    name: str
    offset: int  # UTF-16 offset in the visible text
    attrs: dict[str, str]


@dataclass
class _HtmlParse:
    source: str
    visible: list[str] = field(default_factory=list)
    units: int = 0
    stack: list[_Open] = field(default_factory=list)
    entities: list[dict] = field(default_factory=list)

    def at(self, index: int) -> str:
        return f"at byte offset {len(self.source[:index].encode('utf-8'))}"

    def add_text(self, text: str) -> None:
        self.visible.append(text)
        self.units += utf16_units(text)

    def open_tag(self, name: str, attrs: dict[str, str], index: int) -> None:
        if name not in _TAG_TYPES:
            raise EntityError(f'unsupported start tag "{name}" {self.at(index)}')
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(f'tag "span" must have class "tg-spoiler" {self.at(index)}')
        self.stack.append(_Open(name, self.units, attrs))

    def close_tag(self, name: str, index: int) -> None:
        if not self.stack:
            raise EntityError(f'unexpected end tag "{name}" {self.at(index)}')
        top = self.stack.pop()
        if top.name != name:
            raise EntityError(
                f'unmatched end tag {self.at(index)}, expected "</{top.name}>", found "</{name}>"'
            )
        if self.units > top.offset:
            entity = {
                "offset": top.offset,
                "length": self.units - top.offset,
                "type": _TAG_TYPES[name],
            }
            if name == "a":
                entity["url"] = top.attrs.get("href", "")
            self.entities.append(entity)

    def tag(self, index: int) -> int:
        match = _TAG.match(self.source, index)
        if match is None:
            name = re.match(r"</?([^\s>]*)", self.source[index:]).group(1)
            raise EntityError(f'unsupported start tag "{name}" {self.at(index)}')
        name = match["name"].lower()
        if match["end"]:
            self.close_tag(name, index)
        else:
            attrs = {
                m[0].lower(): m[1] or m[2] or m[3] or "" for m in _ATTR.findall(match["attrs"])
            }
            self.open_tag(name, attrs, index)
        return match.end()

    def entity(self, index: int) -> int:
        match = _ENTITY.match(self.source, index)
        if match is None or (match["name"] and match["name"] not in _NAMED):
            raise EntityError(f'character "&" {self.at(index)} must be escaped as "&amp;"')
        if match["name"]:
            self.add_text(_NAMED[match["name"]])
        else:
            self.add_text(chr(int(match["dec"]) if match["dec"] else int(match["hex"], 16)))
        return match.end()


def parse_html(text: str) -> tuple[str, list[dict]]:
    """The visible text and the entities of an HTML-mode message, or EntityError."""
    parse = _HtmlParse(text)
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            index = parse.tag(index)
        elif char == "&":
            index = parse.entity(index)
        else:
            run = re.compile(r"[^<&]+").match(text, index)
            parse.add_text(run.group())
            index = run.end()
    if parse.stack:
        name = parse.stack[-1].name
        raise EntityError(f'can\'t find end tag corresponding to start tag "{name}"')
    return "".join(parse.visible), sorted(parse.entities, key=lambda e: e["offset"])


# --- the server ----------------------------------------------------------------------------


class ApiError(Exception):
    """Answer the call with this error (status, description)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@dataclass(frozen=True)
class Call:
    """One request as the server received it."""

    method: str
    params: dict[str, Any]
    token: str
    content_type: str
    path: str  # as requested: [/prefix]/bot<token>/<method>


class FakeTelegramAPI:
    """The fake server. `start()` it, point the bot at `base_url`, read `calls`/`messages`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_user = dict(BOT_USER)
        self.chats: dict[int, dict] = {
            CHANNEL["id"]: dict(CHANNEL),
            PRIVATE_CHANNEL["id"]: dict(PRIVATE_CHANNEL),
            ADMIN_GROUP["id"]: dict(ADMIN_GROUP),
        }
        self.bot_status = "administrator"  # the bot's status in every chat
        self.can_post_messages = True
        self.calls: list[Call] = []
        self.messages: list[dict] = []
        self.port = 0
        self._script: list[Scripted] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._running: ServerThread | None = None
        self._next_message_id = 1
        self.updates: list[dict] = []  # not yet confirmed by a getUpdates offset past them
        self.answers: dict[str, str | None] = {}  # callback query id -> the answer's text
        self.edits: list[dict] = []  # every accepted editMessageText, its parameters
        self._queries: set[str] = set()  # pressed, not yet answered
        self._next_update_id = 100
        self._update_came = threading.Condition(self._lock)
        self._polls = 0  # getUpdates calls so far: the latest one is the one that waits
        self.conflicts = 0  # getUpdates ended by another one (409 Conflict)

    @property
    def base_url(self) -> str:
        """What `api_base_url` should be: the bot appends /bot<token>/<method>."""
        return f"http://127.0.0.1:{self.port}"

    # lifecycle

    def start(self) -> FakeTelegramAPI:
        self._stopping.clear()
        self.accept_connections()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.refuse_connections()
        with self._update_came:
            self._update_came.notify_all()

    def accept_connections(self) -> None:
        """Listen (again, on the same port once it had one)."""
        if self._running is not None:
            return
        self._running = ServerThread(
            self, _Handler, port=self.port, poll_interval=0.02, name="fake-telegram-api"
        )
        self.port = self._running.port

    def refuse_connections(self) -> None:
        """Stop listening and cut open connections: a connect now fails (refused)."""
        running, self._running = self._running, None
        if running is not None:
            running.stop(join_timeout=2)

    # scripting and reading

    def script(self, *answers: Scripted) -> None:
        """Answer the next matching calls like this, in order."""
        with self._lock:
            self._script.extend(answers)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def messages_in(self, chat: dict) -> list[dict]:
        """The messages accepted in `chat` (as edited since), in order."""
        with self._lock:
            return [m for m in self.messages if m["chat"]["id"] == chat["id"]]

    def press(self, message_id: int, data: str, user: dict = ADMIN) -> str:
        """`user` presses the button with callback `data` under message `message_id`: a
        `callback_query` update for getUpdates. Returns the query's id."""
        with self._lock:
            message = next(m for m in self.messages if m["message_id"] == message_id)
            query_id = f"q{self._next_update_id}"
            update = {
                "update_id": self._next_update_id,
                "callback_query": {
                    "id": query_id,
                    "from": dict(user),
                    "chat_instance": "-4242",
                    "data": data,
                    "message": {k: v for k, v in message.items() if k != "params"},
                },
            }
            self._next_update_id += 1
            self._queries.add(query_id)
            self.updates.append(update)
            self._update_came.notify_all()
        return query_id

    # handling (on the server's threads)

    def _record(self, call: Call) -> Scripted | None:
        with self._lock:
            self.calls.append(call)
            for index, answer in enumerate(self._script):
                if answer.method in (None, call.method):
                    return self._script.pop(index)
        return None

    def perform(self, call: Call) -> tuple[int, dict]:
        """The normal answer to `call`: (status, body)."""
        if call.token != self.token:
            return 401, error_body(401, "Unauthorized")
        handler = getattr(self, f"_api_{call.method}", None)
        if handler is None:
            return 404, error_body(404, "Not Found")
        try:
            return 200, {"ok": True, "result": handler(call.params)}
        except ApiError as exc:
            return exc.status, error_body(exc.status, exc.description)

    def _chat(self, chat_id: Any) -> dict:
        text = str(chat_id or "")
        for chat in self.chats.values():
            if text == str(chat["id"]) or (
                chat.get("username") and text.lower() == "@" + chat["username"].lower()
            ):
                return chat
        raise ApiError(400, "Bad Request: chat not found")

    def _api_getMe(self, params: dict) -> dict:
        return dict(self.bot_user)

    def _api_getChat(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _api_getChatMember(self, params: dict) -> dict:
        self._chat(params.get("chat_id"))
        member: dict[str, Any] = {"user": dict(self.bot_user), "status": self.bot_status}
        if self.bot_status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": False,
                    "can_restrict_members": False,
                    "can_promote_members": False,
                    "can_change_info": False,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                    "can_post_messages": self.can_post_messages,
                    "can_edit_messages": True,
                }
            )
        return member

    def _api_sendMessage(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        self._check_may_post(chat)
        text = str(params.get("text", ""))
        visible, entities = self._visible(text, params.get("parse_mode"))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_units(visible) > MAX_TEXT_UNITS:
            raise ApiError(400, "Bad Request: message is too long")
        short_chat = {k: chat[k] for k in ("id", "type", "title", "username") if k in chat}
        with self._lock:
            message_id, self._next_message_id = self._next_message_id, self._next_message_id + 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "sender_chat": short_chat,
            "chat": short_chat,
            "date": int(time.time()),
            "text": visible,
        }
        if entities:
            message["entities"] = entities
        options = params.get("link_preview_options")
        if options:
            message["link_preview_options"] = options
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self.messages.append({**message, "params": params})
        return message

    def _api_editMessageText(self, params: dict) -> dict:
        chat = self._chat(params.get("chat_id"))
        text = str(params.get("text", ""))
        visible, entities = self._visible(text, params.get("parse_mode"))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_units(visible) > MAX_TEXT_UNITS:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._lock:
            message = next(
                (
                    m
                    for m in self.messages
                    if m["chat"]["id"] == chat["id"]
                    and str(m["message_id"]) == str(params.get("message_id"))
                ),
                None,
            )
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            markup = params.get("reply_markup")
            if message["text"] == visible and message.get("reply_markup") == markup:
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new "
                    "message content and reply markup are exactly the same as a "
                    "current content and reply markup of the message",
                )
            message.update(text=visible, entities=entities, edit_date=int(time.time()))
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)  # no keyboard given: its buttons go
            self.edits.append(params)
            return {k: v for k, v in message.items() if k != "params"}

    def _api_answerCallbackQuery(self, params: dict) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            if query_id not in self._queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout "
                    "expired or query ID is invalid",
                )
            self._queries.discard(query_id)
            self.answers[query_id] = params.get("text")
        return True

    def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        deadline = time.monotonic() + wait
        with self._update_came:
            self._polls += 1
            mine = self._polls
            self._update_came.notify_all()  # a getUpdates still waiting ends in a conflict
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and not self._stopping.is_set():
                if self._polls != mine:
                    self.conflicts += 1
                    raise ApiError(409, CONFLICT)
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._update_came.wait(left)
            return list(self.updates[: int(params.get("limit") or 100)])

    def _check_may_post(self, chat: dict) -> None:
        if self.bot_status in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat['type']} chat")
        if chat["type"] == "channel" and (
            self.bot_status != "administrator" or not self.can_post_messages
        ):
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")

    @staticmethod
    def _visible(text: str, parse_mode: Any) -> tuple[str, list[dict]]:
        if parse_mode in (None, ""):
            return text, []
        if str(parse_mode).lower() != "html":
            return text, []  # Markdown modes are not checked by this fake
        try:
            return parse_html(text)
        except EntityError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None


def parse_params(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """The call's parameters as Telegram reads them: form or JSON body, plus the query."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        params.update(json.loads(body))
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in (
        "link_preview_options",
        "reply_parameters",
        "entities",
        "reply_markup",
        "allowed_updates",
    ):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    for key in ("disable_notification", "protect_content"):
        if isinstance(params.get(key), str):
            params[key] = params[key] == "true"
    return params


class _Handler(QuietHandler):  # HTTP/1.1: keep-alive, as Telegram's servers do
    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        fake: FakeTelegramAPI = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        match = _PATH.match(url.path)
        if match is None:
            self._answer(404, error_body(404, "Not Found"))
            return
        content_type = self.headers.get("Content-Type", "")
        call = Call(
            match["method"],
            parse_params(content_type, body, url.query),
            match["token"],
            content_type,
            url.path,
        )
        scripted = fake._record(call)
        if scripted is None:
            self._answer(*fake.perform(call))
        elif scripted.drop:
            if scripted.deliver:
                fake.perform(call)
            self.close_connection = True  # no answer at all
        elif scripted.body is not None:
            self._answer(scripted.status, scripted.body)
        elif scripted.gate is not None:
            deadline = time.monotonic() + MAX_HOLD
            while not (
                scripted.gate.is_set() or fake._stopping.is_set() or time.monotonic() > deadline
            ):
                scripted.gate.wait(0.05)
            self._answer(*fake.perform(call))
        else:  # slow: the call is performed now, the answer comes late
            status, answer = fake.perform(call)
            fake._stopping.wait(scripted.delay)
            self._answer(status, answer)

    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timed out) first
            self.close_connection = True


@pytest.fixture(name="telegram_api")
def telegram_api_fixture():
    """`telegram_api`: a running FakeTelegramAPI for one test, stopped afterwards.

    Import `telegram_api_fixture` into a test module (`# noqa: F401`) to use it.
    """
    yield from serving(FakeTelegramAPI())
