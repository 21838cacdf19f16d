"""The X platform: its settings, and a channel that posts through tweepy's API v2 `Client`,
as an account's user.

Credentials are OAuth 1.0a user context (API key and secret, access token and secret) or an
OAuth 2 user access token. tweepy's client is synchronous, sends to a hard-coded
`https://api.twitter.com` and sets no timeout: each call runs in a worker thread, and one
transport adapter on its `requests` session adds the timeout and, when `api_base_url` is
set, sends the request there instead (tests, proxies).

`channel_error` is the one place where tweepy's and requests' errors become ours:

    429 Too Many Requests           RateLimitedError (retry_after: until the window resets)
    401 Unauthorized                AuthError
    403 duplicate content           DuplicateError
    403 app/account may not post    AuthError
    403 other (too long, ...)       RejectedError
    400 Bad Request, other 4xx      RejectedError
    404 Not Found                   AuthError (the endpoint is wrong: check api_base_url)
    5xx                             AmbiguousError
    could not connect               NotDeliveredError (refused, DNS, connect timeout, TLS)
    read timeout, dropped, other    AmbiguousError
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import Field, model_validator

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, HttpBaseUrl, PositiveDuration, StrictBool, StrictInt
from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    DuplicateError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import redact, register_secrets
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
from bot.pricing import Prices

if TYPE_CHECKING:  # tweepy and requests are imported when a channel first talks to X
    import requests
    import tweepy

__all__ = ["TWEEPY_API_HOST", "XChannel", "XSettings", "channel_error"]

TWEEPY_API_HOST = "https://api.twitter.com"  # where tweepy 4.x sends every request
STATUS_URL = "https://x.com/i/web/status/{id}"

# Lower-case fragments of X's 403 answers (detail, title, type, reason) that mean this app
# or account may not post at all — as opposed to a 403 about one post's content.
_MAY_NOT_POST = (
    "not permitted to perform this action",
    "client-not-enrolled",
    "client forbidden",
    "oauth1-permissions",
    "oauth1 app permissions",
    "unsupported-authentication",
    "unsupported authentication",
    "application-only is forbidden",
    "approved developer account",
    "suspended",
    "read-only",
    "cannot perform write actions",
    "account is temporarily locked",
)
_DUPLICATE = "duplicate"
_CREDENTIALS_HINT = (
    "X refused the credentials: check the API key and secret and the access token and "
    "secret (or the OAuth 2 token), then resume the channel"
)
_PERMISSION_HINT = (
    "this app or account may not post: give the X app read and write access in its "
    "project, regenerate the access token, then resume the channel"
)

T = TypeVar("T")


# The default daily cap. X has no free tier any more: each post is billed (0.200 USD with
# a link, as every excerpt has), and X itself allows far more (300 posts in 3 hours through
# the API, 2,400 a day). 24 — one an hour on average — is a guard against a runaway
# schedule (`every = "10m"` would post 144 a day, 864 USD a month): at most 4.80 USD a
# day, 149 USD in a 31-day month, unless the user raises it or sets a `budget`.
DEFAULT_POSTS_PER_DAY = 24


class XSettings(ChannelSettings):
    """An X account, through an X developer app with read and write access."""

    platform: Literal["x"] = Field(description="Posts go to X.")
    max_per_day: Annotated[StrictInt, Field(ge=1)] | None = Field(
        DEFAULT_POSTS_PER_DAY,
        description="At most this many posts in any 24 hours (default 24: a guard against a "
        "runaway schedule, since X bills each post).",
    )
    api_key_env: EnvVarName = Field("X_API_KEY", description="Variable with the API key.")
    api_secret_env: EnvVarName = Field(
        "X_API_SECRET", description="Variable with the API key secret."
    )
    access_token_env: EnvVarName = Field(
        "X_ACCESS_TOKEN", description="Variable with the access token."
    )
    access_token_secret_env: EnvVarName = Field(
        "X_ACCESS_TOKEN_SECRET", description="Variable with the access token secret."
    )
    oauth2_token_env: EnvVarName | None = Field(
        None, description="Variable with an OAuth 2 user token, used instead of the four above."
    )
    api_base_url: HttpBaseUrl | None = Field(
        None, description="Send API requests here instead of https://api.twitter.com."
    )
    thread: StrictBool = Field(False, description="Post each article as a short thread.")
    thread_length: Annotated[StrictInt, Field(ge=2, le=10)] = Field(
        4, description="Posts per thread, the hook and the last post included (default 4)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    @property
    def posts_per_thread(self) -> int | None:
        return self.thread_length if self.thread else None

    def secret_env_vars(self) -> dict[str, str]:
        """`oauth2_token` when `oauth2_token_env` is set, else the four OAuth 1.0a values."""
        if self.oauth2_token_env is not None:
            return {"oauth2_token": self.oauth2_token_env}
        return {
            "api_key": self.api_key_env,
            "api_secret": self.api_secret_env,
            "access_token": self.access_token_env,
            "access_token_secret": self.access_token_secret_env,
        }

    def destination(self) -> str:
        return f"x as threads of {self.thread_length} posts" if self.thread else "x"

    @model_validator(mode="after")
    def _room_for_a_thread(self) -> XSettings:
        if self.thread and self.max_per_day is not None and self.max_per_day < self.thread_length:
            raise ValueError(
                f"max_per_day {self.max_per_day} cannot hold one thread of "
                f"{self.thread_length} posts (max_per_day counts every post of a thread: "
                "raise it or lower thread_length)"
            )
        return self


class XChannel(Channel):
    """Posts to an X account. Pass the four OAuth 1.0a values, or `oauth2_token`."""

    def __init__(
        self,
        name: str,
        *,
        api_key: str | None = None,
        api_secret: str | None = None,
        access_token: str | None = None,
        access_token_secret: str | None = None,
        oauth2_token: str | None = None,
        api_base_url: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.name = name
        self._oauth1 = {
            "consumer_key": api_key,
            "consumer_secret": api_secret,
            "access_token": access_token,
            "access_token_secret": access_token_secret,
        }
        self._oauth2_token = oauth2_token
        self.api_base_url = api_base_url
        self.timeout = timeout
        self._client: tweepy.Client | None = None
        secrets = [oauth2_token, *self._oauth1.values()]
        # The OAuth 1 header carries the key and token percent-encoded: hide that form too.
        register_secrets(*secrets, *(quote(s, safe="~") for s in secrets if s))

    @property
    def user_auth(self) -> bool:
        """True for OAuth 1.0a user context; False when an OAuth 2 user token is the bearer."""
        return self._oauth2_token is None

    async def send(self, post: OutgoingPost) -> Delivery:
        return await self._create_tweet(post.text, reply_to=post.reply_to)

    async def check(self) -> str:
        client = self._tweepy_client()
        me = await self._call(lambda: client.get_me(user_auth=self.user_auth))
        return f"posts as @{me.data.username} ({me.data.name})"

    async def aclose(self) -> None:
        if self._client is not None:
            self._client.session.close()
            self._client = None

    async def _create_tweet(self, text: str, *, reply_to: str | None = None) -> Delivery:
        """Post `text` (as a reply to the post `reply_to`, for threads) and say where it is."""
        client = self._tweepy_client()
        response = await self._call(
            lambda: client.create_tweet(
                text=text,
                in_reply_to_tweet_id=reply_to,
                user_auth=self.user_auth,
            )
        )
        tweet_id = str(response.data["id"])
        return Delivery(remote_id=tweet_id, remote_url=STATUS_URL.format(id=tweet_id))

    async def _call(self, request: Callable[[], T]) -> T:
        """Run one blocking tweepy call in a worker thread, its errors translated to ours."""
        import requests
        import tweepy

        try:
            return await in_thread(request)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise channel_error(exc) from exc

    def _tweepy_client(self) -> tweepy.Client:
        import tweepy

        if self._client is None:
            if self._oauth2_token is not None:
                client = tweepy.Client(bearer_token=self._oauth2_token)
            else:
                missing = [k for k, v in self._oauth1.items() if not v]
                if missing:
                    raise AuthError(
                        f"the X channel {self.name} lacks {', '.join(missing)} (set all four "
                        "OAuth 1.0a values, or an OAuth 2 user token)"
                    )
                client = tweepy.Client(**self._oauth1)
            adapter = api_adapter(timeout=self.timeout, base_url=self.api_base_url)
            client.session.mount("https://", adapter)
            client.session.mount("http://", adapter)
            self._client = client
        return self._client


def api_adapter(*, timeout: float, base_url: str | None = None):
    """A `requests` transport adapter that gives every request a timeout and sends tweepy's
    requests to `base_url` when set.

    The OAuth 1 signature stays computed over tweepy's original URL: a proxy forwarding to
    X unchanged keeps it valid.
    """
    return _adapter_class()(timeout=timeout, base_url=base_url)


@cache
def _adapter_class():
    from requests.adapters import HTTPAdapter
    from requests.utils import get_environ_proxies

    class XApiAdapter(HTTPAdapter):
        def __init__(self, *, timeout: float, base_url: str | None = None) -> None:
            super().__init__()
            self.timeout = timeout
            self.base_url = base_url.rstrip("/") if base_url else None

        def send(
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: Any = None,
            verify: Any = True,
            cert: Any = None,
            proxies: Any = None,
        ) -> requests.Response:
            if timeout is None:
                timeout = self.timeout
            url = request.url or ""
            if self.base_url and url.startswith(TWEEPY_API_HOST + "/"):
                request.url = self.base_url + url[len(TWEEPY_API_HOST) :]
                # Proxies were chosen for the original host; choose again for the new one.
                proxies = get_environ_proxies(request.url)
            return super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )

    return XApiAdapter


# --- errors ----------------------------------------------------------------------------------


def channel_error(exc: Exception) -> ChannelError:
    """The `ChannelError` that says what `exc` (from tweepy or requests) means for a post."""
    import requests
    import tweepy

    if isinstance(exc, tweepy.HTTPException):
        return _http_error(exc)
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        if _never_connected(exc):
            return NotDeliveredError(f"could not connect to X: {_one_line(exc)}")
        return AmbiguousError(f"no answer from X, the post may be out: {_one_line(exc)}")
    return AmbiguousError(f"the request to X failed, the post may be out: {_one_line(exc)}")


def _http_error(exc: tweepy.HTTPException) -> ChannelError:
    import tweepy

    message = _one_line(exc)
    if isinstance(exc, tweepy.TooManyRequests):
        return RateLimitedError(message, retry_after=_seconds_until_reset(exc.response))
    if isinstance(exc, tweepy.Unauthorized):
        return AuthError(f"{message} ({_CREDENTIALS_HINT})")
    if isinstance(exc, tweepy.Forbidden):
        answer = _answer_text(exc)
        if _DUPLICATE in answer:
            return DuplicateError(message)
        if any(fragment in answer for fragment in _MAY_NOT_POST):
            return AuthError(f"{message} ({_PERMISSION_HINT})")
        return RejectedError(message)
    if isinstance(exc, tweepy.NotFound):
        return AuthError(f"{message} (the X API has no such endpoint: check api_base_url)")
    if isinstance(exc, tweepy.TwitterServerError):
        return AmbiguousError(f"{message} (X failed, the post may be out)")
    return RejectedError(message)


def _one_line(exc: BaseException) -> str:
    """tweepy's `"403 Forbidden\\nreason"` as `"403 Forbidden: reason"`, secrets hidden."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    head, *rest = lines
    return redact(f"{head}: {'; '.join(rest)}" if rest else head)


def _answer_text(exc: tweepy.HTTPException) -> str:
    """Everything X said in a 403, lower-cased: the messages and the problem's fields."""
    parts = [str(exc)]
    try:
        body = exc.response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        parts += [str(body.get(key, "")) for key in ("type", "title", "reason", "detail")]
    return " ".join(parts).lower()


def _seconds_until_reset(response: requests.Response, *, now: float | None = None) -> float | None:
    """How long until X lets us post again; None when its answer does not say.

    `x-rate-limit-reset` ends the 15-minute window; when a 24-hour bucket (a daily post
    cap) is the one used up, its reset is the one to wait for.
    """
    resets = list(_exhausted_resets(response.headers))
    if not resets:
        return None
    now = time.time() if now is None else now
    return max(1.0, max(resets) - now + 1.0)  # +1 s: X's reset is a whole second


def _exhausted_resets(headers: Any) -> Iterator[float]:
    reset = _number(headers.get("x-rate-limit-reset"))
    if reset is not None:
        yield reset
    for bucket in ("x-user-limit-24hour", "x-app-limit-24hour"):
        day_reset = _number(headers.get(f"{bucket}-reset"))
        if day_reset is not None and _number(headers.get(f"{bucket}-remaining")) == 0:
            yield day_reset


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _never_connected(exc: BaseException) -> bool:
    """True when the request certainly never left: the connection itself could not be made."""
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
        linked = [*error.args, getattr(error, "reason", None), error.__cause__]
        pending += [e for e in linked if isinstance(e, BaseException)]
    return False


@cache
def _never_connected_errors() -> tuple[type[BaseException], ...]:
    import requests
    import urllib3.exceptions

    return (
        urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError)
        urllib3.exceptions.ConnectTimeoutError,
        requests.exceptions.ConnectTimeout,
        requests.exceptions.SSLError,  # the TLS handshake failed: nothing was sent
        requests.exceptions.ProxyError,
    )


def connect(settings: XSettings, secrets: Mapping[str, str]) -> XChannel:
    return XChannel(
        settings.name,
        **secrets,
        api_base_url=settings.api_base_url,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="x",
    settings=XSettings,
    connect=connect,
    profile="x",
    summary="an account, through an X developer app (tweepy, API v2)",
    capabilities=Capabilities(threads=True, proves_duplicates=True, link_cards=True),
    # X's pay-per-use API bills each request that creates a post; one whose text has a URL
    # costs the "Content: Create (with URL)" rate. A thread's parts are each a post.
    prices=Prices(
        post=Decimal("0.015"),
        post_with_link=Decimal("0.200"),
        currency="USD",
        read_on=date(2026, 12, 3),
        source="https://docs.x.com/x-api/getting-started/pricing",
    ),
    quotas=Quotas(
        limits=(
            Quota(
                300,
                timedelta(hours=3),
                "posts created through the API per user (reposts included)",
                "https://docs.x.com/x-api/posts/manage-tweets/migrate/overview",
            ),
            Quota(
                2_400,
                timedelta(days=1),
                "posts per account, however posted",
                "https://help.x.com/en/rules-and-policies/x-limits",
            ),
        ),
        note="each post is billed (see prices); a 24-hour bucket, when used up, is waited out",
    ),
    literal_secrets={
        "api_key": "api_key_env",
        "consumer_key": "api_key_env",
        "api_secret": "api_secret_env",
        "api_key_secret": "api_secret_env",
        "consumer_secret": "api_secret_env",
        "access_token": "access_token_env",
        "access_token_secret": "access_token_secret_env",
        "bearer_token": "oauth2_token_env",
        "oauth2_token": "oauth2_token_env",
    },
    example="""\
# An X account: an X developer app with read and write access, its four keys exported as
# X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET.
# [channels.x]
# platform = "x"
# schedule = { cron = "0 9,13,17 * * *" }
# max_per_day = 24                       # the default (each part of a thread counts)
# budget = "20 USD/month"                # X bills each post: 0.200 USD with a link
# thread = true                          # each article as a short thread of ...
# thread_length = 4                      # ... 4 posts: a hook, excerpts, the link last
""",
)
