"""What `excerpt-bot check` prints about a valid config: a short summary, and warnings about
settings that load but will not do what they seem to.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.config.channels import ChannelSettings, Schedule
from bot.config.problems import format_key_path
from bot.config.sources import Source
from bot.durations import format_duration
from bot.policy import ChannelPolicy
from bot.pricing import format_money

if TYPE_CHECKING:
    from bot.config.models import Config
    from bot.config.site import SiteSettings

__all__ = [
    "describe_channel",
    "describe_config",
    "describe_schedule",
    "describe_site",
    "describe_source",
    "find_warnings",
]

_DAY = timedelta(days=1)
_POLITE_POLL = timedelta(minutes=1)  # polling a feed more often than this is rude
# One post a second: more than any platform takes in a day (Slack's webhooks, the fastest,
# about one a second; Telegram about 20 a minute in a chat; X 17 on the free tier).
POSTS_A_DAY_CEILING = 86_400
# Fire times `check` computes per channel at most, whatever its schedules (every = "1s"
# with a large max_per_day would otherwise list 700,000 of them).
FIRES_COUNTED = 10_000
# Any fixed week will do (a Monday, far from DST changes): warnings must not depend on today.
_SAMPLE_START = datetime(2030, 1, 7, 12, tzinfo=UTC)


def describe_config(config: Config) -> list[str]:
    """One line per fact: file, database, posts, logs, metrics, then one line per channel."""
    bot = config.bot
    log_to = "stderr" + (f" and {bot.log_file}" if bot.log_file else "")
    metrics = (
        f"http://{bot.metrics_host}:{bot.metrics_port}/metrics"
        if bot.metrics_port is not None
        else "off"
    )
    enabled = [c for c in config.channels.values() if c.enabled]
    lines = [f"config: {config.source}"] if config.source else []
    lines += [
        f"database: {bot.database_url}",
        f"posts: {bot.posts_dir} (rescanned every {format_duration(bot.scan_interval)})",
        *([describe_site(config.site)] if config.site is not None else []),
        f"time zone: {bot.timezone}",
        f"logs: {bot.log_format}, {bot.log_level} and above, to {log_to}",
        f"metrics: {metrics}",
        f"web console: {_web(config)}",
        f"channels: {len(config.channels)} ({len(enabled)} enabled)",
    ]
    lines += [f"  {describe_channel(c)}{_month_cost(c)}" for c in config.channels.values()]
    if config.sources:
        lines.append(f"sources: {len(config.sources)} feed{'s' if len(config.sources) > 1 else ''}")
        lines += [f"  {describe_source(s)}" for s in config.sources]
    return lines


def _month_cost(channel: ChannelSettings) -> str:
    """`; about 18.00 USD a month (90 posts)` for an enabled channel whose posts cost money."""
    from bot.config.limits import monthly_cost

    cost = monthly_cost(channel) if channel.enabled else None
    if cost is None or channel.prices is None:
        return ""
    micros, posts, exact = cost
    about = "about " if not exact else ""
    budget = f", budget {channel.budget}" if channel.budget is not None else ""
    return (
        f"; {about}{format_money(micros, channel.prices.currency)} a month "
        f"({posts:,} posts){budget}"
    )


def describe_site(site: SiteSettings) -> str:
    """`site: https://example.org/, permalink "jekyll" (/:categories/...:title:output_ext)`."""
    from bot.sources.permalinks import PRESETS

    if site.permalink is None:
        how = 'permalinks: each file\'s generator\'s ("jekyll" in _posts, else "hugo")'
    elif site.permalink in PRESETS:
        how = f'permalink "{site.permalink}" ({PRESETS[site.permalink]})'
    else:
        how = f'permalink "{site.permalink}"'
    name = f" ({site.name})" if site.name else ""
    return f"site: {site.base_url}{name}, {how}"


def _web(config: Config) -> str:
    listen = config.web.listen
    if listen is None:
        return "off"
    return f"http://{listen}/ (login token in ${config.web.token_env})"


def describe_source(source: Source) -> str:
    """`https://example.org/feed/: every 30m; to every channel; first poll queues 1 ...`."""
    to = ", ".join(source.channels) if source.channels is not None else "every channel"
    parts = [
        f"{source.feed}: every {format_duration(source.poll)}",
        f"to {to}",
        f"first poll queues the newest {source.first_sync}, "
        f"{'skips' if source.backlog == 'skip' else 'recycles'} the rest",
    ]
    if source.include_tags:
        parts.append("only tagged " + ", ".join(source.include_tags))
    if source.exclude_tags:
        parts.append("never tagged " + ", ".join(source.exclude_tags))
    if not source.fetch_pages:
        parts.append("summaries only")
    return "; ".join(parts)


def describe_channel(channel: ChannelSettings) -> str:
    """`news: telegram to @my_channel; at mon-fri 08:30 (Europe/Berlin); at most 3 a day`."""
    parts = [f"{channel.name}: {channel.destination()}"]
    parts += [describe_schedule(s) for s in channel.schedule]
    if channel.max_per_day is not None:
        parts.append(f"at most {channel.max_per_day} a day")
    parts.append(f"repeats after {format_duration(channel.repeat_after)}")
    if channel.require_approval:
        parts.append("approval required")
    if not channel.enabled:
        parts.append("DISABLED")
    return "; ".join(parts)


def describe_schedule(schedule: Schedule) -> str:
    """`every 10s`, `cron "30 8 * * mon-fri" (UTC)`, `at mon-fri 08:30, sat 10:00 (UTC)`."""
    jitter = f", jitter {format_duration(schedule.jitter)}" if schedule.jitter else ""
    if schedule.every is not None:
        return f"every {format_duration(schedule.every)}" + (f" ({jitter[2:]})" if jitter else "")
    when = f'cron "{schedule.cron}"' if schedule.cron else "at " + ", ".join(schedule.slots or ())
    return f"{when} ({schedule.timezone}{jitter})"


def find_warnings(config: Config) -> list[str]:
    """`FILE: KEY.PATH: what will happen (how to avoid it)` lines; an empty list is good."""
    prefix = f"{config.source}: " if config.source else ""
    warnings = []
    if not config.bot.posts_dir.is_dir():
        warnings.append(
            f"bot.posts_dir: {config.bot.posts_dir} is not a folder yet "
            "(create it and put articles in it)"
        )
    for channel in config.channels.values():
        if channel.enabled and channel.max_per_day is not None:
            warnings += _over_daily_limit(channel)
    from bot.config.limits import budget_warnings, quota_warnings

    warnings += quota_warnings(config) + budget_warnings(config)
    for i, source in enumerate(config.sources):
        if source.poll < _POLITE_POLL:
            warnings.append(
                f"sources[{i}].poll: fetches the feed every {format_duration(source.poll)}, "
                "more often than a blog changes (its server may block the bot; use 15m or more)"
            )
    return [prefix + line for line in warnings]


def _over_daily_limit(channel: ChannelSettings) -> list[str]:
    policy = ChannelPolicy.of(channel)
    limit, per_slot = policy.max_per_day or 0, policy.posts_per_slot
    if limit > POSTS_A_DAY_CEILING:
        where = format_key_path(("channels", channel.name, "max_per_day"))
        return [
            f"{where}: {limit:,} is more than any platform takes in a day (one post a "
            f"second is {POSTS_A_DAY_CEILING:,}); leave it out for no daily limit"
        ]
    room = policy.slots_per_day() or 0
    most, exact = _most_fires_in_a_day(channel.schedule, room)
    if most <= room:
        return []
    where = format_key_path(("channels", channel.name, "schedule"))
    asks = f"up to {most}" if exact else f"more than {room}"
    fix = "(the extra slots are skipped; post less often or raise max_per_day)"
    if per_slot > 1:
        return [
            f"{where}: asks for {asks} threads in 24 hours but max_per_day {limit} holds "
            f"{room} threads of {per_slot} posts {fix}"
        ]
    return [f"{where}: asks for {asks} posts in 24 hours but max_per_day is {limit} {fix}"]


def _most_fires_in_a_day(schedules: tuple[Schedule, ...], limit: int) -> tuple[int, bool]:
    """The most fires in any 24 hours of a fixed week, and whether that count is exact.

    Counting stops past (limit + 1) fires a day on average over 8 days: by then some
    24 hours surely hold more than `limit`, and `every = "1s"` costs no more than `"1h"`.
    It also stops at FIRES_COUNTED fires in all: a schedule denser than that counts as
    its rate over the fires counted (an estimate, so not exact).
    """
    from bot.schedule import build_trigger, next_fire_times

    cap = min((limit + 1) * 8 + 1, max(2, FIRES_COUNTED // len(schedules)))
    pigeonhole = cap == (limit + 1) * 8 + 1  # a cut short count surely exceeds `limit`
    end = _SAMPLE_START + timedelta(days=8)
    fires: list[datetime] = []
    exact, dense = True, 0
    for s in schedules:
        coming = next_fire_times(
            build_trigger(cron=s.cron, every=s.every, slots=s.slots, timezone=s.zone),
            _SAMPLE_START,
            cap,
        )
        complete = len(coming) < cap or coming[-1] >= end
        exact = exact and complete
        if complete or pigeonhole:
            # In UTC: wall-clock maths lies on DST days.
            fires += [t.astimezone(UTC) for t in coming if t < end]
        else:
            dense += _daily_rate(coming)
    fires.sort()
    most, first = 0, 0
    for last, fire in enumerate(fires):
        while fire - fires[first] >= _DAY:
            first += 1
        most = max(most, last - first + 1)
    return most + dense, exact


def _daily_rate(fires: list[datetime]) -> int:
    """Fires a day at the pace of `fires` (at least two, in order)."""
    span = (fires[-1] - fires[0]).total_seconds()
    return -(-(len(fires) - 1) * 86_400 // int(span)) if span >= 1 else len(fires)
