"""Assets that overrun ``timeout=0.5`` (one retry): ``sleepy`` sleeps, ``spinner`` spins in
Python (a worker thread can only be interrupted between bytecodes). ``quick`` is unaffected."""

from __future__ import annotations

import time

import polars as pl

import assetflow as af


@af.asset(code_version="1", policy=af.TaskPolicy(timeout=0.5, retries=1, retry_delay=0))
def sleepy() -> pl.DataFrame:
    time.sleep(60)
    return pl.DataFrame({"x": [1]})


@af.asset(code_version="1", policy=af.TaskPolicy(timeout=0.5, retries=1, retry_delay=0))
def spinner() -> pl.DataFrame:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        pass
    return pl.DataFrame({"x": [1]})


@af.asset(code_version="1", policy=af.TaskPolicy(timeout=30))
def quick() -> pl.DataFrame:
    return pl.DataFrame({"x": [1]})
