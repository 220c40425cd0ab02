"""An asset that returns an int, which cannot be stored as a table."""

from __future__ import annotations

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-04-01"))
def broken() -> int:
    return 42
