"""The Mastodon platform: its settings, and a channel that posts statuses through Mastodon.py
to one account on one instance.

Every status goes with `Idempotency-Key: post.key`: Mastodon answers a repeat of the key
within an hour with the status it already created, so dispatch retries an ambiguous send
under the same key within the slot's grace (`Capabilities.idempotency_keys`).

The instance sets its own limits (`configuration.statuses.max_characters` and
`characters_reserved_per_url` in `/api/v2/instance`, else `/api/v1/instance`). The
channel reads them when it starts and in `check`, and keeps them in its memory
(`LIMITS_KEY`, with the instance they came from); `MastodonSettings.with_memory` fills the
`max_characters`/`characters_reserved_per_url` settings from there, and
`MastodonSettings.render_profile` renders to them (`bot.render.platforms.mastodon_profile`,
the content warning counted within the limit, as Mastodon counts it).

Mastodon.py is synchronous: each call runs in a worker thread (`bot.offloop.in_thread`)
with a request timeout, and raises on a rate limit instead of sleeping
(`ratelimit_method="throw"`). `channel_error` is the one place its errors become ours:

    429 Too Many Requests         RateLimitedError (retry_after: until X-RateLimit-Reset)
    401 Unauthorized, 403         AuthError (the token is wrong, revoked or lacks a scope)
    404 Not Found                 AuthError (no Mastodon API there: check `instance`)
    422 and other 4xx             RejectedError, with the server's message
    5xx, unreadable answer        AmbiguousError
    could not connect             NotDeliveredError (refused, DNS, connect timeout, TLS)
    read timeout, dropped         AmbiguousError
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, TypeVar

from pydantic import Field, StringConstraints

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, HttpBaseUrl, PositiveDuration, StrictInt, StrictStr
from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import log_event, redact, register_secrets
from bot.offloop import in_thread
from bot.platforms.base import (
    Capabilities,
    Channel,
    Delivery,
    OutgoingPost,
    Platform,
    Quota,
    Quotas,
)

if TYPE_CHECKING:  # Mastodon.py is imported when a channel first talks to its instance
    import mastodon

    from bot.render import Profile

__all__ = ["LIMITS_KEY", "InstanceLimits", "MastodonChannel", "MastodonSettings", "channel_error"]

LIMITS_KEY = "instance_limits"  # the channel's memory: the instance's limits, as JSON
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_CHARACTERS = 23
IDEMPOTENCY_WINDOW = timedelta(hours=1)  # how long Mastodon keeps an Idempotency-Key

_TOKEN_HINT = (
    "check the access token (Preferences → Development → your application: its token, with "
    "the write:statuses scope), then resume the channel"
)

T = TypeVar("T")

LanguageTag = Annotated[
    StrictStr, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
]


@dataclass(frozen=True, slots=True)
class InstanceLimits:
    """What an instance allows a status, as it says in /api/v2/instance (or v1)."""

    max_characters: int
    characters_reserved_per_url: int
    domain: str

    def to_json(self, instance: str) -> str:
        return json.dumps({"instance": instance, **asdict(self)})

    @classmethod
    def from_json(cls, value: str | None, instance: str) -> InstanceLimits | None:
        """The limits kept for `instance`; None when none are, or they are another's."""
        try:
            kept = json.loads(value) if value else None
            if not isinstance(kept, dict) or kept.pop("instance", None) != instance:
                return None
            return cls(
                int(kept["max_characters"]),
                int(kept["characters_reserved_per_url"]),
                str(kept["domain"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


class MastodonSettings(ChannelSettings):
    """An account on a Mastodon instance, through an application's access token."""

    platform: Literal["mastodon"] = Field(description="Posts go to Mastodon.")
    instance: HttpBaseUrl = Field(
        description='The instance\'s address, e.g. "https://mastodon.social".'
    )
    access_token_env: EnvVarName = Field(
        "MASTODON_ACCESS_TOKEN",
        description="Variable with the application's access token (write:statuses).",
    )
    visibility: Literal["public", "unlisted", "private"] = Field(
        "public", description="Who sees the posts: public, unlisted or private (followers)."
    )
    spoiler_text: Annotated[StrictStr, StringConstraints(min_length=1)] | None = Field(
        None, description="A content warning on every post (it counts within the limit)."
    )
    language: LanguageTag | None = Field(
        None, description="The posts' language, e.g. \"en\" (default: the article's)."
    )
    max_characters: Annotated[StrictInt, Field(ge=100)] | None = Field(
        None, description="The instance's limit per post (default: as the instance says)."
    )
    characters_reserved_per_url: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None, description="What a link counts (default: as the instance says, else 23)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"access_token": self.access_token_env}

    def destination(self) -> str:
        return f"mastodon at {self.instance} ({self.visibility})"

    def render_profile(self, profile: Profile) -> Profile:
        from bot.render.platforms import mastodon_profile

        return mastodon_profile(
            self.max_characters or DEFAULT_MAX_CHARACTERS,
            self.characters_reserved_per_url or DEFAULT_URL_CHARACTERS,
            self.spoiler_text or "",
        )

    def with_memory(self, recall: Callable[[str], str | None]) -> Self:
        """The instance's limits as the channel last read them, where not set by hand."""
        if self.max_characters is not None and self.characters_reserved_per_url is not None:
            return self
        limits = InstanceLimits.from_json(recall(LIMITS_KEY), self.instance.rstrip("/"))
        if limits is None:
            return self
        return self.model_copy(
            update={
                "max_characters": self.max_characters or limits.max_characters,
                "characters_reserved_per_url": (
                    self.characters_reserved_per_url or limits.characters_reserved_per_url
                ),
            }
        )


class MastodonChannel(Channel):
    """Posts statuses to the account whose `access_token` it holds, on `instance`."""

    def __init__(
        self,
        name: str,
        *,
        instance: str,
        access_token: str,
        visibility: str = "public",
        spoiler_text: str | None = None,
        language: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.instance = instance.rstrip("/")
        self._access_token = access_token
        self.visibility = visibility
        self.spoiler_text = spoiler_text
        self.language = language
        self.timeout = timeout
        self._client: mastodon.Mastodon | None = None
        register_secrets(access_token)

    async def send(self, post: OutgoingPost) -> Delivery:
        client = self._mastodon()
        status = await self._call(
            lambda: client.status_post(
                post.text,
                in_reply_to_id=post.reply_to,
                visibility=self.visibility,
                spoiler_text=self.spoiler_text,
                language=self.language or post.language,
                # Dispatch gives every post its key; one without (a post sent by hand) gets
                # its own id, still unique to it.
                idempotency_key=post.key or f"excerpt-bot-{post.channel}-{post.id}",
            )
        )
        return Delivery(remote_id=str(status["id"]), remote_url=status.get("url"))

    async def check(self) -> str:
        client = self._mastodon()
        try:
            me = await self._call(client.account_verify_credentials)
        except AuthError as exc:
            if not str(exc).startswith("403"):
                raise
            raise AuthError(
                f"{str(exc).split(' (')[0]} (`check --online` reads the account: "
                "give the application the read:accounts scope too)"
            ) from exc
        limits = await self.read_limits()
        return f"posts as @{me['username']}@{limits.domain} ({limits.max_characters} characters)"

    async def start(self) -> None:
        try:
            await self.read_limits()
        except ChannelError as exc:
            kept = InstanceLimits.from_json(await self.memory.recall(LIMITS_KEY), self.instance)
            log_event(
                "channel.limits_unread",
                level=logging.WARNING,
                channel=self.name,
                error=redact(str(exc)),
                action=(
                    f"kept {kept.max_characters} characters from before"
                    if kept
                    else f"assumed {DEFAULT_MAX_CHARACTERS} characters"
                ),
            )

    async def read_limits(self) -> InstanceLimits:
        """The instance's limits, read now and kept in the channel's memory."""
        client = self._mastodon()
        limits = await self._call(lambda: instance_limits(client))
        await self.memory.remember(LIMITS_KEY, limits.to_json(self.instance))
        return limits

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.session.close()
            self._client = None

    async def _call(self, request: Callable[[], T]) -> T:
        """Run one blocking Mastodon.py call in a worker thread, its errors translated."""
        import mastodon

        try:
            return await in_thread(request)
        except mastodon.MastodonError as exc:
            raise channel_error(
                exc,
                ratelimit_reset=self._client.ratelimit_reset if self._client is not None else None,
            ) from exc

    def _mastodon(self) -> mastodon.Mastodon:
        import mastodon

        if self._client is None:
            self._client = mastodon.Mastodon(
                access_token=self._access_token,
                api_base_url=self.instance,
                request_timeout=self.timeout,
                ratelimit_method="throw",
                version_check_mode="none",
            )
        return self._client


def instance_limits(client: mastodon.Mastodon) -> InstanceLimits:
    """Read the instance's limits: /api/v2/instance, else /api/v1/instance (older
    servers), the defaults for what it does not say. Blocking (Mastodon.py)."""
    import mastodon

    try:
        info = client.instance_v2()
        domain = info.get("domain")
    except mastodon.MastodonNotFoundError:
        info = client.instance_v1()
        domain = info.get("uri")
    statuses = (info.get("configuration") or {}).get("statuses") or {}
    return InstanceLimits(
        max_characters=_positive(
            statuses.get("max_characters"), info.get("max_toot_chars")
        )  # Pleroma and kin say so in v1
        or DEFAULT_MAX_CHARACTERS,
        characters_reserved_per_url=_positive(statuses.get("characters_reserved_per_url"))
        or DEFAULT_URL_CHARACTERS,
        domain=str(domain or client.api_base_url.split("://", 1)[-1]).strip("/"),
    )


def _positive(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


# --- errors ----------------------------------------------------------------------------------


def channel_error(
    exc: Exception, *, ratelimit_reset: float | None = None, now: float | None = None
) -> ChannelError:
    """The `ChannelError` that says what `exc` (from Mastodon.py) means for a post.
    `ratelimit_reset` is when the client last read the window to end (epoch seconds)."""
    import mastodon

    if isinstance(exc, mastodon.MastodonRatelimitError):
        now = time.time() if now is None else now
        wait = None if ratelimit_reset is None else max(1.0, ratelimit_reset - now + 1.0)
        return RateLimitedError(
            "429 Too Many Requests: the instance's rate limit is used up", retry_after=wait
        )
    if isinstance(exc, mastodon.MastodonNetworkError):
        if _never_connected(exc):
            return NotDeliveredError(f"could not connect to Mastodon: {_one_line(exc)}")
        return AmbiguousError(f"no answer from Mastodon, the post may be out: {_one_line(exc)}")
    if isinstance(exc, mastodon.MastodonAPIError):
        return _api_error(exc)
    return RejectedError(f"Mastodon.py refused the request: {_one_line(exc)}")


def _api_error(exc: mastodon.MastodonAPIError) -> ChannelError:
    """An HTTP error status: ('Mastodon API returned error', status, reason, message)."""
    args = exc.args
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    if status is None:  # an answer it could not read: the status may have been created
        return AmbiguousError(
            f"Mastodon's answer could not be read, the post may be out: {_one_line(exc)}"
        )
    reason = args[2] if len(args) > 2 and args[2] else ""
    said = args[3] if len(args) > 3 and args[3] else ""
    message = redact(" ".join(f"{status} {reason}: {said}".split()).rstrip(":"))
    if status in (401, 403):
        return AuthError(f"{message} ({_TOKEN_HINT})")
    if status == 404:
        return AuthError(f"{message} (no Mastodon API there: check the channel's instance)")
    if status >= 500:
        return AmbiguousError(f"{message} (Mastodon failed, the post may be out)")
    return RejectedError(message)


def _one_line(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split())) or type(exc).__name__


def _never_connected(exc: BaseException) -> bool:
    """True when the request certainly never left: the connection itself could not be made.
    (Mastodon.py raises its network error inside `except`, so the cause is its context.)"""
    never_connected = _never_connected_errors()
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, never_connected):
            return True
        linked = [*error.args, getattr(error, "reason", None), error.__cause__, error.__context__]
        pending += [e for e in linked if isinstance(e, BaseException)]
    return False


@cache
def _never_connected_errors() -> tuple[type[BaseException], ...]:
    import requests
    import urllib3.exceptions

    return (
        urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS
        urllib3.exceptions.ConnectTimeoutError,
        requests.exceptions.ConnectTimeout,
        requests.exceptions.SSLError,  # the TLS handshake failed: nothing was sent
        requests.exceptions.ProxyError,
    )


def connect(settings: MastodonSettings, secrets: Mapping[str, str]) -> MastodonChannel:
    return MastodonChannel(
        settings.name,
        instance=settings.instance,
        access_token=secrets["access_token"],
        visibility=settings.visibility,
        spoiler_text=settings.spoiler_text,
        language=settings.language,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="mastodon",
    settings=MastodonSettings,
    connect=connect,
    profile="mastodon",
    summary="an account on a Mastodon instance, through an application's token (Mastodon.py)",
    # A post is one request (an image one more); a server may set its own limits.
    quotas=Quotas(
        limits=(
            Quota(
                300,
                timedelta(minutes=5),
                "API requests per account (a post is one)",
                "https://docs.joinmastodon.org/api/rate-limits/",
            ),
        ),
        note="a server may set other limits; 429s say when they reset",
    ),
    capabilities=Capabilities(
        idempotency_keys=True, idempotency_window=IDEMPOTENCY_WINDOW, link_cards=True
    ),
    literal_secrets={"access_token": "access_token_env", "token": "access_token_env"},
    example="""\
# A Mastodon account: Preferences → Development → New application with write:statuses
# (and read:accounts for `check --online`), its access token exported as MASTODON_ACCESS_TOKEN.
# Posts are as long as the instance allows (it says so: 500 characters on most).
# [channels.toot]
# platform = "mastodon"
# instance = "https://mastodon.social"
# schedule = { cron = "0 10,16 * * *" }
# visibility = "public"                   # or "unlisted", "private" (followers only)
""",
)
