"""Bluesky's answers as the channel's errors: the one place where the atproto SDK's and
httpx's exceptions become `ChannelError`s (`call` awaits an SDK request through it).

    429 Too Many Requests           RateLimitedError (retry_after: until ratelimit-reset)
    400/401 ExpiredToken            ExpiredSession: refresh the session once, then AuthError
    401/403 other                   AuthError
    400 InvalidRequest, other 4xx   RejectedError (the server's message)
    404 Not Found                   AuthError (no such endpoint: check api_base_url)
    5xx                             AmbiguousError
    could not connect               NotDeliveredError (refused, DNS, connect timeout)
    read timeout, dropped, other    AmbiguousError

Login and refresh never carry a post: their failures are NotDeliveredError at worst.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from bot.errors import (
    AmbiguousError,
    AuthError,
    ChannelError,
    NotDeliveredError,
    RateLimitedError,
    RejectedError,
)
from bot.logs import redact

__all__ = ["ExpiredSession", "call", "channel_error"]

_EXPIRED = ("ExpiredToken", "InvalidToken")

T = TypeVar("T")


class ExpiredSession(Exception):
    """The server refused the access token as expired or invalid: refresh, then repeat."""


async def call(request: Awaitable[T], *, sending: bool = False, login: bool = False) -> T:
    """Await one SDK call, its errors translated to ours (`ExpiredSession` to refresh)."""
    import httpx
    from atproto_core.exceptions import AtProtocolError

    try:
        return await request
    except (AtProtocolError, httpx.HTTPError) as exc:
        error = channel_error(exc)
        if isinstance(error, ExpiredSession):
            if login:  # a login or refresh refused for its token: credentials, not a retry
                raise AuthError(f"Bluesky refused the session: {error}") from exc
            raise error from exc
        if (login or not sending) and isinstance(error, AmbiguousError):
            # Nothing was posted by this call: a failed login or lookup delivered nothing.
            raise (NotDeliveredError(str(error)) if login else error) from exc
        raise error from exc


def channel_error(exc: Exception) -> ChannelError | ExpiredSession:
    """The `ChannelError` that says what `exc` (from atproto or httpx) means for a post."""
    import httpx
    from atproto_client import exceptions as ex

    if isinstance(exc, ex.RequestErrorBase) and exc.response is not None:
        return _http_error(exc)
    cause = exc.__cause__ if isinstance(exc, ex.RequestErrorBase) else exc
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return NotDeliveredError(f"could not connect to Bluesky: {_one_line(cause)}")
    if isinstance(cause, httpx.TimeoutException):
        return AmbiguousError(
            f"no answer from Bluesky in time, the post may be out ({_one_line(cause)})"
        )
    return AmbiguousError(
        f"the request to Bluesky failed, the post may be out: {_one_line(cause or exc)}"
    )


def _http_error(exc: Any) -> ChannelError | ExpiredSession:
    from atproto_client import exceptions as ex
    from atproto_client.models.common import XrpcError

    response = exc.response
    status = response.status_code
    content = response.content
    code = content.error if isinstance(content, XrpcError) else None
    message = content.message if isinstance(content, XrpcError) else None
    said = redact(f"{status} {code or ''}{': ' if code and message else ''}{message or ''}")
    said = said.strip()
    if code in _EXPIRED and status in (400, 401):
        return ExpiredSession(said)
    if isinstance(exc, ex.RateLimitExceededError) or status == 429:
        return RateLimitedError(
            f"Bluesky's rate limit: {said}", retry_after=_seconds_until_reset(exc)
        )
    if status in (401, 403):
        return AuthError(f"Bluesky refused the credentials: {said}")
    if status == 404:
        return AuthError(f"{said} (no such endpoint at Bluesky: check api_base_url)")
    if status >= 500:
        return AmbiguousError(f"{said} (Bluesky failed, the post may be out)")
    return RejectedError(f"Bluesky refused the post: {said}")


def _seconds_until_reset(exc: Any, *, now: float | None = None) -> float | None:
    """How long until the window resets (`ratelimit-reset`, epoch seconds; or
    `retry-after`); None when the answer does not say."""
    headers = exc.response.headers
    now = time.time() if now is None else now
    try:
        reset = float(headers["ratelimit-reset"])
    except (KeyError, ValueError):
        retry_after = getattr(exc, "retry_after", None)
        return None if retry_after is None else max(1.0, float(retry_after))
    return max(1.0, reset - now + 1.0)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text)
