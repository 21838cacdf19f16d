"""Feed polls in the daemon: one scheduler job per source, each poll off the event loop.

A poll (fetches, extraction, store writes) runs in a daemon thread of its own: it never
blocks the event loop, and a feed that hangs cannot hold up shutdown either. Stopping
sets a flag that ends a long first sync between two entries; a fetch in flight is left
to its timeout, or to the end of the process. A job while the feed backs off after
failures does nothing until the feed's next attempt is due. Long polls log a
`feed.progress` line every PROGRESS_EVERY entries.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Config, Source
from bot.errors import DatabaseGone
from bot.logs import log_event
from bot.offloop import in_thread
from bot.store import Store

if TYPE_CHECKING:
    from bot.sources.feeds.poll import FeedPoller, PollReport, Progress

PROGRESS_EVERY = 10  # entries between two `feed.progress` lines


class FeedJobs:
    """The configured sources and how to poll them; `configure` again after a reload."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.sources: dict[str, Source] = {}
        self._poller: FeedPoller | None = None
        self._stop = threading.Event()
        self._polling: set[str] = set()  # feeds with a poll in flight (jobs outlive reloads)
        # Whether this daemon polls the feed of a URL now (several daemons: its lease).
        self.may_poll: Callable[[str], bool] = lambda url: True

    def configure(self, config: Config, store: Store) -> None:
        self.sources = {source.feed: source for source in config.sources}
        if not self.sources:
            self._poller = None
            return
        # httpx, feedparser and the HTML extractor: only for daemons that poll feeds.
        from bot.sources.feeds.poll import FeedPoller
        from bot.sources.pages import FetchLimits

        limits = FetchLimits(timeout=config.bot.fetch_timeout.total_seconds())
        self._poller = FeedPoller(
            store, config.enabled_channels(), limits=limits, should_stop=self._stop.is_set
        )

    def stop(self) -> None:
        self._stop.set()

    @property
    def polling(self) -> frozenset[str]:
        """The feeds with a poll in flight."""
        return frozenset(self._polling)

    async def poll(self, url: str, *, force: bool = False) -> PollReport | None:
        """Poll the source of `url` now (unless it backs off and not `force`); never raises."""
        source, poller = self.sources.get(url), self._poller
        if (
            source is None
            or poller is None
            or self._stop.is_set()
            or url in self._polling
            or not self.may_poll(url)
        ):
            return None
        self._polling.add(url)
        try:
            return await in_thread(self._poll, poller, source, force)
        except DatabaseGone:
            return None  # the daemon stops, and says why once
        except Exception as exc:  # one feed's trouble never stops the daemon
            log_event(
                "feed.error",
                level=logging.ERROR,
                feed=url,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=exc,
            )
            return None
        finally:
            self._polling.discard(url)

    async def poll_all(self) -> None:
        """Every source once, now (what `run --once` does before its slots)."""
        await asyncio.gather(*(self.poll(url, force=True) for url in self.sources))

    def _poll(self, poller: FeedPoller, source: Source, force: bool) -> PollReport | None:
        now = self.clock()
        if not force and not poller.due(source, now):
            log_event(
                "feed.waiting",
                level=logging.DEBUG,
                feed=source.feed,
                reason="backing off after failures",
            )
            return None
        return poller.poll(source, now=now, progress=_progress_lines(source.feed))


def _progress_lines(feed: str) -> Progress:
    def progress(done: int, total: int, _what: str) -> None:
        if total > PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
            log_event("feed.progress", feed=feed, done=done, total=total)

    return progress
