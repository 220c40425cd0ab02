"""An hourly asset over a daily one: at 12:00 on a day its hours so far are due, the day is not."""

from __future__ import annotations

import polars as pl

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-04-01"), code_version="1")
def sales(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key]})


@af.asset(partitions=af.HourlyPartitions(start="2026-04-01"), code_version="1")
def hourly(sales: pl.DataFrame) -> pl.DataFrame:
    return sales.select(pl.len().alias("rows"))
