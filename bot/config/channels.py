"""The channel models: one per platform, told apart by `platform`, each with its schedules.

`ChannelDefaults` (the `[defaults]` table) is built from them: every key any channel takes,
all optional.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    create_model,
    model_validator,
)

from bot.config.types import (
    ArticleGlobs,
    ChatId,
    ConfigPath,
    CronExpression,
    Duration,
    EnvVarName,
    HttpBaseUrl,
    PositiveDuration,
    PostTemplate,
    SlotList,
    StrictBool,
    StrictInt,
    StrictStr,
    TimeZoneName,
)

__all__ = [
    "PLATFORMS",
    "PLATFORM_MODELS",
    "RESERVED_PLATFORMS",
    "Channel",
    "ChannelBase",
    "ChannelDefaults",
    "ConsoleChannel",
    "FrozenModel",
    "Schedule",
    "TelegramChannel",
    "Utm",
    "XChannel",
]

RESERVED_PLATFORMS = ("mastodon", "bluesky")


class FrozenModel(BaseModel):
    """Immutable, unknown keys rejected, defaults validated (so default paths resolve too)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


# --- schedules -------------------------------------------------------------------------------


class Schedule(FrozenModel):
    """When a channel posts: exactly one of `cron`, `every` or `slots`."""

    cron: CronExpression | None = Field(
        None, description='A crontab line, e.g. "30 8 * * mon-fri", or a macro such as "@daily".'
    )
    every: PositiveDuration | None = Field(
        None, description='A fixed interval, e.g. "90s", "10m", "2h".'
    )
    slots: SlotList | None = Field(
        None,
        description='Weekday ranges and local times, e.g. ["mon-fri 08:30", "sat 10:00"].',
    )
    timezone: TimeZoneName = Field(
        "UTC", description="The IANA time zone of this schedule (default: bot.timezone)."
    )
    jitter: Duration = Field(
        timedelta(0), description="Shift each post randomly by up to this much (default 0s)."
    )

    @property
    def kind(self) -> Literal["cron", "every", "slots"]:
        """Which of the three kinds this schedule is."""
        if self.cron is not None:
            return "cron"
        return "every" if self.every is not None else "slots"

    @property
    def zone(self) -> ZoneInfo:
        """`timezone` as a ZoneInfo."""
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _one_kind(self) -> Schedule:
        kinds = [k for k in ("cron", "every", "slots") if getattr(self, k) is not None]
        if len(kinds) > 1:
            both = " and ".join(f'"{k}"' for k in kinds)
            raise ValueError(
                f"has {both} (keep exactly one of cron, every and slots per schedule; "
                "write a list of schedules to combine them)"
            )
        if not kinds:
            raise ValueError(
                'says neither when nor how often to post (add one of every = "1h", '
                'cron = "0 9 * * *" or slots = ["mon-fri 09:00"])'
            )
        if self.every is not None and self.jitter >= self.every:
            raise ValueError("jitter must be shorter than every (lower jitter)")
        return self


def _as_schedule_list(value: object) -> object:
    """A single table is a list of one schedule."""
    if isinstance(value, dict | Schedule):
        return (value,)
    if isinstance(value, str):
        kind = "cron" if len(value.split()) == 5 else "every"
        raise ValueError(
            f'expected a table, got a string (write schedule = {{ {kind} = "{value}" }})'
        )
    if isinstance(value, list | tuple) and not value:
        raise ValueError('is empty (add a schedule such as { every = "1h" })')
    return tuple(value) if isinstance(value, list) else value


Schedules = Annotated[
    tuple[Schedule, ...],
    BeforeValidator(_as_schedule_list, json_schema_input_type=Schedule | list[Schedule]),
]


class Utm(FrozenModel):
    """UTM parameters added to the article link."""

    source: StrictStr = Field("excerpt-bot", description="utm_source (default excerpt-bot).")
    medium: StrictStr = Field("social", description="utm_medium (default social).")
    campaign: StrictStr | None = Field(None, description="utm_campaign (optional).")


# --- channels --------------------------------------------------------------------------------


class ChannelBase(FrozenModel):
    """Keys every channel takes, whatever its platform."""

    platform: str = Field(description="Where posts go: console, x or telegram.")
    schedule: Schedules = Field(description="When to post: a schedule table or a list of them.")
    enabled: StrictBool = Field(True, description="false keeps the channel configured but idle.")
    max_per_day: Annotated[StrictInt, Field(ge=1)] | None = Field(
        None, description="At most this many posts in any 24 hours (default: no limit)."
    )
    repeat_after: PositiveDuration = Field(
        timedelta(days=90), description="An excerpt may be posted again after this long."
    )
    require_approval: StrictBool = Field(
        False, description="Hold posts until `excerpt-bot approve` releases them."
    )
    missed: Literal["skip", "catch_up"] = Field(
        "skip", description="Slots missed while down: skip them, or post once within grace."
    )
    grace: Duration = Field(
        timedelta(minutes=10), description="How late a slot may still post (retries included)."
    )
    on_unknown: Literal["mark", "retry"] = Field(
        "mark", description="A send whose outcome is unknown: mark it for you, or retry it."
    )
    template: PostTemplate | None = Field(
        None, description="The post text with {excerpt} {title} {url} ... (default per platform)."
    )
    hashtags: Annotated[StrictInt, Field(ge=0)] = Field(
        3, description="At most this many hashtags from the article's tags (0: none)."
    )
    utm: Utm | None = Field(None, description="UTM parameters for the article link (optional).")
    articles: ArticleGlobs | None = Field(
        None, description="Only articles whose path (relative to posts_dir) matches a glob."
    )

    _name: str = PrivateAttr("")
    _source: Path | None = PrivateAttr(None)

    @property
    def name(self) -> str:
        """The channel's key in `[channels]`."""
        return self._name

    @property
    def source(self) -> Path | None:
        """The config file the channel was read from (None when built in code)."""
        return self._source


class ConsoleChannel(ChannelBase):
    """Posts to the log (and an outbox file): runs with no credentials at all."""

    platform: Literal["console"] = Field(description="Posts go to the log.")
    render_as: Literal["x", "telegram", "mastodon", "bluesky"] = Field(
        "x", description="Render posts as this platform would send them."
    )
    outbox: ConfigPath | None = Field(
        None, description="Also append each post to this file (optional)."
    )


class TelegramChannel(ChannelBase):
    """A Telegram channel or group, through a bot added to it as an admin."""

    platform: Literal["telegram"] = Field(description="Posts go to Telegram.")
    chat_id: ChatId = Field(description='"@channel_name" or a numeric chat id.')
    token_env: EnvVarName = Field(
        "TELEGRAM_BOT_TOKEN", description="The environment variable holding the bot token."
    )
    api_base_url: HttpBaseUrl | None = Field(
        None, description="A self-hosted Bot API server, e.g. http://127.0.0.1:8081."
    )
    link_preview: Literal["above", "below", "none"] = Field(
        "below", description="Show the article's link preview above or below the text, or not."
    )
    disable_notification: StrictBool = Field(
        False, description="Post silently (subscribers get no sound)."
    )
    timeout: PositiveDuration = Field(
        timedelta(seconds=30), description="Give up on a request after this long."
    )


class XChannel(ChannelBase):
    """An X account, through an X developer app with read and write access."""

    platform: Literal["x"] = Field(description="Posts go to X.")
    max_per_day: Annotated[StrictInt, Field(ge=1)] | None = Field(
        17, description="At most this many posts in any 24 hours (default 17: the free tier)."
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
    def posts_per_slot(self) -> int:
        """What one slot spends of max_per_day: a whole thread, or one post."""
        return self.thread_length if self.thread else 1

    @model_validator(mode="after")
    def _room_for_a_thread(self) -> XChannel:
        if self.thread and self.max_per_day is not None and self.max_per_day < self.thread_length:
            raise ValueError(
                f"max_per_day {self.max_per_day} cannot hold one thread of "
                f"{self.thread_length} posts (max_per_day counts every post of a thread: "
                "raise it or lower thread_length)"
            )
        return self


Channel = Annotated[ConsoleChannel | TelegramChannel | XChannel, Field(discriminator="platform")]

PLATFORM_MODELS: dict[str, type[ChannelBase]] = {
    "console": ConsoleChannel,
    "telegram": TelegramChannel,
    "x": XChannel,
}
PLATFORMS = tuple(PLATFORM_MODELS)


def _defaults_model() -> type[BaseModel]:
    """`[defaults]`: every key any channel takes, all optional."""
    fields: dict[str, Any] = {}
    for model in PLATFORM_MODELS.values():
        for name, field in model.model_fields.items():
            if name in fields:
                continue
            info = ChannelBase.model_fields.get(name, field)
            annotation = info.annotation
            if info.metadata:
                annotation = Annotated[(annotation, *info.metadata)]
            if name == "platform":
                annotation = Literal[PLATFORMS]  # type: ignore[valid-type]
            fields[name] = (annotation | None, Field(None, description=info.description))
    return create_model(
        "ChannelDefaults",
        __base__=FrozenModel,
        __doc__="Any channel key, applied to every channel whose platform takes it.",
        **fields,
    )


ChannelDefaults = _defaults_model()
