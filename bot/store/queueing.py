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

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, Dialect, Row, bindparam, exists, insert, select, update

from bot.article import Article, Excerpt
from bot.policy import ChannelPolicy
from bot.store.records import article_data
from bot.store.schema import (
    CANCELLED,
    FEED_OWNED,
    NOT_YET_SENT,
    PENDING_APPROVAL,
    QUEUED,
    articles,
    excerpts,
    feed_entries,
    posts,
    thread_parts,
)

# Channel policies, or (channel name, require_approval) pairs.
ChannelList = Sequence[ChannelPolicy | tuple[str, bool]]

_CHUNK = 500  # ids per IN (...) list, well under every database's limit on parameters

# A post none of whose parts went out yet: what an edit may cancel.
NOT_STARTED = ~exists().where(thread_parts.c.post_id == posts.c.id)

_RECUT = "the article was cut anew for the channel's room"
_NEW_ANCHOR = "another passage now opens the article's thread"

# An article's posts not cancelled, oldest first, and whether each (a thread) has parts out.
_LIVE_POSTS = (
    select(
        posts.c.id,
        posts.c.channel,
        posts.c.excerpt_id,
        posts.c.status,
        exists().where(thread_parts.c.post_id == posts.c.id).label("started"),
    )
    .where(posts.c.article_id == bindparam("article_id"), posts.c.status != CANCELLED)
    .order_by(posts.c.id)
)


def targets_of(channels: ChannelList) -> list[ChannelPolicy]:
    return [
        channel
        if isinstance(channel, ChannelPolicy)
        else ChannelPolicy(channel[0], require_approval=channel[1])
        for channel in channels
    ]


def initial_status(require_approval: bool) -> str:
    return PENDING_APPROVAL if require_approval else QUEUED


def queue_cuts(
    conn: Connection,
    article_id: str,
    targets: Sequence[ChannelPolicy],
    cut_for: Mapping[str, Sequence[Excerpt]],
    now: datetime,
    *,
    new_article: bool = False,
) -> tuple[dict[str, int], int]:
    """Bring each target's posts of the article to the cut it posts from (`cut_for`, by
    channel name; per excerpt in the order given): its posts not yet started on passages
    outside the cut are cancelled, then the posts it lacks are queued. Returns (queued by
    channel, cancelled).

    The article's posts are read once (not at all for a `new_article`, which has none
    yet) and written in one statement each way, however many channels there are.
    """
    if not targets:
        return {}, 0
    live: dict[str, list[Row]] = {}
    for post in [] if new_article else conn.execute(_LIVE_POSTS, {"article_id": article_id}):
        live.setdefault(post.channel, []).append(post)
    cancel: dict[str, list[int]] = {_RECUT: [], _NEW_ANCHOR: []}
    rows: list[tuple[str, str, str]] = []
    queued_on: dict[str, int] = {}
    for target in targets:
        cut = cut_for[target.name]
        mine = _staying(live.get(target.name, []), {e.id for e in cut}, cancel[_RECUT])
        wanted: list[str] = []
        if cut and target.per_article:
            anchor = min(cut, key=lambda e: (e.rank, e.id)).id
            mine = _staying(mine, {anchor}, cancel[_NEW_ANCHOR])
            wanted = [] if mine else [anchor]
        elif cut:
            taken = {post.excerpt_id for post in mine}
            wanted = [e for e in dict.fromkeys(e.id for e in cut) if e not in taken]
        status = initial_status(target.require_approval)
        rows += [(target.name, excerpt_id, status) for excerpt_id in wanted]
        queued_on[target.name] = len(wanted)
    cancelled = sum(
        cancel_posts(conn, posts.c.id.in_(chunk), now=now, reason=reason)
        for reason, ids in cancel.items()
        for chunk in chunks(ids)
    )
    _insert_posts(conn, article_id, rows, now)
    return queued_on, cancelled


# New posts are the bulk of a backlog's rows (an article's excerpts times its channels).
# SQLAlchemy processes each parameter of each row in Python, which costs about as much as
# SQLite's insert itself; these rows differ only in plain strings, and their one typed
# value, `now`, is converted once: the statement is compiled once per dialect and the
# rows go to the driver as they are.
_NEW_POST = ("channel", "article_id", "excerpt_id", "status", "created_at", "updated_at")


def _insert_posts(
    conn: Connection, article_id: str, rows: list[tuple[str, str, str]], now: datetime
) -> None:
    """Insert the article's new posts, each (channel, excerpt id, status), in order."""
    if not rows:
        return
    sql, order = _new_post_statement(conn.dialect)
    stamp = _stamp(conn.dialect)(now)
    values = [
        (channel, article_id, excerpt_id, status, stamp, stamp)
        for channel, excerpt_id, status in rows
    ]
    if order is None:  # named parameters
        conn.exec_driver_sql(sql, [dict(zip(_NEW_POST, row, strict=True)) for row in values])
    elif order == _NEW_POST:
        conn.exec_driver_sql(sql, values)
    else:
        at = [_NEW_POST.index(name) for name in order]
        conn.exec_driver_sql(sql, [tuple(row[i] for i in at) for row in values])


@lru_cache(maxsize=8)
def _new_post_statement(dialect: Dialect) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT of a new post for `dialect`, and its parameters' order when positional."""
    compiled = insert(posts).values({c: bindparam(c) for c in _NEW_POST}).compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional else None
    if order is not None and sorted(order) != sorted(_NEW_POST):
        raise RuntimeError(f"unexpected parameters for a new post: {order}")
    return str(compiled), order


@lru_cache(maxsize=8)
def _stamp(dialect: Dialect):
    """How the posts table stores a time on `dialect` (its column type's bind processor)."""
    return posts.c.created_at.type.bind_processor(dialect) or (lambda value: value)


def _staying(channel_posts: list[Row], excerpt_ids: set[str], cancel: list[int]) -> list[Row]:
    """The posts that stay: those on `excerpt_ids`, and those no longer cancellable (out,
    on their way, or a thread with parts out); the ids of the others go to `cancel`."""
    staying = []
    for post in channel_posts:
        if post.excerpt_id in excerpt_ids or post.status not in NOT_YET_SENT or post.started:
            staying.append(post)
        else:
            cancel.append(post.id)
    return staying


def cancel_posts(conn: Connection, where, *, now: datetime, reason: str) -> int:
    """Cancel the not-yet-sent posts matching `where`; return how many."""
    result = conn.execute(
        update(posts)
        .where(where, posts.c.status.in_(NOT_YET_SENT))
        .values(status=CANCELLED, error=reason, updated_at=now)
    )
    return result.rowcount


def live_articles(conn: Connection) -> list[tuple[str, str, bool]]:
    """Every article not removed, by id: (id, source, whether a feed brought it in).

    A feed's articles are queued by the feed on its own channels only (and its first-sync
    backlog waits in the recycling pool, never in the queue).
    """
    from_feed = exists().where(
        feed_entries.c.article_id == articles.c.id, feed_entries.c.kind.in_(FEED_OWNED)
    )
    return [
        tuple(row)
        for row in conn.execute(
            select(articles.c.id, articles.c.source, from_feed.label("from_feed"))
            .where(articles.c.removed_at.is_(None))
            .order_by(articles.c.id)
        )
    ]


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    items = list(items)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def add_composed(
    conn: Connection,
    channel: str,
    article: Article,
    excerpt: Excerpt,
    *,
    not_before: datetime | None,
    now: datetime,
) -> int:
    """Store a composed post (its article and its one excerpt, outside the library) queued
    first on `channel`, not before `not_before`; return its id."""
    conn.execute(
        insert(articles).values(
            id=article.id,
            source=article.source,
            title=article.title,
            url=article.url,
            data=article_data(article),
            content_hash=article.content_hash,
            added_at=now,
            updated_at=now,
            removed_at=now,
        )
    )
    conn.execute(
        insert(excerpts).values(
            id=excerpt.id,
            article_id=excerpt.article_id,
            text=excerpt.text,
            rank=0,
            score=0.0,
            paragraph=0,
            first_sentence=0,
            sentence_count=1,
            shortened=False,
            active=True,
            created_at=now,
        )
    )
    return conn.execute(
        insert(posts).values(
            channel=channel,
            article_id=excerpt.article_id,
            excerpt_id=excerpt.id,
            status=QUEUED,
            created_at=now,
            updated_at=now,
            not_before=not_before,
            pinned_at=now,
        )
    ).inserted_primary_key[0]
