"""Articles in, posts queued: ingesting, re-ingesting, removing articles, adding channels.

Every function runs inside the caller's transaction. History is never deleted: a passage
that vanished from an edited article becomes inactive and only its not-yet-sent posts are
cancelled; a removed article keeps its row (`removed_at`) and its sent posts.

A (channel, excerpt) pair gets a queued post when it has no post yet other than cancelled
ones: a pair that was sent, skipped or failed is left to evergreen recycling and to the
operator. Articles a feed brought in are queued by the feed, on its channels only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, exists, insert, literal, select, update

from bot.article import Article, Excerpt
from bot.errors import UserError
from bot.store.records import IngestResult, IngestStatus, article_data
from bot.store.schema import (
    CANCELLED,
    FEED_OWNED,
    NOT_YET_SENT,
    PENDING_APPROVAL,
    QUEUED,
    UtcDateTime,
    articles,
    excerpts,
    feed_entries,
    posts,
)

ChannelList = Sequence[tuple[str, bool]]  # (channel name, require_approval)

_CHUNK = 500  # ids per IN (...) list, well under every database's limit on parameters


def _initial_status(require_approval: bool) -> str:
    return PENDING_APPROVAL if require_approval else QUEUED


def upsert_article(
    conn: Connection,
    article: Article,
    article_excerpts: Sequence[Excerpt],
    *,
    channels: ChannelList,
    now: datetime,
) -> IngestResult:
    """Insert a new article or reconcile a known one with its current text and excerpts."""
    for excerpt in article_excerpts:
        if excerpt.article_id != article.id:
            raise ValueError(f"excerpt {excerpt.id} belongs to {excerpt.article_id}, "
                             f"not to article {article.id}")
    data = article_data(article)
    row = conn.execute(
        select(articles.c.content_hash, articles.c.data, articles.c.removed_at)
        .where(articles.c.id == article.id)
    ).first()
    if row is None:
        conn.execute(insert(articles).values(
            id=article.id, added_at=now, **_article_values(article, data, now)))
        _insert_excerpts(conn, article_excerpts, now)
        queued = _queue_missing(conn, [e.id for e in article_excerpts], article.id, channels,
                                now)
        return IngestResult(article.id, IngestStatus.NEW, queued=queued,
                            excerpts_added=len(article_excerpts))
    return _reconcile(conn, article, article_excerpts, data, row, channels, now)


def _reconcile(conn, article, article_excerpts, data, row, channels, now) -> IngestResult:
    known = {
        r.id: r
        for r in conn.execute(
            select(excerpts.c.id, excerpts.c.rank, excerpts.c.score, excerpts.c.active)
            .where(excerpts.c.article_id == article.id)
        )
    }
    wanted = {e.id for e in article_excerpts}
    added = [e for e in article_excerpts if e.id not in known]
    kept = [
        e for e in article_excerpts
        if e.id in known and (not known[e.id].active or (known[e.id].rank, known[e.id].score)
                              != (e.rank, e.score))
    ]
    retired = [excerpt_id for excerpt_id, r in known.items() if r.active
               and excerpt_id not in wanted]
    restored = row.removed_at is not None
    if not (added or kept or retired or restored or data != row.data
            or article.content_hash != row.content_hash):
        return IngestResult(article.id, IngestStatus.UNCHANGED)
    conn.execute(update(articles).where(articles.c.id == article.id)
                 .values(removed_at=None, **_article_values(article, data, now)))
    _insert_excerpts(conn, added, now)
    for e in kept:
        conn.execute(update(excerpts).where(excerpts.c.id == e.id)
                     .values(active=True, **_excerpt_values(e)))
    cancelled = 0
    for chunk in _chunks(retired):
        conn.execute(update(excerpts).where(excerpts.c.id.in_(chunk)).values(active=False))
        cancelled += cancel_posts(conn, posts.c.excerpt_id.in_(chunk), now=now,
                                  reason="the passage is no longer in the edited article")
    queued = _queue_missing(conn, sorted(wanted), article.id, channels, now)
    status = IngestStatus.RESTORED if restored else IngestStatus.CHANGED
    return IngestResult(article.id, status, queued=queued, cancelled=cancelled,
                        excerpts_added=len(added), excerpts_retired=len(retired))


def _article_values(article: Article, data: dict, now: datetime) -> dict:
    return {
        "source": article.source,
        "title": article.title,
        "url": article.url,
        "data": data,
        "content_hash": article.content_hash,
        "updated_at": now,
    }


def _excerpt_values(excerpt: Excerpt) -> dict:
    return {
        "rank": excerpt.rank,
        "score": excerpt.score,
        "paragraph": excerpt.paragraph,
        "first_sentence": excerpt.first_sentence,
        "sentence_count": excerpt.sentence_count,
        "shortened": excerpt.shortened,
    }


def _insert_excerpts(conn: Connection, new: Sequence[Excerpt], now: datetime) -> None:
    if not new:
        return
    conn.execute(insert(excerpts), [
        {"id": e.id, "article_id": e.article_id, "text": e.text, "active": True,
         "created_at": now, **_excerpt_values(e)}
        for e in new
    ])


def _queue_missing(
    conn: Connection, excerpt_ids: Sequence[str], article_id: str, channels: ChannelList,
    now: datetime,
) -> int:
    """Queue a post for every (channel, excerpt) pair that has none but cancelled ones."""
    if not excerpt_ids or not channels:
        return 0
    taken: set[tuple[str, str]] = set()
    for chunk in _chunks(excerpt_ids):
        rows = conn.execute(
            select(posts.c.channel, posts.c.excerpt_id)
            .where(posts.c.excerpt_id.in_(chunk), posts.c.status != CANCELLED)
        )
        taken.update((channel, excerpt_id) for channel, excerpt_id in rows)
    rows = [
        {"channel": channel, "article_id": article_id, "excerpt_id": excerpt_id,
         "status": _initial_status(approval), "created_at": now, "updated_at": now}
        for channel, approval in channels
        for excerpt_id in excerpt_ids
        if (channel, excerpt_id) not in taken
    ]
    if rows:
        conn.execute(insert(posts), rows)
    return len(rows)


def cancel_posts(conn: Connection, where, *, now: datetime, reason: str) -> int:
    """Cancel the not-yet-sent posts matching `where`; return how many."""
    result = conn.execute(
        update(posts).where(where, posts.c.status.in_(NOT_YET_SENT))
        .values(status=CANCELLED, error=reason, updated_at=now)
    )
    return result.rowcount


def remove_article(conn: Connection, article_id: str, *, now: datetime) -> int:
    """Mark the article removed and cancel its not-yet-sent posts; return how many."""
    row = conn.execute(
        select(articles.c.removed_at).where(articles.c.id == article_id)).first()
    if row is None:
        raise UserError(f"no article {article_id} in the database")
    if row.removed_at is None:
        conn.execute(update(articles).where(articles.c.id == article_id)
                     .values(removed_at=now, updated_at=now))
    return cancel_posts(conn, posts.c.article_id == article_id, now=now,
                        reason="the article was removed")


def sync_sources(
    conn: Connection, present: Iterable[str], *, now: datetime, under: str | None = None
) -> list[str]:
    """Remove every article whose source is no longer among `present`; return their ids.

    With `under`, only articles whose source starts with it are considered (say, the
    posts folder), so articles from URLs or feeds are left alone.
    """
    present = set(present)
    query = select(articles.c.id, articles.c.source).where(articles.c.removed_at.is_(None))
    if under is not None:
        query = query.where(articles.c.source.startswith(under, autoescape=True))
    gone = sorted(r.id for r in conn.execute(query) if r.source not in present)
    for chunk in _chunks(gone):
        conn.execute(update(articles).where(articles.c.id.in_(chunk))
                     .values(removed_at=now, updated_at=now))
        cancel_posts(conn, posts.c.article_id.in_(chunk), now=now,
                     reason="the article's source is gone")
    return gone


def ensure_channels(conn: Connection, channels: ChannelList, *, now: datetime) -> dict[str, int]:
    """Queue, on each channel, every active excerpt it has no post for; return counts.

    Excerpts of articles a feed brought in are left out: the feed queues them on its own
    channels, and its first-sync backlog waits in the recycling pool, never in the queue.
    """
    from_feed = exists().where(feed_entries.c.article_id == excerpts.c.article_id,
                               feed_entries.c.kind.in_(FEED_OWNED))
    queued = {}
    for channel, approval in channels:
        has_post = exists().where(
            posts.c.excerpt_id == excerpts.c.id,
            posts.c.channel == channel,
            posts.c.status != CANCELLED,
        )
        candidates = (
            select(
                literal(channel), excerpts.c.article_id, excerpts.c.id,
                literal(_initial_status(approval)),
                literal(now, UtcDateTime), literal(now, UtcDateTime),
            )
            .select_from(excerpts.join(articles, articles.c.id == excerpts.c.article_id))
            .where(excerpts.c.active.is_(True), articles.c.removed_at.is_(None), ~has_post,
                   ~from_feed)
            .order_by(excerpts.c.article_id, excerpts.c.rank)
        )
        result = conn.execute(insert(posts).from_select(
            ["channel", "article_id", "excerpt_id", "status", "created_at", "updated_at"],
            candidates,
        ))
        queued[channel] = result.rowcount
    return queued


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]
