"""What a channel keeps between runs, by key: a platform's session, the limits its server
reported. Values may be secrets: the store never logs or lists them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from bot.store.schema import channel_memory


def recall(conn: Connection, channel: str, key: str) -> str | None:
    return conn.scalar(
        select(channel_memory.c.value).where(
            channel_memory.c.channel == channel, channel_memory.c.key == key
        )
    )


def remember(conn: Connection, channel: str, key: str, value: str | None, *, now: datetime) -> None:
    """Keep `value` under `key` for `channel` (None forgets it)."""
    here = (channel_memory.c.channel == channel, channel_memory.c.key == key)
    if value is None:
        conn.execute(delete(channel_memory).where(*here))
        return
    if not conn.execute(
        update(channel_memory).where(*here).values(value=value, updated_at=now)
    ).rowcount:
        conn.execute(
            insert(channel_memory).values(channel=channel, key=key, value=value, updated_at=now)
        )
