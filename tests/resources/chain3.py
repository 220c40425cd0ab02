"""A three-level chain with a window: ``raw`` (daily) -> ``clean`` (daily) -> ``rolling``
(daily, each day reads clean's last three days). ``CHAIN_GEN`` changes ``raw``'s data, as a
re-fetched source does; ``CHAIN_COLUMN`` renames its value column (schema drift). ``clean``'s
description, a log line and (with ``CHAIN_FAIL=1``) the error of ``rolling`` carry a
``<script>`` tag: the HTML reprs must show it as text."""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

days = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=days, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    gen = int(os.environ.get("CHAIN_GEN", "1"))
    column = os.environ.get("CHAIN_COLUMN", "value")
    return pl.DataFrame(
        {"day": [context.partition_key], column: [int(context.partition_key[-2:]) * gen]}
    )


@af.asset(partitions=days, code_version="1")
def clean(context: af.Context, raw: pl.DataFrame) -> pl.DataFrame:
    """Raw values without negatives <script>alert("doc")</script>."""
    context.log.info("cleaning %s: %s", context.partition_key, "<script>alert('log')</script>")
    return raw.filter(pl.col("value") >= 0)


@af.asset(partitions=days, code_version="1", mappings={"clean": af.Window(lookback=2)})
def rolling(context: af.Context, clean: pl.DataFrame) -> pl.DataFrame:
    if os.environ.get("CHAIN_FAIL") == "1":
        raise RuntimeError("<script>alert('error')</script>")
    return pl.DataFrame({"day": [context.partition_key], "sum3": [clean["value"].sum()]})
