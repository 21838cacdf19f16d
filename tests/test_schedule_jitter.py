"""Jitter and combined schedules: fires stay on their slots, in order, once each.

What plain APScheduler 3.11 does here (measured before writing these tests; each test below
fails with it):

- ``IntervalTrigger(hours=1, jitter=600)`` computes each fire from the previous *jittered*
  one: with ``random.seed(1)`` its 48th fire came 3 h 43 min after its grid point.
- ``CronTrigger(minute="*/5", jitter=3600)`` searches for the next slot after the
  previous jittered fire: with ``random.seed(5)`` it fired 40 times in a day, not 288.
- ``OrTrigger([CronTrigger(hour=8, jitter=600), CronTrigger(hour=8, minute=5)])`` hands
  each member the other's fire as "previous": with ``random.seed(3)`` the 08:00 schedule
  did not fire at all on 2026-01-03, its jittered fire having fallen after 08:05.
- ``random.uniform`` is drawn afresh on every call, so `plan` cannot show what the
  daemon will do, and a restart draws new times.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schedule import build_trigger, combine, next_fire_times

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
MINUTE = timedelta(minutes=1)


def test_every_jitter_does_not_accumulate_over_two_days():
    start = datetime(2026, 10, 24, tzinfo=BERLIN)  # the 48 hours include the fall-back night
    hourly = {"every": timedelta(hours=1), "start": start, "jitter": 10 * MINUTE}
    trigger = build_trigger(**hourly, timezone=BERLIN, rng=random.Random(1))
    fires = next_fire_times(trigger, start - MINUTE, 48)
    # In UTC: arithmetic between datetimes sharing a tzinfo is wall-clock arithmetic.
    grid = [start.astimezone(UTC) + timedelta(hours=k) for k in range(48)]
    offsets = [fire.astimezone(UTC) - slot for slot, fire in zip(grid, fires, strict=True)]
    assert all(timedelta(0) <= offset < 10 * MINUTE for offset in offsets)
    assert max(offsets) > 5 * MINUTE > min(offsets)  # it does jitter


def test_jitter_wider_than_the_slots_keeps_every_slot_once_and_in_order():
    trigger = build_trigger(cron="*/5 * * * *", jitter=timedelta(hours=1), timezone=KOLKATA)
    day = datetime(2026, 1, 5, tzinfo=KOLKATA)
    fires = next_fire_times(trigger, day - timedelta(microseconds=1), 288)
    slots = [day + 5 * k * MINUTE for k in range(288)]
    assert all(slot <= fire < slot + 5 * MINUTE for slot, fire in zip(slots, fires, strict=True))


@pytest.mark.parametrize(
    "schedule",
    [{"cron": "30 8 * * *"}, {"slots": ["daily 08:30"]}],
)
def test_daily_jitter_fires_once_a_day_within_the_window_for_months(schedule):
    trigger = build_trigger(**schedule, jitter=20 * MINUTE, timezone=SYDNEY)
    fires = next_fire_times(trigger, datetime(2026, 3, 1, tzinfo=SYDNEY), 240)  # both DST days
    days = [fire.date() for fire in fires]
    assert days == sorted(set(days)) and len(days) == 240
    for fire in fires:
        slot = fire.replace(hour=8, minute=30, second=0, microsecond=0)
        assert timedelta(0) <= fire - slot < 20 * MINUTE


def test_jitter_on_the_fall_back_day_still_fires_the_repeated_slot_once():
    trigger = build_trigger(cron="30 2 * * *", jitter=timedelta(minutes=45), timezone=BERLIN)
    fires = next_fire_times(trigger, datetime(2026, 10, 24, 12, tzinfo=BERLIN), 3)
    assert [fire.date().day for fire in fires] == [25, 26, 27]
    slot = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first 02:30
    assert slot <= fires[0] < slot + timedelta(minutes=45)


def fires_of(rng: random.Random | None) -> list[datetime]:
    trigger = build_trigger(
        slots=["mon-fri 08:30"], jitter=timedelta(minutes=30), timezone=BERLIN, rng=rng
    )
    return next_fire_times(trigger, datetime(2026, 1, 1, tzinfo=BERLIN), 10)


def test_jitter_is_reproducible_from_a_seed_and_varies_between_seeds():
    assert fires_of(random.Random(7)) == fires_of(random.Random(7))
    assert fires_of(random.Random(7)) != fires_of(random.Random(8))
    # No rng: keyed by the schedule itself, so a restarted daemon draws the same times.
    assert fires_of(None) == fires_of(None)


# A clock that starts anywhere must see the same fires as one that ran all along: what
# `plan` lists is what the daemon does, including after a restart inside a jitter window.
SCHEDULES = {
    "slots": {"slots": ["mon-fri 08:30", "sun-tue 02:30"], "jitter": timedelta(minutes=40)},
    "cron": {"cron": "*/20 1-3 * * *", "jitter": timedelta(minutes=30)},
    "every": {"every": timedelta(minutes=50), "jitter": timedelta(hours=2)},
}
FROM = datetime(2026, 4, 1, tzinfo=UTC)  # Sydney falls back on 5 April


@pytest.fixture(scope="module")
def full_runs():
    runs = {}
    for name, schedule in SCHEDULES.items():
        trigger = build_trigger(**schedule, timezone=SYDNEY)
        runs[name] = (trigger, next_fire_times(trigger, FROM, 1000))
    return runs


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(SCHEDULES)),
    offset=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=6)),
)
def test_starting_anywhere_sees_the_same_fires(full_runs, name, offset):
    trigger, run = full_runs[name]
    after = FROM + offset
    expected = [fire for fire in run if fire > after][:5]
    assert next_fire_times(trigger, after, 5) == expected


def test_combined_schedules_list_in_order_and_share_instants_once():
    union = combine(
        [
            build_trigger(slots=["mon-fri 08:30"], timezone=BERLIN),
            build_trigger(cron="0 12 * * *", timezone=BERLIN),
            build_trigger(cron="30 8 * * 1", timezone=BERLIN),  # Mondays 08:30 again
        ]
    )
    fires = next_fire_times(union, datetime(2026, 1, 4, 12, tzinfo=BERLIN), 6)
    assert [fire.strftime("%a %H:%M") for fire in fires] == [
        "Mon 08:30",
        "Mon 12:00",
        "Tue 08:30",
        "Tue 12:00",
        "Wed 08:30",
        "Wed 12:00",
    ]


def test_combined_jittered_schedules_lose_no_slot():
    early = build_trigger(cron="0 8 * * *", jitter=10 * MINUTE, timezone=BERLIN)
    late = build_trigger(cron="5 8 * * *", timezone=BERLIN)
    after = datetime(2026, 1, 1, tzinfo=BERLIN)
    early_fires = next_fire_times(early, after, 30)
    # The case OrTrigger gets wrong: some days the 08:00 slot fires after 08:05.
    assert any(fire.time() > time(8, 5) for fire in early_fires)
    union = next_fire_times(combine([early, late]), after, 60)
    assert union == sorted(early_fires + next_fire_times(late, after, 30))


def test_combine_refuses_apscheduler_triggers_and_nothing():
    with pytest.raises(ValueError, match="made by build_trigger"):
        combine([CronTrigger(hour=8, timezone=UTC)])
    with pytest.raises(ValueError, match="at least one"):
        combine([])
