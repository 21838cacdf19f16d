"""`[admin]`: the Telegram admin chat (approvals, alerts, the daily digest; `bot.admin`).

Optional: without the table there is no admin chat. Its token comes from the environment
(`token_env`), like every secret; it may be the posting bot's own.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from bot.config.channels import FrozenModel
from bot.config.types import (
    ChatId,
    EnvVarName,
    HttpBaseUrl,
    PositiveDuration,
    StrictInt,
    quote,
)

__all__ = ["AdminSettings"]

_CLOCK_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def _digest_at(value: object) -> object:
    if not isinstance(value, str):
        return value  # a time already (the default), or refused by the type
    text = value.strip().lower()
    if text == "off":
        return None
    match = _CLOCK_TIME.match(text)
    if match is None:
        raise ValueError(f'{quote(value)} is not a time of day (write e.g. "08:00", or "off")')
    return time(int(match[1]), int(match[2]))


DigestTime = Annotated[
    time | None,
    BeforeValidator(_digest_at),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$|^off$",
            "examples": ["08:00", "off"],
        }
    ),
]


def _user_ids(value: tuple[int, ...]) -> tuple[int, ...]:
    if any(user <= 0 for user in value):
        raise ValueError(
            "holds a number that is no Telegram user id (user ids are positive; "
            "a negative id is a group or a channel)"
        )
    return value


UserIds = Annotated[tuple[StrictInt, ...], Field(min_length=1), AfterValidator(_user_ids)]


class AdminSettings(FrozenModel):
    """`[admin]`: a Telegram chat where the bot asks for approvals, sends alerts and a
    daily digest, and where the allowed users decide with a button."""

    telegram_chat_id: ChatId = Field(
        description="The admin chat: a group's numeric id (-100…), or a user's id for a "
        "private chat with the bot."
    )
    token_env: EnvVarName = Field(
        "TELEGRAM_BOT_TOKEN",
        description="The environment variable holding the bot token (may be the posting bot's).",
    )
    allowed_users: UserIds = Field(
        description="Telegram user ids allowed to press Approve and Skip."
    )
    api_base_url: HttpBaseUrl | None = Field(
        None, description="A self-hosted Bot API server, e.g. http://127.0.0.1:8081."
    )
    digest_at: DigestTime = Field(
        time(8, 0), description='The daily digest\'s local time in [bot] timezone, or "off".'
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )

    def secret_env_vars(self) -> dict[str, str]:
        return {"token": self.token_env}
