"""Wall-clock slots against a brute-force oracle, on and around every 2026 DST change.

The oracle states the rule without the implementation's shortcuts: a slot at wall time W
fires at the first instant, minute by minute, at which the local clock reads W or later.
That is the first occurrence of a repeated time and the end of the gap for a skipped one.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import build_trigger, next_fire_times
from bot.schedule.parse import DAY_NAMES
from bot.schedule.wallclock import instant_of

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/Berlin",
        "Europe/Helsinki",
        "America/New_York",
        "America/St_Johns",  # -03:30, DST at 02:00
        "Australia/Sydney",
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "Asia/Kolkata",
    )
]
MINUTE = timedelta(minutes=1)


def transitions(zone: ZoneInfo, year: int = 2026) -> list[datetime]:
    """The instants (UTC) in `year` at which `zone` changes its offset."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    while moment.year == year:
        later = moment + timedelta(minutes=30)
        if later.astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset():
            found.append(later)
        moment = later
    return found


TRANSITIONS = {zone: transitions(zone) for zone in ZONES}


def first_instant_reading(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant (UTC, whole minutes) at which the clock in `zone` reads `wall` or later."""
    moment = wall.replace(tzinfo=UTC) - timedelta(hours=15)
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += MINUTE
    return moment


def oracle_next_fire(days: frozenset[int], at: time, zone: ZoneInfo, after: datetime) -> datetime:
    local_day = after.astimezone(zone).date()
    candidates = []
    for offset in range(-1, 9):
        day = local_day + timedelta(days=offset)
        if day.weekday() in days:
            fire = first_instant_reading(datetime.combine(day, at), zone)
            if fire > after:
                candidates.append(fire)
    return min(candidates)


@st.composite
def cases(draw) -> tuple[ZoneInfo, datetime, frozenset[int], time]:
    """A zone, an `after` and a slot; half of them aim at the wall-clock minutes a clock
    change skips or repeats, from the day before it."""
    zone = draw(st.sampled_from(ZONES))
    change = draw(st.sampled_from(TRANSITIONS[zone] or [datetime(2026, 6, 1, tzinfo=UTC)]))
    if draw(st.booleans()):
        wall_before = (change - MINUTE).astimezone(zone).replace(tzinfo=None)
        at = (wall_before + draw(st.integers(-15, 75)) * MINUTE).time()
        after = change - draw(st.integers(1, 26 * 60)) * MINUTE
        days = frozenset(range(7))
    else:
        at = draw(st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59)))
        after = change + draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)) * MINUTE
        days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return zone, after, days, at


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_slot_next_fire_matches_the_oracle(case):
    zone, after, days, at = case
    day_list = ",".join(DAY_NAMES[day] for day in sorted(days))
    trigger = build_trigger(slots=[f"{day_list} {at:%H:%M}"], timezone=zone)
    [fire] = next_fire_times(trigger, after, 1)
    assert fire.astimezone(UTC) == oracle_next_fire(days, at, zone, after)


def test_the_oracle_sees_dst_in_each_zone_that_has_it():
    assert {zone.key: len(found) for zone, found in TRANSITIONS.items()} == {
        "Europe/Berlin": 2,
        "Europe/Helsinki": 2,
        "America/New_York": 2,
        "America/St_Johns": 2,
        "Australia/Sydney": 2,
        "Australia/Lord_Howe": 2,
        "Asia/Kolkata": 0,
    }


@pytest.mark.parametrize(
    "wall,zone,expected",
    [
        # ordinary
        (datetime(2026, 1, 5, 8, 30), "Europe/Berlin", "2026-01-05T07:30:00+00:00"),
        (datetime(2026, 1, 5, 8, 30), "Asia/Kolkata", "2026-01-05T03:00:00+00:00"),
        # repeated: the first occurrence
        (datetime(2026, 10, 25, 2, 30), "Europe/Berlin", "2026-10-25T00:30:00+00:00"),
        (datetime(2026, 11, 1, 1, 59), "America/New_York", "2026-11-01T05:59:00+00:00"),
        (datetime(2026, 4, 5, 1, 45), "Australia/Lord_Howe", "2026-04-04T14:45:00+00:00"),
        # skipped: the end of the gap
        (datetime(2026, 3, 29, 2, 0), "Europe/Berlin", "2026-03-29T01:00:00+00:00"),
        (datetime(2026, 3, 29, 2, 59, 59), "Europe/Berlin", "2026-03-29T01:00:00+00:00"),
        (datetime(2026, 3, 8, 2, 30), "America/New_York", "2026-03-08T07:00:00+00:00"),
        (datetime(2026, 10, 4, 2, 15), "Australia/Lord_Howe", "2026-10-03T15:30:00+00:00"),
        (datetime(2026, 3, 29, 3, 0), "Europe/Berlin", "2026-03-29T01:00:00+00:00"),
    ],
)
def test_instant_of_a_wall_time(wall, zone, expected):
    assert instant_of(wall, ZoneInfo(zone)).isoformat() == expected
