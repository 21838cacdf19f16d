"""What the Graph-style platforms (Threads, LinkedIn, Facebook Pages) share: one httpx
client with timeouts, their errors mapped once, and a token kept fresh in the channel's
memory.

    GraphClient(platform=..., base_url=..., timeout=..., hint=...)
        await client.call(method, path, token=..., sending=..., params/data/json/headers)
                                            the answer (2xx), or the ChannelError it means
    graph_error(response, platform, sending=..., hint=...)   what a non-2xx answer means
    TokenKeeper(memory, seed, clock)        the token in use: the stored one (refreshed
                                            earlier), or the environment's when it changed
    token_expiring(...)                     the daily `channel.token_expiring` warning

Errors, by the code in the body first and the HTTP status second (Graph sends its rate
limits with 400 or 403: a 403 is not necessarily an auth problem):

    HTTP 429; Graph codes 4, 17, 32, 613, 80001-80014   RateLimitedError (retry_after: the
                                            Retry-After header, else the usage header's
                                            estimated_time_to_regain_access, else a minute)
    Graph 190, 102, 10, 200-299; HTTP 401; 403 without a code   AuthError (the channel is
                                            paused, with one line saying what to do)
    Graph 1, 2 or is_transient; HTTP 5xx     AmbiguousError while sending (it may be out),
                                            NotDeliveredError for a read or a step that
                                            posts nothing
    other 4xx                               RejectedError with the platform's message
    could not connect                       NotDeliveredError
    read timeout, dropped connection        AmbiguousError while sending, else
                                            NotDeliveredError

Tokens. The environment variable seeds the first token; the channel keeps the token it
uses in its memory (`TOKEN_KEY`, with a hash of the environment value it came from), so
a refreshed token is used from then on — by sends, `check --online` and after restarts —
until the environment holds a different value, which replaces it. Its expiry goes to
memory as `token_expires_at` (ISO 8601, or "never"), where `status` and /metrics read it.
No token is ever logged: each is registered with the redactor as soon as it is seen.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import log_event, redact, register_secrets
from bot.platforms.base import Channel

if TYPE_CHECKING:  # httpx is imported when a channel first talks to its platform
    import httpx

    from bot.platforms.base import Memory

TOKEN_KEY = "token"  # the channel's memory: the token in use (JSON, a secret)
EXPIRES_KEY = "token_expires_at"  # the channel's memory: when it lapses (not a secret)
NEVER = "never"
WARN_BEFORE = timedelta(days=14)  # `channel.token_expiring` from this long before expiry
DEFAULT_WAIT = 60.0  # seconds, when a rate limit does not say how long
_MAX_REASON = 300

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
AUTH_CODES = frozenset({102, 190, 10, *range(200, 300)})
TRANSIENT_CODES = frozenset({1, 2})


# --- requests ----------------------------------------------------------------------------


class GraphClient:
    """One platform's API over httpx (one client per event loop); `hint` says how to fix a
    refused credential, for the line that pauses the channel."""

    def __init__(
        self,
        *,
        platform: str,
        base_url: str,
        timeout: float,
        hint: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.hint = hint
        self.headers = dict(headers or {})
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        sending: bool = False,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request; its 2xx answer, or the ChannelError the failure means. `sending`:
        this request may publish the post (a failure without an answer is ambiguous).
        `path` is under `base_url`, or a whole URL (an upload address)."""
        import httpx

        url = path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"
        sent_headers = {**self.headers, **(headers or {})}
        if token is not None:
            register_secrets(token)
            sent_headers["Authorization"] = f"Bearer {token}"
        try:
            response = await self._http().request(
                method,
                url,
                params=params,
                data=data,
                json=json,
                content=content,
                headers=sent_headers,
            )
        except httpx.TransportError as exc:
            raise self.transport_error(exc, sending=sending) from exc
        if not response.is_success:
            raise graph_error(response, self.platform, sending=sending, hint=self.hint)
        return response

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

    def transport_error(self, exc: Exception, *, sending: bool) -> ChannelError:
        import httpx

        reason = redact(" ".join(str(exc).split()) or type(exc).__name__)
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return NotDeliveredError(f"could not connect to {self.platform}: {reason}")
        if not sending:
            return NotDeliveredError(f"{self.platform} did not answer ({reason})")
        if isinstance(exc, httpx.TimeoutException):
            return AmbiguousError(
                f"no answer from {self.platform} within {self.timeout:g}s: "
                "the post may have gone out"
            )
        return AmbiguousError(
            f"{self.platform} did not answer ({reason}): the post may have gone out"
        )

    def _http(self) -> httpx.AsyncClient:
        import httpx

        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # connections belong to the loop that opened them
            self._client, self._loop = None, loop
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                headers={"User-Agent": "excerpt-bot"},
            )
        return self._client


def body_of(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def graph_error(
    response: httpx.Response, platform: str, *, sending: bool = False, hint: str = ""
) -> ChannelError:
    """What a non-2xx answer means (see the module docstring): the code in the body
    first, then the HTTP status."""
    status = response.status_code
    body = body_of(response)
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = _int(error.get("code")) if error else _int(body.get("serviceErrorCode"))
    message = (
        error.get("message") or error.get("error_user_msg")
        if error
        else body.get("message") or body.get("error_description") or body.get("error")
    )
    said = _said(status, code, message, response)
    if status == 429 or (error and code in RATE_LIMIT_CODES):
        return RateLimitedError(f"{platform}'s rate limit: {said}", retry_after=_wait(response))
    if (error and code in AUTH_CODES) or status == 401 or (status == 403 and not error):
        return AuthError(f"{platform} refused the token: {said}" + (f" ({hint})" if hint else ""))
    if status >= 500 or (error and (code in TRANSIENT_CODES or error.get("is_transient"))):
        if sending:
            return AmbiguousError(f"{platform} failed ({said}): the post may have gone out")
        return NotDeliveredError(f"{platform} failed ({said})")
    return RejectedError(f"{platform} refused the post: {said}")


def _said(status: int, code: int | None, message: Any, response: httpx.Response) -> str:
    text = " ".join(str(message).split()) if message else ""
    if not text:
        text = " ".join(response.text.split())[:_MAX_REASON] or response.reason_phrase
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 1] + "…"
    where = f"{status}" + (f", code {code}" if code is not None else "")
    return redact(f"{text} ({where})")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _wait(response: httpx.Response) -> float:
    """Seconds a rate limit asks to wait: Retry-After; else the longest
    estimated_time_to_regain_access (minutes) of the usage headers; else a minute."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    except ValueError:
        pass
    minutes = []
    for name in ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage"):
        try:
            usage = json.loads(response.headers.get(name) or "null")
        except ValueError:
            continue
        for entry in _usage_entries(usage):
            value = _int(entry.get("estimated_time_to_regain_access"))
            if value:
                minutes.append(value)
    return max(minutes) * 60.0 if minutes else DEFAULT_WAIT


def _usage_entries(usage: Any) -> list[dict[str, Any]]:
    if isinstance(usage, dict) and "estimated_time_to_regain_access" in usage:
        return [usage]
    if isinstance(usage, dict):
        return [
            e
            for value in usage.values()
            if isinstance(value, list)
            for e in value
            if isinstance(e, dict)
        ]
    return []


# --- tokens ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredToken:
    """The token a channel uses, as kept in its memory.

    `seed` is a hash of the environment value it descends from; `seen_at` when that value
    was first seen or the token last refreshed (its age); `expires_at` None until learnt,
    `NEVER` for a token that does not expire; `refresh` a refresh token, where one is.
    """

    value: str
    seed: str
    seen_at: str
    expires_at: str | None = None
    refresh: str | None = None

    @property
    def expiry(self) -> datetime | None:
        if self.expires_at in (None, NEVER):
            return None
        return datetime.fromisoformat(self.expires_at)

    @property
    def age_start(self) -> datetime:
        return datetime.fromisoformat(self.seen_at)


def seed_of(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds")


class TokenKeeper:
    """The token a channel sends with: its memory's, unless the environment changed.

    `seed` is the environment's token; `clock` the channel's.
    """

    def __init__(
        self, channel: str, seed: str, clock: Callable[[], datetime], memory: Callable[[], Memory]
    ) -> None:
        register_secrets(seed)
        self.channel = channel
        self._seed = seed
        self._clock = clock
        self._memory = memory
        self._token: StoredToken | None = None

    async def token(self) -> StoredToken:
        """The token in use: remembered, or seeded from the environment (then remembered)."""
        if self._token is not None:
            return self._token
        seed = seed_of(self._seed)
        kept = _parse(await self._memory().recall(TOKEN_KEY))
        if kept is not None and kept.seed == seed:
            register_secrets(kept.value, kept.refresh)
            self._token = kept
            return kept
        if kept is not None:
            log_event(
                "channel.token_replaced",
                channel=self.channel,
                reason="the environment holds a different token",
            )
        fresh = StoredToken(self._seed, seed, iso(self._clock()))
        await self._keep(fresh)
        return fresh

    async def value(self) -> str:
        return (await self.token()).value

    async def learnt(
        self, *, expires_at: datetime | None, never: bool = False, issued_at: datetime | None = None
    ) -> StoredToken:
        """The token's expiry (and when it was issued), as the platform told it."""
        token = await self.token()
        token = replace(
            token,
            expires_at=NEVER if never else (iso(expires_at) if expires_at else None),
            seen_at=iso(issued_at) if issued_at else token.seen_at,
        )
        await self._keep(token)
        return token

    async def refreshed(
        self, value: str, *, expires_at: datetime | None, refresh: str | None = None
    ) -> StoredToken:
        """A new token from a refresh: used from now on (the old one may be void)."""
        register_secrets(value, refresh)
        token = await self.token()
        token = replace(
            token,
            value=value,
            seen_at=iso(self._clock()),
            expires_at=iso(expires_at) if expires_at else None,
            refresh=refresh or token.refresh,
        )
        await self._keep(token)
        log_event("channel.token_refreshed", channel=self.channel, expires_at=token.expires_at)
        return token

    async def _keep(self, token: StoredToken) -> None:
        self._token = token
        memory = self._memory()
        await memory.remember(TOKEN_KEY, json.dumps(asdict(token)))
        await memory.remember(EXPIRES_KEY, token.expires_at)


def _parse(value: str | None) -> StoredToken | None:
    try:
        data = json.loads(value) if value else None
        return StoredToken(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None


def expiry_words(token: StoredToken) -> str:
    """ "token valid until 2027-01-30", "token does not expire", or "token expiry unknown"."""
    if token.expires_at == NEVER:
        return "token does not expire"
    if token.expiry is None:
        return "token expiry unknown"
    return f"token valid until {token.expiry.date().isoformat()}"


def warn_if_expiring(channel: str, token: StoredToken, now: datetime, *, how: str) -> bool:
    """Log `channel.token_expiring` (daily, as `maintain` runs) when the token lapses
    within WARN_BEFORE; `how` says how to get a new one. True when it warned."""
    expiry = token.expiry
    if expiry is None or expiry - now > WARN_BEFORE:
        return False
    left = expiry - now
    log_event(
        "channel.token_expiring",
        level=logging.WARNING,
        channel=channel,
        expires_at=token.expires_at,
        days_left=max(0, left.days),
        hint=f"the token cannot be refreshed by the bot: {how}, then restart it",
    )
    return True


# --- the channels' shared part -------------------------------------------------------------


class GraphChannel(Channel):
    """A channel on a Graph-style API: its client, its token kept fresh (`maintain`, at
    start-up and daily). A platform says how it learns a token's expiry
    (`learn_expiry`), whether and when it refreshes (`refresh_due`, `refresh`), and how a
    user gets a new token by hand (`renew_how`, for `channel.token_expiring`)."""

    renew_how = "create a new token"

    def __init__(self, name: str, *, token: str, client: GraphClient) -> None:
        self.name = name
        self.client = client
        self.tokens = TokenKeeper(name, token, lambda: self.clock(), lambda: self.memory)

    async def start(self) -> None:
        await self.maintain()

    async def maintain(self) -> None:
        try:
            token = await self.tokens.token()
            if token.expires_at is None:
                token = await self.learn_expiry(token)
        except ChannelError as exc:
            log_event(
                "channel.token_unchecked",
                level=logging.WARNING,
                channel=self.name,
                error=redact(str(exc)),
            )
            return
        refreshable = self.can_refresh(token, self.clock())
        if refreshable and self.refresh_due(token, self.clock()):
            try:
                token = await self.refresh(token)
            except ChannelError as exc:
                refreshable = False
                log_event(
                    "channel.token_refresh_failed",
                    level=logging.WARNING,
                    channel=self.name,
                    error=redact(str(exc)),
                )
        if not refreshable:
            warn_if_expiring(self.name, token, self.clock(), how=self.renew_how)

    async def learn_expiry(self, token: StoredToken) -> StoredToken:
        """The token with its expiry, as the platform says it (default: unknown)."""
        return token

    def refresh_due(self, token: StoredToken, now: datetime) -> bool:
        return False

    def can_refresh(self, token: StoredToken, now: datetime) -> bool:
        """Whether the bot can get a new token itself (else it warns before expiry)."""
        return False

    async def refresh(self, token: StoredToken) -> StoredToken:
        return token

    async def expiry_words(self) -> str:
        """How long the token lasts, for `check --online`: learnt now if not yet known."""
        token = await self.tokens.token()
        if token.expires_at is None:
            token = await self.learn_expiry(token)
        return expiry_words(token)

    async def pending(self, key: str) -> dict[str, Any] | None:
        """What was noted before a send under `key` that may have gone out."""
        try:
            value = json.loads(await self.memory.recall(f"pending:{key}") or "null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    async def note_pending(self, key: str, value: dict[str, Any] | None) -> None:
        await self.memory.remember(f"pending:{key}", None if value is None else json.dumps(value))

    async def aclose(self) -> None:
        await self.client.aclose()


def delivery_key(post: Any) -> str:
    """The key a post goes out under: dispatch's, else one of its own (a post sent by hand)."""
    return post.key or f"excerpt-bot-{post.channel}-{post.id}"
