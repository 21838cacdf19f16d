"""What a channel's posts cost between two instants, read from the store as charges.

A charge is something the platform billed, or may have: a single post out or possibly out
(sent, sending, unknown) at when it went (its claim, while it has not gone yet), each part
of a thread at when it went, and the parts of a thread in flight or unknown not yet out, at
its claim. The same posts `max_per_day` counts, priced (`bot.store.lineup.sent_count_since`).

Plain SQL run through `Rows` (`bot.store.summaries`): by the claim (through SQLAlchemy, in
its write transaction) and by `status` (through sqlite3 alone) alike. This module imports
neither SQLAlchemy nor `bot.store.schema`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.spend import Charge

if TYPE_CHECKING:
    from bot.store.summaries import Rows

_UTC_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # as `bot.store.schema.UtcDateTime` stores times

# Index friendly: channel and sent_at, or channel and claimed_at (filtered exactly after).
_SINGLES = (
    "SELECT sent_at, claimed_at, cost_micros, currency FROM posts "
    "WHERE channel = :channel AND parts IS NULL AND cost_micros IS NOT NULL "
    "AND status IN ('sent', 'sending', 'unknown') "
    "AND (sent_at >= :since OR claimed_at >= :since)"
)
_PARTS = (
    "SELECT thread_parts.sent_at, thread_parts.cost_micros, posts.currency "
    "FROM thread_parts JOIN posts ON posts.id = thread_parts.post_id "
    "WHERE posts.channel = :channel AND thread_parts.cost_micros IS NOT NULL "
    "AND thread_parts.sent_at >= :since AND thread_parts.sent_at < :until"
)
_IN_FLIGHT = (
    "SELECT posts.claimed_at, posts.cost_micros - coalesce((SELECT sum(cost_micros) "
    "FROM thread_parts WHERE thread_parts.post_id = posts.id), 0), posts.currency, "
    "posts.parts, (SELECT count(*) FROM thread_parts WHERE thread_parts.post_id = posts.id) "
    "FROM posts WHERE channel = :channel AND parts IS NOT NULL AND cost_micros IS NOT NULL "
    "AND status IN ('sending', 'unknown') AND claimed_at >= :since AND claimed_at < :until"
)


def stored_time(at: datetime) -> str:
    """`at` as the store writes times (fixed-width UTC text: text order is time order)."""
    return at.astimezone(UTC).strftime(_UTC_FORMAT)


def charges(rows: Rows, channel: str, since: datetime, until: datetime) -> list[Charge]:
    """What `channel`'s posts cost (or may have) in [since, until), oldest first."""
    bounds = {"channel": channel, "since": stored_time(since), "until": stored_time(until)}
    found: list[Charge] = []
    for sent_at, claimed_at, micros, currency in rows(_SINGLES, bounds):
        at = _time(sent_at if sent_at is not None else claimed_at)
        if since <= at < until:
            found.append(Charge(at, micros, currency, 1))
    for sent_at, micros, currency in rows(_PARTS, bounds):
        found.append(Charge(_time(sent_at), micros, currency, 1))
    for claimed_at, micros, currency, parts, out in rows(_IN_FLIGHT, bounds):
        if micros > 0:
            found.append(
                Charge(_time(claimed_at), micros, currency, max(1, len(_parts(parts)) - out))
            )
    return sorted(found, key=lambda charge: charge.at)


def charges_by_channel(
    rows: Rows, channels: Iterable[str], since: datetime, until: datetime
) -> dict[str, list[Charge]]:
    return {name: charges(rows, name, since, until) for name in channels}


def _time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):  # a driver that parses times itself
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value)


def _parts(value: object) -> list:
    """A thread's parts as stored (JSON text, or a list where the driver decodes JSON)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, list) else []
