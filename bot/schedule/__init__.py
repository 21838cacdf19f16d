"""Schedule maths: when each channel posts, as APScheduler 3.x triggers (pure, no clock).

A channel has one or more schedules; each is exactly one of

- ``cron``: a crontab line, crontab's meaning ("30 8 * * 1-5"; day-of-week 0 and 7 are
  Sunday; when day-of-month and day-of-week are both restricted, either may match);
- ``every``: a fixed elapsed interval on a grid ``start + k * every`` that never drifts
  (default grid start: local midnight, 2000-01-01, in the schedule's zone);
- ``slots``: weekly posting times ("mon-fri 08:30", "sun-tue 07:00", "12:00"),

in an explicit time zone, with an optional jitter. The rules, in one place:

- Wall-clock schedules (cron, slots) fire once per local wall-clock slot: a time repeated
  when clocks fall back fires on its first occurrence only; a time skipped when clocks
  spring forward fires once, at the end of the gap (02:30 -> 03:00 in Europe/Berlin).
  ``every`` counts elapsed time and ignores DST.
- Jitter only delays: each slot fires within ``[slot, slot + jitter)`` and before the next
  slot, drawn independently per slot (never accumulated) from a hash of the seed and the
  slot, so `next_fire_times` shows exactly when the daemon will fire.
- Nothing reads the machine's local zone or the clock; `now` is always passed in.

`build_trigger` makes one trigger per schedule for ``AsyncIOScheduler.add_job(trigger=...)``;
`next_fire_times` lists coming fires (the `plan` command); `combine` merges a channel's
schedules for that listing.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_offset_zone
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger

from bot.schedule.parse import CronSpec, Slot, parse_cron, parse_slot
from bot.schedule.triggers import (
    CronScheduleTrigger,
    EveryTrigger,
    ScheduleTrigger,
    SlotsTrigger,
)
from bot.schedule.wallclock import instant_of

__all__ = [
    "CronSpec",
    "ScheduleTrigger",
    "Slot",
    "build_trigger",
    "combine",
    "next_fire_times",
    "parse_cron",
    "parse_slot",
]

# Where an `every` grid starts when no start is given: fixed, so restarts keep the grid.
DEFAULT_ANCHOR = datetime(2000, 1, 1)


def build_trigger(
    *,
    cron: str | None = None,
    every: timedelta | None = None,
    slots: Sequence[str] | None = None,
    timezone: ZoneInfo,
    jitter: timedelta = timedelta(0),
    start: datetime | None = None,
    rng: random.Random | None = None,
) -> ScheduleTrigger:
    """The APScheduler trigger for one schedule: exactly one of `cron`, `every`, `slots`.

    `timezone` is required (never the machine's zone). `start` is the first instant the
    schedule may fire and, for `every`, the start of its grid; a naive `start` is read as
    wall-clock time in `timezone`. `rng`, if given, seeds the jitter (one draw, here);
    without it the jitter is seeded by the schedule itself. Raises ValueError with one line.
    """
    _check_one_kind(cron=cron, every=every, slots=slots)
    _check_timezone(timezone)
    if not isinstance(jitter, timedelta) or jitter < timedelta(0):
        raise ValueError(f"jitter must be zero or more, e.g. timedelta(minutes=10); got {jitter!r}")
    first = None if start is None else _as_instant(start, timezone)
    seed = None if rng is None else f"{rng.getrandbits(64):016x}"
    if cron is not None:
        spec = parse_cron(cron)
        return CronScheduleTrigger(spec, timezone=timezone, jitter=jitter, start=first, seed=seed)
    if slots is not None:
        parsed = _parse_slots(slots)
        return SlotsTrigger(parsed, timezone=timezone, jitter=jitter, start=first, seed=seed)
    if not isinstance(every, timedelta) or every <= timedelta(0):
        raise ValueError(
            f"every must be a positive duration, e.g. timedelta(hours=4); got {every!r}"
        )
    anchor = first if first is not None else instant_of(DEFAULT_ANCHOR, timezone)
    return EveryTrigger(every, anchor=anchor, timezone=timezone, jitter=jitter, seed=seed)


def next_fire_times(trigger: BaseTrigger, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times of `trigger` strictly after `after`, in order.

    Asks the trigger as APScheduler does: first with no previous fire, then each time with
    the fire it returned last (jitter included). Works for any 3.x trigger; fewer than
    `count` come back only when the trigger runs out.
    """
    if after.utcoffset() is None:
        raise ValueError(f"after must be time-zone-aware, e.g. datetime.now(UTC); got {after!r}")
    if count < 0:
        raise ValueError(f"count must be zero or more; got {count}")
    fires: list[datetime] = []
    previous: datetime | None = None
    while len(fires) < count:
        fire = trigger.get_next_fire_time(previous, previous or after)
        if fire is None:
            break
        # Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock, fold ignored.
        if previous is not None and _utc(fire) <= _utc(previous):
            raise RuntimeError(f"trigger {trigger} went from {previous} back to {fire}")
        if _utc(fire) > _utc(after):
            fires.append(fire)
        previous = fire
    return fires


def combine(triggers: Iterable[BaseTrigger]) -> BaseTrigger:
    """One trigger firing whenever any of a channel's schedules fires (an instant two
    schedules share fires once), for listing a channel's coming slots.

    APScheduler's OrTrigger hands every member the last fire of *any* member as its previous
    fire. Its own triggers read that as their own and lose slots (a CronTrigger whose
    jittered fire falls after another member's fire skips that day). Triggers from
    `build_trigger` answer "first fire after this instant" whoever fired, so they are safe
    in it; any other trigger is refused.
    """
    members = list(triggers)
    if not members:
        raise ValueError("combine needs at least one trigger")
    for member in members:
        if not isinstance(member, ScheduleTrigger):
            raise ValueError(f"combine takes triggers made by build_trigger; got {member!r}")
    return OrTrigger(members)


def _check_one_kind(**kinds: object) -> None:
    given = [name for name, value in kinds.items() if value is not None]
    if len(given) != 1:
        raise ValueError(
            "a schedule needs exactly one of cron, every or slots; "
            f'got {" and ".join(given) or "none"} (e.g. slots=["mon-fri 08:30"])'
        )


def _check_timezone(zone: object) -> None:
    if not isinstance(zone, ZoneInfo | fixed_offset_zone):
        raise ValueError(
            f'timezone must be a zoneinfo.ZoneInfo, e.g. ZoneInfo("Europe/Berlin"); got {zone!r}'
        )


def _parse_slots(slots: object) -> tuple[Slot, ...]:
    if isinstance(slots, str) or not slots:
        raise ValueError(f'slots must be a non-empty list, e.g. ["mon-fri 08:30"]; got {slots!r}')
    return tuple(parse_slot(text) for text in slots)


def _as_instant(moment: datetime, zone: ZoneInfo) -> datetime:
    return instant_of(moment, zone) if moment.utcoffset() is None else _utc(moment)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
