"""TimeWindowPartitions: what hourly, daily, weekly and monthly definitions share.

A definition is a :class:`Grid` (grain, time zone, offsets) plus a first key, an optional last
key and ``end_offset``. A window is *due* once it has closed; ``end_offset=n`` makes the ``n``
windows after the last closed one due as well (``1``: the current, still open window).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any, ClassVar

import numpy as np
import polars as pl

from assetflow.define.partitions.base import PartitionsDefinition
from assetflow.define.partitions.cron import CronOffsets, parse_cron, to_cron
from assetflow.define.partitions.grid import WEEKDAYS, Grid, Unit, WindowTable
from assetflow.define.partitions.span import is_time_key, key_span
from assetflow.define.partitions.zones import (
    check_timezone,
    instants_to_walls,
    to_datetime,
    to_instant,
    walls_to_instants,
)
from assetflow.errors import DefinitionError, PartitionKeyError

_NAIVE_EPOCH = datetime(1970, 1, 1)


def naive_utc(instant: int) -> datetime:
    """The naive UTC wall time of an instant (for choosing table spans)."""
    return _NAIVE_EPOCH + timedelta(microseconds=int(instant))


class TimeWindowPartitions(PartitionsDefinition):
    """Base of the time partitions definitions; subclasses are frozen dataclasses.

    Subclasses declare ``start``, ``end``, ``timezone``, ``end_offset``, ``cron`` and the offsets
    that apply to their grain; ``__post_init__`` validates and normalizes them so that two
    definitions of the same windows compare equal however they were spelled.
    """

    unit: ClassVar[Unit]
    start: Any
    end: Any
    timezone: str
    end_offset: int
    cron: str | None

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_timezone(self.timezone)
        if not isinstance(self.end_offset, int) or isinstance(self.end_offset, bool):
            raise DefinitionError(f"{owner} end_offset must be an integer, got {self.end_offset!r}")
        offsets = self._offsets(owner)
        if self.cron is not None:
            explicit = parse_cron(self.cron, self.unit, owner)
            if offsets != CronOffsets() and offsets != explicit:
                raise DefinitionError(
                    f"{owner}: give either cron= or the *_offset arguments, not both"
                )
            offsets = explicit
        object.__setattr__(self, "cron", to_cron(self.unit, offsets))
        for name, value in self._offset_fields(offsets).items():
            object.__setattr__(self, name, value)
        grid = Grid(
            self.unit,
            self.timezone,
            minute=offsets.minute,
            hour=offsets.hour,
            weekday=offsets.weekday,
            day=offsets.day,
        )
        object.__setattr__(self, "start", self._resolve(grid, self.start, "start"))
        if self.end is not None:
            object.__setattr__(self, "end", self._resolve(grid, self.end, "end"))
            if grid.parse(self.end)[1] < grid.parse(self.start)[1]:
                raise DefinitionError(f"{owner} end {self.end} is before start {self.start}")

    # -- construction helpers -----------------------------------------------------------------

    def _offsets(self, owner: str) -> CronOffsets:
        """The offsets given as arguments, validated (subclasses pass their own fields)."""
        minute = getattr(self, "minute_offset", 0)
        hour = getattr(self, "hour_offset", 0)
        day_offset = getattr(self, "day_offset", 0)
        limits = {"minute_offset": (minute, 59), "hour_offset": (hour, 23)}
        if self.unit == "week":
            limits["day_offset"] = (day_offset, 6)
        if self.unit == "month":
            limits["day_offset"] = (day_offset, 27)
        for name, (value, top) in limits.items():
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
                raise DefinitionError(f"{owner} {name} must be an integer 0..{top}, got {value!r}")
        return CronOffsets(
            minute=minute,
            hour=hour,
            weekday=day_offset if self.unit == "week" else 0,
            day=day_offset + 1 if self.unit == "month" else 1,
        )

    def _offset_fields(self, offsets: CronOffsets) -> dict[str, int]:
        fields = {"minute_offset": offsets.minute}
        if self.unit != "hour":
            fields["hour_offset"] = offsets.hour
        if self.unit == "week":
            fields["day_offset"] = offsets.weekday
        if self.unit == "month":
            fields["day_offset"] = offsets.day - 1
        return fields

    def _resolve(self, grid: Grid, value: Any, what: str) -> str:
        """A start/end given as a key, a date or a datetime -> the canonical key it denotes.

        A key is taken as is. Otherwise ``start`` is the first window starting at or after the
        given local time, and ``end`` the window containing it.
        """
        owner = type(self).__name__
        if isinstance(value, date) and not isinstance(value, datetime) and self.unit == "day":
            value = value.isoformat()
        if isinstance(value, str) and grid.looks_like_key(value):
            try:
                return grid.parse(value)[0]
            except PartitionKeyError as exc:
                if not (self.unit == "week" and _is_date(value)):
                    raise DefinitionError(f"{owner} {what}: {exc}") from None
        if isinstance(value, datetime):
            wall = value.replace(tzinfo=None) if value.tzinfo is None else None
            if wall is None:
                instant = to_instant(value)
                wall = instants_to_walls(np.array([instant]), self.timezone)[0]
        elif isinstance(value, date):
            wall = datetime.combine(value, datetime.min.time())
        else:
            try:
                wall = datetime.fromisoformat(str(value))
            except ValueError:
                raise DefinitionError(
                    f"{owner} {what}={value!r} is neither a {grid.name} key nor a date: "
                    f"expected {grid.form}"
                ) from None
            if wall.tzinfo is not None:
                return self._resolve(grid, wall, what)
        instant = int(walls_to_instants(pl.Series([wall]), self.timezone)[0])
        table = grid.table(wall, grid.shift(wall, 1))
        row = (
            int(np.searchsorted(table.starts, instant))
            if what == "start"
            else table.row_containing(instant)
        )
        if row is None or row >= len(table):
            raise DefinitionError(f"{owner} {what}={value!r} is outside the supported range")
        return table.keys[row]

    # -- the grid and the definition's bounds -------------------------------------------------

    @cached_property
    def grid(self) -> Grid:
        """The grain, time zone and offsets of the windows."""
        return Grid(
            self.unit,
            self.timezone,
            minute=self.minute_offset,  # type: ignore[attr-defined]
            hour=getattr(self, "hour_offset", 0),
            weekday=getattr(self, "day_offset", 0) if self.unit == "week" else 0,
            day=getattr(self, "day_offset", 0) + 1 if self.unit == "month" else 1,
        )

    @cached_property
    def first_start(self) -> int:
        """Start (µs, UTC) of the first window."""
        return self.grid.parse(self.start)[1]

    @cached_property
    def last_start(self) -> int | None:
        """Start (µs, UTC) of the last window, or None when open-ended."""
        return None if self.end is None else self.grid.parse(self.end)[1]

    def table_between(self, lo: int, hi: int) -> WindowTable:
        """Grid windows (inside or outside this definition) covering instants ``lo`` .. ``hi``."""
        day = timedelta(days=1)
        return self.grid.table(naive_utc(lo) - day, naive_utc(hi) + day)

    def in_range(self, starts: np.ndarray) -> np.ndarray:
        """Boolean mask: which window starts lie inside ``start`` .. ``end``."""
        mask = starts >= self.first_start
        if self.last_start is not None:
            mask &= starts <= self.last_start
        return mask

    # -- PartitionsDefinition ------------------------------------------------------------------

    def parse_key(self, key: str) -> str:
        return self.grid.parse(key)[0]

    def looks_like_key(self, key: str) -> bool:
        return self.grid.looks_like_key(key)

    def due_table(self, as_of: datetime) -> WindowTable:
        """The due windows at ``as_of`` as columns (keys, starts, ends); cached."""
        return _due_table(self, to_instant(as_of))

    def due_series(self, as_of: datetime) -> pl.Series:
        return self.due_table(as_of).keys

    def check_key(self, key: str, as_of: datetime) -> str:
        canonical, start, _ = self.grid.parse(key)
        if start < self.first_start:
            raise PartitionKeyError(
                f"partition {canonical} is before the first partition {self.start}; "
                f"use a key from {self.start} on"
            )
        if self.last_start is not None and start > self.last_start:
            raise PartitionKeyError(
                f"partition {canonical} is after the last partition {self.end}; "
                f"use a key up to {self.end}"
            )
        due = self.due_table(as_of)
        if not len(due) or start > due.starts[-1]:
            table = self.table_between(start, start)
            row = table.row_starting(start)
            assert row is not None
            closes = table.ends[max(row - self.end_offset, 0)] if self.end_offset >= 0 else None
            when = self._local(int(closes)) if closes is not None else "later (negative end_offset)"
            raise PartitionKeyError(
                f"partition {canonical} is not due yet: it becomes due at {when}; "
                f"pick an earlier {self.unit}"
            )
        return canonical

    def accepts_range(self, first: str, last: str) -> bool:
        return all(self.looks_like_key(k) or is_time_key(k) for k in (first, last))

    def select(
        self,
        as_of: datetime,
        keys: Sequence[str] | None = None,
        key_range: tuple[str, str] | None = None,
    ) -> list[str]:
        """As :meth:`PartitionsDefinition.select`; a range in another grain's keys selects the
        due partitions whose window lies inside it (:meth:`keys_inside`)."""
        if key_range is None or all(self._is_own_key(k) for k in key_range):
            return super().select(as_of, keys, key_range)
        chosen = super().select(as_of, keys, None) + self.keys_inside(*key_range, as_of)
        return list(dict.fromkeys(chosen))

    def _is_own_key(self, key: str) -> bool:
        try:
            self.parse_key(key)
        except PartitionKeyError:
            return False
        return True

    def keys_inside(self, first: str, last: str, as_of: datetime) -> list[str]:
        """Due keys whose whole window lies between the start of ``first``'s window and the end
        of ``last``'s, each read in the grain its form names (``define/partitions/span.py``)."""
        lo, hi = key_span(first, self.timezone)[0], key_span(last, self.timezone)[1]
        if lo >= hi:
            raise PartitionKeyError(
                f"partition range {first} .. {last} is empty: {first} comes after {last}; "
                "swap --from/--to"
            )
        due = self.due_table(as_of)
        inside = (due.starts >= lo) & (due.ends <= hi)
        return due.keys.filter(pl.Series(inside)).to_list()

    def keys_between(self, first: str, last: str, as_of: datetime) -> list[str]:
        lo, hi = self.check_key(first, as_of), self.check_key(last, as_of)
        due = self.due_table(as_of)
        i = int(np.searchsorted(due.starts, self.grid.parse(lo)[1]))
        j = int(np.searchsorted(due.starts, self.grid.parse(hi)[1]))
        if i > j:
            raise PartitionKeyError(
                f"partition range {lo} .. {hi} is empty: {lo} comes after {hi}; swap --from/--to"
            )
        return due.keys.slice(i, j - i + 1).to_list()

    def window(self, key: str) -> tuple[datetime, datetime]:
        _, start, end = self.grid.parse(key)
        return to_datetime(start), to_datetime(end)

    def partition_at(self, moment: datetime) -> str | None:
        """The key of the window containing ``moment``, or None outside the definition."""
        instant = to_instant(moment)
        table = self.table_between(instant, instant)
        row = table.row_containing(instant)
        if row is None or not self.in_range(table.starts[row : row + 1])[0]:
            return None
        return table.keys[row]

    def describe(self) -> str:
        grid = self.grid
        at = f"{grid.hour:02d}:{grid.minute:02d}"
        detail = {
            "hour": f" at :{grid.minute:02d}" if grid.minute else "",
            "day": f" at {at}" if at != "00:00" else "",
            "week": f" starting {WEEKDAYS[grid.weekday]}" + (f" {at}" if at != "00:00" else ""),
            "month": (f" starting day {grid.day}" if grid.day != 1 else "")
            + (f" {at}" if at != "00:00" else ""),
        }[self.unit]
        end = f" to {self.end}" if self.end is not None else ""
        early = f", end_offset={self.end_offset}" if self.end_offset else ""
        return f"{grid.name}{detail} from {self.start}{end} ({self.timezone}{early})"

    def _local(self, instant: int) -> str:
        wall = instants_to_walls(np.array([instant]), self.timezone)[0]
        return f"{wall:%Y-%m-%d %H:%M} {self.timezone}"


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=256)
def _due_table(definition: TimeWindowPartitions, as_of: int) -> WindowTable:
    grid = definition.grid
    first = definition.first_start
    if as_of <= first and definition.end_offset <= 0:
        none = np.array([], dtype=np.int64)
        return WindowTable(pl.Series("partition", [], dtype=pl.String), none, none)
    day = timedelta(days=1)
    horizon = grid.shift(grid.floor(naive_utc(as_of) + day), max(definition.end_offset, 0) + 3)
    if definition.last_start is not None:
        horizon = min(horizon, naive_utc(definition.last_start) + day)
    table = grid.table(naive_utc(first) - timedelta(days=1), max(horizon, naive_utc(first)))
    lo = int(np.searchsorted(table.starts, first))
    hi = len(table)
    if definition.last_start is not None:
        hi = int(np.searchsorted(table.starts, definition.last_start, side="right"))
    closed = int(np.searchsorted(table.ends, as_of, side="right"))
    due = table.slice(lo, min(closed + definition.end_offset, hi))
    return WindowTable(due.keys.rename("partition"), due.starts, due.ends)
