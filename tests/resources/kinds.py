"""Every input kind and a SQL string output, to run on concurrent worker threads."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

import assetflow as af

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def base(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key] * 3, "v": [1, 2, 3]})


@af.asset(partitions=daily, code_version="1")
def via_sql(base: pl.DataFrame) -> str:
    return "select day, sum(v) as total from base group by day"


@af.asset(partitions=daily, code_version="1")
def via_relation(base: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    return base.filter("v > 1")


@af.asset(partitions=daily, code_version="1")
def via_mixed(base: pa.Table, via_relation: duckdb.DuckDBPyRelation, via_sql: pl.LazyFrame) -> str:
    return "select (select count(*) from base) as n, (select count(*) from via_relation) as r"
