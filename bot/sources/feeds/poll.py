"""Polling one `[[sources]]` feed: fetch, parse, recognise, ingest, record, back off.

    FeedPoller(store, channels, limits=).poll(source, now=) -> PollReport

- The GET is conditional (ETag, Last-Modified): a 304 means nothing to do.
- An entry is recognised by its GUID, else by its link (a GUID change), else by its
  article's id or content hash (a GUID and link change): recognised, it is never queued
  as new. A recognised entry whose feed description changed is re-excerpted (the store
  keeps what was sent and queues only passages not queued before).
- A new entry becomes an article from the feed's full content when it has one, else from
  its page (`fetch_pages`), else from its summary; its excerpts are queued on the source's
  channels. An entry whose article is already in the library (a file, an added URL) is
  only recorded: the library's copy wins.
- The first successful poll queues only the newest `first_sync` entries; see
  `bot.sources.feeds` for the backlog.
- A failed poll is recorded with the next attempt, `retry_delay` later (growing); an entry
  that fails (its page is gone) is logged and tried again at the next poll, and the feed's
  validators are then not kept, so that the next poll is a full GET.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Channel as ChannelConfig
from bot.config import Source
from bot.errors import FetchError, UserError
from bot.logs import log_event
from bot.policy import ChannelPolicy
from bot.sources.cutting import cut_article, why_no_post
from bot.sources.feeds.parse import FeedDocument, FeedItem, entry_page, parse_feed
from bot.sources.fetch import FEED_TYPES, fetch
from bot.sources.pages import FetchLimits, article_from_html, fetch_article
from bot.store import ArticleCuts, FeedEntry, IngestStatus, Store
from bot.store.schema import EntryKind

MAX_FEED_BYTES = 10 * 1024 * 1024  # a feed with the full text of its last 50 posts fits
MAX_RETRY_DELAY = timedelta(hours=6)

Progress = Callable[[int, int, str], None]  # (done, total, what)


def retry_delay(failures: int, poll: timedelta) -> timedelta:
    """How long after a failed poll the next one is due: the poll interval, doubled with
    each failure in a row, at most 6 h (or the poll interval, if that is longer)."""
    if failures <= 0:
        return poll
    return min(poll * 2 ** min(failures - 1, 30), max(poll, MAX_RETRY_DELAY))


@dataclass
class PollReport:
    """What one poll did. `seen` counts entries only recorded (backlog, filtered, known)."""

    feed: str
    not_modified: bool = False
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    seen: int = 0
    evergreen: int = 0
    queued: int = 0
    failed: list[str] = field(default_factory=list)  # one line per entry that failed
    error: str | None = None  # the poll itself failed
    next_poll_at: datetime | None = None


class FeedPoller:
    """Polls sources into `store`; `channels` are the enabled channels by name."""

    def __init__(
        self,
        store: Store,
        channels: dict[str, ChannelConfig],
        *,
        limits: FetchLimits | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self.channels = channels
        self.limits = limits or FetchLimits()
        self.should_stop = should_stop

    def due(self, source: Source, now: datetime) -> bool:
        """False while the feed backs off after failures (its next attempt is later)."""
        state = self.store.feed_state(source.feed)
        if not state.failures or state.next_poll_at is None:
            return True
        return now >= state.next_poll_at - source.poll / 2  # a job firing early still counts

    def poll(
        self, source: Source, *, now: datetime, progress: Progress | None = None
    ) -> PollReport:
        """Poll `source` once (see the module docstring); never raises a UserError."""
        started = time.monotonic()
        state = self.store.feed_state(source.feed)
        report = PollReport(source.feed)
        try:
            fetched = fetch(
                source.feed,
                timeout=self.limits.timeout,
                max_bytes=MAX_FEED_BYTES,
                max_redirects=self.limits.max_redirects,
                accept=FEED_TYPES,
                etag=state.etag,
                last_modified=state.last_modified,
            )
            document = (
                None
                if fetched.not_modified
                else parse_feed(fetched.body, url=fetched.url, content_type=fetched.content_type)
            )
        except FetchError as exc:
            return self._failed(source, report, exc, failures=state.failures + 1, now=now)
        if document is None:
            report.not_modified = True
        else:
            run = _Run(
                self,
                source,
                document,
                first_sync=state.last_success_at is None,
                now=now,
                report=report,
            )
            if not run.take_all(progress):  # stopping: the next poll takes the rest
                log_event(
                    "feed.interrupted",
                    feed=source.feed,
                    new=report.new,
                    evergreen=report.evergreen,
                    seen=report.seen,
                )
                return report
        kept = (
            fetched
            if not report.failed
            else dataclasses.replace(fetched, etag=None, last_modified=None)
        )
        report.next_poll_at = now + source.poll
        self.store.record_feed_poll(
            source.feed,
            now=now,
            next_poll_at=report.next_poll_at,
            etag=kept.etag,
            last_modified=kept.last_modified,
            title=document.title if document else None,
        )
        problem = {"problem": document.problem} if document and document.problem else {}
        log_event(
            "feed.polled",
            level=logging.WARNING if problem else logging.INFO,
            feed=source.feed,
            status="not_modified" if report.not_modified else "ok",
            new=report.new,
            changed=report.changed,
            unchanged=report.unchanged,
            seen=report.seen,
            evergreen=report.evergreen,
            failed=len(report.failed),
            queued=report.queued,
            **problem,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        return report

    def _failed(
        self, source: Source, report: PollReport, exc: FetchError, *, failures: int, now: datetime
    ) -> PollReport:
        report.error = str(exc)
        report.next_poll_at = now + retry_delay(failures, source.poll)
        self.store.record_feed_poll(
            source.feed, now=now, next_poll_at=report.next_poll_at, error=exc.problem
        )
        log_event(
            "feed.failed",
            level=logging.WARNING,
            feed=source.feed,
            error=exc.problem,
            failures=failures,
            next_poll=report.next_poll_at.isoformat(),
        )
        return report

    def targets(self, source: Source) -> list[ChannelConfig]:
        """The enabled channels the source's articles go to."""
        if source.channels is None:
            return list(self.channels.values())
        return [self.channels[name] for name in source.channels if name in self.channels]


class _Run:
    """One poll's pass over a feed document's entries."""

    def __init__(
        self,
        poller: FeedPoller,
        source: Source,
        document: FeedDocument,
        *,
        first_sync: bool,
        now: datetime,
        report: PollReport,
    ) -> None:
        self.poller = poller
        self.store = poller.store
        self.source = source
        self.document = document
        self.first_sync = first_sync
        self.now = now
        self.report = report
        self.targets = poller.targets(source)
        self.guids = {item.guid for item in document.items}

    def take_all(self, progress: Progress | None) -> bool:
        """Take every entry that is new or changed; False when told to stop half-way."""
        work, rank = [], 0
        for item in self.document.items:
            # Its place among the entries the filters take, newest first: what first_sync
            # counts, whatever was taken before (an interrupted or failed first poll).
            rank += self.source.takes(item.tags)
            known = self.store.find_feed_entry(
                self.source.feed, guid=item.guid, link=item.link_key, current_guids=self.guids
            )
            if known is not None and known.entry_hash == item.entry_hash:
                self._same(item, known)
            else:
                work.append((item, known, rank))
        for done, (item, known, rank) in enumerate(work, 1):
            if self.poller.should_stop():
                return False
            # Entries of one poll keep the feed's order: the newest is the freshest.
            at = self.now - timedelta(microseconds=done)
            # Recorded when it fails, so that the backlog can never come back later as new.
            backlog = self.first_sync and rank > self.source.first_sync and known is None
            try:
                self._take(item, known, at, backlog=backlog)
            except UserError as exc:
                self._entry_failed(item, str(exc), backlog=backlog)
            except Exception as exc:  # one bad entry never stops the feed's others
                where = item.link or item.guid
                self._entry_failed(
                    item,
                    f"{where}: unexpected {type(exc).__name__}: {' '.join(str(exc).split())}",
                    backlog=backlog,
                    exc_info=exc,
                )
            if progress is not None:
                progress(done, len(work), item.link or item.guid)
        return True

    def _same(self, item: FeedItem, known: FeedEntry) -> None:
        """An entry as it was: nothing to do, but a new GUID or link is remembered."""
        self.report.unchanged += 1
        if (known.guid, known.link) != (item.guid, item.link_key):
            self.store.record_feed_entry(
                dataclasses.replace(known, guid=item.guid, link=item.link_key), now=self.now
            )

    def _take(
        self, item: FeedItem, known: FeedEntry | None, at: datetime, *, backlog: bool
    ) -> None:
        if known is not None:
            self._edited(item, known, at)
            return
        entry = FeedEntry(
            feed=self.source.feed,
            guid=item.guid,
            link=item.link_key,
            entry_hash=item.entry_hash,
            kind=EntryKind.INGESTED.value,
        )
        if not self.source.takes(item.tags):
            self._record(dataclasses.replace(entry, kind=EntryKind.FILTERED.value))
            return
        if backlog and self.source.backlog == "skip":
            self._record(dataclasses.replace(entry, kind=EntryKind.SKIPPED.value))
            return
        article = self._article(item)
        twin = self.store.find_feed_entry(
            self.source.feed,
            article_id=article.id,
            content_hash=article.content_hash,
            current_guids=self.guids,
        )
        if twin is not None:  # its GUID and its link changed: the same article
            self._edited(item, twin, at, article=article)
        elif self.store.article_known(article.id):
            self._record(
                dataclasses.replace(
                    entry,
                    kind=EntryKind.LIBRARY.value,
                    article_id=article.id,
                    content_hash=article.content_hash,
                )
            )
        elif backlog:
            self._ingest(dataclasses.replace(entry, kind=EntryKind.EVERGREEN.value), article, at)
        else:
            self._ingest(entry, article, at)

    def _edited(self, item: FeedItem, known: FeedEntry, at: datetime, *, article=None) -> None:
        """A recognised entry the feed describes differently: re-excerpt what we ingested."""
        updated = dataclasses.replace(
            known, guid=item.guid, link=item.link_key, entry_hash=item.entry_hash
        )
        if known.article_id is None or known.kind not in (EntryKind.INGESTED, EntryKind.EVERGREEN):
            self.report.unchanged += 1
            self._record(updated, count=False)
            return
        article = dataclasses.replace(article or self._article(item), id=known.article_id)
        self._ingest(updated, article, at)

    def _ingest(self, entry: FeedEntry, article, at: datetime) -> None:
        queue_here = entry.kind == EntryKind.INGESTED
        channels = [ChannelPolicy.of(ch) for ch in self.targets] if queue_here else []
        pool = [] if queue_here or entry.id is not None else [ch.name for ch in self.targets]
        cuts, cut_of = cut_article(article, self.targets or list(self.poller.channels.values()))
        mapped = {p.name for p in channels} | set(pool)
        result = self.store.ingest_feed_entry(
            entry,
            article,
            cuts,
            channels=channels,
            pool=pool,
            now=at,
            cut_of={name: key for name, key in cut_of.items() if name in mapped},
        )
        self.report.queued += result.queued
        if result.status == IngestStatus.UNCHANGED:
            self.report.unchanged += 1
            return
        if entry.id is not None:
            self.report.changed += 1
        elif queue_here:
            self.report.new += 1
        else:
            self.report.evergreen += 1
        log_event(
            "article.ingested",
            article=result.article_id,
            feed=self.source.feed,
            url=article.url,
            status=str(result.status),
            kind=entry.kind,
            queued=result.queued,
            cancelled=result.cancelled,
        )
        if queue_here:
            reason = why_no_post(
                ArticleCuts(article, cuts, channels, cut_of), {ch.name: ch for ch in self.targets}
            )
            if reason is not None:
                log_event(
                    "article.no_posts",
                    level=logging.WARNING,
                    article=result.article_id,
                    feed=self.source.feed,
                    url=article.url,
                    reason=reason,
                )

    def _article(self, item: FeedItem):
        """The entry's article: from its full content, else its page, else its summary."""
        source = item.link or f"{self.source.feed}#{item.guid}"
        if not item.link:
            raise FetchError(
                source, "the entry has no link, and every post links to its article; it is skipped"
            )
        if item.content_html:
            return self._from_feed(item, item.content_html)
        if self.source.fetch_pages:
            return fetch_article(item.link, limits=self.poller.limits)
        if item.summary_html:
            return self._from_feed(item, item.summary_html)
        raise FetchError(
            item.link, "the entry has no content or summary in the feed, and fetch_pages = false"
        )

    def _from_feed(self, item: FeedItem, body_html: str):
        page = entry_page(item, body_html=body_html, site=self.document.title)
        return article_from_html(page, source=item.link, url=item.link)

    def _record(self, entry: FeedEntry, *, count: bool = True) -> None:
        self.store.record_feed_entry(entry, now=self.now)
        if count:
            self.report.seen += 1

    def _entry_failed(self, item: FeedItem, error: str, *, backlog: bool, exc_info=None) -> None:
        if backlog:
            self._record(
                FeedEntry(
                    feed=self.source.feed,
                    guid=item.guid,
                    link=item.link_key,
                    entry_hash=item.entry_hash,
                    kind=EntryKind.SKIPPED.value,
                )
            )
        self.report.failed.append(error)
        log_event(
            "feed.entry_failed",
            level=logging.WARNING,
            feed=self.source.feed,
            entry=item.link or item.guid,
            error=error,
            action="recorded as seen (backlog)" if backlog else "retried at the next poll",
            **({"exc_info": exc_info} if exc_info is not None else {}),
        )
