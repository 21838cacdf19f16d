"""The store's reads: listings, counts and planner inputs, each one read transaction
(`Store._read`: a consistent snapshot that never waits for a writer in WAL mode)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from bot.article import Article, Excerpt
from bot.lazy import LazyModule
from bot.store.records import ArticleSummary, AttemptRecord, ChannelSummary, PostRecord

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from bot.planner import QueuedItem

_catalog = LazyModule("bot.store.catalog")
_lineup = LazyModule("bot.store.lineup")
_planning = LazyModule("bot.store.planning")
_queries = LazyModule("bot.store.queries")


class Reads:
    """What `Store` reads; it gives the read transaction."""

    def _read(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def sent_count_since(self, channel: str, since: datetime) -> int:
        """Posts sent, sending or unknown on `channel`, claimed or sent at `since` or later;
        a thread counts its parts (as X counts posts)."""
        with self._read() as conn:
            return _lineup.sent_count_since(conn, channel, since)

    def sent_times_since(self, channel: str, since: datetime) -> list[datetime]:
        with self._read() as conn:
            return _lineup.sent_times_since(conn, channel, since)

    def last_sent_article(self, channel: str) -> str | None:
        with self._read() as conn:
            return _lineup.last_sent_article(conn, channel)

    def queued_items(self, channel: str, *, include_pending: bool = False) -> list[QueuedItem]:
        """Every queued post of `channel` as planner input (for `plan`); with
        `include_pending`, those waiting for approval too, marked `pending`."""
        with self._read() as conn:
            return _lineup.queued_items(conn, channel, include_pending=include_pending)

    def evergreen_pool(self, channel: str, *, per_article: bool = False):
        """Recyclable excerpts of `channel` with when each was last touched (for `plan`)."""
        with self._read() as conn:
            return _planning.evergreen_pool(conn, channel, per_article=per_article)

    def excerpt_details(self, excerpt_ids: list[str]) -> dict[str, tuple[str, str]]:
        """(article title, excerpt text) of each excerpt id."""
        with self._read() as conn:
            return _planning.excerpt_details(conn, excerpt_ids)

    def queue_depths(self) -> dict[str, int]:
        with self._read() as conn:
            return _queries.queue_depths(conn)

    def status_summary(
        self,
        channels: Iterable[str] = (),
        *,
        window: tuple[datetime, datetime] | None = None,
    ) -> dict[str, ChannelSummary]:
        """Per channel (those with posts or state, plus `channels`): queue, last out, errors;
        with `window` (since, until), what its posts cost then (`ChannelSummary.charges`)."""
        with self._read() as conn:
            return _queries.status_summary(conn, channels, window)

    def charges(self, channel: str, since: datetime, until: datetime) -> list:
        """What `channel`'s posts cost (or may have) in [since, until), as `bot.spend.Charge`
        values, oldest first."""
        from bot.store.spending import charges
        from bot.store.summaries import connection_rows

        with self._read() as conn:
            return charges(connection_rows(conn), channel, since, until)

    def history(
        self,
        *,
        channel: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        article: str | None = None,
    ) -> list[PostRecord]:
        with self._read() as conn:
            return _queries.history(
                conn, channel=channel, status=status, limit=limit, article=article
            )

    def queued(
        self, channel: str | None = None, limit: int | None = None, *, include_pending: bool = True
    ) -> list[PostRecord]:
        with self._read() as conn:
            return _queries.queued(
                conn, channel=channel, limit=limit, include_pending=include_pending
            )

    def get_post(self, post_id: int) -> PostRecord:
        with self._read() as conn:
            return _queries.get_post(conn, post_id)

    def attempts(self, post_id: int) -> list[AttemptRecord]:
        with self._read() as conn:
            return _queries.attempts_of(conn, post_id)

    def get_article(self, article_id: str) -> Article:
        with self._read() as conn:
            return _queries.get_article(conn, article_id)

    def get_articles(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """The articles with these ids that the database has, by id (one read)."""
        with self._read() as conn:
            return _queries.get_articles(conn, list(article_ids))

    # --- the web console's reads (bot.store.catalog) -------------------------------------

    def get_excerpts(self, excerpt_ids: Iterable[str]) -> dict[str, Excerpt]:
        """The excerpts with these ids, by id (retired ones included)."""
        with self._read() as conn:
            return _catalog.get_excerpts(conn, list(excerpt_ids))

    def article_list(self, *, limit: int | None = None) -> list[ArticleSummary]:
        """Articles newest first, each with how many of its posts went out and wait."""
        with self._read() as conn:
            return _catalog.article_list(conn, limit=limit)

    def articles_without_posts(
        self,
        channels: Iterable[str],
    ) -> list[tuple[str, str, bool, dict[str, str]]]:
        """Live articles of which no cut for `channels` has an excerpt, by source: (id,
        source, brought in by a feed, {channel: cut} for those of `channels` cut for)."""
        with self._read() as conn:
            return _catalog.articles_without_posts(conn, list(channels))

    def article_excerpts(self, article_id: str) -> list[tuple[Excerpt, bool]]:
        """An article's excerpts, best first, each with whether it is still current."""
        with self._read() as conn:
            return _catalog.article_excerpts(conn, article_id)
