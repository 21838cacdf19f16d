"""Next fire times: tables of (after, expected next, schedule), DST days included.

Times are written as ISO strings with their UTC offset, and compared as such: two aware
datetimes sharing a tzinfo compare by wall clock with `fold` ignored, so 02:30 CEST and
02:30 CET on the fall-back day would be "equal" as datetime objects.

What plain APScheduler 3.11 does on the same days (measured before writing these tests;
each DST row below fails with it):

- ``CronTrigger(hour=2, minute=30, timezone=Europe/Berlin)`` fires twice on 2026-10-25,
  at 02:30+02:00 and 02:30+01:00; likewise 03:30 in Europe/Helsinki (2026-10-25),
  01:30 in America/New_York (2026-11-01) and 02:30 in Australia/Sydney (2026-04-05).
- On 2026-03-29 it returns the wall time 02:30+01:00, which does not exist in Berlin
  (the instant is 03:30 CEST).
- ``CronTrigger.from_crontab("0 8 * * 0")`` fires on Monday 2026-01-05, not Sunday;
  "... * * 7" is rejected; "0 8 1 * 1" fires only on Tuesdays that are the 1st
  (2026-09-01, 2026-12-01, ...) instead of on the 1st and on every Monday.
- ``CronTrigger(hour=8)`` without a zone fires at 18:15 UTC under TZ=Pacific/Chatham and at
  13:00 UTC under TZ=America/New_York.
"""

from __future__ import annotations

import pickle
import random
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import tzlocal

from bot.schedule import build_trigger, next_fire_times

BERLIN = ZoneInfo("Europe/Berlin")
HELSINKI = ZoneInfo("Europe/Helsinki")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
HOUR = timedelta(hours=1)

# 2026: Thu 1 Jan; Mon 5 Jan. Spring forward: Berlin/Helsinki Sun 29 Mar, New York Sun 8 Mar,
# Sydney Sun 4 Oct. Fall back: Berlin/Helsinki Sun 25 Oct, New York Sun 1 Nov, Sydney Sun 5 Apr.


def next_fire(after: str, **schedule) -> str:
    [fire] = next_fire_times(build_trigger(**schedule), datetime.fromisoformat(after), 1)
    assert fire.tzinfo == schedule["timezone"]
    return fire.isoformat()


CRON_ROWS = [
    # weekday ranges
    ("2026-01-05T08:00:00+01:00", "2026-01-05T08:30:00+01:00", "30 8 * * mon-fri", BERLIN),
    ("2026-01-05T08:30:00+01:00", "2026-01-06T08:30:00+01:00", "30 8 * * mon-fri", BERLIN),
    ("2026-01-09T09:00:00+01:00", "2026-01-12T08:30:00+01:00", "30 8 * * mon-fri", BERLIN),
    # day-of-week numbers as crontab counts them
    ("2026-01-05T10:00:00+01:00", "2026-01-11T09:00:00+01:00", "0 9 * * 0", BERLIN),
    ("2026-01-05T10:00:00+01:00", "2026-01-11T09:00:00+01:00", "0 9 * * 7", BERLIN),
    ("2026-01-05T10:00:00+01:00", "2026-01-12T09:00:00+01:00", "0 9 * * 1", BERLIN),
    ("2026-01-10T10:00:00+01:00", "2026-01-12T09:00:00+01:00", "0 9 * * 1-5", BERLIN),
    ("2026-01-06T10:00:00+01:00", "2026-01-09T09:00:00+01:00", "0 9 * * 5-1", BERLIN),
    ("2026-01-09T10:00:00+01:00", "2026-01-10T09:00:00+01:00", "0 9 * * 5-1", BERLIN),
    ("2026-01-12T10:00:00+01:00", "2026-01-16T09:00:00+01:00", "0 9 * * 5-1", BERLIN),
    ("2026-01-05T10:00:00+01:00", "2026-01-06T09:00:00+01:00", "0 9 * * */2", BERLIN),
    # day-of-month and day-of-week both restricted: either matches (13th or a Friday)
    ("2026-01-10T10:00:00+01:00", "2026-01-13T09:00:00+01:00", "0 9 13 * 5", BERLIN),
    ("2026-01-13T10:00:00+01:00", "2026-01-16T09:00:00+01:00", "0 9 13 * 5", BERLIN),
    ("2026-01-01T00:00:00+01:00", "2026-02-01T00:00:00+01:00", "0 0 1 2 1", BERLIN),
    ("2026-02-01T00:00:00+01:00", "2026-02-02T00:00:00+01:00", "0 0 1 2 1", BERLIN),
    # seconds are never part of a crontab slot
    ("2026-01-05T08:29:59.5+01:00", "2026-01-05T08:30:00+01:00", "30 8 * * *", BERLIN),
    # `after` in another zone than the schedule
    ("2026-01-05T03:00:00+00:00", "2026-01-05T09:00:00+05:30", "0 9 * * mon-fri", KOLKATA),
    ("2026-01-05T03:30:00+00:00", "2026-01-06T09:00:00+05:30", "0 9 * * mon-fri", KOLKATA),
    ("2026-01-05T23:00:00+00:00", "2026-01-06T05:00:00+05:30", "0 5 * * *", KOLKATA),
    # fall back: a repeated wall time fires once, on its first occurrence
    ("2026-10-24T12:00:00+02:00", "2026-10-25T02:30:00+02:00", "30 2 * * *", BERLIN),
    ("2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", "30 2 * * *", BERLIN),
    ("2026-10-25T02:15:00+01:00", "2026-10-26T02:30:00+01:00", "30 2 * * *", BERLIN),
    ("2026-10-25T02:00:00+02:00", "2026-10-25T03:00:00+01:00", "0 * * * *", BERLIN),
    ("2026-10-25T03:30:00+03:00", "2026-10-26T03:30:00+02:00", "30 3 * * *", HELSINKI),
    ("2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00", "30 1 * * *", NEW_YORK),
    ("2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00", "30 2 * * *", SYDNEY),
    # spring forward: a skipped wall time fires once, at the end of the gap
    ("2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00", "30 2 * * *", BERLIN),
    ("2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00", "30 2 * * *", BERLIN),
    ("2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "*/30 * * * *", BERLIN),
    ("2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00", "*/30 * * * *", BERLIN),
    ("2026-03-08T00:00:00-05:00", "2026-03-08T03:00:00-04:00", "30 2 * * *", NEW_YORK),
    ("2026-10-04T00:00:00+10:00", "2026-10-04T03:00:00+11:00", "30 2 * * *", SYDNEY),
    ("2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00", "30 2 * * *", SYDNEY),
    # no DST in Kolkata: 02:30 every day
    ("2026-03-29T00:00:00+05:30", "2026-03-29T02:30:00+05:30", "30 2 * * *", KOLKATA),
]


@pytest.mark.parametrize("after,expected,cron,zone", CRON_ROWS)
def test_cron_next_fire(after, expected, cron, zone):
    assert next_fire(after, cron=cron, timezone=zone) == expected


SLOT_ROWS = [
    ("2026-01-09T09:00:00+01:00", "2026-01-12T08:30:00+01:00", ["mon-fri 08:30"], BERLIN),
    ("2026-01-05T09:00:00+01:00", "2026-01-10T10:00:00+01:00", ["sat 10:00"], BERLIN),
    ("2026-01-05T12:00:00+01:00", "2026-01-06T12:00:00+01:00", ["daily 12:00"], BERLIN),
    ("2026-01-05T11:59:00+01:00", "2026-01-05T12:00:00+01:00", ["12:00"], BERLIN),
    ("2026-01-05T18:15:00+01:00", "2026-01-07T18:15:00+01:00", ["mon,wed,fri 18:15"], BERLIN),
    ("2026-01-09T18:15:00+01:00", "2026-01-12T18:15:00+01:00", ["mon,wed,fri 18:15"], BERLIN),
    ("2026-01-10T08:00:00+01:00", "2026-01-12T09:00:00+01:00", ["weekdays 9:00"], BERLIN),
    ("2026-01-05T08:00:00+01:00", "2026-01-10T11:00:00+01:00", ["weekends 11:00"], BERLIN),
    ("2026-01-10T11:00:00+01:00", "2026-01-11T11:00:00+01:00", ["weekends 11:00"], BERLIN),
    # wrap-around range: Sunday, Monday, Tuesday
    ("2026-01-06T08:00:00+01:00", "2026-01-11T07:00:00+01:00", ["sun-tue 07:00"], BERLIN),
    ("2026-01-11T07:00:00+01:00", "2026-01-12T07:00:00+01:00", ["sun-tue 07:00"], BERLIN),
    ("2026-01-12T07:00:00+01:00", "2026-01-13T07:00:00+01:00", ["sun-tue 07:00"], BERLIN),
    ("2026-01-08T07:00:00+01:00", "2026-01-11T07:00:00+01:00", ["SUN-Tuesday 07:00"], BERLIN),
    # several slots; across midnight
    ("2026-01-05T08:31:00+01:00", "2026-01-05T09:00:00+01:00", ["9:00", "8:30", "12:00"], BERLIN),
    ("2026-01-05T09:00:00+01:00", "2026-01-05T12:00:00+01:00", ["9:00", "8:30", "12:00"], BERLIN),
    ("2026-01-05T23:30:00+01:00", "2026-01-06T00:15:00+01:00", ["mon 23:30", "tue 0:15"], BERLIN),
    ("2026-01-06T00:15:00+01:00", "2026-01-12T23:30:00+01:00", ["mon 23:30", "tue 0:15"], BERLIN),
    ("2026-01-11T23:59:00+01:00", "2026-01-18T23:59:00+01:00", ["sun 23:59"], BERLIN),
    ("2026-01-04T22:59:59+00:00", "2026-01-05T00:00:00+01:00", ["00:00"], BERLIN),
    ("2026-01-04T23:00:00+00:00", "2026-01-06T00:00:00+01:00", ["00:00"], BERLIN),
    ("2026-01-04T18:29:00+00:00", "2026-01-05T00:00:00+05:30", ["mon 00:00"], KOLKATA),
    ("2026-01-04T18:30:00+00:00", "2026-01-12T00:00:00+05:30", ["mon 00:00"], KOLKATA),
    # DST days
    ("2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00", ["daily 02:30"], BERLIN),
    ("2026-03-29T00:00:00+01:00", "2026-03-29T03:00:00+02:00", ["sun 02:30"], BERLIN),
    ("2026-03-29T03:00:00+02:00", "2026-04-05T02:30:00+02:00", ["sun 02:30"], BERLIN),
    ("2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00", ["01:30"], NEW_YORK),
    ("2026-04-05T02:00:00+11:00", "2026-04-05T02:45:00+11:00", ["sun 02:45"], SYDNEY),
    ("2026-04-05T02:45:00+11:00", "2026-04-12T02:45:00+10:00", ["sun 02:45"], SYDNEY),
    ("2026-04-05T02:50:00+10:00", "2026-04-12T02:45:00+10:00", ["sun 02:45"], SYDNEY),
    ("2026-10-04T01:59:00+10:00", "2026-10-04T03:00:00+11:00", ["sun 02:15"], SYDNEY),
]


@pytest.mark.parametrize("after,expected,slots,zone", SLOT_ROWS)
def test_slots_next_fire(after, expected, slots, zone):
    assert next_fire(after, slots=slots, timezone=zone) == expected


EVERY_ROWS = [
    # every 10 s on a grid from `start`: never before it, strictly after `after`
    ("2026-01-05T00:00:05+01:00", "2026-01-05T00:00:10+01:00", timedelta(seconds=10)),
    ("2026-01-05T00:00:10+01:00", "2026-01-05T00:00:20+01:00", timedelta(seconds=10)),
    ("2026-01-05T00:00:19.999999+01:00", "2026-01-05T00:00:20+01:00", timedelta(seconds=10)),
    ("2026-01-04T12:00:00+01:00", "2026-01-05T00:00:00+01:00", timedelta(seconds=10)),
    ("2026-01-04T23:59:59+00:00", "2026-01-05T01:00:00+01:00", timedelta(seconds=10)),
    ("2026-01-05T10:00:00+01:00", "2026-01-05T10:30:00+01:00", timedelta(minutes=90)),
    ("2026-01-08T00:00:00+01:00", "2026-01-12T00:00:00+01:00", timedelta(weeks=1)),
]


@pytest.mark.parametrize("after,expected,every", EVERY_ROWS)
def test_every_next_fire(after, expected, every):
    start = datetime(2026, 1, 5, tzinfo=BERLIN)
    assert next_fire(after, every=every, start=start, timezone=BERLIN) == expected


@pytest.mark.parametrize(
    "after,expected,every,start,zone",
    [
        # elapsed time: the wall clock repeats 02:00 on the fall-back day, the grid does not
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", HOUR, None, BERLIN),
        # 24 hours after 08:00 CET on the spring-forward eve is 09:00 CEST
        (
            "2026-03-28T09:00:00+01:00",
            "2026-03-29T09:00:00+02:00",
            24 * HOUR,
            datetime(2026, 3, 28, 8),
            BERLIN,
        ),
        # the default grid starts at local midnight, 2000-01-01: 6 h fall on 00/06/12/18
        ("2026-01-05T07:00:00+05:30", "2026-01-05T12:00:00+05:30", 6 * HOUR, None, KOLKATA),
        ("2026-01-05T07:00:00+01:00", "2026-01-05T12:00:00+01:00", 6 * HOUR, None, BERLIN),
    ],
)
def test_every_counts_elapsed_time(after, expected, every, start, zone):
    assert next_fire(after, every=every, start=start, timezone=zone) == expected


def iso_list(fires: list[datetime]) -> list[str]:
    return [fire.isoformat() for fire in fires]


def test_daily_slot_fires_once_a_day_across_both_dst_changes():
    trigger = build_trigger(cron="30 2 * * *", timezone=BERLIN)
    autumn = next_fire_times(trigger, datetime(2026, 10, 23, 12, tzinfo=BERLIN), 4)
    assert iso_list(autumn) == [
        "2026-10-24T02:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
        "2026-10-27T02:30:00+01:00",
    ]
    spring = next_fire_times(trigger, datetime(2026, 3, 27, 12, tzinfo=BERLIN), 4)
    assert iso_list(spring) == [
        "2026-03-28T02:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
        "2026-03-31T02:30:00+02:00",
    ]


def test_slots_inside_the_gap_merge_into_one_fire_at_its_end():
    trigger = build_trigger(slots=["02:00", "02:30", "03:00", "03:30"], timezone=BERLIN)
    fires = next_fire_times(trigger, datetime(2026, 3, 29, 1, tzinfo=BERLIN), 3)
    assert iso_list(fires) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-30T02:00:00+02:00",
    ]


def test_half_hourly_cron_on_fall_back_day_fires_each_wall_time_once():
    trigger = build_trigger(cron="*/30 * * * *", timezone=BERLIN)
    fires = next_fire_times(trigger, datetime(2026, 10, 25, 1, tzinfo=BERLIN), 5)
    assert iso_list(fires) == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T03:00:00+01:00",
        "2026-10-25T03:30:00+01:00",
    ]


def test_every_ten_seconds_lists_a_minute():
    start = datetime(2026, 1, 5, 8, tzinfo=KOLKATA)
    trigger = build_trigger(every=timedelta(seconds=10), start=start, timezone=KOLKATA)
    fires = next_fire_times(trigger, start, 6)
    assert [fire - start for fire in fires] == [timedelta(seconds=10 * k) for k in range(1, 7)]


def test_first_fire_for_the_scheduler_includes_now():
    """APScheduler asks with no previous fire when a job is added: a slot at `now` counts."""
    trigger = build_trigger(slots=["mon 08:30"], timezone=BERLIN)
    now = datetime(2026, 1, 5, 8, 30, tzinfo=BERLIN)
    assert trigger.get_next_fire_time(None, now) == now
    later = trigger.get_next_fire_time(now, now)
    assert later is not None
    assert later.isoformat() == "2026-01-12T08:30:00+01:00"


def test_start_holds_back_wall_clock_schedules():
    start = datetime(2026, 1, 7, 12, tzinfo=BERLIN)
    trigger = build_trigger(cron="0 9 * * *", start=start, timezone=BERLIN)
    fires = next_fire_times(trigger, datetime(2026, 1, 5, tzinfo=BERLIN), 2)
    assert iso_list(fires) == ["2026-01-08T09:00:00+01:00", "2026-01-09T09:00:00+01:00"]


def test_next_fire_times_count_and_aware_after():
    trigger = build_trigger(slots=["12:00"], timezone=BERLIN)
    after = datetime(2026, 1, 5, tzinfo=BERLIN)
    assert next_fire_times(trigger, after, 0) == []
    assert len(next_fire_times(trigger, after, 30)) == 30
    with pytest.raises(ValueError, match="time-zone-aware"):
        next_fire_times(trigger, datetime(2026, 1, 5), 1)
    with pytest.raises(ValueError, match="zero or more"):
        next_fire_times(trigger, after, -1)


@pytest.fixture(params=["Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"])
def exotic_local_zone(request, monkeypatch):
    """Run with the machine's zone set to one nobody schedules in (offsets of :45 and :30)."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    tzlocal.reload_localzone()
    yield request.param
    monkeypatch.undo()
    time.tzset()
    tzlocal.reload_localzone()


@pytest.mark.parametrize("after,expected,cron,zone", CRON_ROWS[::4])
def test_results_do_not_depend_on_the_machine_zone(exotic_local_zone, after, expected, cron, zone):
    assert str(tzlocal.get_localzone()) == exotic_local_zone  # the trap is armed
    assert next_fire(after, cron=cron, timezone=zone) == expected
    schedules = [
        {"slots": ["mon-fri 08:30"]},
        {"every": timedelta(hours=5)},
        {"cron": "30 2 * * *", "jitter": timedelta(minutes=10)},
    ]
    for schedule in schedules:
        trigger = build_trigger(**schedule, timezone=BERLIN, rng=random.Random(1))
        fires = next_fire_times(trigger, datetime(2026, 10, 24, tzinfo=UTC), 3)
        assert all(fire.tzinfo == BERLIN for fire in fires)
        assert fires == next_fire_times(
            build_trigger(**schedule, timezone=BERLIN, rng=random.Random(1)),
            datetime(2026, 10, 24, tzinfo=UTC),
            3,
        )


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"timezone": BERLIN}, "exactly one of cron, every or slots; got none"),
        (
            {"cron": "0 9 * * *", "slots": ["09:00"], "timezone": BERLIN},
            "exactly one of cron, every or slots; got cron and slots",
        ),
        ({"cron": "0 9 * * *", "timezone": None}, "timezone must be a zoneinfo.ZoneInfo"),
        ({"cron": "0 9 * * *", "timezone": "Europe/Berlin"}, "timezone must be a zoneinfo"),
        ({"slots": [], "timezone": BERLIN}, "slots must be a non-empty list"),
        ({"slots": "mon 09:00", "timezone": BERLIN}, "slots must be a non-empty list"),
        ({"slots": ["mon 9:7"], "timezone": BERLIN}, 'bad time "9:7"'),
        ({"every": timedelta(0), "timezone": BERLIN}, "every must be a positive duration"),
        ({"every": 60, "timezone": BERLIN}, "every must be a positive duration"),
        (
            {"every": timedelta(1), "jitter": timedelta(-1), "timezone": BERLIN},
            "jitter must be zero or more",
        ),
        ({"cron": "0 9 * *", "timezone": BERLIN}, "expected 5 fields"),
    ],
)
def test_build_trigger_rejects_bad_schedules_in_one_line(kwargs, message):
    with pytest.raises(ValueError, match=message) as error:
        build_trigger(**kwargs)
    assert "\n" not in str(error.value)


def test_timezone_is_required():
    with pytest.raises(TypeError, match="timezone"):
        build_trigger(cron="0 9 * * *")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "schedule,text",
    [
        ({"cron": "30 8 * * 1-5"}, "cron[30 8 * * 1-5] Europe/Berlin"),
        (
            {"slots": ["mon-fri 08:30", "sun-tue 7:00"], "jitter": timedelta(minutes=10)},
            "slots[mon-fri 08:30; sun-tue 07:00] Europe/Berlin, jitter up to 0:10:00",
        ),
        (
            {"every": timedelta(seconds=10), "start": datetime(2026, 1, 5, 8)},
            "every[0:00:10 from 2026-01-05T08:00:00+01:00] Europe/Berlin",
        ),
    ],
)
def test_str_says_what_the_schedule_is(schedule, text):
    assert str(build_trigger(**schedule, timezone=BERLIN)) == text


@pytest.mark.parametrize(
    "schedule",
    [
        {"cron": "0 9 13 * 5", "jitter": timedelta(minutes=5)},
        {"slots": ["sun-tue 07:00"], "jitter": timedelta(minutes=5)},
        {"every": timedelta(minutes=45), "jitter": timedelta(minutes=5)},
    ],
)
def test_triggers_survive_pickling_as_job_stores_do(schedule):
    trigger = build_trigger(**schedule, timezone=SYDNEY)
    copy = pickle.loads(pickle.dumps(trigger))
    after = datetime(2026, 4, 1, tzinfo=UTC)
    assert next_fire_times(copy, after, 10) == next_fire_times(trigger, after, 10)
