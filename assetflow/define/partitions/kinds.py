"""The four time grains: hourly, daily, weekly and monthly partitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from assetflow.define.partitions.grid import Unit
from assetflow.define.partitions.time_window import TimeWindowPartitions

When = date | datetime | str


@dataclass(frozen=True)
class HourlyPartitions(TimeWindowPartitions):
    """One partition per hour of local wall-clock time, keyed ``2026-04-08T02:00``.

    Args:
        start: first partition: a key, or a date/datetime (the first hour starting at or after it).
        end: last partition, inclusive (a key, or a date/datetime inside it); open-ended if None.
        timezone: IANA name. Keys are local wall-clock times; a day has 23 or 25 partitions
            when the clocks change. The second of two equal wall times (clocks went back) is keyed
            with its UTC offset, e.g. ``2026-10-25T02:00+01:00`` in Europe/Berlin.
        end_offset: windows that are due before they close (1 = the current hour).
        minute_offset: minute of the hour windows start at (0-59).
        cron: alternative to ``minute_offset``: ``"M * * * *"``.
    """

    start: When
    end: When | None = None
    timezone: str = "UTC"
    end_offset: int = 0
    minute_offset: int = 0
    cron: str | None = None
    unit: ClassVar[Unit] = "hour"
    kind: ClassVar[str] = "hourly"


@dataclass(frozen=True)
class DailyPartitions(TimeWindowPartitions):
    """One partition per local day, keyed ``2026-04-08``.

    Args:
        start: first day (``"2026-01-01"`` or a ``date``).
        end: last day, inclusive; open-ended when None.
        timezone: IANA name; a day is due once it has closed in that zone (23 h or 25 h long on
            the days the clocks change).
        end_offset: extra windows that are due early (1 = today is due too).
        hour_offset, minute_offset: local time days start at (e.g. ``hour_offset=6``).
        cron: alternative to the offsets: ``"M H * * *"``, e.g. ``"0 6 * * *"``.
    """

    start: When
    end: When | None = None
    timezone: str = "UTC"
    end_offset: int = 0
    hour_offset: int = 0
    minute_offset: int = 0
    cron: str | None = None
    unit: ClassVar[Unit] = "day"
    kind: ClassVar[str] = "daily"


@dataclass(frozen=True)
class WeeklyPartitions(TimeWindowPartitions):
    """One partition per week, keyed by ISO week ``2026-W15`` (weeks from Monday).

    Weeks that start on another day are keyed by the local date they start on (``2026-04-05``).

    Args:
        start: first week: a key, or a date (the first week starting on or after it).
        end: last week, inclusive (a key, or a date inside it); open-ended when None.
        timezone: IANA name.
        end_offset: extra windows that are due early (1 = the current week).
        day_offset: weekday weeks start on, 0 = Monday ... 6 = Sunday.
        hour_offset, minute_offset: local time weeks start at.
        cron: alternative to the offsets: ``"M H * * D"``, e.g. ``"0 0 * * sun"``.
    """

    start: When
    end: When | None = None
    timezone: str = "UTC"
    end_offset: int = 0
    day_offset: int = 0
    hour_offset: int = 0
    minute_offset: int = 0
    cron: str | None = None
    unit: ClassVar[Unit] = "week"
    kind: ClassVar[str] = "weekly"


@dataclass(frozen=True)
class MonthlyPartitions(TimeWindowPartitions):
    """One partition per month, keyed ``2026-04``.

    Args:
        start: first month: a key (``"2026-01"``), or a date (the first month starting on or
            after it).
        end: last month, inclusive (a key, or a date inside it); open-ended when None.
        timezone: IANA name.
        end_offset: extra windows that are due early (1 = the current month).
        day_offset: days after the 1st that months start on (0-27; 4 = the 5th).
        hour_offset, minute_offset: local time months start at.
        cron: alternative to the offsets: ``"M H D * *"``, e.g. ``"0 0 5 * *"``.
    """

    start: When
    end: When | None = None
    timezone: str = "UTC"
    end_offset: int = 0
    day_offset: int = 0
    hour_offset: int = 0
    minute_offset: int = 0
    cron: str | None = None
    unit: ClassVar[Unit] = "month"
    kind: ClassVar[str] = "monthly"
