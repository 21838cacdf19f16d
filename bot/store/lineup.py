"""A channel's line-up, read for the planner and the claim: what went out on it since a
time (as `max_per_day` and the platforms count it), and the posts it may take next — its
queued posts, and the evergreen excerpts that may come back (`bot.planner.QueuedItem`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, exists, func, literal, or_, select

from bot.planner import QueuedItem
from bot.store.schema import (
    CANCELLED,
    PENDING_APPROVAL,
    QUEUED,
    SENDING,
    SENT,
    SENT_OR_MAYBE,
    UNKNOWN,
    UtcDateTime,
    articles,
    channel_cuts,
    cut_excerpts,
    excerpts,
    posts,
    recycle_pool,
    thread_parts,
)


def sent_count_since(conn: Connection, channel: str, since: datetime) -> int:
    """Posts out on `channel` (sent, sending or unknown) claimed or sent at `since` or later.

    A thread counts as the platform counts it: each of its parts out since then, and one
    more while it is sending or unknown (a part in flight).
    """
    return sum(
        conn.scalar(select(func.count()).select_from(query.subquery()))
        for query in _out_since(channel, since, posts.c.id)
    )


def _out_since(channel: str, since: datetime, what):
    """Three queries of `what`: single posts out, thread parts out, threads in flight."""
    here = posts.c.channel == channel
    singles = select(what).where(
        here,
        posts.c.parts.is_(None),
        posts.c.status.in_(SENT_OR_MAYBE),
        or_(posts.c.claimed_at >= since, posts.c.sent_at >= since),
    )
    parts_out = (
        select(what)
        .select_from(thread_parts.join(posts, posts.c.id == thread_parts.c.post_id))
        .where(here, thread_parts.c.sent_at >= since)
    )
    in_flight = select(what).where(
        here,
        posts.c.parts.is_not(None),
        posts.c.status.in_((SENDING, UNKNOWN)),
        posts.c.claimed_at >= since,
    )
    return singles, parts_out, in_flight


def sent_times_since(conn: Connection, channel: str, since: datetime) -> list[datetime]:
    """When the channel's posts out (or possibly out) since `since` went, oldest first: one
    time per post, and per part of a thread (as `sent_count_since` counts them)."""
    singles, parts_out, in_flight = _out_since(channel, since, posts.c.claimed_at)
    times = [
        *conn.scalars(singles.where(posts.c.claimed_at >= since)),
        *conn.scalars(parts_out.with_only_columns(thread_parts.c.sent_at)),
        *conn.scalars(in_flight),
    ]
    return sorted(times)


def last_sent_article(conn: Connection, channel: str) -> str | None:
    """The article of the channel's most recent post out (or possibly out)."""
    return conn.scalar(
        select(posts.c.article_id)
        .where(
            posts.c.channel == channel,
            posts.c.status.in_(SENT_OR_MAYBE),
            posts.c.claimed_at.is_not(None),
        )
        .order_by(posts.c.claimed_at.desc(), posts.c.id.desc())
        .limit(1)
    )


def sent_counts_by_article(channel: str):
    return (
        select(posts.c.article_id, func.count().label("n"))
        .where(posts.c.channel == channel, posts.c.status.in_(SENT_OR_MAYBE))
        .group_by(posts.c.article_id)
        .subquery("sent_counts")
    )


def queued_items(
    conn: Connection,
    channel: str,
    *,
    now: datetime | None = None,
    best_per_article: bool = False,
    include_pending: bool = False,
) -> list[QueuedItem]:
    """The channel's queued posts as planner input (due at `now`, when given).

    With `best_per_article`, only each article's best-ranked post; with `include_pending`,
    the posts waiting for approval too (marked `pending`), for `plan` to show.
    """
    counts = sent_counts_by_article(channel)
    rank = func.coalesce(cut_excerpts.c.rank, excerpts.c.rank)  # in the channel's cut
    # A pinned post first within its article, so that `best_per_article` keeps it.
    order = func.row_number().over(
        partition_by=posts.c.article_id,
        order_by=(posts.c.pinned_at.is_(None), posts.c.pinned_at.desc(), rank, posts.c.id),
    )
    query = (
        select(
            posts.c.id.label("post_id"),
            posts.c.article_id,
            posts.c.excerpt_id,
            articles.c.added_at.label("article_added_at"),
            rank.label("excerpt_rank"),
            func.coalesce(counts.c.n, 0).label("article_sent_count"),
            posts.c.created_at,
            posts.c.pinned_at,
            order.label("place"),
        )
        .select_from(
            posts.join(excerpts, excerpts.c.id == posts.c.excerpt_id)
            .join(articles, articles.c.id == posts.c.article_id)
            .outerjoin(counts, counts.c.article_id == posts.c.article_id)
            .outerjoin(
                channel_cuts,
                and_(
                    channel_cuts.c.channel == channel,
                    channel_cuts.c.article_id == posts.c.article_id,
                ),
            )
            .outerjoin(
                cut_excerpts,
                and_(
                    cut_excerpts.c.article_id == posts.c.article_id,
                    cut_excerpts.c.cut == channel_cuts.c.cut,
                    cut_excerpts.c.excerpt_id == posts.c.excerpt_id,
                ),
            )
        )
        .where(
            posts.c.channel == channel,
            posts.c.status.in_((QUEUED, PENDING_APPROVAL) if include_pending else (QUEUED,)),
        )
    )
    if include_pending:
        query = query.add_columns((posts.c.status == PENDING_APPROVAL).label("pending"))
    if now is not None:
        query = query.where(or_(posts.c.not_before.is_(None), posts.c.not_before <= now))
    return candidate_items(conn, query, best_per_article)


def evergreen_query(channel: str, *, per_article: bool = False, since: datetime | None = None):
    """Evergreen candidates of `channel` as a query: each excerpt of the channel's cut of
    an article that went out there, or whose article is in the channel's recycling pool
    (a feed's backlog), with
    nothing pending; with `last_touch`, when anything was last done with it there (None:
    never), and `place`, its rank among its article's candidates. With `since`, only
    those untouched after it.

    With `per_article` (threads), the whole article counts: its best excerpt comes back
    when anything of the article went out, and nothing of it since.
    """
    on = (
        posts.c.article_id == excerpts.c.article_id
        if per_article
        else (posts.c.excerpt_id == excerpts.c.id)
    )
    here = and_(on, posts.c.channel == channel)
    touched = func.coalesce(posts.c.sent_at, posts.c.claimed_at, posts.c.created_at)
    last_touch = (
        select(func.max(touched, type_=UtcDateTime))
        .where(here, posts.c.status != CANCELLED)
        .scalar_subquery()
    )
    ever_sent = exists().where(here, posts.c.status == SENT)
    in_pool = exists().where(
        recycle_pool.c.channel == channel, recycle_pool.c.article_id == excerpts.c.article_id
    )
    pending = exists().where(here, posts.c.status.in_((QUEUED, PENDING_APPROVAL, SENDING, UNKNOWN)))
    counts = sent_counts_by_article(channel)
    order = func.row_number().over(
        partition_by=excerpts.c.article_id, order_by=(cut_excerpts.c.rank, excerpts.c.id)
    )
    its_cut = and_(
        channel_cuts.c.channel == channel,
        channel_cuts.c.article_id == cut_excerpts.c.article_id,
        channel_cuts.c.cut == cut_excerpts.c.cut,
    )
    query = (
        select(
            literal(None).label("post_id"),
            excerpts.c.article_id,
            excerpts.c.id.label("excerpt_id"),
            articles.c.added_at.label("article_added_at"),
            cut_excerpts.c.rank.label("excerpt_rank"),
            func.coalesce(counts.c.n, 0).label("article_sent_count"),
            excerpts.c.created_at,
            last_touch.label("last_touch"),
            order.label("place"),
        )
        .select_from(
            cut_excerpts.join(channel_cuts, its_cut)
            .join(excerpts, excerpts.c.id == cut_excerpts.c.excerpt_id)
            .join(articles, articles.c.id == excerpts.c.article_id)
            .outerjoin(counts, counts.c.article_id == excerpts.c.article_id)
        )
        .where(
            cut_excerpts.c.active.is_(True),
            articles.c.removed_at.is_(None),
            or_(ever_sent, in_pool),
            ~pending,
        )
    )
    if since is not None:
        query = query.where(or_(last_touch.is_(None), last_touch <= literal(since, UtcDateTime)))
    return query


def recycle_items(
    conn: Connection, channel: str, *, since: datetime, per_article: bool = False
) -> list[QueuedItem]:
    """Each article's best evergreen candidate untouched on `channel` since `since`."""
    query = evergreen_query(channel, per_article=per_article, since=since)
    return candidate_items(conn, query, best_per_article=True)


def candidate_items(conn: Connection, query, best_per_article: bool) -> list[QueuedItem]:
    inner = query.subquery("candidates")
    outer = select(*(c for c in inner.c if c.name not in ("place", "last_touch")))
    if best_per_article:
        outer = outer.where(inner.c.place == 1)
    return [QueuedItem(**row._mapping) for row in conn.execute(outer)]


def has_queued(conn: Connection, channel: str) -> bool:
    return bool(
        conn.scalar(select(exists().where(posts.c.channel == channel, posts.c.status == QUEUED)))
    )
