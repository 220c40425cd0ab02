"""The time span a key of *any* grain denotes, for ranges that cross grains.

``--from 2026-02-01 --to 2026-03-31`` is written in days, but a weekly or monthly asset has no
such keys. A range is therefore also read as a span of time: from the start of its first key's
window to the end of its last key's window, each key read in the grain its form names
(``2026-04-08T02:00`` an hour, ``2026-04-08`` a day, ``2026-W15`` an ISO week, ``2026-04`` a
month) on the asset's own wall clock (its time zone). An asset of another grain selects the
partitions whose whole window lies *inside* that span (see ``docs/partitions.md`` for why
inside, not overlapping).
"""

from __future__ import annotations

import re

from assetflow.define.partitions.grid import Grid
from assetflow.errors import PartitionKeyError

_HOUR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:(\d{2})(?:[+-]\d{2}:\d{2})?")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"\d{4}-W\d{2}")
_MONTH = re.compile(r"\d{4}-\d{2}")
FORMS = "YYYY-MM-DDTHH:MM, YYYY-MM-DD, YYYY-Www or YYYY-MM"


def is_time_key(key: object) -> bool:
    """True if ``key`` has the form of an hourly, daily, weekly or monthly key."""
    return isinstance(key, str) and _grid_of(key, "UTC") is not None


def key_span(key: str, timezone: str) -> tuple[int, int]:
    """``(start, end)`` in µs UTC of the window ``key`` names in its own grain, in ``timezone``."""
    grid = _grid_of(key, timezone)
    if grid is None:
        raise PartitionKeyError(f"partition key {key[:40]!r} is not a time key: expected {FORMS}")
    _, start, end = grid.parse(key)
    return start, end


def _grid_of(key: str, timezone: str) -> Grid | None:
    hour = _HOUR.fullmatch(key)
    if hour:
        return Grid("hour", timezone, minute=int(hour[1]))
    if _DAY.fullmatch(key):
        return Grid("day", timezone)
    if _WEEK.fullmatch(key):
        return Grid("week", timezone)
    if _MONTH.fullmatch(key):
        return Grid("month", timezone)
    return None
