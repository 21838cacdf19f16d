"""What `check` and `plan` say about a config against what platforms allow and what posting
costs: quotas a schedule would go past (channels on one account counted together), budgets
a schedule would outspend, and what a month of a priced channel's schedule costs.

A schedule is read as the daemon runs it: its fire times over a fixed sample (any fixed
weeks will do: warnings must not depend on today), each let through only while the
channel's `max_per_day` has room, a thread counting all its parts. A schedule that fires
more than FIRES_COUNTED times in the sample is judged on the span those fires cover,
scaled up (an estimate, and said so).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from bot.config.problems import format_key_path
from bot.policy import DAY, ChannelPolicy
from bot.pricing import format_money

if TYPE_CHECKING:
    from bot.config.channels import ChannelSettings
    from bot.config.models import Config
    from bot.platforms import Quota

__all__ = ["budget_warnings", "monthly_cost", "quota_warnings", "sends", "slot_price"]

FIRES_COUNTED = 10_000  # fire times counted per channel at most, whatever its schedules
SAMPLE_START = datetime(2030, 1, 7, 12, tzinfo=UTC)  # a Monday, far from DST changes
QUOTA_SAMPLE = timedelta(days=8)  # a week and a day: every window of up to 24 hours
MONTH = timedelta(days=31)  # the longest month
_JUST_BEFORE = SAMPLE_START - timedelta(microseconds=1)  # fires at the start count too


def sends(channel: ChannelSettings, span: timedelta) -> tuple[list[datetime], timedelta]:
    """When `channel` would post over `span` from the sample start — each of its slots that
    its daily cap lets through — and the span those cover (shorter than `span` when its
    schedules fire more than FIRES_COUNTED times in it)."""
    from bot.schedule import build_trigger, next_fire_times

    end = SAMPLE_START + span
    each = max(2, FIRES_COUNTED // len(channel.schedule))
    fires: list[datetime] = []
    covered = end
    for s in channel.schedule:
        trigger = build_trigger(cron=s.cron, every=s.every, slots=s.slots, timezone=s.zone)
        coming = [t.astimezone(UTC) for t in next_fire_times(trigger, _JUST_BEFORE, each)]
        if len(coming) == each and coming[-1] < end:  # cut short: denser than counted
            covered = min(covered, coming[-1])
        fires += coming
    policy = ChannelPolicy.of(channel)
    out: deque[datetime] = deque()  # one time per post in the last 24 hours
    let_through = []
    for fire in sorted(t for t in fires if t <= covered and t < end):
        while out and out[0] < fire - DAY:
            out.popleft()
        if policy.has_room(len(out)):
            let_through.append(fire)
            out.extend([fire] * policy.posts_per_slot)
    return let_through, covered - SAMPLE_START


def most_in_window(events: Sequence[tuple[datetime, int]], window: timedelta) -> int:
    """The most posts (`events`: time, posts; in order) in any `window` (rolling)."""
    most, total, first = 0, 0, 0
    for at, posts in events:
        total += posts
        while events[first][0] <= at - window:
            total -= events[first][1]
            first += 1
        most = max(most, total)
    return most


# --- quotas ----------------------------------------------------------------------------------


def quota_warnings(config: Config) -> list[str]:
    """A line for each platform quota the enabled channels' schedules would go past, the
    channels on one account (the same credentials) counted together."""
    from bot.platforms import PLATFORMS

    warnings = []
    groups: dict[tuple, list[ChannelSettings]] = {}
    for channel in config.enabled_channels().values():
        for quota in PLATFORMS[channel.platform].quotas.limits:
            groups.setdefault(_account(channel, quota), []).append(channel)
    sample = {
        name: sends(channel, QUOTA_SAMPLE)
        for name, channel in config.enabled_channels().items()
        if PLATFORMS[channel.platform].quotas.limits
    }
    for key, channels in groups.items():
        quota: Quota = key[-1]
        asked, exact = _asked([(c, *sample[c.name]) for c in channels], quota.per)
        if asked > quota.posts:
            warnings.append(_quota_line(channels, quota, asked, exact))
    return warnings


def _account(channel: ChannelSettings, quota: Quota) -> tuple:
    """What `quota` is counted over for `channel`: its platform and credentials (the names
    of the variables holding them: one variable, one account), and where it posts when the
    quota counts per destination."""
    credentials = tuple(sorted(channel.secret_env_vars().items()))
    where = channel.destination() if quota.scope == "destination" else None
    return channel.platform, credentials, where, quota


def _asked(
    channels: Iterable[tuple[ChannelSettings, list[datetime], timedelta]], window: timedelta
) -> tuple[int, bool]:
    """The most posts the channels (each with its `sends` over the quota sample) would
    send together in any `window`, and whether that is exact."""
    events: list[tuple[datetime, int]] = []
    covered = QUOTA_SAMPLE
    for channel, times, span in channels:
        covered = min(covered, span)
        events += [(t, channel.posts_per_slot) for t in times]
    end = SAMPLE_START + covered
    events = sorted(e for e in events if e[0] <= end)
    most = most_in_window(events, window)
    if covered < window:  # denser than counted: scale the span counted up to the window
        return math.ceil(most * (window / max(covered, timedelta(seconds=1)))), False
    return most, True


def _quota_line(channels: list[ChannelSettings], quota: Quota, asked: int, exact: bool) -> str:
    name = _NAMES.get(channels[0].platform, channels[0].platform.capitalize())
    asks = f"up to {asked:,}" if exact else f"about {asked:,}"
    allows = f"{name} allows {quota.posts:,} {quota.what} in {_window(quota.per)} ({quota.source})"
    fix = (
        "the platform refuses the rest, or blocks the account; post less often or lower max_per_day"
    )
    if len(channels) == 1:
        where = format_key_path(("channels", channels[0].name, "schedule"))
        return f"{where}: asks for {asks} posts in {_window(quota.per)} but {allows} ({fix})"
    names = ", ".join(format_key_path(("channels", c.name)) for c in channels)
    one = "one account" if quota.scope == "account" else "one destination of one account"
    variables = ", ".join(sorted(set(channels[0].secret_env_vars().values())))
    return (
        f"{names}: {one} ({variables}): their schedules ask for {asks} posts in "
        f"{_window(quota.per)} together but {allows} ({fix})"
    )


_NAMES = {"x": "X", "linkedin": "LinkedIn"}  # as the platforms write themselves


def _window(per: timedelta) -> str:
    seconds = int(per.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            if unit == "day" and count == 1:
                return "24 hours"
            return (
                ("an hour" if unit == "hour" else f"a {unit}") if count == 1 else f"{count} {unit}s"
            )
    return f"{seconds} seconds"  # pragma: no cover - every window is whole seconds


# --- budgets and a month's cost --------------------------------------------------------------


def slot_price(channel: ChannelSettings) -> tuple[int, int] | None:
    """What one slot of `channel` costs (micros) and how many posts it sends, priced on an
    ordinary article rendered as the channel renders it; None where posts are free."""
    if channel.prices is None:
        return None
    return _probe_price(channel)


def _probe_price(channel: ChannelSettings) -> tuple[int, int]:
    from bot.errors import RenderError
    from bot.render.channel import channel_excerpts, render_for

    article = _probe()
    policy = ChannelPolicy.of(channel)
    try:
        rendered = render_for(channel, article, channel_excerpts(channel, article)[0])
    except (RenderError, IndexError):  # a template with no room: `check` says so itself
        return 0, 1
    return policy.price(rendered.text, rendered.parts) or 0, len(rendered.parts) or 1


@cache
def _probe():
    from bot.article import Article

    paragraphs = (  # enough for a whole thread of a few parts
        "Gardens in small towns change more than the people who keep them ever expect. A bed "
        "of herbs by the kitchen door is worth more than a field out of sight.",
        "Most of what grows well here was brought by someone who missed home. Seeds travel in "
        "pockets and letters, and they root where people settle.",
        "Compost turns a year of kitchen scraps into next spring's soil without much work at "
        "all. It asks for patience, air and a little water now and then.",
        "The best advice came from neighbours who had made every mistake before us. They "
        "never charged for it, and they rarely waited to be asked.",
        "Watering in the evening keeps the leaves dry through the night and the roots cool by "
        "day. A rain barrel under the gutter pays for itself in one summer.",
    )
    return Article(
        id="probe",
        title="An ordinary article title, some sixty characters long",
        paragraphs=paragraphs,
        source="probe",
        site="example.org",
        url="https://example.org/2026/01/15/an-ordinary-article-title-some-sixty/",
    )


def monthly_cost(channel: ChannelSettings) -> tuple[int, int, bool] | None:
    """What a month (31 days) of `channel`'s schedule costs in micros, its posts, and
    whether that is exact; None where posts are free."""
    price = slot_price(channel)
    if price is None:
        return None
    times, covered = sends(channel, MONTH)
    slots = len(times)
    exact = covered >= MONTH
    if not exact:
        slots = math.ceil(slots * (MONTH / max(covered, timedelta(seconds=1))))
    return slots * price[0], slots * price[1], exact


def budget_warnings(config: Config) -> list[str]:
    """A line for each enabled channel whose schedule would spend more than its budget:
    in a month (a monthly budget), or in a day (a daily one)."""
    warnings = []
    for channel in config.enabled_channels().values():
        budget, price = channel.budget, slot_price(channel)
        if budget is None or price is None or price[0] == 0:
            continue
        currency = budget.currency
        if budget.period == "month":
            cost = monthly_cost(channel)
            assert cost is not None
            micros, posts, exact = cost
            span = "a month"
        else:
            times, _ = sends(channel, QUOTA_SAMPLE)
            slots = most_in_window([(t, 1) for t in times], DAY)
            micros, posts, exact = slots * price[0], slots * price[1], True
            span = "a day"
        if micros <= budget.micros:
            continue
        about = "" if exact else "about "
        where = format_key_path(("channels", channel.name, "budget"))
        warnings.append(
            f"{where}: the schedule would spend {about}{format_money(micros, currency)} in "
            f"{span} ({posts:,} posts) but the budget is {budget}; posts past it wait in "
            f"the queue until the {budget.period} turns (post less often or raise the "
            "budget)"
        )
    return warnings
