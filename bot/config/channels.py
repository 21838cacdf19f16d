"""What every channel's settings share: its schedules, UTM tags and the keys every platform
takes (`ChannelSettings`). Each platform module (`bot.platforms.<name>`) subclasses
`ChannelSettings` with its own keys; `bot.config.models` joins them, told apart by
`platform`, and builds `[defaults]` from them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.config.money import BudgetSpec, PriceSettings
from bot.config.types import (
    ArticleGlobs,
    CronExpression,
    Duration,
    PositiveDuration,
    PostTemplate,
    SlotList,
    StrictBool,
    StrictInt,
    StrictStr,
    TimeZoneName,
)

if TYPE_CHECKING:
    from bot.pricing import Budget, Prices
    from bot.render import Profile

__all__ = ["ChannelSettings", "FrozenModel", "Schedule", "Schedules", "Utm"]


class FrozenModel(BaseModel):
    """Immutable, unknown keys rejected, defaults validated (so default paths resolve too).

    Built on first use, not when defined: a config file is validated with the settings of
    the platforms it names (`bot.config.load.parse_config`), and the others are not built.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)


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


class ChannelSettings(FrozenModel):
    """Keys every channel takes, whatever its platform; a platform's settings add their own
    and may override the methods below."""

    platform: str = Field(description="Where posts go (see bot.platforms).")
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
    max_excerpts: Annotated[StrictInt, Field(ge=1, le=100)] = Field(
        12, description="At most this many excerpts of one article: its best (default 12)."
    )
    articles: ArticleGlobs | None = Field(
        None, description="Only articles whose path (relative to posts_dir) matches a glob."
    )
    price: PriceSettings | None = Field(
        None,
        description="What a post costs here, over the platform's known prices "
        "(post, post_with_link, currency).",
    )
    budget: BudgetSpec | None = Field(
        None,
        description='Spend at most this much, e.g. "20 USD/month" or "1 USD/day" '
        "(months and days in bot.timezone).",
    )

    _name: str = PrivateAttr("")
    _source: Path | None = PrivateAttr(None)
    _spend_zone: str = PrivateAttr("UTC")

    @field_validator("price")
    @classmethod
    def _price_merges(cls, price: PriceSettings | None, info: ValidationInfo):
        if price is not None:
            _merged_prices(info.data.get("platform"), price)  # raises what is unclear
        return price

    @field_validator("budget")
    @classmethod
    def _budget_in_price_currency(cls, budget: Budget | None, info: ValidationInfo):
        if budget is None or "price" not in info.data:
            return budget  # no budget, or the price has a problem of its own
        platform = info.data.get("platform")
        prices = _merged_prices(platform, info.data["price"])
        if prices is not None and prices.currency != budget.currency:
            whose = "this channel's prices are" if info.data["price"] else f"{platform} prices are"
            raise ValueError(
                f"is in {budget.currency} but {whose} in {prices.currency} (write the budget "
                f"in {prices.currency}, or give the channel's own price with currency = "
                f'"{budget.currency}")'
            )
        return budget

    @property
    def name(self) -> str:
        """The channel's key in `[channels]`."""
        return self._name

    @property
    def source(self) -> Path | None:
        """The config file the channel was read from (None when built in code)."""
        return self._source

    @property
    def prices(self) -> Prices | None:
        """What a post costs on this channel: its platform's known prices with its own
        `price` over them (None: its posts cost nothing we know of)."""
        return _merged_prices(self.platform, self.price)

    @property
    def spend_zone(self) -> str:
        """The time zone spend and budgets are counted in (`[bot] timezone`)."""
        return self._spend_zone

    @property
    def profile_name(self) -> str:
        """The render profile its posts are made and counted with (`bot.render.PROFILES`)."""
        from bot.platforms import PLATFORMS

        return PLATFORMS[self.platform].profile

    @property
    def posts_per_thread(self) -> int | None:
        """Posts per thread when the channel posts each article as a thread; else None."""
        return None

    @property
    def posts_per_slot(self) -> int:
        """What one slot spends of max_per_day: a whole thread, or one post."""
        return self.posts_per_thread or 1

    def secret_env_vars(self) -> dict[str, str]:
        """The secrets the channel needs, each mapped to the variable that holds it."""
        return {}

    def render_profile(self, profile: Profile) -> Profile:
        """The profile its posts are rendered and counted with, given its platform's
        (`profile_name`): that one, unless a setting changes it (a server's own limits)."""
        return profile

    def with_memory(self, recall: Callable[[str], str | None]) -> Self:
        """These settings with what its channel learned from the platform and kept in its
        memory (`recall(key)`, e.g. a server's limits) where rendering needs it: the daemon
        and `preview --channel` render with these. Unchanged unless a platform says so."""
        return self

    def destination(self) -> str:
        """Where its posts go, in a few words (`check` prints it)."""
        return self.platform


def _merged_prices(platform: object, price: PriceSettings | None) -> Prices | None:
    """The platform's prices with `price` over them (ValueError when that is unclear)."""
    from bot.platforms import PLATFORMS
    from bot.pricing import Prices

    declared = PLATFORMS.get(platform) if isinstance(platform, str) else None
    base = declared.prices if declared is not None else None
    if price is None:
        return base
    return Prices.merged(
        base, post=price.post, post_with_link=price.post_with_link, currency=price.currency
    )
