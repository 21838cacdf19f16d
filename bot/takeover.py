"""Work that comes to the daemon from elsewhere, and what it owes that work.

- From its own previous run, at start: the posts it left `sending` become `unknown`, or go
  back to the queue where the platform's key settles them (an SQLite file); on a shared
  PostgreSQL database the first heartbeat takes this daemon's share of the leases.
- From other daemons (several on one PostgreSQL database): each heartbeat, every third of
  `lease_ttl`, renews this daemon's leases and takes or hands back its share (never work
  under way, `bot.store.leases`); on the channels taken over from a daemon that died, the
  posts it left `sending` are settled the same way — only that daemon's, never a live
  daemon's send in flight.
- Slots missed while the daemon was down, or while a channel was another daemon's: each
  channel skips them or catches up once, per its `missed` policy; a channel handed back
  cleanly (a stop, a newcomer's share) catches up the slot it may have lost in between,
  within `grace`.
- The admin chat runs where the "admin" lease is, and stays there while that daemon lives
  (moving it would cut its long poll).

`Takeover(daemon)` stores the daemon it works for and reads its current config, store and
leases; it decides and settles, and tells the daemon which slots to fire (`Taken`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import UserError
from bot.leaseholder import ADMIN, CHANNEL, FEED, LIBRARY
from bot.logs import log_event
from bot.offloop import in_thread
from bot.schedule.slots import next_slots

if TYPE_CHECKING:
    from bot.daemon import Daemon

MISSED_COUNT_CAP = 1000  # missed slots counted one by one, at most (then "1000+")


@dataclass(frozen=True, slots=True)
class Taken:
    """What a heartbeat brought: the missed slots that fire now (channel, slot time), and
    whether the library scan came to this daemon (scan now)."""

    catch_up: tuple[tuple[str, datetime], ...] = ()
    library: bool = False


class Takeover:
    """Constructing stores the daemon; the daemon calls `recover` at start, `heartbeat` on
    its heartbeat job, and `missed_at_start` once its jobs are about to run."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self._handed_over: set[str] = set()  # channels taken from a clean hand-back at start

    def recover(self) -> None:
        """At start (before the first scan): settle what a previous run left unfinished."""
        d = self.daemon
        assert d.store is not None and d.config is not None and d.leases is not None
        if d.leases.shared:
            beat = d.leases.beat_now(d.store, self.lease_names())
            self._settle_taken([a.name for a in beat.acquired])
            self._handed_over |= {
                a.name.removeprefix(CHANNEL) for a in beat.acquired if a.handed_back
            }
            return
        keyed = self._keyed()
        for post_id in d.store.requeue_interrupted(channels=keyed, now=d.clock()):
            log_event(
                "post.requeued",
                level=logging.WARNING,
                post=post_id,
                reason="interrupted while sending; its key settles it at the next try",
            )
        others = [name for name in d.config.channels if name not in keyed]
        for post_id in d.store.recover_interrupted(channels=others, now=d.clock()):
            log_event(
                "post.unknown",
                level=logging.WARNING,
                post=post_id,
                error="interrupted while sending (the daemon stopped mid-send)",
                hint=f"check the channel, then `excerpt-bot resolve {post_id} "
                "--sent` or `--requeue`",
            )

    def lease_names(self) -> list[str]:
        """Every piece of work there is a lease for: each channel, the library, each feed,
        the admin chat."""
        d = self.daemon
        assert d.config is not None
        return [
            *(CHANNEL + name for name in d.config.enabled_channels()),
            LIBRARY,
            *(FEED + url for url in d.feeds.sources),
            *([ADMIN] if d.admin is not None else []),
        ]

    async def heartbeat(self, busy: list[str]) -> Taken:
        """Renew this daemon's leases, take its share (none of `busy`, work under way, is
        handed back); settle what it took over."""
        d = self.daemon
        assert d.leases is not None
        if d.admin is not None and d.admin.active:
            busy = [*busy, ADMIN]  # moving the chat would cut its long poll: it stays put
        try:
            beat = await d.leases.beat(self.lease_names(), busy)
        except (UserError, OSError) as exc:  # the database out of reach: try next time
            log_event("lease.heartbeat_failed", level=logging.ERROR, error=str(exc))
            await self._admin_follows_lease()  # until the lease runs out
            return Taken()
        await self._admin_follows_lease()
        if not beat.acquired:
            return Taken()
        taken = [a.name for a in beat.acquired]
        await in_thread(self._settle_taken, taken)
        channels = {n.removeprefix(CHANNEL) for n in taken if n.startswith(CHANNEL)}
        handed = {a.name.removeprefix(CHANNEL) for a in beat.acquired if a.handed_back}
        return Taken(self.missed_slots(channels, handed_over=handed), LIBRARY in taken)

    def missed_at_start(self) -> tuple[tuple[str, datetime], ...]:
        """The missed slots that fire as the daemon starts (`missed_slots`)."""
        handed, self._handed_over = self._handed_over, set()
        return self.missed_slots(handed_over=handed)

    def missed_slots(
        self, names: set[str] | None = None, *, handed_over: set[str] = frozenset()
    ) -> tuple[tuple[str, datetime], ...]:
        """Slots that passed while the daemon was down (or, for `names`, while the channel
        was another daemon's): skip them, or catch up once — the (channel, latest missed
        slot) pairs returned, each fired once under that slot's time. A
        channel in `handed_over` came from a daemon that handed it back: its slot within
        grace is caught up."""
        d = self.daemon
        assert d.store is not None and d.config is not None and d.leases is not None
        now = d.clock()
        catch_up = []
        for name, channel in d.config.enabled_channels().items():
            if (names is not None and name not in names) or not d.leases.holds(CHANNEL + name):
                continue
            last = d.store.channel_state(name).last_slot_at
            if last is None:
                continue
            missed = [t for t in next_slots(channel, last, MISSED_COUNT_CAP) if t < now]
            if not missed:
                continue
            # The latest missed slot, searched from within the grace window so that a long
            # downtime of a frequent schedule (beyond the count cap) still finds it.
            recent = [
                t
                for t in next_slots(channel, max(last, now - channel.grace), MISSED_COUNT_CAP)
                if t < now
            ]
            catching = (channel.missed == "catch_up" or name in handed_over) and bool(recent)
            count = f"{MISSED_COUNT_CAP}+" if len(missed) == MISSED_COUNT_CAP else len(missed)
            # Info, not a warning: the gap is the downtime itself, which the operator saw
            # (a warning at every restart would teach them to ignore warnings).
            log_event(
                "slot.missed",
                channel=name,
                missed=count,
                latest=(recent or missed)[-1].isoformat(),
                stopped_since=last.isoformat(),
                action="catch_up" if catching else "skip",
            )
            if catching:
                catch_up.append((name, (recent or missed)[-1]))
        return tuple(catch_up)

    def _keyed(self) -> list[str]:
        """Channels whose posts go out under a key the platform keeps for ever."""
        return [
            name
            for name, policy in self.daemon.policies.items()
            if policy.idempotent and policy.idempotency_window is None
        ]

    def _settle_taken(self, leases: list[str]) -> None:
        """Channels just taken over: the posts a dead daemon left `sending` there are
        settled (unknown, or requeued where their key settles them)."""
        from bot.store.leases import settle_orphans

        d = self.daemon
        assert d.store is not None and d.leases is not None
        channels = [n.removeprefix(CHANNEL) for n in leases if n.startswith(CHANNEL)]
        if not channels:
            return
        unknown, requeued = d.store.write_with(
            settle_orphans, channels, keyed=self._keyed(), now=d.clock(), ttl=d.leases.ttl
        )
        for post_id in requeued:
            log_event(
                "post.requeued",
                level=logging.WARNING,
                post=post_id,
                reason="its daemon died while sending; its key settles it at the next try",
            )
        for post_id in unknown:
            log_event(
                "post.unknown",
                level=logging.WARNING,
                post=post_id,
                error="interrupted while sending (its daemon died mid-send)",
                hint=f"check the channel, then `excerpt-bot resolve {post_id} "
                "--sent` or `--requeue`",
            )

    async def _admin_follows_lease(self) -> None:
        """The admin chat runs here while this daemon holds the admin lease."""
        d = self.daemon
        if d.admin is None or d.stopping:
            return
        if d.leases.holds(ADMIN) and not d.admin.active:
            await d.admin.take_over()
        elif not d.leases.holds(ADMIN) and d.admin.active:
            await d.admin.stand_down()
