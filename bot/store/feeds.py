"""Feeds: their polling state, the entries seen in them, and the evergreen pool they fill.

Every function runs inside the caller's transaction. An entry is looked up by GUID first,
then by link (only among entries whose GUID left the feed: a GUID change, not two entries
sharing a link), then by its article's id or content hash. A feed's entry and its article
are written in one transaction, so a crash never leaves an article without its entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from bot.article import Article
from bot.store import ingest as _ingest
from bot.store import summaries
from bot.store.queueing import ChannelList, targets_of
from bot.store.records import FeedEntry, FeedState, FeedSummary, IngestResult
from bot.store.schema import articles, feed_entries, feeds, recycle_pool


def get_feed_state(conn: Connection, url: str) -> FeedState:
    row = conn.execute(select(feeds).where(feeds.c.url == url)).first()
    return FeedState(**row._mapping) if row is not None else FeedState(url)


def record_poll(
    conn: Connection,
    url: str,
    *,
    now: datetime,
    next_poll_at: datetime,
    error: str | None = None,
    title: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FeedState:
    """Note a poll: a success (validators kept for the next conditional GET, failures reset)
    or, with `error`, a failure (one more in a row); return the new state."""
    _ensure_feed(conn, url)
    if error is None:
        values = {
            "last_success_at": now,
            "failures": 0,
            "etag": etag,
            "last_modified": last_modified,
        }
        if title:
            values["title"] = title
    else:
        values = {"last_error": error, "last_error_at": now, "failures": feeds.c.failures + 1}
    conn.execute(
        update(feeds)
        .where(feeds.c.url == url)
        .values(last_polled_at=now, next_poll_at=next_poll_at, **values)
    )
    return get_feed_state(conn, url)


def _ensure_feed(conn: Connection, url: str) -> None:
    if conn.scalar(select(feeds.c.url).where(feeds.c.url == url)) is None:
        conn.execute(insert(feeds).values(url=url, failures=0))


def find_entry(
    conn: Connection,
    feed: str,
    *,
    guid: str | None = None,
    link: str | None = None,
    current_guids: Collection[str] = (),
    article_id: str | None = None,
    content_hash: str | None = None,
) -> FeedEntry | None:
    """The entry of `feed` with this GUID; else, among entries whose GUID is no longer in
    the feed (`current_guids`), the one with this link, else this article id, else this
    content hash; or None. (An entry whose GUID is still in the feed is that entry, never
    another one that shares its link or text.)"""
    where = feed_entries.c.feed == feed
    if guid is not None:
        found = _all(conn, where, feed_entries.c.guid == guid)
        if found:
            return found[0]
    for column, value in (
        (feed_entries.c.link, link),
        (feed_entries.c.article_id, article_id),
        (feed_entries.c.content_hash, content_hash),
    ):
        if value is None:
            continue
        for entry in _all(conn, where, column == value):
            if entry.guid not in current_guids:
                return entry
    return None


def _all(conn: Connection, *where) -> list[FeedEntry]:
    rows = conn.execute(select(feed_entries).where(*where).order_by(feed_entries.c.id))
    return [FeedEntry(**row._mapping) for row in rows]


def article_known(conn: Connection, article_id: str) -> bool:
    """Whether the library has this article (removed or not)."""
    return conn.scalar(select(articles.c.id).where(articles.c.id == article_id)) is not None


def record_entry(conn: Connection, entry: FeedEntry, *, now: datetime) -> int:
    """Insert the entry (no `id`) or update the stored one; return its id."""
    _ensure_feed(conn, entry.feed)
    values = {
        "guid": entry.guid,
        "link": entry.link,
        "entry_hash": entry.entry_hash,
        "content_hash": entry.content_hash,
        "article_id": entry.article_id,
        "kind": entry.kind,
        "updated_at": now,
    }
    if entry.id is not None:
        conn.execute(update(feed_entries).where(feed_entries.c.id == entry.id).values(**values))
        return entry.id
    result = conn.execute(insert(feed_entries).values(feed=entry.feed, first_seen_at=now, **values))
    return result.inserted_primary_key[0]


def ingest_entry(
    conn: Connection,
    entry: FeedEntry,
    article: Article,
    article_excerpts: _ingest.Cuts,
    *,
    channels: ChannelList,
    pool: Iterable[str],
    now: datetime,
    cut_of: Mapping[str, str] | None = None,
) -> IngestResult:
    """Store the entry's article (queued on `channels`, in the recycling pool of `pool`)
    and the entry itself, pointing at it. `cut_of`: see `upsert_article` (it names the
    cut of the pool's channels too)."""
    pool = list(pool)
    if cut_of is None and isinstance(article_excerpts, Sequence):
        cut_of = {
            name: _ingest.ONE_CUT for name in [*(t.name for t in targets_of(channels)), *pool]
        }
    result = _ingest.upsert_article(
        conn, article, article_excerpts, channels=channels, now=now, cut_of=cut_of
    )
    for channel in pool:
        known = conn.scalar(
            select(recycle_pool.c.channel).where(
                recycle_pool.c.channel == channel, recycle_pool.c.article_id == article.id
            )
        )
        if known is None:
            conn.execute(
                insert(recycle_pool).values(channel=channel, article_id=article.id, added_at=now)
            )
    record_entry(
        conn,
        dataclasses.replace(entry, article_id=article.id, content_hash=article.content_hash),
        now=now,
    )
    return result


def feed_summaries(conn: Connection, urls: Iterable[str] = ()) -> dict[str, FeedSummary]:
    """Every feed polled or named in `urls`, sorted by URL, with its entries counted by kind
    (the SQL `status` also runs without SQLAlchemy: `bot.store.summaries`)."""
    return summaries.feed_summaries(summaries.connection_rows(conn), urls)
