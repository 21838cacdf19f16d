"""`excerpt-bot plan`: the coming slots of each channel and the post that would go in each,
and what they cost.

The slots are the daemon's own (same triggers, same seeded jitter); the posts are what the
planner would choose from today's queue, with evergreen repeats as they come due. The cost
counts every slot of the days asked for (`bot.cli.plan_cost`), not only those listed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from bot.cli.configured import (
    channel_option,
    configured_channel,
    json_option,
    limit_option,
    load_config_or_fail,
    opened_store,
    utc_now,
)
from bot.cli.options import config_option
from bot.cli.output import (
    NOTHING,
    add_row,
    count,
    iso,
    local_time,
    make_table,
    print_json,
    print_table,
    shorten,
)
from bot.cli.plan_cost import cost_lines, cost_summary, planned_spend
from bot.config import Channel as ChannelConfig
from bot.planner import simulate
from bot.policy import DAY, ChannelPolicy
from bot.schedule.slots import next_slots
from bot.spend import PlannedSpend
from bot.store import Store

SLOTS_SHOWN = 50  # per channel, unless --limit: `every = "10s"` has 60,480 slots a week
SLOTS_COUNTED = 10_000  # beyond this many more, say "more than"
SLOTS_LISTED_MOST = 1_000  # --limit at most: each listed slot is checked against the ones before
_BATCH = 2_000


@click.command()
@config_option
@channel_option
@click.option(
    "--days",
    type=click.IntRange(min=1, max=366),
    default=7,
    show_default=True,
    help="How many days ahead to look.",
)
@limit_option(
    f"List at most N slots per channel (default {SLOTS_SHOWN}, at most {SLOTS_LISTED_MOST:,}).",
    most=SLOTS_LISTED_MOST,
)
@json_option
def plan(
    config_path: Path | None, channel_name: str | None, days: int, limit: int | None, as_json: bool
) -> None:
    """Show the coming slots and what would go out in each.

    For each enabled channel, in the schedule's local time; "—" where nothing would go. A
    post waiting for approval shows where it would go once approved, marked as such. Ends
    with what the days ahead cost: per channel its posts, their price (a post whose text
    has no link at the platform's plain price) and what is left of its budget, and a
    total. A budget holds posts back as the daemon would.

    Warns (on stderr) where schedules ask for more than a platform allows, channels on one
    account counted together, as `check` does.

    `--json` prints {"generated_at", "days", "channels": {NAME: {"slots": [...], ...}},
    "cost": {NAME: {"posts", "spend", "currency", "budget_left"}, "total": {"posts",
    "spend", "currency"}}, "warnings": [...]}.
    """
    config = load_config_or_fail(config_path)
    from bot.config.limits import quota_warnings

    warnings = quota_warnings(config)
    if channel_name is None:
        channels = config.enabled_channels()
    else:
        channels = {channel_name: configured_channel(config, channel_name, enabled=True)}
    now = utc_now()
    until = now + timedelta(days=days)
    spends = {}
    with opened_store(config, read_only=True) as store:
        plans = {}
        for name, channel in channels.items():
            spends[name] = (
                channel,
                planned_spend(store, channel, ChannelPolicy.of(channel), now=now),
            )
            plans[name] = channel_plan(
                store,
                channel,
                now=now,
                until=until,
                limit=limit or SLOTS_SHOWN,
                spending=spends[name][1],
            )
    cost = cost_summary(spends)
    if as_json:
        print_json(
            {
                "generated_at": iso(now),
                "days": days,
                "channels": plans,
                "cost": cost,
                "warnings": warnings,
            }
        )
        return
    for line in warnings:
        click.echo(f"warning: {line}", err=True)
    for name, entry in plans.items():
        _show(name, entry, days)
    for line in cost_lines(cost, spends, days):
        click.echo(line)


def channel_plan(
    store: Store,
    channel: ChannelConfig,
    *,
    now: datetime,
    until: datetime,
    limit: int,
    spending: PlannedSpend | None = None,
) -> dict[str, Any]:
    """The channel's slots up to `until` (at most `limit`) with what would go in each.

    With `spending`, every slot up to `until` is planned (at most SLOTS_COUNTED more than
    `limit`), its posts priced there and held back where the budget would hold them."""
    slots, more = coming_slots(
        channel, now=now, until=until, limit=limit, every=spending is not None
    )
    state = store.channel_state(channel.name)
    sent = store.sent_times_since(channel.name, now - DAY)
    policy = ChannelPolicy.of(channel)
    # Posts waiting for approval are planned where they would go once approved, and marked.
    # A paused channel sends nothing: its listed slots only, nothing priced.
    chosen = simulate(
        store.queued_items(channel.name, include_pending=True),
        last_article_id=store.last_sent_article(channel.name),
        slots=slots if not state.paused else slots[:limit],
        policy=policy,
        already_sent_times=sent,
        evergreen=store.evergreen_pool(channel.name, per_article=policy.per_article),
        spending=spending if not state.paused else None,
    )[:limit]
    details = store.excerpt_details([item.excerpt_id for _, item in chosen if item])
    entries = []
    for at, item in chosen:
        goes = item is not None and not state.paused
        if goes:
            sent += [at] * policy.posts_per_slot
        title, text = details.get(item.excerpt_id, (None, None)) if goes else (None, None)
        entries.append(
            {
                "at": at,  # in the schedule's zone; ISO 8601 in JSON
                "post_id": item.post_id if goes else None,  # None for an evergreen repeat
                "article_id": item.article_id if goes else None,
                "excerpt_id": item.excerpt_id if goes else None,
                "article_title": title,
                "excerpt": text,
                "repeat": goes and item.post_id is None,
                "awaiting_approval": goes and item.pending,
                "skipped": (
                    "budget"
                    if item is None
                    and spending is not None
                    and spending.holds(at)
                    and not state.paused
                    else _skipped(at, sent, policy, paused=state.paused)
                ),
            }
        )
    return {
        "platform": channel.platform,
        "paused": state.paused,
        "paused_reason": state.paused_reason,
        "max_per_day": channel.max_per_day,
        "slots": entries,
        "more_slots": more,
        "more_slots_exact": more <= SLOTS_COUNTED,
    }


def coming_slots(
    channel: ChannelConfig, *, now: datetime, until: datetime, limit: int, every: bool = False
) -> tuple[list[datetime], int]:
    """The first `limit` slots up to `until` (`every`: and the SLOTS_COUNTED after them),
    and how many more than `limit` there are (counted up to SLOTS_COUNTED + 1)."""
    found: list[datetime] = []
    after, size = now, limit + 1
    while len(found) <= limit + SLOTS_COUNTED:
        batch = next_slots(channel, after, size)
        found += [slot for slot in batch if slot <= until]
        if len(batch) < size or batch[-1] > until:
            break
        after, size = batch[-1], _BATCH
    more = max(0, min(len(found) - limit, SLOTS_COUNTED + 1))
    return found[: limit + SLOTS_COUNTED] if every else found[:limit], more


def _skipped(
    at: datetime, sent: list[datetime], policy: ChannelPolicy, *, paused: bool
) -> str | None:
    """Why a slot stays empty though posts are queued: the channel is paused, or its daily
    cap has no room for the slot (None when the slot has a post, or simply nothing to
    send)."""
    if paused:
        return "paused"
    if at in sent:
        return None
    return None if policy.fits(at, sent) else "max_per_day"


def _show(name: str, entry: dict[str, Any], days: int) -> None:
    title = f"{name} ({entry['platform']})"
    if entry["paused"]:
        reason = f": {entry['paused_reason']}" if entry["paused_reason"] else ""
        title += f" — paused{reason}; nothing goes out until `excerpt-bot resume {name}`"
    table = make_table("slot", "post!", "article", "excerpt", title=title)
    for slot in entry["slots"]:
        if slot["excerpt_id"] is None:
            why = _why_empty(slot["skipped"], entry["max_per_day"])
            add_row(table, (local_time(slot["at"]), NOTHING, why, ""))
            continue
        post = "repeat" if slot["repeat"] else slot["post_id"]
        if slot.get("awaiting_approval"):
            post = f"{post} (awaits approval)"
        add_row(
            table,
            (
                local_time(slot["at"]),
                post,
                shorten(slot["article_title"], 40),
                shorten(slot["excerpt"], 70),
            ),
        )
    footer = []
    waiting = sum(1 for slot in entry["slots"] if slot.get("awaiting_approval"))
    if waiting:
        footer.append(
            f"{count(waiting, 'post')} above await approval: "
            f"`excerpt-bot approve --channel {name}` lets them go out"
        )
    if not entry["slots"]:
        footer.append(f"no slots in the next {days} days")
    if entry["more_slots"]:
        more = (
            f"{entry['more_slots']:,}"
            if entry["more_slots_exact"]
            else f"more than {SLOTS_COUNTED:,}"
        )
        footer.append(f"… {more} more slots in the next {days} days (--limit N to list more)")
    print_table(table, footer)


def _why_empty(skipped: str | None, max_per_day: int | None) -> str:
    if skipped == "max_per_day":
        return f"(max_per_day {max_per_day} reached)"
    if skipped == "budget":
        return "(budget reached)"
    if skipped == "paused":
        return "(paused)"
    return "(nothing queued)"
