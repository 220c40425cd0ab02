"""Two branches from one root: root -> good -> good_report and root -> bad -> bad_report.

``BRANCH_FAIL=1`` makes ``bad`` raise; ``BRANCH_SLOW`` (seconds) makes ``good`` sleep first.
"""

from __future__ import annotations

import os
import time

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def root(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key], "value": [1]})


@af.asset(partitions=daily, code_version="1")
def good(root: pl.DataFrame) -> pl.DataFrame:
    time.sleep(float(os.environ.get("BRANCH_SLOW", "0")))
    return root.with_columns(good=pl.lit(True))


@af.asset(partitions=daily, code_version="1")
def good_report(good: pl.DataFrame) -> pl.DataFrame:
    return good.select(pl.len().alias("rows"))


@af.asset(partitions=daily, code_version="1")
def bad(root: pl.DataFrame) -> pl.DataFrame:
    if os.environ.get("BRANCH_FAIL") == "1":
        raise RuntimeError("bad was told to fail")
    return root.with_columns(bad=pl.lit(False))


@af.asset(partitions=daily, code_version="1")
def bad_report(bad: pl.DataFrame) -> pl.DataFrame:
    return bad.select(pl.len().alias("rows"))
