"""The Discord platform: its settings, and a channel that posts through a channel's webhook
(Execute Webhook, over httpx; no bot, no gateway).

Each post is one message, sent with `?wait=true` so that Discord answers with the message
it created: its id is the post's remote id, and its address is
`https://discord.com/channels/<guild_id>/<channel_id>/<message_id>` when the guild is known
(from the answer, else from the webhook itself, read once and remembered). Mentions are
never parsed (`allowed_mentions`): an excerpt saying "@everyone" pings nobody. Discord
unfurls the article's link by itself, so no embed is sent.

`channel_error` is the one place where Discord's answers become ours:

    429 Too Many Requests         RateLimitedError (retry_after: the JSON body's, else the
                                  Retry-After header)
    401, 403, 404 Unknown Webhook AuthError: the webhook was deleted or its URL is wrong
    405, 3xx (not a webhook URL)  AuthError (a redirect is not followed: a post is no GET)
    400 and other 4xx             RejectedError with Discord's message (and the field's)
    5xx, or another status        AmbiguousError: a webhook takes no idempotency key
    could not connect             NotDeliveredError            (bot.platforms._webhook)
    timeout or drop after sending AmbiguousError               (bot.platforms._webhook)

The webhook URL holds the webhook's token: it is a secret, read from `webhook_url_env`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, PositiveDuration
from bot.errors import AmbiguousError, AuthError, ChannelError, RateLimitedError, RejectedError
from bot.logs import log_event
from bot.platforms._webhook import WebhookClient, json_body, retry_after, text_body, webhook_url
from bot.platforms.base import (
    Capabilities,
    Channel,
    Delivery,
    OutgoingPost,
    Platform,
    Quota,
    Quotas,
)

if TYPE_CHECKING:
    import httpx

MESSAGE_URL = "https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
URL_EXAMPLE = "https://discord.com/api/webhooks/<id>/<token>"
_GUILD_KEY = "guild_id"  # the channel's memory: the webhook's guild, once read
_DEFAULT_WAIT = 5.0  # seconds, when a 429 does not say how long


class DiscordSettings(ChannelSettings):
    """A Discord text or announcement channel, through one of its webhooks."""

    platform: Literal["discord"] = Field(description="Posts go to Discord.")
    webhook_url_env: EnvVarName = Field(
        "DISCORD_WEBHOOK_URL",
        description="The environment variable holding the channel's webhook URL (a secret).",
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"webhook_url": self.webhook_url_env}

    def destination(self) -> str:
        return f"discord through the webhook in {self.webhook_url_env}"


class DiscordChannel(Channel):
    """A Discord channel, posted to through its webhook URL (`https://discord.com/api/
    webhooks/<id>/<token>`, a secret); `url_env` names the variable that holds it, for
    messages; `timeout` bounds each request in seconds."""

    def __init__(
        self,
        name: str,
        *,
        webhook_url: str,
        url_env: str = "DISCORD_WEBHOOK_URL",
        timeout: float | timedelta = 30.0,
    ) -> None:
        self.name = name
        self.url_env = url_env
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        self._webhook = WebhookClient(webhook_url, platform="Discord", timeout=seconds)

    def __repr__(self) -> str:  # never show the URL
        return f"DiscordChannel({self.name!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        payload = {"content": post.text, "allowed_mentions": {"parse": []}}
        response = await self._webhook.request("POST", json=payload, params={"wait": "true"})
        if not response.is_success:
            raise self.channel_error(response)
        message = json_body(response)
        if not message.get("id"):  # delivered, but Discord did not say as what
            return Delivery(remote_id=None)
        message_id = str(message["id"])
        return Delivery(remote_id=message_id, remote_url=await self._message_url(message))

    async def check(self) -> str:
        """The webhook as Discord describes it: its name, channel and guild (a GET)."""
        webhook = await self._read_webhook()
        channel = webhook.get("channel_id") or "?"
        guild = webhook.get("guild_id") or "?"
        return f"posts to #{channel} on {guild} as {webhook.get('name') or 'the webhook'}"

    async def aclose(self) -> None:
        await self._webhook.aclose()

    def channel_error(self, response: httpx.Response) -> ChannelError:
        """What Discord's non-2xx answer means for the post (see the module docstring)."""
        status = response.status_code
        reason = self._webhook.scrub(_reason(response))
        if status == 429:
            seconds = retry_after(response, _DEFAULT_WAIT)
            return RateLimitedError(
                f"Discord rate limit: retry in {seconds:g}s", retry_after=seconds
            )
        if status in (401, 403, 404, 405) or 300 <= status < 400:  # 3xx, 405: not a webhook
            return AuthError(
                f"Discord refused the webhook ({status} {reason}): it was deleted or its URL "
                f"is wrong; create a webhook in the channel's Integrations settings and put "
                f"its URL in {self.url_env}"
            )
        if 400 <= status < 500:
            return RejectedError(f"Discord refused the post ({status} {reason})")
        return AmbiguousError(
            f"Discord answered {status} {reason} after the post was sent: it may have gone out"
        )

    # --- internals -------------------------------------------------------------------------

    async def _read_webhook(self) -> dict[str, Any]:
        response = await self._webhook.request("GET")
        if not response.is_success:
            raise self.channel_error(response)
        webhook = json_body(response)
        if webhook.get("guild_id"):
            await self.memory.remember(_GUILD_KEY, str(webhook["guild_id"]))
        return webhook

    async def _message_url(self, message: dict[str, Any]) -> str | None:
        """The message's address; its guild from the answer, else from the webhook (read
        once). None when neither says: the message is out, only its address is unknown."""
        channel_id = message.get("channel_id")
        guild_id = message.get("guild_id") or await self.memory.recall(_GUILD_KEY)
        if channel_id and not guild_id:
            try:
                guild_id = (await self._read_webhook()).get("guild_id")
            except ChannelError as exc:
                log_event("discord.guild_unknown", channel=self.name, error=str(exc))
        if not (channel_id and guild_id):
            return None
        return MESSAGE_URL.format(
            guild_id=guild_id, channel_id=channel_id, message_id=message["id"]
        )


def _reason(response: httpx.Response) -> str:
    """Discord's message, with the first field error it lists: 'Invalid Form Body
    (content: Must be 2000 or fewer in length.)'."""
    body = json_body(response)
    message = str(body.get("message") or "") or text_body(response) or response.reason_phrase
    detail = _first_field_error(body.get("errors"))
    return f"{message} ({detail})" if detail else message


def _first_field_error(errors: Any, path: str = "") -> str | None:
    if not isinstance(errors, dict):
        return None
    for item in errors.get("_errors") or ():
        if isinstance(item, dict) and item.get("message"):
            return f"{path}: {item['message']}" if path else str(item["message"])
    for key, value in errors.items():
        if key != "_errors":
            found = _first_field_error(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    return None


def connect(settings: DiscordSettings, secrets: Mapping[str, str]) -> DiscordChannel:
    return DiscordChannel(
        settings.name,
        webhook_url=webhook_url(settings, secrets, URL_EXAMPLE),
        url_env=settings.webhook_url_env,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="discord",
    settings=DiscordSettings,
    connect=connect,
    profile="discord",
    summary="a text or announcement channel, through its webhook (httpx)",
    capabilities=Capabilities(),
    quotas=Quotas(
        limits=(
            Quota(
                30,
                timedelta(minutes=1),
                "messages through one webhook (as reported; Discord "
                "sends its current limits in each answer's headers)",
                "https://discord.com/developers/docs/topics/rate-limits",
            ),
        ),
        note="about 5 requests per 2 seconds per webhook; 429s say how long to wait",
    ),
    literal_secrets={"webhook_url": "webhook_url_env", "url": "webhook_url_env"},
    example="""\
# A Discord channel: Server Settings → Integrations → Webhooks → New Webhook, pick the
# channel, Copy Webhook URL, then `export DISCORD_WEBHOOK_URL=...` before `excerpt-bot run`.
# [channels.discord]
# platform = "discord"
# webhook_url_env = "DISCORD_WEBHOOK_URL"
# schedule = { every = "4h" }
""",
)
