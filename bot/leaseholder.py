"""This daemon's part of the work: all of it on an SQLite file (one daemon, `bot.store.lock`),
its share of the leases on a PostgreSQL database (`bot.store.leases`).

`holds(lease)` answers from memory, for a slot, a scan or a poll about to start: a lease
counts as held until `lease_ttl` after the heartbeat that last renewed it, so a daemon cut
off from the database stops acting before anyone else may take its work over. (Claims
check the lease in the database too: `Store.act_as(..., fenced=True)`.)
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.logs import log_event
from bot.offloop import AsyncStore
from bot.store import Store
from bot.store import leases as stored
from bot.store.leases import ADMIN, CHANNEL, FEED, LIBRARY, Beat

__all__ = ["ADMIN", "CHANNEL", "FEED", "LIBRARY", "LeaseHolder", "default_instance"]


def default_instance() -> str:
    """The host name and the pid: unique among running daemons, new at each start."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_gone(host: str, pid: int) -> bool:
    """Whether `pid` of `host` (this machine only) no longer runs: a daemon of the same
    name that died here, whose lease has not run out yet."""
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class LeaseHolder:
    """Which work this daemon may do. `shared` False (SQLite): all of it, always."""

    def __init__(
        self,
        db: AsyncStore,
        name: str,
        *,
        shared: bool,
        ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.db, self.name, self.shared, self.ttl, self.clock = db, name, shared, ttl, clock
        self.held: frozenset[str] = frozenset()
        self._valid_until: datetime | None = None

    @property
    def every(self) -> timedelta:
        """The heartbeat's interval: a third of lease_ttl, so two beats may fail in a row."""
        return self.ttl / 3

    def holds(self, lease: str) -> bool:
        if not self.shared:
            return True
        return (
            lease in self.held
            and self._valid_until is not None
            and self.clock() < self._valid_until
        )

    def channels(self) -> list[str]:
        return sorted(n.removeprefix(CHANNEL) for n in self.held if n.startswith(CHANNEL))

    def register(self, store: Store) -> None:
        """At start (before any claim): note this daemon; refused when another daemon of
        its name runs elsewhere. Its previous life's sends left `sending` become unknown."""
        store.act_as(self.name, fenced=self.shared)
        if not self.shared:
            return
        now = self.clock()
        store.write_with(
            stored.register,
            self.name,
            host=socket.gethostname(),
            pid=os.getpid(),
            now=now,
            ttl=self.ttl,
            predecessor_gone=_pid_gone,
        )
        for post_id in store.write_with(stored.recover_own, self.name, now=now):
            log_event(
                "post.unknown",
                level=logging.WARNING,
                post=post_id,
                error="interrupted while sending (this daemon stopped mid-send)",
                hint=f"check the channel, then `excerpt-bot resolve {post_id} "
                "--sent` or `--requeue`",
            )

    def beat_now(self, store: Store, wanted: Iterable[str], busy: Iterable[str] = ()) -> Beat:
        """A heartbeat from this thread (at start, before the loop runs the jobs)."""
        started = self.clock()
        beat = store.write_with(
            stored.heartbeat, self.name, wanted=wanted, busy=busy, now=started, ttl=self.ttl
        )
        return self._noted(beat, started)

    async def beat(self, wanted: Iterable[str], busy: Iterable[str] = ()) -> Beat:
        started = self.clock()
        beat = await self.db.call(
            Store.write_with,
            stored.heartbeat,
            self.name,
            wanted=list(wanted),
            busy=list(busy),
            now=started,
            ttl=self.ttl,
        )
        return self._noted(beat, started)

    def _noted(self, beat: Beat, started: datetime) -> Beat:
        self.held = beat.held
        self._valid_until = started + self.ttl
        if beat.acquired:
            log_event(
                "lease.acquired",
                instance=self.name,
                leases=[a.name for a in beat.acquired],
                held=len(beat.held),
                live=len(beat.live),
            )
        if beat.released:
            log_event(
                "lease.released",
                instance=self.name,
                leases=list(beat.released),
                held=len(beat.held),
                live=len(beat.live),
            )
        return beat

    def forget(self, leases: Iterable[str]) -> None:
        """Stop acting on `leases` at once (before handing them back)."""
        self.held = self.held - set(leases)

    async def release_all(self) -> None:
        """A clean stop: every lease handed back at once, for the others' next heartbeat."""
        if not self.shared:
            return
        self.held = frozenset()
        released = await self.db.call(
            Store.write_with, stored.release_all, self.name, now=self.clock()
        )
        log_event("lease.released", instance=self.name, leases=released, held=0, reason="stopping")

    def begin_slot(self, store: Store, channel: str, slot: datetime, now: datetime) -> bool:
        """Note the slot `slot` of `channel` firing at `now`, once (fenced by its lease when
        shared): whether it may go on."""
        return store.write_with(
            stored.begin_slot, self.name, channel, slot=slot, now=now, fenced=self.shared
        )
