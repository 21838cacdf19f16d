"""Durations as users write them in the config and on the command line: "90s", "10m", "1h30m".

A duration is one or more whole numbers, each followed by a unit, largest unit first:
`w` (weeks), `d` (days), `h` (hours), `m` (minutes), `s` (seconds). Spaces between the
parts are allowed ("1h 30m"). Zero ("0s") parses; fields that need a positive duration
reject it themselves.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["DURATION_HINT", "format_duration", "parse_duration"]

DURATION_HINT = "write 90s, 10m, 2h or 90d"

_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}

_DURATION = re.compile(
    r"""
    (?:(?P<w>\d+)\s*w\s*)?
    (?:(?P<d>\d+)\s*d\s*)?
    (?:(?P<h>\d+)\s*h\s*)?
    (?:(?P<m>\d+)\s*m\s*)?
    (?:(?P<s>\d+)\s*s\s*)?
    """,
    re.VERBOSE,
)

# Far beyond any schedule, and well inside what timedelta can hold.
_MAX_SECONDS = 100 * 365 * 86_400


def parse_duration(text: str) -> timedelta:
    """Parse "90s", "10m", "2h", "90d", "1w" or a combination such as "1h30m".

    Raises ValueError with a one-line message that quotes the text and says what to write.
    """
    stripped = text.strip()
    match = _DURATION.fullmatch(stripped)
    if not stripped or match is None or not any(match.groupdict().values()):
        raise ValueError(f"{_quote(text)} is not a duration ({_hint_for(stripped)})")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for unit, n in match.groupdict().items() if n)
    if seconds > _MAX_SECONDS:
        raise ValueError(f"{_quote(text)} is too long a duration (write at most 100 years)")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest form `parse_duration` reads back: 90s -> "1m30s", 90 days -> "90d"."""
    seconds = round(value.total_seconds())
    if seconds == 0:
        return "0s"
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    parts = []
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)


def _hint_for(text: str) -> str:
    if re.fullmatch(r"\d+", text):
        return f'write "{text}s" for seconds, "{text}m" for minutes'
    if re.fullmatch(r"\d+\.\d+\s*[wdhms]", text):
        return f"{DURATION_HINT}; combine whole units as 1h30m instead of fractions"
    return DURATION_HINT


def _quote(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
