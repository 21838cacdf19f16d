"""Read-only queries for `excerpt-bot plan`: the evergreen pool, and what excerpts say."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from bot.planner import QueuedItem
from bot.store.lineup import evergreen_query
from bot.store.schema import articles, excerpts


def evergreen_pool(
    conn: Connection, channel: str, *, per_article: bool = False
) -> list[tuple[QueuedItem, datetime | None]]:
    """Excerpts that evergreen recycling may bring back on `channel`, each with when it was
    last touched there (None: never, e.g. a feed's backlog). Excerpts with a post still
    pending are left out: they are in the queue. `per_article` as for threads."""
    inner = evergreen_query(channel, per_article=per_article).subquery("candidates")
    query = select(*(c for c in inner.c if c.name != "place"))
    if per_article:
        query = query.where(inner.c.place == 1)
    pool = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        last = values.pop("last_touch")
        pool.append((QueuedItem(**values), last))
    return pool


def excerpt_details(conn: Connection, excerpt_ids: list[str]) -> dict[str, tuple[str, str]]:
    """Each excerpt's (article title, excerpt text)."""
    if not excerpt_ids:
        return {}
    rows = conn.execute(
        select(excerpts.c.id, articles.c.title, excerpts.c.text)
        .join(articles, articles.c.id == excerpts.c.article_id)
        .where(excerpts.c.id.in_(sorted(set(excerpt_ids))))
    )
    return {row.id: (row.title, row.text) for row in rows}
