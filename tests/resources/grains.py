"""Three grains over one daily source: ``daily -> weekly`` and ``daily -> monthly``."""

from __future__ import annotations

import polars as pl

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-01-01"), code_version="1")
def daily(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "n": [1]})


@af.asset(partitions=af.WeeklyPartitions(start="2026-W01"), code_version="1")
def weekly(daily: pl.DataFrame) -> pl.DataFrame:
    return daily.select(pl.col("n").sum())


@af.asset(partitions=af.MonthlyPartitions(start="2026-01"), code_version="1")
def monthly(daily: pl.DataFrame) -> pl.DataFrame:
    return daily.select(pl.col("n").sum())
