"""Durations as users write them: "90s", "10m", "2h", "90d", "1h30m", "1w"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("90d", timedelta(days=90)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        (" 5m ", timedelta(minutes=5)),
        ("0s", timedelta(0)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10x", '"10x" is not a duration (write 90s, 10m, 2h or 90d)'),
        ("", '"" is not a duration (write 90s, 10m, 2h or 90d)'),
        ("m", '"m" is not a duration (write 90s, 10m, 2h or 90d)'),
        ("600", '"600" is not a duration (write "600s" for seconds, "600m" for minutes)'),
        ("1.5h", "combine whole units as 1h30m instead of fractions"),
        ("30m1h", '"30m1h" is not a duration'),
        ("-5m", '"-5m" is not a duration'),
        ("10 minutes", '"10 minutes" is not a duration'),
        ("10M", '"10M" is not a duration'),
        ("99999999999d", "is too long a duration"),
    ],
)
def test_bad_durations_say_what_to_write_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(days=90), "90d"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(weeks=1, seconds=1), "7d1s"),
    ],
)
def test_format_duration_reads_back(value: timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert parse_duration(text) == value
