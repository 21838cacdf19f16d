"""Each channel's own state: paused or not, its last error, last post out and last slot.

A channel has a row once something happened to it; until then it has the defaults.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, or_, select, update

from bot.store.records import ChannelState
from bot.store.schema import channel_state


def _upsert(conn: Connection, channel: str, **values) -> None:
    result = conn.execute(
        update(channel_state).where(channel_state.c.channel == channel).values(**values)
    )
    if not result.rowcount:
        conn.execute(
            insert(channel_state).values(**{"channel": channel, "paused": False, **values})
        )


def pause_channel(conn: Connection, channel: str, *, reason: str, now: datetime) -> None:
    _upsert(conn, channel, paused=True, paused_reason=reason, paused_at=now)


def resume_channel(conn: Connection, channel: str, *, now: datetime) -> None:
    _upsert(conn, channel, paused=False, paused_reason=None, paused_at=None)


def record_channel_error(conn: Connection, channel: str, *, error: str, now: datetime) -> None:
    _upsert(conn, channel, last_error=error, last_error_at=now)


def set_budget_reached(conn: Connection, channel: str, until: datetime | None) -> None:
    """The channel's budget holds its posts back until `until` (None: it holds none)."""
    _upsert(conn, channel, budget_reached_until=until)


def set_last_slot(conn: Connection, channel: str, at: datetime) -> None:
    _upsert(conn, channel, last_slot_at=at)


def note_sent(conn: Connection, channel: str, *, at: datetime) -> None:
    """Record a post out at `at`, unless a later one is already recorded."""
    result = conn.execute(
        update(channel_state)
        .where(
            channel_state.c.channel == channel,
            or_(channel_state.c.last_sent_at.is_(None), channel_state.c.last_sent_at < at),
        )
        .values(last_sent_at=at)
    )
    if result.rowcount:
        return
    known = conn.scalar(select(channel_state.c.channel).where(channel_state.c.channel == channel))
    if known is None:
        conn.execute(insert(channel_state).values(channel=channel, paused=False, last_sent_at=at))


def get_channel_state(conn: Connection, channel: str) -> ChannelState:
    row = conn.execute(select(channel_state).where(channel_state.c.channel == channel)).first()
    if row is None:
        return ChannelState(channel)
    return state_from_row(row)


def state_from_row(row) -> ChannelState:
    values = dict(row._mapping)
    values["paused"] = bool(values["paused"])
    return ChannelState(**values)


def all_channel_states(conn: Connection) -> dict[str, ChannelState]:
    return {row.channel: state_from_row(row) for row in conn.execute(select(channel_state))}
