"""For the executor seam test: a retry, a timeout and a failure in one project.

``flaky`` fails its first attempt (retries=2); ``slow`` 2026-04-01 sleeps past ``timeout=1`` on
its first attempt (retries=1), and that abandoned attempt still writes a file of its own when it
wakes; ``broken`` always raises, so ``report`` (which reads it) is upstream_failed. ``steady``
takes 0.4 s per partition under ``timeout=1``.
"""

from __future__ import annotations

import time

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def source(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "n": [int(context.partition_key[-2:])]})


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(retries=2, retry_delay=0))
def flaky(context: af.Context, source: pl.DataFrame) -> pl.DataFrame:
    if context.attempt == 1:
        raise ConnectionError("service unavailable")
    return source.with_columns(attempt=pl.lit(context.attempt))


@af.asset(
    partitions=daily, code_version="1", policy=af.TaskPolicy(timeout=1.0, retries=1, retry_delay=0)
)
def slow(context: af.Context) -> pl.DataFrame:
    if context.attempt == 1 and context.partition_key == "2026-04-01":
        time.sleep(2.5)
    return pl.DataFrame({"attempt": [context.attempt]})


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(timeout=1.0))
def steady(context: af.Context) -> pl.DataFrame:
    time.sleep(0.4)
    return pl.DataFrame({"day": [context.partition_key]})


@af.asset(partitions=daily, code_version="1")
def broken(source: pl.DataFrame) -> pl.DataFrame:
    raise RuntimeError("bad rows")


@af.asset(partitions=daily, code_version="1")
def report(broken: pl.DataFrame) -> pl.DataFrame:
    return broken
