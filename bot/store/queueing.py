"""Which channels get which posts queued, and cancelling posts not yet sent.

A (channel, excerpt) pair gets a queued post when it has no post yet other than cancelled
ones: a pair that was sent, skipped or failed is left to evergreen recycling and to the
operator. A per-article channel (threads) gets one post per article instead, on the
article's anchor (the best-ranked excerpt of its cut), when the article has no post there yet
other than cancelled ones; a post of that article not yet sent on another excerpt is
cancelled (the best excerpt changed, or the channel just turned to threads). A thread
with parts already out is never cancelled by an edit: it is finished.

Every function runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, exists, insert, select, update

from bot.article import Excerpt
from bot.policy import ChannelPolicy
from bot.store.schema import (
    CANCELLED,
    FEED_OWNED,
    NOT_YET_SENT,
    PENDING_APPROVAL,
    QUEUED,
    articles,
    feed_entries,
    posts,
    thread_parts,
)

# Channel policies, or (channel name, require_approval) pairs.
ChannelList = Sequence[ChannelPolicy | tuple[str, bool]]

_CHUNK = 500  # ids per IN (...) list, well under every database's limit on parameters

# A post none of whose parts went out yet: what an edit may cancel.
NOT_STARTED = ~exists().where(thread_parts.c.post_id == posts.c.id)


def targets_of(channels: ChannelList) -> list[ChannelPolicy]:
    return [channel if isinstance(channel, ChannelPolicy)
            else ChannelPolicy(channel[0], require_approval=channel[1]) for channel in channels]


def initial_status(require_approval: bool) -> str:
    return PENDING_APPROVAL if require_approval else QUEUED


def queue_missing(
    conn: Connection, article_excerpts: Sequence[Excerpt], article_id: str,
    channels: ChannelList, now: datetime,
) -> tuple[int, int]:
    """Queue the posts the article lacks on `channels` (per excerpt in the order given);
    return (queued, cancelled)."""
    targets = targets_of(channels)
    if not article_excerpts or not targets:
        return 0, 0
    per_excerpt = [t for t in targets if not t.per_article]
    queued = _queue_excerpts(conn, [e.id for e in article_excerpts], article_id, per_excerpt,
                             now)
    anchor = min(article_excerpts, key=lambda e: (e.rank, e.id))
    cancelled = 0
    for target in targets:
        if target.per_article:
            cancelled += _replace_anchor(conn, target, article_id, anchor.id, now)
            queued += _queue_anchor(conn, target, article_id, anchor.id, now)
    return queued, cancelled


def _queue_excerpts(
    conn: Connection, excerpt_ids: Sequence[str], article_id: str,
    targets: Sequence[ChannelPolicy], now: datetime,
) -> int:
    """Queue a post for every (channel, excerpt) pair that has none but cancelled ones."""
    if not targets:
        return 0
    taken: set[tuple[str, str]] = set()
    for chunk in chunks(excerpt_ids):
        rows = conn.execute(
            select(posts.c.channel, posts.c.excerpt_id)
            .where(posts.c.excerpt_id.in_(chunk), posts.c.status != CANCELLED)
        )
        taken.update((channel, excerpt_id) for channel, excerpt_id in rows)
    rows = [
        {"channel": target.name, "article_id": article_id, "excerpt_id": excerpt_id,
         "status": initial_status(target.require_approval), "created_at": now,
         "updated_at": now}
        for target in targets
        for excerpt_id in excerpt_ids
        if (target.name, excerpt_id) not in taken
    ]
    if rows:
        conn.execute(insert(posts), rows)
    return len(rows)


def _replace_anchor(conn: Connection, target: ChannelPolicy, article_id: str, anchor_id: str,
                    now: datetime) -> int:
    """Cancel the article's posts not yet started on `target` that are not on its anchor."""
    return cancel_posts(
        conn, and_(posts.c.channel == target.name, posts.c.article_id == article_id,
                   posts.c.excerpt_id != anchor_id, NOT_STARTED),
        now=now, reason="another passage now opens the article's thread")


def _queue_anchor(conn: Connection, target: ChannelPolicy, article_id: str, anchor_id: str,
                  now: datetime) -> int:
    """Queue the article's anchor on `target` unless the article has a post there already."""
    taken = conn.scalar(select(exists().where(
        posts.c.channel == target.name, posts.c.article_id == article_id,
        posts.c.status != CANCELLED)))
    if taken:
        return 0
    conn.execute(insert(posts).values(
        channel=target.name, article_id=article_id, excerpt_id=anchor_id,
        status=initial_status(target.require_approval), created_at=now, updated_at=now))
    return 1


def cancel_posts(conn: Connection, where, *, now: datetime, reason: str) -> int:
    """Cancel the not-yet-sent posts matching `where`; return how many."""
    result = conn.execute(
        update(posts).where(where, posts.c.status.in_(NOT_YET_SENT))
        .values(status=CANCELLED, error=reason, updated_at=now)
    )
    return result.rowcount


def live_articles(conn: Connection) -> list[tuple[str, str, bool]]:
    """Every article not removed, by id: (id, source, whether a feed brought it in).

    A feed's articles are queued by the feed on its own channels only (and its first-sync
    backlog waits in the recycling pool, never in the queue).
    """
    from_feed = exists().where(feed_entries.c.article_id == articles.c.id,
                               feed_entries.c.kind.in_(FEED_OWNED))
    return [tuple(row) for row in conn.execute(
        select(articles.c.id, articles.c.source, from_feed.label("from_feed"))
        .where(articles.c.removed_at.is_(None)).order_by(articles.c.id))]


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
