"""Library scans in the daemon: posts_dir ingested now and then (`scan_library`), one scan
at a time, off the event loop.

A scan asked for while another runs (SIGHUP during the periodic scan) is not run beside
it: the running one scans once more when it is done, with the config as it is then.
After a reload, the scan first queues the library on the channels new to it (or whose
room changed). Files unchanged since the last scan (mtime and size) are not read again,
but after a reload every file is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bot.config import Config
from bot.errors import DatabaseGone
from bot.logs import log_event
from bot.offloop import in_thread
from bot.sources.library import queue_existing, scan_library
from bot.store import Store


class LibraryScans:
    """posts_dir's scans; `configure` again after a reload."""

    def __init__(self, *, clock: Callable[[], datetime], should_stop: Callable[[], bool]) -> None:
        self.clock = clock
        self.should_stop = should_stop
        self.config: Config | None = None
        self.store: Store | None = None
        # Whether this daemon scans now (several daemons: its lease).
        self.may_scan: Callable[[], bool] = lambda: True
        self._scanning = threading.Lock()
        self._stamps: dict[str, tuple[int, int]] = {}  # files as last scanned (mtime, size)
        self._stale = True  # channels changed: queue the library on them at the scan
        self._reread = False  # the next scan reads every file, stamped unchanged or not
        self._again = False  # a scan was asked for while one ran

    def configure(self, config: Config, store: Store) -> None:
        """Scan for `config`'s channels from now on: the next scan queues the library on
        the channels new to it."""
        self.config, self.store = config, store
        self._stale = True

    def reread_all(self) -> None:
        """The next scan reads every file again (channels or templates may have changed),
        the stamps the store keeps included."""
        self._stamps.clear()
        self._reread = True

    @property
    def scanning(self) -> bool:
        return self._scanning.locked()

    def scan(self) -> None:
        """Ingest new and changed articles of posts_dir; cancel posts of removed ones."""
        if not self.may_scan():
            return  # another daemon scans
        self._again = True
        if not self._scanning.acquire(blocking=False):
            return
        try:
            while self._again and not self.should_stop():
                self._again = False
                self._scan()
        except DatabaseGone:
            pass  # said once, by the daemon; it is stopping
        finally:
            self._scanning.release()

    async def scan_off_loop(self) -> None:
        """A scan in a thread: a big library takes a while, and slots stay on time."""
        await in_thread(self.scan)

    def _scan(self) -> None:
        assert self.store is not None and self.config is not None
        posts_dir = self.config.bot.posts_dir
        if self._stale:
            self._stale = False
            queued = queue_existing(
                self.store, self.config.enabled_channels(), now=self.clock(), root=posts_dir
            )
            if queued.queued or queued.cancelled:
                log_event("library.queued", queued=queued.queued, cancelled=queued.cancelled)
        if not posts_dir.is_dir():
            log_event("library.missing", level=logging.WARNING, posts_dir=str(posts_dir))
            return
        reread, self._reread = self._reread, False
        report = scan_library(
            self.store,
            [posts_dir],
            channels=self.config.enabled_channels(),
            now=self.clock(),
            root=posts_dir,
            prune=True,
            stamps=self._stamps,
            site=self.config.site,
            remember=True,
            reread=reread,
        )
        log_event(
            "library.scanned",
            posts_dir=str(posts_dir),
            new=report.new,
            changed=report.changed,
            unchanged=report.unchanged,
            removed=report.removed,
            failed=len(report.failed),
            queued=report.queued,
        )
