"""Articles in: ingesting, re-ingesting, removing articles (`bot.store.queueing` queues and
cancels their posts).

Every function runs inside the caller's transaction. History is never deleted: a passage
that vanished from an edited article becomes inactive and only its not-yet-sent posts are
cancelled; a removed article keeps its row (`removed_at`) and its sent posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, insert, select, update

from bot.article import Article, Excerpt
from bot.errors import UserError
from bot.store.queueing import NOT_STARTED, ChannelList, cancel_posts, chunks, queue_missing
from bot.store.records import IngestResult, IngestStatus, article_data
from bot.store.schema import articles, excerpts, posts


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
        queued, cancelled = queue_missing(conn, article_excerpts, article.id, channels, now)
        return IngestResult(article.id, IngestStatus.NEW, queued=queued, cancelled=cancelled,
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
    for chunk in chunks(retired):
        conn.execute(update(excerpts).where(excerpts.c.id.in_(chunk)).values(active=False))
        cancelled += cancel_posts(conn, and_(posts.c.excerpt_id.in_(chunk), NOT_STARTED),
                                  now=now,
                                  reason="the passage is no longer in the edited article")
    queued, replaced = queue_missing(conn, sorted(article_excerpts, key=lambda e: e.id),
                                     article.id, channels, now)
    cancelled += replaced
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
    for chunk in chunks(gone):
        conn.execute(update(articles).where(articles.c.id.in_(chunk))
                     .values(removed_at=now, updated_at=now))
        cancel_posts(conn, posts.c.article_id.in_(chunk), now=now,
                     reason="the article's source is gone")
    return gone
