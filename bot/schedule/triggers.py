"""APScheduler 3.x triggers for the three kinds of schedule: cron, every and slots.

Each trigger owns a fixed set of fire instants, one per *slot* (an un-jittered time the
schedule names), so its answers depend on nothing but its arguments:

- ``get_next_fire_time(None, now)``: the first fire at or after `now`;
- ``get_next_fire_time(previous, now)``: the first fire strictly after `previous` (`now` is
  not needed: the scheduler itself collects missed fires up to `now`).

Jitter delays the fire of each slot independently by a pseudo-random amount in
``[0, min(jitter, time to the next slot))``, drawn from a hash of (seed, slot). So jitter
never accumulates, never reorders or skips slots, and never fires one slot twice; and the
same seed gives the same fire times in `plan`, in the daemon and after a restart.
"""

from __future__ import annotations

import random
from abc import abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.schedule.parse import CronSpec, Slot
from bot.schedule.wallclock import instant_of, wall_time

__all__ = ["CronScheduleTrigger", "EveryTrigger", "ScheduleTrigger", "SlotsTrigger"]

_TICK = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ScheduleTrigger(BaseTrigger):
    """A trigger that fires once per slot, each slot jittered on its own (see module doc).

    `timezone` is the zone fire times are reported in (and, for wall-clock schedules, read
    in); `start` is the earliest instant a slot may have; `seed` keys the jitter, and None
    keys it by the schedule's own description, so that a schedule jitters the same way in
    every process.
    """

    def __init__(
        self, *, timezone: tzinfo, jitter: timedelta, start: datetime | None, seed: str | None
    ) -> None:
        if start is not None and start.utcoffset() is None:
            raise ValueError(f"start must be time-zone-aware; got {start!r}")
        self.timezone = timezone
        self.jitter = jitter
        self.start = None if start is None else start.astimezone(UTC)
        self.seed = seed

    @abstractmethod
    def _first_slot_from(self, instant: datetime) -> datetime | None:
        """The first slot at or after `instant` (both UTC), ignoring `start`; None if none."""

    @abstractmethod
    def _describe(self) -> str:
        """What the schedule says, e.g. "cron[30 8 * * mon-fri]"."""

    def slot_at_or_after(self, instant: datetime) -> datetime | None:
        """The first un-jittered slot at or after `instant` (UTC), or None when none is left."""
        if self.start is not None and instant < self.start:
            instant = self.start
        return self._first_slot_from(instant)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        try:
            if previous_fire_time is None:
                fire = self._first_fire_from(now.astimezone(UTC))
            else:
                fire = self._first_fire_from(previous_fire_time.astimezone(UTC) + _TICK)
            return None if fire is None else fire.astimezone(self.timezone)
        except OverflowError:  # past the year 9999 (every = "100w" a few hundred times)
            return None

    def _first_fire_from(self, instant: datetime) -> datetime | None:
        if not self.jitter:
            return self.slot_at_or_after(instant)
        # A slot fires less than `jitter` after it, so earlier slots cannot fire this late.
        slot = self.slot_at_or_after(instant - self.jitter)
        while slot is not None:
            following = self.slot_at_or_after(slot + _TICK)
            fire = slot + self._delay(slot, following)
            if fire >= instant:
                return fire
            slot = following
        return None

    def _delay(self, slot: datetime, following: datetime | None) -> timedelta:
        window = self.jitter if following is None else min(self.jitter, following - slot)
        seed = str(self) if self.seed is None else self.seed
        fraction = random.Random(f"{seed}|{(slot - _EPOCH) // _TICK}").random()
        return int(fraction * (window // _TICK)) * _TICK

    def __str__(self) -> str:
        zone = getattr(self.timezone, "key", None) or str(self.timezone)
        jitter = f", jitter up to {self.jitter}" if self.jitter else ""
        return f"{self._describe()} {zone}{jitter}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"


class EveryTrigger(ScheduleTrigger):
    """Slots at ``anchor + k * interval`` for k = 0, 1, ...: elapsed time, so an interval of
    24 hours moves by an hour of local time across a DST change."""

    def __init__(
        self,
        interval: timedelta,
        *,
        anchor: datetime,
        timezone: tzinfo,
        jitter: timedelta,
        seed: str | None,
    ) -> None:
        super().__init__(timezone=timezone, jitter=jitter, start=anchor, seed=seed)
        self.interval = interval
        self.anchor = anchor.astimezone(UTC)

    def _first_slot_from(self, instant: datetime) -> datetime:
        steps = max(0, -((self.anchor - instant) // self.interval))  # ceil, in whole µs
        return self.anchor + steps * self.interval

    def _describe(self) -> str:
        return f"every[{self.interval} from {self.anchor.astimezone(self.timezone).isoformat()}]"


class WallClockTrigger(ScheduleTrigger):
    """Slots at local wall-clock times, mapped to instants by `bot.schedule.wallclock`: a time
    repeated at fall-back fires once (first occurrence), a time skipped at spring-forward
    fires once at the end of the gap."""

    @abstractmethod
    def _next_wall_match(self, wall: datetime) -> datetime | None:
        """The first naive wall-clock time the schedule names at or after `wall`."""

    def _first_slot_from(self, instant: datetime) -> datetime | None:
        # Start just before `instant`: wall times inside a gap that ends exactly at
        # `instant` read earlier than its own wall time but name it.
        wall = wall_time(instant - _TICK, self.timezone) + _TICK
        while (match := self._next_wall_match(wall)) is not None:
            slot = instant_of(match, self.timezone)
            if slot >= instant:  # else: a first occurrence before `instant`, in a fold
                return slot
            wall = match + _TICK
        return None


class CronScheduleTrigger(WallClockTrigger):
    """Slots where a crontab line matches the local wall clock (crontab's day numbering)."""

    def __init__(
        self,
        spec: CronSpec,
        *,
        timezone: tzinfo,
        jitter: timedelta,
        start: datetime | None,
        seed: str | None,
    ) -> None:
        super().__init__(timezone=timezone, jitter=jitter, start=start, seed=seed)
        self.spec = spec
        self._matchers: tuple[CronTrigger, ...] = spec.wall_clock_triggers()

    def _next_wall_match(self, wall: datetime) -> datetime | None:
        as_utc = wall.replace(tzinfo=UTC)  # the matchers read UTC as the local wall clock
        matches = [m.get_next_fire_time(None, as_utc) for m in self._matchers]
        found = [match.replace(tzinfo=None) for match in matches if match is not None]
        return min(found, default=None)

    def _describe(self) -> str:
        return f"cron[{self.spec}]"


class SlotsTrigger(WallClockTrigger):
    """Slots at weekly posting times such as "mon-fri 08:30" and "sat 10:00"."""

    def __init__(
        self,
        slots: Sequence[Slot],
        *,
        timezone: tzinfo,
        jitter: timedelta,
        start: datetime | None,
        seed: str | None,
    ) -> None:
        super().__init__(timezone=timezone, jitter=jitter, start=start, seed=seed)
        self.slots = tuple(slots)

    def _next_wall_match(self, wall: datetime) -> datetime:
        return min(slot.next_at_or_after(wall) for slot in self.slots)

    def _describe(self) -> str:
        return f"slots[{'; '.join(map(str, self.slots))}]"
