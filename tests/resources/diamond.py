"""A diamond: source -> (left, right) -> joined, plus an unpartitioned rollup of joined."""

from __future__ import annotations

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset
def stores() -> pl.DataFrame:
    """Unpartitioned reference data read by every daily partition."""
    return pl.DataFrame({"store": ["a", "b"], "city": ["Berlin", "Hamburg"]})


@af.asset(partitions=daily, code_version="1")
def source(context: af.Context, stores: pl.DataFrame) -> pl.DataFrame:
    return stores.with_columns(day=pl.lit(context.partition_key), amount=pl.lit(10))


@af.asset(partitions=daily, code_version="1")
def left(source: pl.DataFrame) -> pl.DataFrame:
    return source.select("store", "day", left=pl.col("amount") * 2)


@af.asset(partitions=daily, code_version="1")
def right(source: pl.DataFrame) -> pl.DataFrame:
    return source.select("store", "day", right=pl.col("amount") + 1)


@af.asset(partitions=daily, code_version="1")
def joined(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    return left.join(right, on=["store", "day"])


@af.asset(code_version="1")
def rollup(joined: pl.DataFrame) -> pl.DataFrame:
    """Unpartitioned: reads every committed partition of ``joined``."""
    return joined.group_by("store").agg(pl.col("left").sum(), days=pl.col("day").n_unique())
