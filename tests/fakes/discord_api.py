"""A fake Discord webhook on 127.0.0.1 (fixture `discord_api`), for the channel's real httpx
requests.

`POST /api/webhooks/<id>/<token>` executes the webhook as Discord does: a JSON body whose
`content` is 1 to 2000 characters (else 400 "Invalid Form Body" / "Cannot send an empty
message"), `allowed_mentions` an object; with `?wait=true` the answer is the message it
created (ids that increase), without it 204 and no body. `GET` on the same URL is the
webhook object (name, channel_id, guild_id). A wrong token is 401 "Invalid Webhook
Token"; a deleted webhook (`deleted = True`) or another id is 404 "Unknown Webhook".

Like Discord, the message object carries `channel_id` but not `guild_id` unless
`answer_guild` is set. Failures are scripted (`tests.fakes.webhook`): `rate_limited(2.5)`
is a 429 with Discord's JSON body and headers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.fakes.server import serving
from tests.fakes.webhook import Answer, FakeWebhook, Request, Scripted, error

WEBHOOK_ID = "1187654321098765432"
TOKEN = "fAk3-d1sc0rd-w3bh00k-t0k3n_Zq9xLm2Pv7"
CHANNEL_ID = "1122334455667788990"
GUILD_ID = "1000000000000000001"
NAME = "Excerpts"
MAX_CONTENT = 2000
FIRST_MESSAGE_ID = 1_300_000_000_000_000_000


def discord_error(status: int, message: str, code: int, errors: dict | None = None) -> Answer:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return Answer(status, body)


def rate_limited(retry_after: float = 2.5, *, header_only: bool = False) -> Scripted:
    """429 as Discord sends it: JSON `retry_after` (seconds) and the Retry-After header (or
    only the header, as a proxy in front might)."""
    body: dict | str = (
        ""
        if header_only
        else {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
    )
    headers = {"Retry-After": str(int(retry_after + 0.999)), "X-RateLimit-Scope": "shared"}
    return error(429, body, headers=headers)


def server_error(*, deliver: bool = False) -> Scripted:
    """500; with `deliver`, the message was created first (the answer alone was lost)."""
    return error(500, {"message": "500: Internal Server Error", "code": 0}, deliver=deliver)


def unauthorized() -> Scripted:
    answer = discord_error(401, "Invalid Webhook Token", 50027)
    return error(answer.status, answer.body)


def unknown_webhook() -> Scripted:
    answer = discord_error(404, "Unknown Webhook", 10015)
    return error(answer.status, answer.body)


def invalid_form_body(
    field: str = "content", message: str = "Must be 2000 or fewer in length."
) -> Scripted:
    answer = discord_error(
        400,
        "Invalid Form Body",
        50035,
        {field: {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": message}]}},
    )
    return error(answer.status, answer.body)


class FakeDiscordWebhook(FakeWebhook):
    name = "fake-discord-webhook"

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(f"/api/webhooks/{WEBHOOK_ID}/{token}")
        self.token = token
        self.deleted = False
        self.answer_guild = False
        self._next_id = FIRST_MESSAGE_ID

    @property
    def texts(self) -> list[str]:
        with self.lock:
            return [m["content"] for m in self.messages]

    def not_found(self) -> Answer:
        if self.deleted:
            return discord_error(404, "Unknown Webhook", 10015)
        return discord_error(401, "Invalid Webhook Token", 50027)

    def perform(self, request: Request) -> Answer:
        if self.deleted:
            return discord_error(404, "Unknown Webhook", 10015)
        if request.method == "GET":
            return Answer(200, self.webhook())
        return self._execute(request)

    def webhook(self) -> dict:
        return {
            "application_id": None,
            "avatar": None,
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "id": WEBHOOK_ID,
            "name": NAME,
            "type": 1,
            "token": self.token,
            "url": f"https://discord.com/api/webhooks/{WEBHOOK_ID}/{self.token}",
        }

    def _execute(self, request: Request) -> Answer:
        body = request.json
        if not request.content_type.startswith("application/json") or not isinstance(body, dict):
            return discord_error(400, "Cannot send an empty message", 50006)
        content = body.get("content")
        if not isinstance(content, str) or not content.strip():
            return discord_error(400, "Cannot send an empty message", 50006)
        if len(content) > MAX_CONTENT:
            return discord_error(
                400,
                "Invalid Form Body",
                50035,
                {
                    "content": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 2000 or fewer in length.",
                            }
                        ]
                    }
                },
            )
        if not isinstance(body.get("allowed_mentions", {}), dict):
            return discord_error(
                400,
                "Invalid Form Body",
                50035,
                {
                    "allowed_mentions": {
                        "_errors": [
                            {
                                "code": "MODEL_TYPE_CONVERT",
                                "message": "Only dictionaries may be used in a ModelType",
                            }
                        ]
                    }
                },
            )
        with self.lock:
            message_id, self._next_id = self._next_id, self._next_id + 1
            message = {
                "id": str(message_id),
                "type": 0,
                "content": content,
                "channel_id": CHANNEL_ID,
                "author": {"id": WEBHOOK_ID, "username": NAME, "bot": True},
                "webhook_id": WEBHOOK_ID,
                "timestamp": datetime.now(UTC).isoformat(),
                "mentions": [],
                "mention_everyone": False,
                "embeds": [],
                "attachments": [],
                "flags": 0,
                "allowed_mentions": body.get("allowed_mentions"),
            }
            if self.answer_guild:
                message["guild_id"] = GUILD_ID
            self.messages.append(message)
        if request.query.get("wait") != ["true"]:
            return Answer(204)
        return Answer(200, {k: v for k, v in message.items() if k != "allowed_mentions"})


@pytest.fixture(name="discord_api")
def discord_api_fixture():
    """`discord_api`: a running FakeDiscordWebhook for one test, stopped afterwards."""
    yield from serving(FakeDiscordWebhook())
