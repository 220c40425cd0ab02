"""The regular windows of one time grain in one time zone, and their canonical keys.

A :class:`Grid` says where windows start on the local wall clock (every hour at minute M; every
day at H:M; every week on weekday D at H:M; every month on day N at H:M). :meth:`Grid.table`
turns a span of wall time into a :class:`WindowTable`: keys, UTC starts and UTC ends as columns.
Everything else (due keys, ranges, mappings) is index arithmetic and ``searchsorted`` on those
columns, never a Python loop over keys.

Boundaries are exact across daylight-saving changes (see :mod:`.zones`): a day, week or month
starts at the *first* instant its wall clock shows the start time (or, if the clocks skip that
time, at the jump). An hourly grid has a boundary at *every* instant the wall clock shows minute
M, so the repeated hour when clocks go back is two windows, and a skipped hour is none.

Canonical keys (one form per grain; they sort in time order as plain strings):

==========  =========================  ===============================================
grain       key                        notes
==========  =========================  ===============================================
hourly      ``2026-04-08T02:00``       local wall time the window starts at; the second
                                       of two equal wall times (clocks went back) gets
                                       its UTC offset: ``2026-10-25T02:00+01:00``
daily       ``2026-04-08``             local date the window starts on
weekly      ``2026-W15``               ISO week, when weeks start on Monday; otherwise
                                       the local date the week starts on (``2026-04-05``)
monthly     ``2026-04``                year and month the window starts in
==========  =========================  ===============================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Literal

import numpy as np
import polars as pl

from assetflow.define.partitions.zones import (
    fixed_offset_minutes,
    instants_to_walls,
    utc_offsets_minutes,
    walls_to_instants,
)
from assetflow.errors import PartitionKeyError

Unit = Literal["hour", "day", "week", "month"]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MARGIN = 3  # grid steps generated beyond a span, so folds at its edges are complete
_MIN_WALL = datetime(1800, 1, 1)
_MAX_WALL = datetime(9000, 1, 1)
_MIN_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)

_HOUR_KEY = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?:([+-])(\d{2}):(\d{2}))?")
_DAY_KEY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK_KEY = re.compile(r"(\d{4})-W(\d{2})")
_MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, eq=False)
class WindowTable:
    """Consecutive windows as columns: ``keys[i]`` covers ``[starts[i], ends[i])`` (µs, UTC)."""

    keys: pl.Series
    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def slice(self, lo: int, hi: int) -> WindowTable:
        lo, hi = max(lo, 0), max(min(hi, len(self)), max(lo, 0))
        return WindowTable(self.keys.slice(lo, hi - lo), self.starts[lo:hi], self.ends[lo:hi])

    @cached_property
    def frame(self) -> pl.DataFrame:
        """``partition`` (key) and ``_pos`` (row) for joining keys to positions."""
        return pl.DataFrame({"partition": self.keys, "_pos": np.arange(len(self), dtype=np.int64)})

    def row_starting(self, instant: int) -> int | None:
        """The row whose window starts exactly at ``instant``, if any."""
        i = int(np.searchsorted(self.starts, instant))
        return i if i < len(self) and self.starts[i] == instant else None

    def row_containing(self, instant: int) -> int | None:
        """The row whose window contains ``instant``, if any."""
        i = int(np.searchsorted(self.starts, instant, side="right")) - 1
        return i if i >= 0 and instant < self.ends[i] else None


@dataclass(frozen=True)
class Grid:
    """Where windows of one grain start on the wall clock of one time zone."""

    unit: Unit
    timezone: str
    minute: int = 0
    hour: int = 0
    weekday: int = 0
    """Weeks: 0 = Monday ... 6 = Sunday."""
    day: int = 1
    """Months: day of the month (1-28) the window starts on."""

    # -- naive wall-clock arithmetic ----------------------------------------------------------

    def floor(self, wall: datetime) -> datetime:
        """The latest scheduled wall time at or before ``wall``."""
        wall = min(max(wall, _MIN_WALL), _MAX_WALL)
        at = time(self.hour, self.minute)
        if self.unit == "hour":
            start = wall.replace(minute=self.minute, second=0, microsecond=0)
        elif self.unit == "day":
            start = datetime.combine(wall.date(), at)
        elif self.unit == "week":
            back = (wall.weekday() - self.weekday) % 7
            start = datetime.combine(wall.date() - timedelta(days=back), at)
        else:
            start = datetime.combine(date(wall.year, wall.month, self.day), at)
        return start if start <= wall else self.shift(start, -1)

    def shift(self, wall: datetime, n: int) -> datetime:
        """``wall`` moved by ``n`` grid steps on the wall clock."""
        if self.unit == "hour":
            return wall + timedelta(hours=n)
        if self.unit == "day":
            return wall + timedelta(days=n)
        if self.unit == "week":
            return wall + timedelta(days=7 * n)
        months = wall.year * 12 + wall.month - 1 + n
        # Scheduled walls fall on day 1-28; other walls only widen spans, so clamping is safe.
        return wall.replace(year=months // 12, month=months % 12 + 1, day=min(wall.day, 28))

    def walls(self, lo: datetime, hi: datetime) -> pl.Series:
        """Scheduled wall times from ``floor(lo)`` through ``hi``."""
        every = {"hour": "1h", "day": "1d", "week": "1w", "month": "1mo"}[self.unit]
        return pl.datetime_range(self.floor(lo), hi, every, eager=True, time_unit="us")

    # -- tables -------------------------------------------------------------------------------

    def table(self, lo: datetime, hi: datetime) -> WindowTable:
        """Every window whose scheduled start lies in ``[lo, hi]`` (and a few around it).

        Spans are widened to whole months (hourly) or years so repeated calls share a cache.
        """
        return _table(self, _bucket(self.unit, lo, up=False), _bucket(self.unit, hi, up=True))

    def _build(self, lo: datetime, hi: datetime) -> WindowTable:
        walls = self.walls(self.shift(self.floor(lo), -_MARGIN), self.shift(hi, _MARGIN))
        first = walls_to_instants(walls, self.timezone, "earliest")
        if self.unit != "hour":
            starts, ends = first[:-1], first[1:]
            keys = walls.slice(0, len(walls) - 1).dt.strftime(self._key_format)
            real = starts < ends  # a date the zone skipped entirely (Samoa, 2011-12-30) has none
            if not real.all():
                return WindowTable(keys.filter(pl.Series(real)), starts[real], ends[real])
            return WindowTable(keys, starts, ends)
        bounds = np.unique(
            np.concatenate([first, walls_to_instants(walls, self.timezone, "latest")])
        )
        inside = bounds[(bounds >= first[_MARGIN]) & (bounds <= first[-_MARGIN - 1])]
        starts, ends = inside[:-1], inside[1:]
        return WindowTable(self._hour_keys(starts), starts, ends)

    def _hour_keys(self, starts: np.ndarray) -> pl.Series:
        local = instants_to_walls(starts, self.timezone)
        keys = local.dt.strftime("%Y-%m-%dT%H:%M")
        second = walls_to_instants(local, self.timezone, "earliest") != starts
        if not second.any():
            return keys
        values = keys.to_list()
        offsets = utc_offsets_minutes(starts[second], self.timezone)
        for i, off in zip(np.flatnonzero(second), offsets, strict=True):
            values[i] += format_offset(int(off))
        return pl.Series(values, dtype=pl.String)

    @property
    def _key_format(self) -> str:
        if self.unit == "month":
            return "%Y-%m"
        if self.unit == "week" and self.weekday == 0:
            return "%G-W%V"
        return "%Y-%m-%d"

    # -- keys ---------------------------------------------------------------------------------

    @property
    def form(self) -> str:
        """The key form and an example, for error messages."""
        if self.unit == "hour":
            return f"YYYY-MM-DDTHH:MM, e.g. 2026-04-08T02:{self.minute:02d}"
        if self.unit == "day":
            return "YYYY-MM-DD, e.g. 2026-04-08"
        if self.unit == "week":
            if self.weekday == 0:
                return "YYYY-Www (ISO week), e.g. 2026-W15"
            example = date(2026, 4, 6) + timedelta(days=self.weekday - 7)
            return f"YYYY-MM-DD of a {WEEKDAYS[self.weekday]}, e.g. {example.isoformat()}"
        return "YYYY-MM, e.g. 2026-04"

    @property
    def name(self) -> str:
        return {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}[self.unit]

    def looks_like_key(self, key: object) -> bool:
        """True if ``key`` has this grid's key shape (it may still not exist)."""
        if not isinstance(key, str):
            return False
        if self.unit == "hour":
            return _HOUR_KEY.fullmatch(key) is not None
        if self.unit == "month":
            return _MONTH_KEY.fullmatch(key) is not None
        if self.unit == "week" and self.weekday == 0:
            return _WEEK_KEY.fullmatch(key) is not None
        return _DAY_KEY.fullmatch(key) is not None

    def parse(self, key: str) -> tuple[str, int, int]:
        """``(canonical key, start µs, end µs)`` of ``key``, or PartitionKeyError.

        Answers are cached per grid and key: every task asks for its partition's window.
        """
        return _parse(self, key)

    def _parse_fixed(self, key: str, offset: int) -> tuple[str, int, int] | None:
        """:meth:`parse` by arithmetic in a zone whose UTC offset never changes (``offset``
        minutes), or None to leave the key (unusual, or not a window start) to the tables."""
        wall, given = self._wall(key)
        if given is not None or not _MIN_WALL <= wall <= _MAX_WALL or self.floor(wall) != wall:
            return None
        form = "%Y-%m-%dT%H:%M" if self.unit == "hour" else self._key_format
        if wall.strftime(form) != key:
            return None
        shift = offset * 60_000_000
        start = (wall - _MIN_EPOCH) // _US - shift
        return key, start, (self.shift(wall, 1) - _MIN_EPOCH) // _US - shift

    def _parse_tables(self, key: str) -> tuple[str, int, int]:
        if not self.looks_like_key(key):
            raise PartitionKeyError(
                f"partition key {str(key)[:40]!r} is not a {self.name} key: expected {self.form}"
            )
        wall, offset = self._wall(key)
        wall_us = int(pl.Series([wall]).dt.epoch("us")[0])
        if offset is None:
            instant = int(walls_to_instants(pl.Series([wall]), self.timezone)[0])
        else:
            instant = wall_us - offset * 60_000_000
        table = self.table(wall, wall)
        row = table.row_starting(instant)
        if row is not None and self.unit == "hour":
            local = instants_to_walls(np.array([instant]), self.timezone).dt.epoch("us")[0]
            exists = local == wall_us  # a skipped wall time maps to the jump, shown later
        else:
            exists = row is not None and table.keys[row] == key
        if not exists:
            nxt = int(np.searchsorted(table.starts, instant))
            hint = f"; the next partition is {table.keys[nxt]}" if nxt < len(table) else ""
            raise PartitionKeyError(
                f"partition key {key!r} does not start {_article(self.name)} window in "
                f"{self.timezone}{hint}"
            )
        assert row is not None
        return table.keys[row], int(table.starts[row]), int(table.ends[row])

    def _wall(self, key: str) -> tuple[datetime, int | None]:
        """Scheduled wall start of a well-formed key, and its UTC offset in minutes if given."""
        try:
            if self.unit == "hour":
                m = _HOUR_KEY.fullmatch(key)
                assert m is not None
                day, hh, mm, sign, oh, om = m.groups()
                wall = datetime.combine(date.fromisoformat(day), time(int(hh), int(mm)))
                if sign is None:
                    return wall, None
                if int(oh) > 23 or int(om) > 59:
                    raise ValueError("offset out of range")
                return wall, (1 if sign == "+" else -1) * (int(oh) * 60 + int(om))
            at = time(self.hour, self.minute)
            if self.unit == "month":
                year, month = (int(p) for p in key.split("-"))
                return datetime.combine(date(year, month, self.day), at), None
            if self.unit == "week" and self.weekday == 0:
                m = _WEEK_KEY.fullmatch(key)
                assert m is not None
                return datetime.combine(date.fromisocalendar(int(m[1]), int(m[2]), 1), at), None
            day = date.fromisoformat(key)
            if self.unit == "week" and day.weekday() != self.weekday:
                raise PartitionKeyError(
                    f"partition key {key!r} is a {WEEKDAYS[day.weekday()]}, but these weeks "
                    f"start on {WEEKDAYS[self.weekday]}: expected {self.form}"
                )
            return datetime.combine(day, at), None
        except (ValueError, OverflowError):
            what = {"hour": "date and time", "day": "date", "month": "month"}.get(self.unit)
            what = what or ("ISO week" if self.weekday == 0 else "date")
            raise PartitionKeyError(
                f"partition key {key!r} is not a valid {what}: expected {self.form}"
            ) from None


def format_offset(minutes: int) -> str:
    """``+01:00`` style UTC offset."""
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


def _bucket(unit: Unit, wall: datetime, *, up: bool) -> datetime:
    wall = min(max(wall, _MIN_WALL), _MAX_WALL)
    if unit == "hour":
        start = datetime(wall.year, wall.month, 1)
        if up:
            start = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        return start
    return datetime(wall.year + (1 if up else 0), 1, 1)


@lru_cache(maxsize=1 << 16)
def _parse(grid: Grid, key: str) -> tuple[str, int, int]:
    if not grid.looks_like_key(key):
        return grid._parse_tables(key)  # raises, naming the expected form
    offset = fixed_offset_minutes(grid.timezone)
    fixed = None if offset is None else grid._parse_fixed(key, offset)
    return fixed if fixed is not None else grid._parse_tables(key)


@lru_cache(maxsize=512)
def _table(grid: Grid, lo: datetime, hi: datetime) -> WindowTable:
    return grid._build(lo, hi)


def _article(word: str) -> str:
    return f"{'an' if word[0] in 'aeiouh' else 'a'} {word}"
