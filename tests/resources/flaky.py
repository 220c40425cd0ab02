"""source -> flaky: ``flaky`` fails its first ``FLAKY_FAILS`` attempts (default 2), retries=3.

``FLAKY_ERROR=value`` makes it raise ValueError instead of ConnectionError (not in retry_on).
"""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def source(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "n": [int(context.partition_key[-2:])]})


@af.asset(
    partitions=daily,
    code_version="1",
    policy=af.TaskPolicy(
        retries=3, retry_delay=0.05, backoff=2.0, jitter=0.1, retry_on=(ConnectionError,)
    ),
)
def flaky(context: af.Context, source: pl.DataFrame) -> pl.DataFrame:
    if context.attempt <= int(os.environ.get("FLAKY_FAILS", "2")):
        context.log.warning("attempt %d: the service is down", context.attempt)
        if os.environ.get("FLAKY_ERROR") == "value":
            raise ValueError("bad data, retrying will not help")
        raise ConnectionError(f"service unavailable (attempt {context.attempt})")
    return source.with_columns(attempt=pl.lit(context.attempt))
