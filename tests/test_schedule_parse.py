"""Reading schedules: posting slots and crontab lines, and the one-line errors users see."""

from __future__ import annotations

from datetime import time

import pytest

from bot.schedule import parse_cron, parse_slot

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
EVERY_DAY = frozenset(range(7))


@pytest.mark.parametrize(
    "text,days,at,canonical",
    [
        ("mon-fri 08:30", {MON, TUE, WED, THU, FRI}, time(8, 30), "mon-fri 08:30"),
        ("sat 10:00", {SAT}, time(10), "sat 10:00"),
        ("daily 12:00", EVERY_DAY, time(12), "daily 12:00"),
        ("mon,wed,fri 18:15", {MON, WED, FRI}, time(18, 15), "mon,wed,fri 18:15"),
        ("mon, wed , fri 18:15", {MON, WED, FRI}, time(18, 15), "mon,wed,fri 18:15"),
        ("weekdays 9:00", {MON, TUE, WED, THU, FRI}, time(9), "mon-fri 09:00"),
        ("weekends 11:00", {SAT, SUN}, time(11), "sat-sun 11:00"),
        ("sun-tue 07:00", {SUN, MON, TUE}, time(7), "sun-tue 07:00"),
        ("fri-mon 22:45", {FRI, SAT, SUN, MON}, time(22, 45), "fri-mon 22:45"),
        ("12:00", EVERY_DAY, time(12), "daily 12:00"),
        ("0:05", EVERY_DAY, time(0, 5), "daily 00:05"),
        ("23:59", EVERY_DAY, time(23, 59), "daily 23:59"),
        ("Monday 08:30", {MON}, time(8, 30), "mon 08:30"),
        ("SATURDAY-sun 10:00", {SAT, SUN}, time(10), "sat-sun 10:00"),
        ("Thu-Tuesday 06:00", {THU, FRI, SAT, SUN, MON, TUE}, time(6), "thu-tue 06:00"),
        ("mon-sun 01:00", EVERY_DAY, time(1), "daily 01:00"),
        ("wed-wed 01:00", {WED}, time(1), "wed 01:00"),
        ("mon weekends 09:30", {MON, SAT, SUN}, time(9, 30), "sat-mon 09:30"),
    ],
)
def test_parse_slot(text, days, at, canonical):
    slot = parse_slot(text)
    assert slot.days == frozenset(days)
    assert slot.at == at
    assert str(slot) == canonical
    assert parse_slot(canonical) == slot


SLOT = '"mon-fri 08:30"'
WRITE = f"write days then HH:MM, e.g. {SLOT}"
CLOCK = f"use HH:MM from 00:00 to 23:59, e.g. {SLOT}"


@pytest.mark.parametrize(
    "text,message",
    [
        ("mon-fry 08:30", f'"mon-fry 08:30": unknown day "fry" (use mon..sun, e.g. {SLOT})'),
        ("mo 08:30", f'"mo 08:30": unknown day "mo" (use mon..sun, e.g. {SLOT})'),
        ("mon-fri", f'"mon-fri": no time at the end ({WRITE})'),
        ("8:30 mon", f'"8:30 mon": no time at the end ({WRITE})'),
        ("", f'"": empty ({WRITE})'),
        ("   ", f'"   ": empty ({WRITE})'),
        ("mon 24:00", f'"mon 24:00": bad time "24:00" ({CLOCK})'),
        ("mon 8:60", f'"mon 8:60": bad time "8:60" ({CLOCK})'),
        ("mon 8:5", f'"mon 8:5": bad time "8:5" ({CLOCK})'),
        ("mon 8:30pm", f'"mon 8:30pm": bad time "8:30pm" ({CLOCK})'),
    ],
)
def test_parse_slot_errors_are_one_line_with_an_example(text, message):
    with pytest.raises(ValueError) as error:
        parse_slot(text)
    assert str(error.value) == message
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "expr,day_of_week,either_day",
    [
        # crontab numbers days from Sunday: 0 and 7 are Sunday, 1 is Monday.
        ("0 9 * * 0", "sun", False),
        ("0 9 * * 7", "sun", False),
        ("0 9 * * 1", "mon", False),
        ("0 9 * * 1-5", "mon,tue,wed,thu,fri", False),
        ("0 9 * * 0,6", "sat,sun", False),
        ("0 9 * * 5-7", "fri,sat,sun", False),
        ("0 9 * * 5-1", "mon,fri,sat,sun", False),  # a range may wrap over Sunday
        ("0 9 * * */2", "tue,thu,sat,sun", False),  # 0,2,4,6 counted from Sunday
        ("0 9 * * 1-7/2", "mon,wed,fri,sun", False),
        ("0 9 * * mon-fri", "mon,tue,wed,thu,fri", False),
        ("0 9 * * SUN,Wed", "wed,sun", False),
        ("0 9 * * *", "*", False),
        ("0 9 13 * 5", "fri", True),  # both restricted: crontab fires on either
        ("0 9 */2 * 5", "fri", False),  # a day field starting with * joins by "and"
    ],
)
def test_parse_cron_days_of_week(expr, day_of_week, either_day):
    spec = parse_cron(expr)
    assert spec.day_of_week == day_of_week
    assert spec.either_day is either_day
    assert str(spec) == expr


def test_parse_cron_keeps_apscheduler_syntax_for_other_fields_and_macros():
    spec = parse_cron("  */15   8-18  1,15  jan-mar  *  ")
    assert (spec.minute, spec.hour, spec.day, spec.month) == ("*/15", "8-18", "1,15", "jan-mar")
    assert str(spec) == "*/15 8-18 1,15 jan-mar *"
    daily = parse_cron("@daily")
    assert (daily.minute, daily.hour, daily.day_of_week) == ("0", "0", "*")
    assert parse_cron("@weekly").day_of_week == "sun"


EXAMPLE = '"30 8 * * mon-fri"'


@pytest.mark.parametrize(
    "expr,message",
    [
        (
            "30 8 * *",
            '"30 8 * *": expected 5 fields (minute hour day-of-month month day-of-week), '
            f"got 4; e.g. {EXAMPLE}",
        ),
        (
            "0 30 8 * * 1",
            '"0 30 8 * * 1": expected 5 fields (minute hour day-of-month month day-of-week), '
            f"got 6; e.g. {EXAMPLE}",
        ),
        ("60 8 * * *", f'"60 8 * * *": bad minute field "60" (use 0-59, e.g. {EXAMPLE})'),
        ("30 25 * * *", f'"30 25 * * *": bad hour field "25" (use 0-23, e.g. {EXAMPLE})'),
        ("0 9 0 * *", f'"0 9 0 * *": bad day-of-month field "0" (use 1-31, e.g. {EXAMPLE})'),
        (
            "0 9 * 13 *",
            f'"0 9 * 13 *": bad month field "13" (use 1-12 or jan-dec, e.g. {EXAMPLE})',
        ),
        (
            "0 9 * * 8",
            '"0 9 * * 8": bad day-of-week field "8" '
            f"(use 0-7 or sun-sat; 0 and 7 are Sunday, e.g. {EXAMPLE})",
        ),
        (
            "0 9 * * mon-fry",
            '"0 9 * * mon-fry": bad day-of-week field "mon-fry" '
            f"(use 0-7 or sun-sat; 0 and 7 are Sunday, e.g. {EXAMPLE})",
        ),
        (
            "0 9 * * */0",
            '"0 9 * * */0": bad day-of-week field "*/0" '
            f"(use 0-7 or sun-sat; 0 and 7 are Sunday, e.g. {EXAMPLE})",
        ),
        ("x 9 * * *", f'"x 9 * * *": bad minute field "x" (use 0-59, e.g. {EXAMPLE})'),
        ("0 0 30 2 *", f'"0 0 30 2 *": no date matches it (e.g. {EXAMPLE})'),
        (
            "",
            '"": expected 5 fields (minute hour day-of-month month day-of-week), '
            f"got 0; e.g. {EXAMPLE}",
        ),
    ],
)
def test_parse_cron_errors_name_the_field(expr, message):
    with pytest.raises(ValueError) as error:
        parse_cron(expr)
    assert str(error.value) == message
    assert "\n" not in str(error.value)
