"""The store: articles, excerpts and the outbox of posts, in SQLite (or any SQLAlchemy URL).

`Store.open(path_or_url)` creates or upgrades the database; every method is one
transaction, committed before it returns. The store never reads the clock: methods that
need the time take `now` (timezone-aware). Writes on SQLite take the write lock at once
(BEGIN IMMEDIATE), so a claim cannot interleave with another writer; reads see one
consistent snapshot and, in WAL mode, never wait for a writer.

Modules: `schema` (tables, states), `migrations` (versions; its steps in `upgrades`),
`engine` (opening), `ingest` (articles in, posts queued), `claim` (the next post out),
`budgets` (what it costs, and whether the budget lets it go), `spending` (what posts cost),
`transitions` (post states), `channels` (per-channel state), `feeds` (feeds, their entries,
the evergreen pool), `queueing` (which channels get which posts queued), `queries` (counts
and listings), `reads` (the Store's read methods), `lock` (one daemon on an SQLite file),
`leases` (several daemons on PostgreSQL: who is alive, who does what), `summaries` (what
`status` reads: on an SQLite file through sqlite3 alone, without opening a Store or
importing SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from bot.article import Article, Excerpt
from bot.errors import UserError
from bot.lazy import LazyModule, lazy_exports
from bot.store.lock import daemon_lock, lock_path
from bot.store.reads import Reads
from bot.store.records import (
    ArticleCuts,
    ArticleSummary,
    AttemptRecord,
    BudgetHeld,
    ChannelState,
    ChannelSummary,
    ClaimedPost,
    FeedEntry,
    FeedState,
    FeedSummary,
    FileStamp,
    IngestResult,
    IngestStatus,
    NoClaim,
    PostRecord,
    Rendered,
    ThreadPart,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from bot.policy import ChannelPolicy
    from bot.store.queueing import ChannelList
    from bot.store.schema import SCHEMA_VERSION, PostStatus

__all__ = [
    "SCHEMA_VERSION",
    "ArticleCuts",
    "ArticleSummary",
    "AttemptRecord",
    "BudgetHeld",
    "ChannelState",
    "ChannelSummary",
    "ClaimedPost",
    "FeedEntry",
    "FeedState",
    "FeedSummary",
    "IngestResult",
    "IngestStatus",
    "NoClaim",
    "PostRecord",
    "PostStatus",
    "Rendered",
    "Store",
    "ThreadPart",
    "lock_path",
]


# The modules that need SQLAlchemy load with the first store opened, not with this package:
# `status` reads an SQLite store without them (`bot.store.summaries`), and importing
# SQLAlchemy would cost it more than all the rest.
_budgets = LazyModule("bot.store.budgets")
_channels = LazyModule("bot.store.channels")
_claim = LazyModule("bot.store.claim")
_feeds = LazyModule("bot.store.feeds")
_files = LazyModule("bot.store.files")
_ingest = LazyModule("bot.store.ingest")
_migrations = LazyModule("bot.store.migrations")
_opening = LazyModule("bot.store.engine")
_queueing = LazyModule("bot.store.queueing")
_memory = LazyModule("bot.store.memory")
_transitions = LazyModule("bot.store.transitions")
_trouble = LazyModule("bot.store.trouble")
_sqlalchemy_exc = LazyModule("sqlalchemy.exc")

_LATER = {
    "SCHEMA_VERSION": "bot.store.schema",
    "PostStatus": "bot.store.schema",
    "ChannelList": "bot.store.queueing",
}


# `SCHEMA_VERSION`, `PostStatus` and `ChannelList` (ChannelPolicy values, or
# (name, require_approval) pairs), imported on first use like the modules above.
__getattr__ = lazy_exports(__name__, _LATER, globals())


P = ParamSpec("P")
T = TypeVar("T")

_CLAIM_RACES = 5  # claims lost to another claimer in a row before this slot gives up


def _is_file(url_or_path: str | Path) -> bool:
    """Whether `url_or_path` is a path (not a URL) to an existing file."""
    text = str(url_or_path)
    return (isinstance(url_or_path, Path) or "://" not in text) and Path(
        text
    ).expanduser().is_file()


def _dispose(database) -> None:
    database.engine.dispose()
    if database.watch is not None:
        database.watch.close()


class Store(Reads):
    """The database behind excerpt-bot. Open with `Store.open`; close with `close()`."""

    def __init__(
        self,
        engine: Engine,
        *,
        where: str,
        path: Path | None,
        found_version: int | None,
        watch: Any = None,
    ) -> None:
        self._engine = engine
        self._watch = watch  # a bot.store.engine.FileWatch on an SQLite file
        self.where = where  # how to name the database in messages (no password)
        self.path = path  # the SQLite file, or None
        self.found_version = found_version  # version before opening; None when created
        self.postgresql = engine.dialect.name == "postgresql"
        # Set by a daemon (`act_as`): the instance name its claims record, and whether a
        # claim needs that instance to hold the channel's lease (several daemons).
        self.claimant: str | None = None
        self.fenced = False

    @classmethod
    def open(
        cls,
        url_or_path: str | Path,
        *,
        cache_mb: int | None = None,
        read_only: bool = False,
        quick: bool = False,
        password: str | None = None,
    ) -> Store:
        """Open (creating or upgrading) the database at a path or SQLAlchemy URL (with
        `cache_mb` of SQLite page cache per connection, for a big ingest).

        `read_only` (the reading commands): an SQLite file at the current schema version is
        opened with mode=ro, so reading never needs write access and never writes; a
        missing, new or older file is opened as usual (created, or upgraded). `quick`: a
        locked database is reported after a short wait (a command run by hand), not the
        daemon's long one. `password`: a PostgreSQL user's (else libpq's PGPASSWORD or
        ~/.pgpass), never in the URL.
        """
        busy = _opening.QUICK_BUSY_TIMEOUT_MS if quick else _opening.BUSY_TIMEOUT_MS
        if read_only and _is_file(url_or_path):
            store = cls._open_read_only(url_or_path, busy)
            if store is not None:
                return store
        database = _opening.open_database(
            url_or_path, cache_mb=cache_mb, busy_timeout_ms=busy, password=password
        )
        try:
            with database.engine.begin() as conn:
                found, _ = _migrations.ensure_schema(conn, where=database.where)
            _opening.use_wal(database.engine)
        except UserError:
            _dispose(database)
            raise
        except _sqlalchemy_exc.DBAPIError as exc:
            _dispose(database)
            raise UserError(
                _trouble.describe_database_error(exc.orig, database.where)
                or f"database {database.where}: cannot open it ({exc.orig}); "
                "check the path, its permissions, or the URL"
            ) from None
        return cls(
            database.engine,
            where=database.where,
            path=database.path,
            found_version=found,
            watch=database.watch,
        )

    @classmethod
    def _open_read_only(cls, path: str | Path, busy_ms: int) -> Store | None:
        """The file opened read-only when it is at the current version; None when it needs
        creating or upgrading (a write) first."""
        database = _opening.open_database(path, read_only=True, busy_timeout_ms=busy_ms)
        try:
            with database.engine.connect() as conn:
                conn.execution_options(**{_opening.BEGIN_OPTION: "DEFERRED"})
                with conn.begin():
                    found = _migrations.current_version(conn, where=database.where)
        except _sqlalchemy_exc.DBAPIError as exc:
            _dispose(database)
            raise UserError(
                _trouble.describe_database_error(exc.orig, database.where)
                or f"database {database.where}: cannot read it ({exc.orig})"
            ) from None
        except UserError:
            _dispose(database)
            raise
        if found is None:
            _dispose(database)
            return None
        return cls(database.engine, where=database.where, path=database.path, found_version=found)

    def close(self) -> None:
        self._engine.dispose()
        if self._watch is not None:
            self._watch.close()

    def on_database_gone(self, listener: Callable[[UserError], None]) -> None:
        """Call `listener(error)` when a write finds the SQLite file deleted, moved or
        replaced (`bot.store.engine.FileWatch`); every write is refused from then on."""
        if self._watch is not None:
            self._watch.on_gone(listener)

    def act_as(self, instance: str, *, fenced: bool) -> None:
        """Claims from now on record `instance`; `fenced`: and happen only while it holds
        the channel's lease (`bot.store.leases`)."""
        self.claimant, self.fenced = instance, fenced

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @staticmethod
    def acquire_daemon_lock(path: str | Path) -> AbstractContextManager[Path]:
        """Hold `<path>.lock` while running; a second holder gets a UserError with our pid."""
        return daemon_lock(path)

    def daemon_lock(self) -> AbstractContextManager[Path]:
        """The daemon lock of this store's SQLite file."""
        if self.path is None:
            raise UserError(f"database {self.where}: the daemon lock needs an SQLite file")
        return daemon_lock(self.path)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._said(), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._said(), self._engine.connect() as conn:
            if self.postgresql:  # one snapshot for the whole read, as on SQLite
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            else:
                conn.execution_options(**{_opening.BEGIN_OPTION: "DEFERRED"})
            with conn.begin():
                yield conn

    @contextmanager
    def _said(self) -> Iterator[None]:
        """A lock, a damaged or a read-only file met mid-way: one line naming the database."""
        try:
            yield
        except _sqlalchemy_exc.DBAPIError as exc:
            line = _trouble.describe_database_error(exc.orig, self.where)
            if line is None:
                raise
            raise UserError(line) from exc

    # --- articles in ---------------------------------------------------------------------

    def upsert_article(
        self,
        article: Article,
        excerpts: _ingest.Cuts,
        *,
        channels: ChannelList,
        now: datetime,
        cut_of: Mapping[str, str] | None = None,
    ) -> IngestResult:
        """Insert or reconcile an article and its cuts; queue, keep or cancel its posts on
        `channels` (each from its cut in `cut_of`; see `bot.store.ingest`)."""
        with self._write() as conn:
            return _ingest.upsert_article(
                conn, article, excerpts, channels=channels, now=now, cut_of=cut_of
            )

    def upsert_articles(
        self,
        batch: Iterable[ArticleCuts],
        *,
        now: datetime,
        stamps: Mapping[str, FileStamp] | None = None,
    ) -> list[IngestResult]:
        """`upsert_article` for each article of `batch`, in one transaction: many articles
        at one commit's cost (keep a batch small enough not to hold up the daemon's
        writes for long). `stamps`: the files they were read from, as read, kept in the
        same transaction (a stamp never outlives its article's update)."""
        with self._write() as conn:
            results = _ingest.upsert_articles(conn, batch, now=now)
            if stamps:
                _files.stamp_files(conn, stamps)
            return results

    def file_stamps(self, reader: str) -> dict[str, FileStamp]:
        """The stamps `reader` took of the files live articles come from, by path."""
        with self._read() as conn:
            return _files.file_stamps(conn, reader)

    def stamp_files(self, stamps: Mapping[str, FileStamp]) -> None:
        """Keep these file stamps (files found unchanged, stamped anew)."""
        with self._write() as conn:
            _files.stamp_files(conn, stamps)

    def remove_article(self, article_id: str, *, now: datetime) -> int:
        """Mark an article removed and cancel its unsent posts; return how many."""
        with self._write() as conn:
            return _ingest.remove_article(conn, article_id, now=now)

    def sync_sources(
        self, present_sources: Iterable[str], *, now: datetime, under: str | None = None
    ) -> list[str]:
        """Remove the articles (whose source starts with `under`) not in `present_sources`."""
        with self._write() as conn:
            return _ingest.sync_sources(conn, present_sources, now=now, under=under)

    def live_articles(self) -> list[tuple[str, str, bool]]:
        """(id, source, brought in by a feed) of every article not removed."""
        with self._read() as conn:
            return _queueing.live_articles(conn)

    def channel_pointers(
        self,
        channels: Iterable[str],
    ) -> dict[str, dict[str, tuple[str, str | None]]]:
        """For each of `channels`: the cut each article's posts there come from, and the
        settings it was chosen with, by article id (live cuts only, as `channel_cuts`)."""
        with self._read() as conn:
            return _ingest.channel_pointers(conn, list(channels))

    def sign_cuts(self, channel: str, article_ids: Iterable[str], made_with: str) -> None:
        """Note that these articles' cuts on `channel` hold for its settings `made_with`."""
        with self._write() as conn:
            _ingest.sign_cuts(conn, channel, list(article_ids), made_with)

    def channel_cuts(self, channel: str) -> dict[str, str]:
        """The cut each article's posts on `channel` come from, by article id."""
        with self._read() as conn:
            return _ingest.channel_cut_keys(conn, channel)

    # --- posts out -----------------------------------------------------------------------

    def claim_next_post(
        self, policy: ChannelPolicy, *, now: datetime, render: _claim.Render
    ) -> ClaimedPost | NoClaim | BudgetHeld:
        """Choose, render and mark `sending` the channel's next post, committed; or say why
        there is none (`NoClaim`).

        Nothing when the channel is paused, when `policy.max_per_day` has no room for one
        more slot (a thread's every part counted), or when there is nothing to send: no
        queued post due, and no excerpt last sent here longer than `repeat_after` ago
        (evergreen; whole articles on a `per_article` channel). On a `require_approval`
        channel a repeat that comes due is created `pending_approval` instead, and waits
        for `approve` like any post. A post `render` refuses (RenderError) fails; the next
        is tried. A thread's parts are stored; a thread partly out keeps them.

        Nothing either when the post's price (a thread: its parts not yet out) would take
        the channel past its `policy.budget` in the budget's period (`BudgetHeld`, kept in
        the channel's state until the period rolls over): the post stays queued.
        """
        for _ in range(_claim.MAX_RENDER_FAILURES + _CLAIM_RACES):
            with self._read() as conn:
                choice = _claim.choose(conn, policy, now=now)
            if isinstance(choice, NoClaim):
                return choice
            waits = choice.recycled and policy.require_approval  # rendered once approved
            rendered = None if waits else _claim.render_choice(choice, render)
            with self._write() as conn:
                taken = _claim.take(
                    conn,
                    policy,
                    choice,
                    rendered,
                    now=now,
                    claimant=self.claimant,
                    fenced=self.fenced,
                )
            if isinstance(taken, BudgetHeld):
                return self._budget_reached(taken)
            if taken is not None:
                return taken
        return NoClaim.EMPTY

    def _budget_reached(self, held: BudgetHeld) -> BudgetHeld:
        with self._write() as conn:
            return _budgets.note_budget_reached(conn, held)

    def record_thread_part(
        self,
        post_id: int,
        *,
        index: int,
        remote_id: str | None,
        remote_url: str | None,
        now: datetime,
        cost_micros: int | None = None,
    ) -> None:
        """Part `index` (0 first) of the `sending` thread `post_id` went out (committed),
        costing `cost_micros` where its platform bills posts."""
        with self._write() as conn:
            _transitions.record_thread_part(
                conn,
                post_id,
                index=index,
                remote_id=remote_id,
                remote_url=remote_url,
                now=now,
                cost_micros=cost_micros,
            )

    def mark_sent(
        self, post_id: int, *, remote_id: str | None, remote_url: str | None, now: datetime
    ) -> None:
        with self._write() as conn:
            _transitions.mark_sent(
                conn, post_id, remote_id=remote_id, remote_url=remote_url, now=now
            )

    def mark_failed(self, post_id: int, *, error: str, now: datetime) -> None:
        with self._write() as conn:
            _transitions.mark_failed(conn, post_id, error=error, now=now)

    def mark_unknown(self, post_id: int, *, error: str, now: datetime) -> None:
        with self._write() as conn:
            _transitions.mark_unknown(conn, post_id, error=error, now=now)

    def mark_skipped(self, post_id: int, *, reason: str, now: datetime) -> None:
        with self._write() as conn:
            _transitions.mark_skipped(conn, post_id, reason=reason, now=now)

    def requeue(self, post_id: int, *, now: datetime, not_before: datetime | None = None) -> None:
        """A `sending` post that certainly did not go back to the queue (due at `not_before`)."""
        with self._write() as conn:
            _transitions.requeue(conn, post_id, now=now, not_before=not_before)

    def record_attempt(
        self,
        post_id: int,
        *,
        started_at: datetime,
        finished_at: datetime,
        outcome: str,
        error: str | None,
    ) -> int:
        with self._write() as conn:
            return _transitions.record_attempt(
                conn,
                post_id,
                started_at=started_at,
                finished_at=finished_at,
                outcome=outcome,
                error=error,
            )

    def requeue_interrupted(self, *, channels: Iterable[str], now: datetime) -> list[int]:
        """At start-up, on channels that deliver under a lasting key: the posts left
        `sending` go back to the queue (their next try settles them); return their ids."""
        with self._write() as conn:
            return _transitions.requeue_interrupted(conn, channels=channels, now=now)

    def recover_interrupted(
        self, *, channels: Iterable[str] | None = None, now: datetime
    ) -> list[int]:
        """At start-up: the posts left `sending` on `channels` (the daemon's own; None: on
        any) become `unknown`; return their ids."""
        with self._write() as conn:
            return _transitions.recover_interrupted(conn, channels=channels, now=now)

    # --- what channels keep -------------------------------------------------------------

    def recall(self, channel: str, key: str) -> str | None:
        """What `channel` kept under `key` between runs (a session, server limits); None."""
        with self._read() as conn:
            return _memory.recall(conn, channel, key)

    def remember(self, channel: str, key: str, value: str | None, *, now: datetime) -> None:
        """Keep `value` under `key` for `channel` (None forgets it). Never logged."""
        with self._write() as conn:
            _memory.remember(conn, channel, key, value, now=now)

    # --- operator actions ----------------------------------------------------------------

    def resolve(self, post_id: int, *, sent: bool, now: datetime) -> None:
        """An `unknown` post the operator checked: it went out (sent) or did not (queued)."""
        with self._write() as conn:
            _transitions.resolve(conn, post_id, sent=sent, now=now)

    def retry(self, post_id: int, *, now: datetime) -> None:
        with self._write() as conn:
            _transitions.retry(conn, post_id, now=now)

    def add_composed(
        self,
        channel: str,
        article: Article,
        excerpt: Excerpt,
        *,
        not_before: datetime | None,
        now: datetime,
    ) -> int:
        """Queue a composed post (`compose`) first on `channel`; its article and excerpt stay
        outside the library. Returns the post's id."""
        with self._write() as conn:
            return _queueing.add_composed(
                conn, channel, article, excerpt, not_before=not_before, now=now
            )

    def pin(self, post_id: int, *, now: datetime) -> _transitions.Place:
        """Put the queued (or pending) post first in its channel's queue, due at once;
        return where it stood before."""
        with self._write() as conn:
            return _transitions.pin(conn, post_id, now=now)

    def unpin(self, post_id: int, place: _transitions.Place) -> bool:
        """Put a pinned post back where it stood (`pin`'s answer), if it still waits."""
        with self._write() as conn:
            return _transitions.unpin(conn, post_id, place)

    def skip(self, post_id: int, *, now: datetime, pending_only: bool = False) -> None:
        """Never send the post; with `pending_only`, only if it still awaits approval (a
        Skip button pressed after an approval elsewhere changes nothing)."""
        with self._write() as conn:
            _transitions.skip(conn, post_id, now=now, pending_only=pending_only)

    def approve(
        self, post_ids: Iterable[int] | None = None, *, channel: str | None = None, now: datetime
    ) -> list[int]:
        """Approve the given posts, else every pending post of `channel`, else all of them."""
        with self._write() as conn:
            return _transitions.approve(conn, post_ids=post_ids, channel=channel, now=now)

    # --- channels ------------------------------------------------------------------------

    def pause_channel(self, channel: str, *, reason: str, now: datetime) -> None:
        with self._write() as conn:
            _channels.pause_channel(conn, channel, reason=reason, now=now)

    def resume_channel(self, channel: str, *, now: datetime) -> None:
        with self._write() as conn:
            _channels.resume_channel(conn, channel, now=now)

    def record_channel_error(self, channel: str, *, error: str, now: datetime) -> None:
        with self._write() as conn:
            _channels.record_channel_error(conn, channel, error=error, now=now)

    def set_last_slot(self, channel: str, at: datetime) -> None:
        with self._write() as conn:
            _channels.set_last_slot(conn, channel, at)

    def channel_state(self, channel: str) -> ChannelState:
        with self._read() as conn:
            return _channels.get_channel_state(conn, channel)

    # --- feeds ---------------------------------------------------------------------------

    def feed_state(self, url: str) -> FeedState:
        with self._read() as conn:
            return _feeds.get_feed_state(conn, url)

    def record_feed_poll(
        self, url: str, *, now: datetime, next_poll_at: datetime, **outcome: str | None
    ) -> FeedState:
        """A poll of `url`: a success (`title`, `etag`, `last_modified` kept) or a failure
        (`error`); see `bot.store.feeds.record_poll`."""
        with self._write() as conn:
            return _feeds.record_poll(conn, url, now=now, next_poll_at=next_poll_at, **outcome)

    def find_feed_entry(self, feed: str, **identity) -> FeedEntry | None:
        """The stored entry of `feed` with this GUID, link, article id or content hash."""
        with self._read() as conn:
            return _feeds.find_entry(conn, feed, **identity)

    def article_known(self, article_id: str) -> bool:
        with self._read() as conn:
            return _feeds.article_known(conn, article_id)

    def record_feed_entry(self, entry: FeedEntry, *, now: datetime) -> int:
        """Record an entry as seen (insert, or update the stored one); return its id."""
        with self._write() as conn:
            return _feeds.record_entry(conn, entry, now=now)

    def ingest_feed_entry(
        self,
        entry: FeedEntry,
        article: Article,
        excerpts: _ingest.Cuts,
        *,
        channels: ChannelList,
        pool: Iterable[str] = (),
        now: datetime,
        cut_of: Mapping[str, str] | None = None,
    ) -> IngestResult:
        """Upsert the entry's article (queued on `channels`, in the evergreen pool of the
        channels in `pool`, each from its cut in `cut_of`) and record the entry, in one
        transaction."""
        with self._write() as conn:
            return _feeds.ingest_entry(
                conn, entry, article, excerpts, channels=channels, pool=pool, now=now, cut_of=cut_of
            )

    def feed_summaries(self, urls: Iterable[str] = ()) -> dict[str, FeedSummary]:
        with self._read() as conn:
            return _feeds.feed_summaries(conn, urls)

    # --- modules with tables of their own (`bot.store.admin`) ----------------------------

    def read_with(
        self,
        operation: Callable[Concatenate[Connection, P], T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`operation(conn, *args, **kwargs)` in one read transaction."""
        with self._read() as conn:
            return operation(conn, *args, **kwargs)

    def write_with(
        self,
        operation: Callable[Concatenate[Connection, P], T],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """`operation(conn, *args, **kwargs)` in one write transaction, committed."""
        with self._write() as conn:
            return operation(conn, *args, **kwargs)
