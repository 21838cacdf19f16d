"""Reading articles and excerpts for the web console: the article list with its posts by
state, an article's excerpts, and excerpts by id (to render a slot's exact text); and for
`check`, the articles that give no post."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, case, exists, func, select

from bot.article import Excerpt
from bot.store.queueing import chunks
from bot.store.records import ArticleSummary, excerpt_from_row
from bot.store.schema import (
    FEED_OWNED,
    NOT_YET_SENT,
    SENT,
    articles,
    channel_cuts,
    cut_excerpts,
    excerpts,
    feed_entries,
    posts,
)


def _excerpt_columns():
    return (
        excerpts.c.id.label("excerpt_id"),
        excerpts.c.article_id,
        excerpts.c.text.label("excerpt_text"),
        excerpts.c.rank.label("excerpt_rank"),
        excerpts.c.score,
        excerpts.c.paragraph,
        excerpts.c.first_sentence,
        excerpts.c.sentence_count,
        excerpts.c.shortened,
    )


def get_excerpts(conn: Connection, excerpt_ids: Sequence[str]) -> dict[str, Excerpt]:
    found: dict[str, Excerpt] = {}
    for chunk in chunks(sorted(set(excerpt_ids))):
        for row in conn.execute(select(*_excerpt_columns()).where(excerpts.c.id.in_(chunk))):
            found[row.excerpt_id] = excerpt_from_row(row)
    return found


def article_list(conn: Connection, *, limit: int | None = None) -> list[ArticleSummary]:
    counts = (
        select(
            posts.c.article_id,
            func.sum(case((posts.c.status == SENT, 1), else_=0)).label("sent"),
            func.sum(case((posts.c.status.in_(NOT_YET_SENT), 1), else_=0)).label("waiting"),
        )
        .group_by(posts.c.article_id)
        .subquery("counts")
    )
    query = (
        select(
            articles.c.id,
            articles.c.title,
            articles.c.url,
            articles.c.source,
            articles.c.added_at,
            articles.c.updated_at,
            articles.c.removed_at,
            func.coalesce(counts.c.sent, 0).label("sent"),
            func.coalesce(counts.c.waiting, 0).label("waiting"),
        )
        .select_from(articles.outerjoin(counts, counts.c.article_id == articles.c.id))
        .order_by(articles.c.added_at.desc(), articles.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [ArticleSummary(**row._mapping) for row in conn.execute(query)]


def article_excerpts(conn: Connection, article_id: str) -> list[tuple[Excerpt, bool]]:
    rows = conn.execute(
        select(*_excerpt_columns(), excerpts.c.active)
        .where(excerpts.c.article_id == article_id)
        .order_by(excerpts.c.active.desc(), excerpts.c.rank, excerpts.c.id)
    )
    return [(excerpt_from_row(row), bool(row.active)) for row in rows]


def articles_without_posts(
    conn: Connection,
    channels: Sequence[str],
) -> list[tuple[str, str, bool, dict[str, str]]]:
    """The live articles of which no cut for `channels` has an excerpt, by source: (id,
    source, whether a feed brought it in, the cut each of `channels` posts it from)."""
    channels = list(channels)
    posting = exists().where(
        channel_cuts.c.article_id == articles.c.id,
        channel_cuts.c.channel.in_(channels),
        cut_excerpts.c.article_id == channel_cuts.c.article_id,
        cut_excerpts.c.cut == channel_cuts.c.cut,
        cut_excerpts.c.active.is_(True),
    )
    from_feed = exists().where(
        feed_entries.c.article_id == articles.c.id, feed_entries.c.kind.in_(FEED_OWNED)
    )
    rows = conn.execute(
        select(articles.c.id, articles.c.source, from_feed.label("from_feed"))
        .where(articles.c.removed_at.is_(None), ~posting)
        .order_by(articles.c.source, articles.c.id)
    ).all()
    pointers: dict[str, dict[str, str]] = {row.id: {} for row in rows}
    for chunk in chunks(list(pointers)):
        for article_id, channel, cut in conn.execute(
            select(channel_cuts.c.article_id, channel_cuts.c.channel, channel_cuts.c.cut).where(
                channel_cuts.c.article_id.in_(chunk), channel_cuts.c.channel.in_(channels)
            )
        ):
            pointers[article_id][channel] = cut
    return [(row.id, row.source, bool(row.from_feed), pointers[row.id]) for row in rows]
