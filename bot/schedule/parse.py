"""Reading the schedules users write: posting slots ("mon-fri 08:30") and crontab lines.

Both parsers raise `ValueError` with one line that quotes the input, says what is wrong and
shows a valid example, so the config loader can pass the message on unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger

__all__ = ["CronSpec", "Slot", "parse_cron", "parse_slot"]


# Monday first, as datetime.weekday() counts: index = weekday number.
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = {name: i for names in (DAY_NAMES, FULL_DAY_NAMES) for i, name in enumerate(names)}
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
SLOT_EXAMPLE = '"mon-fri 08:30"'


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly posting time: the weekdays it applies to (0 = Monday) and a wall-clock time."""

    days: frozenset[int]
    at: time

    def __post_init__(self) -> None:
        if not self.days or not self.days <= frozenset(range(7)):
            raise ValueError(f"a slot needs weekdays from 0 (Monday) to 6; got {set(self.days)}")

    def next_at_or_after(self, wall: datetime) -> datetime:
        """The first naive wall-clock time of this slot at or after `wall`."""
        for offset in range(8):
            day = wall.date() + timedelta(days=offset)
            candidate = datetime.combine(day, self.at)
            if day.weekday() in self.days and candidate >= wall:
                return candidate
        raise AssertionError("unreachable: a slot has at least one day a week")

    def __str__(self) -> str:
        return f"{_day_runs(self.days)} {self.at:%H:%M}"


def parse_slot(text: str) -> Slot:
    """Parse "[days] HH:MM": days are names (mon or monday), ranges (mon-fri, sun-tue wraps),
    lists (mon,wed,fri) or daily / weekdays / weekends; no days means every day."""
    words = text.split()
    if not words:
        raise _slot_error(text, f"empty (write days then HH:MM, e.g. {SLOT_EXAMPLE})")
    *day_words, clock = words
    if ":" not in clock:
        raise _slot_error(text, f"no time at the end (write days then HH:MM, e.g. {SLOT_EXAMPLE})")
    at = _parse_clock(text, clock)
    days = _parse_days(text, " ".join(day_words)) if day_words else _DAY_GROUPS["daily"]
    return Slot(days=days, at=at)


def _parse_clock(text: str, clock: str) -> time:
    match = _CLOCK.fullmatch(clock)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise _slot_error(
        text, f'bad time "{clock}" (use HH:MM from 00:00 to 23:59, e.g. {SLOT_EXAMPLE})'
    )


def _parse_days(text: str, spec: str) -> frozenset[int]:
    days: set[int] = set()
    for item in filter(None, re.split(r"[,\s]+", spec.lower())):
        if item in _DAY_GROUPS:
            days |= _DAY_GROUPS[item]
            continue
        first, _, last = item.partition("-")
        start = _weekday(text, first)
        end = _weekday(text, last) if last else start
        days.update(day % 7 for day in range(start, end + 1 + (7 if end < start else 0)))
    return frozenset(days)


def _weekday(text: str, name: str) -> int:
    if name in _WEEKDAY:
        return _WEEKDAY[name]
    raise _slot_error(text, f'unknown day "{name}" (use mon..sun, e.g. {SLOT_EXAMPLE})')


def _slot_error(text: str, problem: str) -> ValueError:
    return ValueError(f'"{text}": {problem}')


def _day_runs(days: frozenset[int]) -> str:
    """Days as short text: "daily", "mon-fri", "mon,wed,fri", "sun-tue"."""
    if len(days) == 7:
        return "daily"
    # Begin at a day whose eve is not in the set, so that a run over Sunday stays whole.
    first = min(day for day in days if (day - 1) % 7 not in days)
    runs: list[list[int]] = []
    for day in sorted(days, key=lambda day: (day - first) % 7):
        if runs and runs[-1][-1] == (day - 1) % 7:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAY_NAMES[run[0]] if len(run) == 1 else f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"
        for run in runs
    )


# --- crontab -----------------------------------------------------------------------------

CRON_EXAMPLE = '"30 8 * * mon-fri"'
_CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_CRON_FIELD_HELP = {
    "minute": ("minute", "0-59"),
    "hour": ("hour", "0-23"),
    "day": ("day-of-month", "1-31"),
    "month": ("month", "1-12 or jan-dec"),
    "day_of_week": ("day-of-week", "0-7 or sun-sat; 0 and 7 are Sunday"),
}
_CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# crontab numbers days from Sunday (0 and 7); APScheduler 3.x numbers them from Monday, so
# numbers are translated to names, which both read alike.
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_CRONTAB_DAY_NUMBER = {name: i for i, name in enumerate(_CRONTAB_DAYS)} | {
    full: (i + 1) % 7 for i, full in enumerate(FULL_DAY_NAMES)
}
_DOW_ITEM = re.compile(r"(\*|[a-z0-9]+)(?:-([a-z0-9]+))?(?:/(\d+))?")


@dataclass(frozen=True, slots=True)
class CronSpec:
    """A validated 5-field crontab line, its fields in APScheduler's notation.

    `day_of_week` holds day names (or "*"), never numbers. `either_day` is crontab's rule
    that when both day-of-month and day-of-week are restricted (neither starts with "*"),
    a day matching either one fires; APScheduler alone would require both.
    """

    text: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str
    either_day: bool

    def wall_clock_triggers(self) -> tuple[CronTrigger, ...]:
        """CronTriggers matching this line's wall-clock times. They run in UTC, which has no
        DST, so their fire times read as naive local times; the caller maps them to
        instants. Two triggers where `either_day` applies: the union is the schedule."""
        common = {"minute": self.minute, "hour": self.hour, "month": self.month}
        if self.either_day:
            return (
                CronTrigger(day=self.day, timezone=UTC, **common),
                CronTrigger(day_of_week=self.day_of_week, timezone=UTC, **common),
            )
        return (CronTrigger(day=self.day, day_of_week=self.day_of_week, timezone=UTC, **common),)

    def __str__(self) -> str:
        return self.text


def parse_cron(expr: str) -> CronSpec:
    """Validate a crontab line ("minute hour day-of-month month day-of-week", or a macro such
    as "@daily") with crontab's meaning: day-of-week 0 and 7 are Sunday, 1 is Monday."""
    text = " ".join(expr.split())
    fields = _CRON_MACROS.get(text.lower(), text).split()
    if len(fields) != 5:
        raise ValueError(
            f'"{text}": expected 5 fields (minute hour day-of-month month day-of-week), '
            f"got {len(fields)}; e.g. {CRON_EXAMPLE}"
        )
    values = dict(zip(_CRON_FIELDS, fields, strict=True))
    values["day_of_week"] = _crontab_weekdays(text, fields[4])
    for name, raw in zip(_CRON_FIELDS, fields, strict=True):
        try:
            CronTrigger(**{name: values[name]}, timezone=UTC)
        except ValueError:
            raise _cron_field_error(text, name, raw) from None
    spec = CronSpec(
        text=text,
        **values,
        either_day=not fields[2].startswith("*") and not fields[4].startswith("*"),
    )
    if _never_fires(spec):
        raise ValueError(f'"{text}": no date matches it (e.g. {CRON_EXAMPLE})')
    return spec


def _crontab_weekdays(text: str, field: str) -> str:
    """A crontab day-of-week field as APScheduler day names; ranges may wrap (fri-mon)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        match = _DOW_ITEM.fullmatch(item)
        if not match or (match[1] == "*" and match[2]):
            raise _cron_field_error(text, "day_of_week", field)
        first, last, step = match.groups()
        if first == "*":
            start, end = 0, 6
        else:
            start = _crontab_day(text, field, first)
            end = _crontab_day(text, field, last) if last else (6 if step else start)
        if end < start:
            end += 7
        if step is not None and int(step) == 0:
            raise _cron_field_error(text, "day_of_week", field)
        days.update(day % 7 for day in range(start, end + 1, int(step or 1)))
    return ",".join(_CRONTAB_DAYS[day] for day in sorted(days, key=lambda day: (day - 1) % 7))


def _crontab_day(text: str, field: str, token: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in _CRONTAB_DAY_NUMBER:
        return _CRONTAB_DAY_NUMBER[token]
    raise _cron_field_error(text, "day_of_week", field)


def _cron_field_error(text: str, name: str, raw: str) -> ValueError:
    label, allowed = _CRON_FIELD_HELP[name]
    return ValueError(f'"{text}": bad {label} field "{raw}" (use {allowed}, e.g. {CRON_EXAMPLE})')


def _never_fires(spec: CronSpec) -> bool:
    """True for lines no date can match, such as "0 0 30 2 *" (30 February)."""
    start = datetime.combine(date(2000, 1, 1), time(), UTC)
    return all(t.get_next_fire_time(None, start) is None for t in spec.wall_clock_triggers())
