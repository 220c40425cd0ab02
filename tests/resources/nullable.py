"""Outputs with nulls, from polars and from pyarrow, each read by a downstream asset."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

import assetflow as af

days = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=days, code_version="1")
def with_nulls(context: af.Context) -> pl.DataFrame:
    day = int(context.partition_key[-2:])
    return pl.DataFrame(
        {"n": [day, None, 3], "s": ["a", None, ""], "flag": [True, None, False]},
        schema={"n": pl.Int64, "s": pl.String, "flag": pl.Boolean},
    )


@af.asset(partitions=days, code_version="1")
def arrow_nulls() -> pa.Table:
    return pa.table({"x": pa.array([1.5, None]), "c": pa.array(["k", None]).dictionary_encode()})


@af.asset(partitions=days, code_version="1")
def counted(with_nulls: pl.DataFrame, arrow_nulls: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "null_n": [with_nulls["n"].null_count()],
            "empty_s": [(with_nulls["s"] == "").sum()],
            "null_x": [arrow_nulls["x"].null_count()],
            "dtype_c": [str(arrow_nulls["c"].dtype)],
        }
    )
