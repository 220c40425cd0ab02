"""Every mapping kind over ten days (2026-02-24 .. 2026-03-05, two months), for convergence
tests: after one successful run nothing it could have built is stale.

``raw`` (daily) -> ``rolling`` (daily, 3-day window) -> ``monthly`` (grain: the month's days)
-> ``grand`` (unpartitioned, all months); ``total`` (unpartitioned, all days of ``rolling``).
``CONVERGE_GEN`` changes ``raw``'s data (not its code), as a changed source does.
"""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

days = af.DailyPartitions(start="2026-02-24", end="2026-03-05")
months = af.MonthlyPartitions(start="2026-02", end="2026-03")


@af.asset(partitions=days, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    gen = int(os.environ.get("CONVERGE_GEN", "1"))
    return pl.DataFrame(
        {"day": [context.partition_key], "value": [int(context.partition_key[-2:]) * gen]}
    )


@af.asset(partitions=days, code_version="1", mappings={"raw": af.Window(lookback=2)})
def rolling(context: af.Context, raw: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "sum3": [raw["value"].sum()]})


@af.asset(partitions=months, code_version="1")
def monthly(context: af.Context, rolling: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame({"month": [context.partition_key], "days": [rolling.height]})


@af.asset(code_version="1")
def total(rolling: pl.DataFrame) -> pl.DataFrame:
    total = rolling["sum3"].sum() if rolling.width else 0  # no day committed: no columns either
    return pl.DataFrame({"days": [rolling.height], "sum": [total]})


@af.asset(code_version="1")
def grand(monthly: pl.DataFrame) -> pl.DataFrame:
    days = monthly["days"].sum() if monthly.width else 0
    return pl.DataFrame({"months": [monthly.height], "days": [days]})
