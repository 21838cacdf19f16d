"""`excerpt-bot status`: each channel and each feed at a glance, from grouped queries."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.configured import json_option, load_config_or_fail, utc_now
from bot.cli.options import config_option
from bot.cli.output import (
    NOTHING,
    add_row,
    iso,
    local_time,
    make_table,
    print_json,
    print_table,
    shorten,
)
from bot.config import Channel as ChannelConfig
from bot.config import Config, Source, secret_env_vars
from bot.durations import format_duration
from bot.logs import redact, register_secrets
from bot.pricing import format_money
from bot.schedule.slots import next_slots
from bot.spend import ChannelSpend, month_window, spend_of
from bot.store import ChannelSummary, FeedSummary
from bot.store.summaries import read_status


@click.command()
@config_option
@json_option
def status(config_path: Path | None, as_json: bool) -> None:
    """Show each channel's state, and each feed's.

    Channels: next slot, queue depth, pending approvals, last post out, last error, paused
    or not, and where posts cost money, this month's spend and the budget left (months
    in [bot] timezone). Feeds: last success, last error, next poll, entries seen. Lists
    every configured channel and feed, and those the database still knows that the config
    no longer has. On a database several daemons share (PostgreSQL), which daemon holds
    each channel and when each daemon was last seen.
    `--json` prints {"generated_at", "database", "channels": {NAME: {..., "owner", "spend":
    {"amount", "currency", "month", "budget", "left", "reached_until"} or null}},
    "feeds": {URL: {...}}, "instances": {NAME: {"last_seen", "channels"}}}.
    """
    config = load_config_or_fail(config_path)
    _register_channel_secrets(config)
    now = utc_now()
    sources = {source.feed: source for source in config.sources}
    report = read_status(
        config.bot.database,
        channels=config.channels,
        feeds=sources,
        window=month_window(now, ZoneInfo(config.bot.timezone)),
        password=config.bot.database_password(os.environ),
    )
    database = report.where
    channels = {
        name: channel_status(config.channels.get(name), summary, now)
        for name, summary in report.channels.items()
    }
    feeds = {
        redact(url): feed_status(sources.get(url), summary) for url, summary in report.feeds.items()
    }  # a token in a feed's query string never shows
    instances = _instances(config, now)
    for name, entry in channels.items():
        entry["owner"] = instances.owners.get(name) if instances is not None else None
    daemons = (
        {}
        if instances is None
        else {
            name: {"last_seen": iso(last_seen), "stopped": stopped is not None, "channels": held}
            for name, (last_seen, stopped, held) in instances.instances.items()
        }
    )
    if as_json:
        print_json(
            {
                "generated_at": iso(now),
                "database": database,
                "channels": {name: _jsonable(entry) for name, entry in channels.items()},
                "feeds": {url: _jsonable(entry) for url, entry in feeds.items()},
                "instances": daemons,
            }
        )
        return
    _show(
        channels,
        ZoneInfo(config.bot.timezone),
        database,
        feeds,
        _daemon_lines(daemons, ZoneInfo(config.bot.timezone)),
    )


def _instances(config: Config, now: datetime):
    """Who does what on a database several daemons share (PostgreSQL); None on SQLite,
    where one daemon does everything."""
    scheme = str(config.bot.database).partition("://")[0].split("+")[0]
    if scheme not in ("postgresql", "postgres"):  # SQLAlchemy stays unimported on SQLite
        return None
    from bot.store import Store
    from bot.store.leases import ownership

    with Store.open(
        config.bot.database,
        read_only=True,
        quick=True,
        password=config.bot.database_password(os.environ),
    ) as store:
        return store.read_with(ownership, now=now)


def _daemon_lines(daemons: dict[str, dict[str, Any]], zone: ZoneInfo) -> list[str]:
    lines = []
    for name, entry in daemons.items():
        seen = local_time(datetime.fromisoformat(entry["last_seen"]), zone)
        state = "stopped" if entry["stopped"] else f"{len(entry['channels'])} channels"
        lines.append(f"daemon {name}: last seen {seen}, {state}")
    return lines


def channel_status(
    channel: ChannelConfig | None, summary: ChannelSummary, now: datetime
) -> dict[str, Any]:
    """One channel's status; `channel` is None for a channel no longer in the config."""
    enabled = channel is not None and channel.enabled
    upcoming = next_slots(channel, now, 1) if enabled else []
    return {
        "platform": channel.platform if channel is not None else None,
        "enabled": enabled,
        "in_config": channel is not None,
        "next_slot": upcoming[0] if upcoming else None,
        "queue_depth": summary.queue_depth,
        "pending_approval": summary.pending_approval,
        "last_sent_at": summary.last_sent_at,
        "last_sent_post_id": summary.last_sent_post_id,
        "last_sent_url": summary.last_sent_remote_url,
        "last_error": redact(summary.last_error) if summary.last_error else None,
        "last_error_at": summary.last_error_at,
        "last_slot_at": summary.last_slot_at,
        "paused": summary.paused,
        "paused_reason": redact(summary.paused_reason) if summary.paused_reason else None,
        "counts": dict(summary.counts),
        "token_expires_at": summary.token_expires_at,
        "spend": spend_of(
            channel, summary.charges, now=now, held_until=summary.budget_reached_until
        ),
    }


def feed_status(source: Source | None, summary: FeedSummary) -> dict[str, Any]:
    """One feed's status; `source` is None for a feed no longer in the config."""
    state = summary.state
    if source is None:
        health = "not in config"
    elif state.last_polled_at is None:
        health = "not polled yet"
    else:
        health = "failing" if state.failures else "ok"
    return {
        "in_config": source is not None,
        "poll": format_duration(source.poll) if source is not None else None,
        "channels": list(source.channels) if source and source.channels is not None else None,
        "title": state.title,
        "state": health,
        "last_polled_at": state.last_polled_at,
        "last_success_at": state.last_success_at,
        "last_error": redact(state.last_error) if state.last_error else None,
        "last_error_at": state.last_error_at,
        "failures": state.failures,
        "next_poll_at": state.next_poll_at if source is not None else None,
        "entries": dict(summary.entries),
    }


def _jsonable(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        key: iso(value)
        if isinstance(value, datetime)
        else value.to_json()
        if isinstance(value, ChannelSpend)
        else value
        for key, value in entry.items()
    }


def _register_channel_secrets(config: Config) -> None:
    """An error a platform returned could quote a credential: never print one."""
    for channel in config.channels.values():
        register_secrets(*(os.environ.get(var) for var in secret_env_vars(channel).values()))


def _show(
    channels: dict[str, dict[str, Any]],
    zone: ZoneInfo,
    database: str,
    feeds: dict[str, dict[str, Any]],
    daemons: list[str],
) -> None:
    priced = any(entry["spend"] is not None for entry in channels.values())
    columns = (
        "channel!",
        "platform!",
        "next slot",
        "queued!",
        "last sent",
        "last error",
        *(("spend this month",) if priced else ()),
        "state",
    )
    table = make_table(*columns)
    for name, entry in channels.items():
        last_sent = local_time(entry["last_sent_at"], zone)
        if entry["last_sent_url"]:
            last_sent += f"\n{entry['last_sent_url']}"
        last_error = NOTHING
        if entry["last_error"]:
            last_error = (
                f"{local_time(entry['last_error_at'], zone)}\n{shorten(entry['last_error'], 60)}"
            )
        spend = (_spend(entry["spend"]),) if priced else ()
        add_row(
            table,
            (
                name,
                entry["platform"] or "(not in config)",
                local_time(entry["next_slot"]),
                _queued(entry),
                last_sent,
                last_error,
                *spend,
                _state(entry) + (f"\non {entry['owner']}" if entry["owner"] else ""),
            ),
        )
    if feeds:
        print_table(table)
        table = _feeds_table(feeds, zone)
    print_table(table, footer=[f"database: {database}", *daemons])


def _feeds_table(feeds: dict[str, dict[str, Any]], zone: ZoneInfo):
    table = make_table(
        "feed!", "last success", "last error", "next poll", "entries", "state", title="feeds"
    )
    for url, entry in feeds.items():
        last_error = NOTHING
        if entry["last_error"]:
            last_error = (
                f"{local_time(entry['last_error_at'], zone)}\n{shorten(entry['last_error'], 60)}"
            )
        state = entry["state"] + (f" ({entry['failures']} in a row)" if entry["failures"] else "")
        add_row(
            table,
            (
                url,
                local_time(entry["last_success_at"], zone),
                last_error,
                local_time(entry["next_poll_at"], zone) if entry["in_config"] else NOTHING,
                ", ".join(f"{n} {kind}" for kind, n in sorted(entry["entries"].items())) or NOTHING,
                state,
            ),
        )
    return table


def _queued(entry: dict[str, Any]) -> str:
    pending = entry["pending_approval"]
    return f"{entry['queue_depth']}" + (f"\n+{pending} to approve" if pending else "")


def _state(entry: dict[str, Any]) -> str:
    return _base_state(entry) + _budget(entry["spend"]) + _token(entry["token_expires_at"])


def _spend(spend: ChannelSpend | None) -> str:
    """`0.80 USD (4 posts)` and, with a budget, `0.20 USD/month left`."""
    if spend is None:
        return NOTHING
    posts = f"{spend.posts} post{'s' if spend.posts != 1 else ''}"
    text = f"{format_money(spend.amount, spend.currency)} ({posts})"
    if spend.budget is not None and spend.left is not None:
        text += f"\n{format_money(spend.left, spend.currency)} left of {spend.budget}"
    return text


def _budget(spend: ChannelSpend | None) -> str:
    """`budget reached until 2027-01-01` (the local date the period rolls over)."""
    if spend is None or spend.reached_until is None:
        return ""
    zone = ZoneInfo(spend.zone)
    return f"\nbudget reached until {spend.reached_until.astimezone(zone).date().isoformat()}"


def _base_state(entry: dict[str, Any]) -> str:
    if entry["paused"]:
        return "paused" + (f": {entry['paused_reason']}" if entry["paused_reason"] else "")
    if not entry["in_config"]:
        return "not in config"
    return "active" if entry["enabled"] else "disabled"


def _token(expires_at: str | None) -> str:
    """The token's expiry under the state, where the channel knows it."""
    if expires_at is None:
        return ""
    if expires_at == "never":
        return "\ntoken does not expire"
    return f"\ntoken valid until {expires_at[:10]}"
