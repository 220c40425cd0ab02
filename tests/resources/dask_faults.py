"""For the Dask tests: a worker killed under an attempt, a timeout, a failure, a slow run.

``held`` creates ``<DASK_TEST_MARKERS>/<asset>-<partition>-<attempt>-<pid>`` per execution; the
first execution of 2026-04-01 sleeps long enough for its worker to be killed (Dask may run the
lost attempt again elsewhere: that execution does not sleep). ``retries=1`` lets assetflow
retry the lost attempt; ``after`` reads ``held``. ``stuck`` 2026-04-01 logs ``waiting`` and sleeps
60 s on its first attempt under ``timeout=3`` (marked like ``held``); ``broken`` always raises,
so ``report`` is upstream_failed; ``steady`` takes 1 s a partition.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


def _first_execution(context: af.Context) -> bool:
    """Mark this execution; whether it is the first of this attempt."""
    folder = Path(os.environ.get("DASK_TEST_MARKERS", "."))
    prefix = f"{context.asset}-{context.partition_key}-{context.attempt}-"
    first = not any(folder.glob(f"{prefix}*"))
    (folder / f"{prefix}{os.getpid()}").touch()
    return first


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
def held(context: af.Context) -> pl.DataFrame:
    first = _first_execution(context)
    if first and context.attempt == 1 and context.partition_key == "2026-04-01":
        time.sleep(30)
    return pl.DataFrame({"day": [context.partition_key], "attempt": [context.attempt]})


@af.asset(partitions=daily, code_version="1")
def after(held: pl.DataFrame) -> pl.DataFrame:
    return held.with_columns(checked=pl.lit(True))


@af.asset(
    partitions=daily, code_version="1", policy=af.TaskPolicy(timeout=3.0, retries=1, retry_delay=0)
)
def stuck(context: af.Context) -> pl.DataFrame:
    _first_execution(context)
    if context.attempt == 1 and context.partition_key == "2026-04-01":
        context.log.info("waiting")
        time.sleep(60)
    return pl.DataFrame({"attempt": [context.attempt]})


@af.asset(partitions=daily, code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
def broken(context: af.Context) -> pl.DataFrame:
    raise RuntimeError(f"bad rows in attempt {context.attempt}")


@af.asset(partitions=daily, code_version="1")
def report(broken: pl.DataFrame) -> pl.DataFrame:
    return broken


@af.asset(partitions=daily, code_version="1")
def steady(context: af.Context) -> pl.DataFrame:
    _first_execution(context)
    time.sleep(1.0)
    return pl.DataFrame({"day": [context.partition_key]})
