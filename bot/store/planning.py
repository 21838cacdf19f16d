"""Read-only queries for `excerpt-bot plan`: the evergreen pool, and what excerpts say."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, exists, func, or_, select

from bot.planner import QueuedItem
from bot.store.claim import sent_counts_by_article
from bot.store.schema import (
    CANCELLED,
    PENDING_APPROVAL,
    QUEUED,
    SENDING,
    SENT,
    UNKNOWN,
    UtcDateTime,
    articles,
    excerpts,
    posts,
    recycle_pool,
)


def evergreen_pool(conn: Connection, channel: str, *,
                   per_article: bool = False) -> list[tuple[QueuedItem, datetime | None]]:
    """Excerpts that evergreen recycling may bring back on `channel`, each with when it was
    last touched there (None: never, e.g. a feed's backlog). Excerpts with a post still
    pending are left out: they are in the queue. `per_article` as for threads."""
    on = (posts.c.article_id == excerpts.c.article_id) if per_article else (
        posts.c.excerpt_id == excerpts.c.id)
    here = and_(on, posts.c.channel == channel)
    touched = func.coalesce(posts.c.sent_at, posts.c.claimed_at, posts.c.created_at)
    last_touch = (select(func.max(touched, type_=UtcDateTime))
                  .where(here, posts.c.status != CANCELLED).scalar_subquery())
    ever_sent = exists().where(here, posts.c.status == SENT)
    in_pool = exists().where(recycle_pool.c.channel == channel,
                             recycle_pool.c.article_id == excerpts.c.article_id)
    pending = exists().where(here, posts.c.status.in_(
        (QUEUED, PENDING_APPROVAL, SENDING, UNKNOWN)))
    counts = sent_counts_by_article(channel)
    query = (
        select(
            excerpts.c.article_id, excerpts.c.id.label("excerpt_id"),
            articles.c.added_at.label("article_added_at"),
            excerpts.c.rank.label("excerpt_rank"),
            func.coalesce(counts.c.n, 0).label("article_sent_count"),
            excerpts.c.created_at, last_touch.label("last_touch"),
        )
        .select_from(
            excerpts.join(articles, articles.c.id == excerpts.c.article_id)
            .outerjoin(counts, counts.c.article_id == excerpts.c.article_id)
        )
        .where(excerpts.c.active.is_(True), articles.c.removed_at.is_(None),
               or_(ever_sent, in_pool), ~pending)
    )
    if per_article:
        query = query.where(excerpts.c.rank == select(func.min(excerpts.c.rank)).where(
            excerpts.c.article_id == articles.c.id, excerpts.c.active.is_(True)
        ).scalar_subquery())
    pool = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        last = values.pop("last_touch")
        pool.append((QueuedItem(post_id=None, **values), last))
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
