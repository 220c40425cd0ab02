"""Windows in fixed-offset zones come from arithmetic; they must equal the tables' answer."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from assetflow.define.partitions.grid import Grid
from assetflow.define.partitions.zones import fixed_offset_minutes
from assetflow.errors import PartitionKeyError

GRIDS = [
    Grid("day", "UTC"),
    Grid("day", "Etc/GMT+5", hour=6, minute=30),
    Grid("day", "Etc/GMT-14"),
    Grid("hour", "UTC", minute=15),
    Grid("hour", "Etc/GMT-3"),
    Grid("week", "UTC"),
    Grid("week", "Etc/GMT+2", weekday=6, hour=1),
    Grid("month", "UTC"),
    Grid("month", "Etc/GMT-1", day=28, hour=23),
]


def _keys(grid: Grid) -> list[str]:
    """Window starts around a leap day, over years (months), weeks, days or hours."""
    start = grid.floor(datetime(2000, 2, 27, 3, 0))
    return [grid.shift(start, i).strftime(_form(grid)) for i in range(-40, 400, 7)]


def _form(grid: Grid) -> str:
    return "%Y-%m-%dT%H:%M" if grid.unit == "hour" else grid._key_format


def test_fixed_offsets_follow_posix_signs():
    assert fixed_offset_minutes("UTC") == 0
    assert fixed_offset_minutes("Etc/GMT+5") == -300
    assert fixed_offset_minutes("Etc/GMT-14") == 14 * 60
    assert fixed_offset_minutes("Europe/Berlin") is None


@pytest.mark.parametrize("grid", GRIDS, ids=lambda g: f"{g.unit}-{g.timezone}")
def test_arithmetic_windows_equal_the_tables(grid: Grid):
    offset = fixed_offset_minutes(grid.timezone)
    assert offset is not None
    keys = _keys(grid)
    assert len(set(keys)) == len(keys) > 50
    for key in keys:
        assert grid._parse_fixed(key, offset) == grid._parse_tables(key), key
        assert grid.parse(key) == grid._parse_tables(key)


@pytest.mark.parametrize("key", ["2026-02-30", "2026-W54", "2026-13", "not a key"])
def test_bad_keys_still_raise(key: str):
    for grid in (Grid("day", "UTC"), Grid("week", "UTC"), Grid("month", "UTC")):
        with pytest.raises(PartitionKeyError):
            grid.parse(key)


def test_a_key_that_is_not_a_window_start_is_refused_in_a_fixed_zone():
    sunday_weeks = Grid("week", "UTC", weekday=6)
    monday = date(2026, 4, 6).isoformat()
    with pytest.raises(PartitionKeyError, match="Monday"):
        sunday_weeks.parse(monday)
    with pytest.raises(PartitionKeyError):
        Grid("hour", "UTC", minute=15).parse("2026-04-08T02:00")
