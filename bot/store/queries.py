"""Reading the store for the CLI and metrics: counts, status, listings, single records.

Each answer is one query, or a few grouped ones, whatever the number of posts: `status`
on 100,000 posts reads an index, never the posts one by one in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, case, func, select

from bot.article import COMPOSED_SOURCE, Article
from bot.errors import UserError
from bot.pricing import as_number
from bot.store import summaries
from bot.store.queueing import chunks
from bot.store.records import (
    AttemptRecord,
    ChannelSummary,
    PostRecord,
    ThreadPart,
    article_from_data,
)
from bot.store.schema import (
    NOT_YET_SENT,
    QUEUED,
    articles,
    attempts,
    excerpts,
    posts,
    thread_parts,
)


def queue_depths(conn: Connection) -> dict[str, int]:
    """Queued posts per channel (channels with none are absent)."""
    rows = conn.execute(
        select(posts.c.channel, func.count())
        .where(posts.c.status == QUEUED)
        .group_by(posts.c.channel)
    )
    return {channel: n for channel, n in rows}


def status_summary(
    conn: Connection,
    channels: Iterable[str] = (),
    window: summaries.Window | None = None,
) -> dict[str, ChannelSummary]:
    """Every channel with posts or state, plus `channels`, sorted by name (with charges in
    `window`): the SQL `status` also runs on an SQLite file without SQLAlchemy
    (`bot.store.summaries`)."""
    return summaries.status_summary(summaries.connection_rows(conn), channels, window)


def _records():
    return select(
        posts.c.id,
        posts.c.channel,
        posts.c.article_id,
        posts.c.excerpt_id,
        posts.c.status,
        posts.c.text,
        posts.c.parse_mode,
        posts.c.remote_id,
        posts.c.remote_url,
        posts.c.error,
        posts.c.attempts,
        posts.c.created_at,
        posts.c.not_before,
        posts.c.claimed_at,
        posts.c.sent_at,
        posts.c.updated_at,
        excerpts.c.text.label("excerpt_text"),
        excerpts.c.rank.label("excerpt_rank"),
        articles.c.title.label("article_title"),
        posts.c.parts,
        posts.c.payload,
        case((articles.c.source == COMPOSED_SOURCE, "composed"), else_="excerpt").label("kind"),
        posts.c.cost_micros,
        posts.c.currency,
    ).select_from(
        posts.join(excerpts, excerpts.c.id == posts.c.excerpt_id).join(
            articles, articles.c.id == posts.c.article_id
        )
    )


def history(
    conn: Connection,
    *,
    channel: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    article: str | None = None,
) -> list[PostRecord]:
    """Posts newest first, by the time of their last change of state."""
    query = _records().order_by(
        func.coalesce(
            posts.c.updated_at, posts.c.sent_at, posts.c.claimed_at, posts.c.created_at
        ).desc(),
        posts.c.id.desc(),
    )
    if channel is not None:
        query = query.where(posts.c.channel == channel)
    if status is not None:
        query = query.where(posts.c.status == str(status))
    if article is not None:
        query = query.where(posts.c.article_id == article)
    if limit is not None:
        query = query.limit(limit)
    return _post_records(conn, conn.execute(query))


def _post_records(conn: Connection, rows) -> list[PostRecord]:
    """PostRecords of `rows` (from `_records()`), threads with their parts out."""
    rows = list(rows)
    threads = [row.id for row in rows if row.parts]
    out: dict[int, list[ThreadPart]] = {}
    for start in range(0, len(threads), 500):
        for row in conn.execute(
            select(thread_parts)
            .where(thread_parts.c.post_id.in_(threads[start : start + 500]))
            .order_by(thread_parts.c.post_id, thread_parts.c.idx)
        ):
            out.setdefault(row.post_id, []).append(
                ThreadPart(row.idx, row.remote_id, row.remote_url, row.sent_at)
            )
    records = []
    for row in rows:
        values = dict(row._mapping)
        micros = values.pop("cost_micros")
        records.append(
            PostRecord(
                **{
                    **values,
                    "parts": tuple(row.parts or ()),
                    "sent_parts": tuple(out.get(row.id, ())),
                    "cost": None if micros is None else as_number(micros),
                    "currency": row.currency if micros is not None else None,
                }
            )
        )
    return records


def queued(
    conn: Connection,
    *,
    channel: str | None = None,
    limit: int | None = None,
    include_pending: bool = True,
) -> list[PostRecord]:
    """Posts waiting to go (and, by default, waiting for approval), by channel, oldest first."""
    states = NOT_YET_SENT if include_pending else (QUEUED,)
    query = _records().where(posts.c.status.in_(states)).order_by(posts.c.channel, posts.c.id)
    if channel is not None:
        query = query.where(posts.c.channel == channel)
    if limit is not None:
        query = query.limit(limit)
    return _post_records(conn, conn.execute(query))


def get_post(conn: Connection, post_id: int) -> PostRecord:
    row = conn.execute(_records().where(posts.c.id == post_id)).first()
    if row is None:
        raise UserError(f"no post {post_id} in the database")
    return _post_records(conn, [row])[0]


def get_article(conn: Connection, article_id: str) -> Article:
    data = conn.scalar(select(articles.c.data).where(articles.c.id == article_id))
    if data is None:
        raise UserError(f"no article {article_id} in the database")
    return article_from_data(data)


def get_articles(conn: Connection, article_ids: Sequence[str]) -> dict[str, Article]:
    """The articles with these ids that the database has, by id."""
    found: dict[str, Article] = {}
    for chunk in chunks(article_ids):
        for article_id, data in conn.execute(
            select(articles.c.id, articles.c.data).where(articles.c.id.in_(chunk))
        ):
            found[article_id] = article_from_data(data)
    return found


def attempts_of(conn: Connection, post_id: int) -> list[AttemptRecord]:
    """The tries at delivering one post, first first."""
    rows = conn.execute(
        select(attempts).where(attempts.c.post_id == post_id).order_by(attempts.c.id)
    )
    return [AttemptRecord(**row._mapping) for row in rows]
