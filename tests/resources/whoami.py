"""One daily asset that records the process it ran in (which executor ran it), on a schedule."""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def ran_in(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "pid": [os.getpid()]})


nightly = af.Schedule("nightly", "@daily", assets=["ran_in"])
