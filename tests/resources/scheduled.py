"""A daily chain raw -> report on a group schedule, steered through the environment.

- ``SCHED_CRON`` (default ``@daily``), ``SCHED_TZ`` (default UTC), ``SCHED_CATCHUP`` ("0" = off).
- ``SCHED_SLOW_SECONDS``: ``report`` sleeps this long (concurrency and kill tests).
"""

from __future__ import annotations

import os
import time

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01", timezone=os.environ.get("SCHED_TZ", "UTC"))


@af.asset(partitions=daily, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    day = int(context.partition_key[-2:])
    return pl.DataFrame({"id": list(range(5)), "value": [i * day for i in range(5)]})


@af.asset(partitions=daily, code_version="1")
def report(raw: pl.DataFrame) -> pl.DataFrame:
    delay = float(os.environ.get("SCHED_SLOW_SECONDS", "0"))
    if delay:
        time.sleep(delay)
    return raw.select(pl.len().alias("rows"), pl.col("value").sum().alias("total"))


nightly = af.Schedule(
    "nightly",
    os.environ.get("SCHED_CRON", "@daily"),
    assets=["raw", "report"],
    timezone=os.environ.get("SCHED_TZ", "UTC"),
    catchup=os.environ.get("SCHED_CATCHUP", "1") == "1",
)
