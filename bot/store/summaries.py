"""What `status` reads: each channel's and each feed's summary, in a few grouped queries.

The queries are plain SQL over the store's tables, run by whichever driver is at hand: the
store's SQLAlchemy connection (`Store.status_summary`, `Store.feed_summaries`), or, for an
SQLite file, the standard library's sqlite3 alone (`read_status`). Importing SQLAlchemy
costs `excerpt-bot status` about four times what the whole of `excerpt-bot --version`
costs, so `status` on an SQLite store at the schema version below never imports it. Any
other database (a URL, a missing file, an older or newer schema, one sqlite3 cannot read)
goes through `Store.open`, which creates, upgrades or refuses it with its usual messages.

Each answer costs one pass over an index of `posts` (the counts by channel and status), one
index lookup per channel for its last post out, and the small `channel_state`, `feeds` and
`feed_entries` tables; never the posts one by one in Python. Asked for a window of time
(the month `status` shows spend for), each channel's charges in it too
(`bot.store.spending`: its posts out in that month, along its indexes).

This module imports neither SQLAlchemy nor `bot.store.schema`, so the few facts of the
schema it needs are restated here; tests/test_store_summaries.py checks them against it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import UserError
from bot.store.records import ChannelState, ChannelSummary, FeedState, FeedSummary

# The schema version the SQL below is written for (`bot.store.schema.SCHEMA_VERSION`).
READS_VERSION = 11
# `PostStatus`, in its order: every status is a key of `ChannelSummary.counts`.
POST_STATUSES = (
    "queued",
    "pending_approval",
    "sending",
    "sent",
    "failed",
    "unknown",
    "skipped",
    "cancelled",
)
BUSY_TIMEOUT_S = 2.0  # as `bot.store.engine.QUICK_BUSY_TIMEOUT_MS`

# Runs one statement (`:name` parameters) and gives its rows as sequences.
Rows = Callable[[str, Mapping[str, Any]], Iterable[Sequence[Any]]]
# A span of time [since, until), as aware datetimes.
Window = tuple[datetime, datetime]

_VERSION = "SELECT value FROM meta WHERE key = 'schema_version'"
_COUNTS = "SELECT channel, status, count(*) FROM posts GROUP BY channel, status"
# Newest first along ix_posts_channel_sent_at (channel, sent_at): the first row that is
# `sent` ends the scan; of several sent at the same instant, the highest id.
_LAST_SENT = (
    "SELECT sent_at, id, remote_url FROM posts WHERE channel = :channel "
    "AND status = 'sent' AND sent_at IS NOT NULL ORDER BY sent_at DESC, id DESC LIMIT 1"
)
_CHANNEL_STATES = (
    "SELECT channel, paused, paused_reason, paused_at, last_error, last_error_at, "
    "last_sent_at, last_slot_at, budget_reached_until FROM channel_state"
)
# What a channel keeps of its token's expiry (`bot.platforms._graph.EXPIRES_KEY`).
_TOKEN_EXPIRIES = "SELECT channel, value FROM channel_memory WHERE key = 'token_expires_at'"
_ENTRY_COUNTS = "SELECT feed, kind, count(*) FROM feed_entries GROUP BY feed, kind"
_FEEDS = (
    "SELECT url, title, etag, last_modified, last_polled_at, last_success_at, last_error, "
    "last_error_at, failures, next_poll_at FROM feeds"
)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What `status` shows of the store: where it is, its channels' and feeds' summaries."""

    where: str
    channels: dict[str, ChannelSummary]
    feeds: dict[str, FeedSummary]


def read_status(
    database: str | Path,
    *,
    channels: Iterable[str] = (),
    feeds: Iterable[str] = (),
    window: Window | None = None,
    password: str | None = None,
) -> StatusReport:
    """The summaries of every channel with posts or state plus `channels` (with their
    charges in `window`, when given), and of every feed polled plus `feeds`, from the
    database at `database` (a path or a URL)."""
    channels, feeds = list(channels), list(feeds)
    report = _read_sqlite_file(database, channels, feeds, window)
    if report is not None:
        return report
    from bot.store import Store

    with Store.open(database, read_only=True, quick=True, password=password) as store:
        return StatusReport(
            store.where, store.status_summary(channels, window=window), store.feed_summaries(feeds)
        )


def _read_sqlite_file(
    database: str | Path, channels: list[str], feeds: list[str], window: Window | None
) -> StatusReport | None:
    """The report read with sqlite3 in one read transaction; None when `database` is not
    an existing SQLite file at READS_VERSION (or cannot be read: Store.open will say why)."""
    text = str(database)
    if not isinstance(database, Path) and "://" in text:
        return None
    path = Path(text).expanduser()  # named as `bot.store.engine.open_database` names it
    try:
        # mode=ro: never create the file (Store.open creates it, private), never write to
        # it, and read a file the user may read but not write.
        connection = sqlite3.connect(
            f"{path.absolute().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_S,
            isolation_level=None,
        )
    except sqlite3.Error:
        return None
    from bot.store.trouble import describe_database_error

    with closing(connection):
        try:
            connection.execute("BEGIN")  # one snapshot; in WAL mode it never waits

            def rows(sql: str, parameters: Mapping[str, Any]) -> list[Sequence[Any]]:
                return connection.execute(sql, parameters).fetchall()

            version = rows(_VERSION, {})
            if version != [(str(READS_VERSION),)]:
                return None
            return StatusReport(
                str(path), status_summary(rows, channels, window), feed_summaries(rows, feeds)
            )
        except sqlite3.Error as exc:
            line = describe_database_error(exc, str(path))
            if line is not None and "locked" in line:  # not worth waiting twice
                raise UserError(line) from None
            return None


def status_summary(
    rows: Rows, channels: Iterable[str] = (), window: Window | None = None
) -> dict[str, ChannelSummary]:
    """Every channel with posts or state, plus `channels`, sorted by name; with each
    channel's charges in `window` (since, until) when given."""
    from bot.store.spending import charges

    counts: dict[str, dict[str, int]] = {}
    for channel, status, n in rows(_COUNTS, {}):
        counts.setdefault(channel, {})[status] = n
    states = {row[0]: _channel_state(row) for row in rows(_CHANNEL_STATES, {})}
    expiries = {channel: value for channel, value in rows(_TOKEN_EXPIRIES, {})}
    names = sorted(set(counts) | set(states) | set(channels))
    return {
        name: _summary(
            name,
            counts.get(name, {}),
            states.get(name) or ChannelState(name),
            _last_sent(rows, name) if counts.get(name, {}).get("sent") else None,
            expiries.get(name),
            tuple(charges(rows, name, *window)) if window is not None else (),
        )
        for name in names
    }


def _last_sent(rows: Rows, channel: str) -> tuple[datetime | None, int, str | None] | None:
    """(sent_at, post id, remote_url) of the channel's most recent sent post, or None."""
    for sent_at, post_id, remote_url in rows(_LAST_SENT, {"channel": channel}):
        return _utc(sent_at), post_id, remote_url
    return None


def _summary(
    name: str,
    counts: dict[str, int],
    state: ChannelState,
    last: tuple | None,
    token_expires_at: str | None,
    charges: tuple = (),
) -> ChannelSummary:
    sent_at, post_id, remote_url = last or (None, None, None)
    return ChannelSummary(
        channel=name,
        queue_depth=counts.get("queued", 0),
        pending_approval=counts.get("pending_approval", 0),
        paused=state.paused,
        paused_reason=state.paused_reason,
        last_sent_at=sent_at,
        last_sent_post_id=post_id,
        last_sent_remote_url=remote_url,
        last_error=state.last_error,
        last_error_at=state.last_error_at,
        last_slot_at=state.last_slot_at,
        counts={status: counts.get(status, 0) for status in POST_STATUSES},
        token_expires_at=token_expires_at,
        budget_reached_until=state.budget_reached_until,
        charges=charges,
    )


def _channel_state(row: Sequence[Any]) -> ChannelState:
    channel, paused, reason, paused_at, error, error_at, sent_at, slot_at, held = row
    return ChannelState(
        channel,
        bool(paused),
        reason,
        _utc(paused_at),
        error,
        _utc(error_at),
        _utc(sent_at),
        _utc(slot_at),
        _utc(held),
    )


def feed_summaries(rows: Rows, urls: Iterable[str] = ()) -> dict[str, FeedSummary]:
    """Every feed polled or named in `urls`, sorted by URL, with its entries counted by kind."""
    counts: dict[str, dict[str, int]] = {}
    for feed, kind, n in rows(_ENTRY_COUNTS, {}):
        counts.setdefault(feed, {})[kind] = n
    states = {row[0]: _feed_state(row) for row in rows(_FEEDS, {})}
    return {
        url: FeedSummary(state=states.get(url) or FeedState(url), entries=counts.get(url, {}))
        for url in sorted(set(states) | set(urls))
    }


def _feed_state(row: Sequence[Any]) -> FeedState:
    url, title, etag, modified, polled, success, error, error_at, failures, next_poll = row
    return FeedState(
        url,
        title,
        etag,
        modified,
        _utc(polled),
        _utc(success),
        error,
        _utc(error_at),
        failures,
        _utc(next_poll),
    )


def _utc(value: str | datetime | None) -> datetime | None:
    """A stored time (fixed-width ISO 8601 UTC text, "…Z") as an aware datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def connection_rows(conn: Any) -> Rows:
    """`Rows` over the store's SQLAlchemy connection (`Store.status_summary` and
    `Store.feed_summaries`): SQLAlchemy loads with the store, never with this module."""
    from sqlalchemy import text

    return lambda sql, parameters: conn.execute(text(sql), parameters)
