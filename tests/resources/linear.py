"""A daily chain raw -> clean -> report whose behaviour tests steer through the environment.

- ``LINEAR_CLEAN_VERSION``: code version of ``clean`` (default "1").
- ``LINEAR_FACTOR``: multiplies raw values (default 1), to change data.
- ``LINEAR_CLEAN_EXTRA``: "1" makes ``clean`` emit an extra column, changing its data version.
- ``LINEAR_SLOW_SECONDS``: ``report`` sleeps this long first (crash tests kill it there).
- ``LINEAR_FAIL``: name of an asset that raises.
"""

from __future__ import annotations

import os
import time

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


def _fail_if_asked(name: str) -> None:
    if os.environ.get("LINEAR_FAIL") == name:
        raise RuntimeError(f"{name} was told to fail")


@af.asset(partitions=daily, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    _fail_if_asked("raw")
    factor = int(os.environ.get("LINEAR_FACTOR", "1"))
    day = int(context.partition_key[-2:])
    return pl.DataFrame({"id": list(range(10)), "value": [i * day * factor for i in range(10)]})


@af.asset(partitions=daily, code_version=os.environ.get("LINEAR_CLEAN_VERSION", "1"))
def clean(raw: pl.DataFrame) -> pl.DataFrame:
    _fail_if_asked("clean")
    out = raw.filter(pl.col("id") % 2 == 0)
    if os.environ.get("LINEAR_CLEAN_EXTRA") == "1":
        out = out.with_columns(extra=pl.lit(1))
    return out


@af.asset(partitions=daily, code_version="1")
def report(clean: pl.DataFrame) -> pl.DataFrame:
    _fail_if_asked("report")
    delay = float(os.environ.get("LINEAR_SLOW_SECONDS", "0"))
    if delay:
        time.sleep(delay)
    return clean.select(pl.len().alias("rows"), pl.col("value").sum().alias("total"))
