"""Two independent unpartitioned assets that each sleep ``SLOW_SECONDS`` (default 1)."""

from __future__ import annotations

import os
import time

import polars as pl

import assetflow as af


def _nap() -> None:
    time.sleep(float(os.environ.get("SLOW_SECONDS", "1")))


@af.asset(code_version="1")
def slow_a() -> pl.DataFrame:
    _nap()
    return pl.DataFrame({"x": [1]})


@af.asset(code_version="1")
def slow_b() -> pl.DataFrame:
    _nap()
    return pl.DataFrame({"x": [2]})
