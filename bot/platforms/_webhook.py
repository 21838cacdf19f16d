"""What the webhook platforms (Discord, Slack) share: a secret URL, posted to over httpx.

    webhook_url(settings, secrets, example)   the channel's URL from its `*_env` variable,
                                              checked (http or https, a host) and registered
                                              with the log redactor
    WebhookClient(url, platform=..., timeout=...)
        await client.request(method, json=..., params=...)   the platform's answer, whatever
                                              its status; transport failures translated:
            could not connect (refused, DNS, TLS, connect or pool timeout)  NotDeliveredError
            sent, then no complete answer (read/write timeout, dropped)     AmbiguousError
        client.scrub(text)                    `text` without the URL or its secret parts
        await client.aclose()
    retry_after(response, default)            the seconds a 429 asks to wait: the JSON body's
                                              `retry_after`, else the Retry-After header

A webhook URL carries its own credential (Discord's token, Slack's secret path): whoever
has it may post. It is registered with the redactor as a whole and by its path's last
segment, so neither a URL httpx logs (with `?wait=true` added) nor a path in an error
reaches a log line. Webhooks take no idempotency key: a request that may have arrived is
ambiguous, never retried blindly.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.errors import AmbiguousError, ChannelError, NotDeliveredError
from bot.logs import redact, register_secrets

if TYPE_CHECKING:  # httpx is imported when a channel first talks to its platform
    import httpx

    from bot.config.channels import ChannelSettings

_SHORTEST_SECRET = 6  # as bot.logs: shorter strings would redact ordinary words
_MAX_REASON = 300  # characters of a platform's error body kept in a message


def webhook_url(settings: ChannelSettings, secrets: Mapping[str, str], example: str) -> str:
    """The webhook URL the channel's `webhook_url_env` variable holds, registered for
    redaction; `ConfigProblems` (never showing the value) when it is not an http(s) URL."""
    from bot.config.problems import ConfigProblems, format_key_path

    url = secrets["webhook_url"].strip()
    register_webhook_secrets(url)
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return url
    where = format_key_path(("channels", settings.name, "webhook_url_env"))
    prefix = f"{settings.source}: " if settings.source else ""
    variable = settings.secret_env_vars()["webhook_url"]
    raise ConfigProblems(
        [
            f"{prefix}{where}: environment variable {variable} does not hold a webhook URL "
            f"(expected {example})"
        ]
    )


def register_webhook_secrets(url: str) -> None:
    """Never log `url`, its path, or its path's last segment (the token)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    secrets = [url, parts.path if len(segments) > 1 else None]
    if segments and len(segments[-1]) >= _SHORTEST_SECRET:
        secrets.append(segments[-1])
    register_secrets(*secrets)


class WebhookClient:
    """One webhook URL and the httpx client that talks to it (one per event loop)."""

    def __init__(self, url: str, *, platform: str, timeout: float) -> None:
        register_webhook_secrets(url)
        self.platform = platform
        self.timeout = timeout
        self._url = url
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:  # never show the URL
        return f"WebhookClient({self.platform!r})"

    async def request(
        self, method: str, *, json: Any = None, params: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """Send one request to the webhook; its answer whatever the status, or the
        `ChannelError` a transport failure means (see the module docstring)."""
        import httpx

        url = httpx.URL(self._url)
        if params:
            url = url.copy_merge_params(params)  # keeps the URL's own (?thread_id=...)
        try:
            return await self._http().request(method, url, json=json)
        except httpx.TransportError as exc:
            raise self._transport_error(exc) from exc

    def scrub(self, text: str) -> str:
        """`text` with the URL, its path and token (and every other registered secret) out."""
        return redact(text).replace(self._url, "***")

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()  # (a client of a finished loop has nothing left to close)

    def _http(self) -> httpx.AsyncClient:
        import httpx

        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # httpx connections belong to the loop that opened them; a client left open by
            # an earlier `asyncio.run` would fail ("Event loop is closed") and look ambiguous.
            self._client, self._loop = None, loop
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                headers={"User-Agent": "excerpt-bot"},
            )
        return self._client

    def _transport_error(self, exc: Exception) -> ChannelError:
        import httpx

        reason = self.scrub(str(exc) or type(exc).__name__)
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return NotDeliveredError(f"could not connect to {self.platform}: {reason}")
        if isinstance(exc, httpx.TimeoutException):
            return AmbiguousError(
                f"no answer from {self.platform} within {self.timeout:g}s: "
                "the post may have gone out"
            )
        return AmbiguousError(
            f"{self.platform} did not answer ({reason}): the post may have gone out"
        )


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is none (an HTML error page, plain text)."""
    try:
        body = response.json()
    except ValueError:  # not JSON (UnicodeDecodeError and JSONDecodeError are ValueErrors)
        return {}
    return body if isinstance(body, dict) else {}


def text_body(response: httpx.Response) -> str:
    """The answer's text on one line, cut to a few hundred characters."""
    text = " ".join(response.text.split())
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def retry_after(response: httpx.Response, default: float) -> float:
    """How long a 429 asks to wait, in seconds: the JSON body's `retry_after` (Discord),
    else the `Retry-After` header (seconds), else `default`."""
    for value in (json_body(response).get("retry_after"), response.headers.get("Retry-After")):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return default
