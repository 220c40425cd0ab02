"""A 30-day pipeline (2026-03-01 .. 2026-03-30) whose data carries its generation, for crash,
stress and concurrency tests: a view mixing two versions of a day, or holding part of one, shows.

- ``GEN``: generation of ``events`` (default 1); changes its code version and its data: every row
  carries ``gen`` and each day has ``rows_for(day, gen)`` rows.
- ``GEN_SLOW``: seconds each ``events`` partition sleeps (to keep a run busy).

``events`` (daily) -> ``totals`` (daily) -> ``summary`` (unpartitioned, reads every day).
"""

from __future__ import annotations

import os
import time

import polars as pl

import assetflow as af

days = af.DailyPartitions(start="2026-03-01", end="2026-03-30")
GEN = int(os.environ.get("GEN", "1"))


def rows_for(day: int, gen: int) -> int:
    """How many rows ``events`` has for a day of the month in generation ``gen``."""
    return 5 + day % 4 + 3 * gen


@af.asset(partitions=days, code_version=str(GEN))
def events(context: af.Context) -> pl.DataFrame:
    delay = float(os.environ.get("GEN_SLOW", "0"))
    if delay:
        time.sleep(delay)
    day = int(context.partition_key[-2:])
    n = rows_for(day, GEN)
    return pl.DataFrame(
        {
            "day": [context.partition_key] * n,
            "gen": [GEN] * n,
            "seq": list(range(n)),
            "amount": [day * 100 + i + GEN for i in range(n)],
        }
    )


@af.asset(partitions=days, code_version="1")
def totals(events: pl.DataFrame) -> pl.DataFrame:
    return events.group_by("day").agg(
        pl.col("gen").max(), pl.len().alias("rows"), pl.col("amount").sum()
    )


@af.asset(code_version="1")
def summary(totals: pl.DataFrame) -> pl.DataFrame:
    return totals.select(
        pl.len().alias("days"), pl.col("rows").sum(), pl.col("amount").sum(), pl.col("gen").max()
    )
