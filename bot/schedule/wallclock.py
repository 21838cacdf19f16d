"""Local wall-clock times and the instants they name, with one rule for each DST anomaly.

A schedule names wall-clock times ("08:30 in Europe/Berlin"). Twice a year a zone with
daylight saving time breaks the one-to-one mapping between wall times and instants:

- fall back: a wall time occurs twice (02:30 on 2026-10-25 in Europe/Berlin, once in CEST,
  once in CET). It names its first occurrence (``fold=0``), so a slot there fires once.
- spring forward: a wall time in the gap never occurs (02:30 on 2026-03-29 in
  Europe/Berlin). It names the end of the gap, the first instant that exists after it
  (03:00 CEST), so a slot there fires once, as soon as the clock allows.

Instants are aware datetimes in UTC; wall times are naive datetimes.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo


def wall_time(instant: datetime, zone: tzinfo) -> datetime:
    """The naive local wall-clock time at `instant` in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def instant_of(wall: datetime, zone: tzinfo) -> datetime:
    """The instant (UTC) a naive wall-clock time names in `zone`, by the rules above."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if wall_time(first, zone) == wall:
        return first  # exists; fold=0 is the first of two occurrences in a fold
    return _gap_end(wall, zone)


def _gap_end(wall: datetime, zone: tzinfo) -> datetime:
    """The first instant after the DST gap `wall` falls in (the transition itself).

    The two readings of a missing wall time (offset before and after the jump) lie on both
    sides of the transition; tz database transitions fall on whole seconds, so a binary
    search over seconds finds it in a dozen steps.
    """
    readings = [wall.replace(tzinfo=zone, fold=fold).timestamp() for fold in (0, 1)]
    before, after = math.floor(min(readings)), math.ceil(max(readings))
    while after - before > 1:
        middle = (before + after) // 2
        if wall_time(datetime.fromtimestamp(middle, UTC), zone) > wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)
