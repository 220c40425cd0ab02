"""Daily ``naps``: partition 2026-04-02 sleeps ``LONG_NAP`` seconds (default 3), the others
``SHORT_NAP`` (default 0.05); each records its (start, end) in ``NAPS_DIR``. ``capped`` has a
``timeout=`` shorter than two of its naps back to back but longer than one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


def _nap(name: str, context: af.Context, seconds: float) -> pl.DataFrame:
    started = time.time()
    time.sleep(seconds)
    out = Path(os.environ["NAPS_DIR"]) / f"{name}-{context.partition_key}"
    out.write_text(f"{started} {time.time()} {os.getpid()}")
    return pl.DataFrame({"slept": [seconds]})


@af.asset(partitions=daily, code_version="1")
def naps(context: af.Context) -> pl.DataFrame:
    long = context.partition_key == "2026-04-02"
    return _nap("naps", context, float(os.environ.get("LONG_NAP" if long else "SHORT_NAP", 0)))


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(timeout=2.0, retries=0))
def capped(context: af.Context) -> pl.DataFrame:
    return _nap("capped", context, 1.2)


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
def doomed(context: af.Context) -> pl.DataFrame:
    """2026-04-02 kills its own worker process on its first attempt, after a nap (so the
    worker has its next task queued by then)."""
    if context.partition_key == "2026-04-02" and context.attempt == 1:
        time.sleep(0.5)
        os.kill(os.getpid(), 9)
    return pl.DataFrame({"attempt": [context.attempt]})
