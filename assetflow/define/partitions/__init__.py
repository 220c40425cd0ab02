"""Partition definitions: which keys an asset has, their time windows, and which are due.

Definitions are frozen value objects; two assets with equal definitions map partition to
partition by identity. Time is always passed in (``as_of``); nothing here reads the clock.

- :class:`HourlyPartitions`, :class:`DailyPartitions`, :class:`WeeklyPartitions`,
  :class:`MonthlyPartitions`: time windows in an IANA time zone, exact across DST
  (``time_window``, ``grid``, ``zones``).
- :class:`StaticPartitions`: a fixed list of keys.
- :class:`MultiPartitions`: one key per dimension, joined with ``|``.

See ``docs/partitions.md`` for the key forms.
"""

from __future__ import annotations

from assetflow.define.partitions.base import (
    UNPARTITIONED,
    PartitionsDefinition,
    check_safe_key,
)
from assetflow.define.partitions.grid import Grid, WindowTable
from assetflow.define.partitions.kinds import (
    DailyPartitions,
    HourlyPartitions,
    MonthlyPartitions,
    WeeklyPartitions,
)
from assetflow.define.partitions.multi import MultiPartitions
from assetflow.define.partitions.static import StaticPartitions
from assetflow.define.partitions.time_window import TimeWindowPartitions

__all__ = [
    "UNPARTITIONED",
    "DailyPartitions",
    "Grid",
    "HourlyPartitions",
    "MonthlyPartitions",
    "MultiPartitions",
    "PartitionsDefinition",
    "StaticPartitions",
    "TimeWindowPartitions",
    "WeeklyPartitions",
    "WindowTable",
    "check_safe_key",
]
