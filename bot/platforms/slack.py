"""The Slack platform: its settings, and a channel that posts through an incoming webhook
(over httpx; no bot token, no Web API).

Each post is one message: its mrkdwn text in one section block (3,000 characters at most,
which the `slack` render profile keeps to) and the same text as the notification fallback.
Slack draws the article's link preview itself, when asked (`unfurl_links`: an app's links
to text pages are not unfurled by default). An incoming webhook answers "ok" and nothing
else: a post is recorded `sent` without a remote id or address.

`channel_error` is the one place where Slack's answers (a status and a short plain-text
error) become ours:

    429                                   RateLimitedError (retry_after: Retry-After)
    invalid_token, no_service, no_team, channel_not_found, channel_is_archived,
    action_prohibited, posting_to_general_channel_denied; any 401, 403, 404, 405, 410
    or 3xx                                AuthError: the webhook is gone or may not post
    other 4xx (invalid_payload, too_many_attachments, no_text, invalid_blocks, ...)
                                          RejectedError with Slack's error
    5xx (rollup_error), another status    AmbiguousError: a webhook takes no idempotency key
    could not connect                     NotDeliveredError       (bot.platforms._webhook)
    timeout or drop after sending         AmbiguousError          (bot.platforms._webhook)

An incoming webhook has no way to be read: `check` says so instead of posting. The webhook
URL is a secret (whoever has it may post), read from `webhook_url_env`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from bot.config.channels import ChannelSettings
from bot.config.types import EnvVarName, PositiveDuration
from bot.errors import AmbiguousError, AuthError, ChannelError, RateLimitedError, RejectedError
from bot.platforms._webhook import WebhookClient, retry_after, text_body, webhook_url
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

URL_EXAMPLE = "https://hooks.slack.com/services/T…/B…/…"
# Slack's answers that mean this webhook cannot post at all (removed, its channel or
# workspace gone or archived, or posting there forbidden), whatever the status says.
WEBHOOK_GONE = frozenset(
    {
        "invalid_token",
        "no_service",
        "no_team",
        "no_active_hooks",
        "channel_not_found",
        "channel_is_archived",
        "action_prohibited",
        "posting_to_general_channel_denied",
        "team_disabled",
        "token_revoked",
    }
)
_GONE_STATUSES = (401, 403, 404, 405, 410)  # and 3xx: not a webhook's URL
_DEFAULT_WAIT = 30.0  # seconds, when a 429 does not say how long


class SlackSettings(ChannelSettings):
    """A Slack channel, through an incoming webhook of a Slack app."""

    platform: Literal["slack"] = Field(description="Posts go to Slack.")
    webhook_url_env: EnvVarName = Field(
        "SLACK_WEBHOOK_URL",
        description="The environment variable holding the incoming webhook's URL (a secret).",
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"webhook_url": self.webhook_url_env}

    def destination(self) -> str:
        return f"slack through the incoming webhook in {self.webhook_url_env}"


class SlackChannel(Channel):
    """A Slack channel, posted to through an incoming webhook URL (`https://hooks.slack.com/
    services/…`, a secret); `url_env` names the variable that holds it, for messages;
    `timeout` bounds each request in seconds."""

    def __init__(
        self,
        name: str,
        *,
        webhook_url: str,
        url_env: str = "SLACK_WEBHOOK_URL",
        timeout: float | timedelta = 30.0,
    ) -> None:
        self.name = name
        self.url_env = url_env
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        self._webhook = WebhookClient(webhook_url, platform="Slack", timeout=seconds)

    def __repr__(self) -> str:  # never show the URL
        return f"SlackChannel({self.name!r})"

    async def send(self, post: OutgoingPost) -> Delivery:
        kind = "mrkdwn" if post.parse_mode == "mrkdwn" else "plain_text"
        payload = {
            "text": post.text,  # the notification's text, and what clients without blocks show
            "blocks": [{"type": "section", "text": {"type": kind, "text": post.text}}],
            # An app's links to pages (not media) get no preview unless asked for.
            "unfurl_links": True,
        }
        response = await self._webhook.request("POST", json=payload)
        if not response.is_success:
            raise self.channel_error(response)
        return Delivery(remote_id=None)

    async def check(self) -> str:
        """No request: an incoming webhook cannot be read, and a test post would be a post."""
        return (
            f"not verified: a Slack incoming webhook can only be tested by posting, so "
            f"nothing was sent (the URL in {self.url_env} is used at the first slot)"
        )

    async def aclose(self) -> None:
        await self._webhook.aclose()

    def channel_error(self, response: httpx.Response) -> ChannelError:
        """What Slack's non-2xx answer means for the post (see the module docstring)."""
        status = response.status_code
        error = self._webhook.scrub(text_body(response) or response.reason_phrase)
        if status == 429:
            seconds = retry_after(response, _DEFAULT_WAIT)
            return RateLimitedError(f"Slack rate limit: retry in {seconds:g}s", retry_after=seconds)
        if error in WEBHOOK_GONE or status in _GONE_STATUSES or 300 <= status < 400:
            return AuthError(
                f"Slack refused the webhook ({status} {error}): it was removed, its channel "
                f"archived or deleted, or the URL is wrong; add a new incoming webhook to "
                f"the channel and put its URL in {self.url_env}"
            )
        if 400 <= status < 500:
            return RejectedError(f"Slack refused the post ({status} {error})")
        return AmbiguousError(
            f"Slack answered {status} {error} after the post was sent: it may have gone out"
        )


def connect(settings: SlackSettings, secrets: Mapping[str, str]) -> SlackChannel:
    return SlackChannel(
        settings.name,
        webhook_url=webhook_url(settings, secrets, URL_EXAMPLE),
        url_env=settings.webhook_url_env,
        timeout=settings.timeout.total_seconds(),
    )


PLATFORM = Platform(
    name="slack",
    settings=SlackSettings,
    connect=connect,
    profile="slack",
    summary="a channel, through an incoming webhook (httpx)",
    capabilities=Capabilities(),
    quotas=Quotas(
        limits=(
            Quota(
                1,
                timedelta(seconds=1),
                "messages (short bursts allowed)",
                "https://docs.slack.dev/apis/web-api/rate-limits",
            ),
        ),
        note="429s say how long to wait",
    ),
    literal_secrets={"webhook_url": "webhook_url_env", "url": "webhook_url_env"},
    example="""\
# A Slack channel: create a Slack app, turn on Incoming Webhooks, "Add New Webhook to
# Workspace", pick the channel, then `export SLACK_WEBHOOK_URL=...` before `excerpt-bot run`.
# [channels.slack]
# platform = "slack"
# webhook_url_env = "SLACK_WEBHOOK_URL"
# schedule = { every = "4h" }
""",
)
