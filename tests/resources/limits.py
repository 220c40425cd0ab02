"""``limited`` (max_concurrency=1) and ``unlimited``: daily assets that note when they run.

Each task sleeps ``LIMITS_SLEEP`` seconds (default 0.3) and appends "asset start end" to a file
in the directory ``LIMITS_DIR``, so a test can check how many ran at the same time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


def _note(name: str, key: str) -> pl.DataFrame:
    start = time.time()
    time.sleep(float(os.environ.get("LIMITS_SLEEP", "0.3")))
    end = time.time()
    with open(Path(os.environ["LIMITS_DIR"]) / f"{name}-{key}", "w") as f:
        f.write(f"{start} {end}")
    return pl.DataFrame({"day": [key]})


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(max_concurrency=1))
def limited(context: af.Context) -> pl.DataFrame:
    return _note("limited", context.partition_key)


@af.asset(partitions=daily, code_version="1")
def unlimited(context: af.Context) -> pl.DataFrame:
    return _note("unlimited", context.partition_key)
