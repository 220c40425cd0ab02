"""An asset whose output ``BAD_OUTPUT`` spoils: ``none``, ``dict``, ``list``, ``bad_sql``,
``dup_arrow`` (a pyarrow table with two ``x`` columns), ``dup_sql`` (SQL selecting ``a`` twice),
``raise``, ``text_n`` (its ``n`` column as text: schema drift); anything else returns a good
table."""

from __future__ import annotations

import os

import polars as pl
import pyarrow as pa

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-03-01", end="2026-03-30"), code_version="1")
def spoiled(context: af.Context):
    kind = os.environ.get("BAD_OUTPUT", "")
    if kind == "none":
        return None
    if kind == "dict":
        return {"a": [1, 2]}
    if kind == "list":
        return [(1, 2)]
    if kind == "bad_sql":
        return "select * from no_such_table"
    if kind == "dup_arrow":
        return pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["x", "x"])
    if kind == "dup_sql":
        return "select 1 as a, 2 as a"
    if kind == "text_n":
        return f"select '{context.partition_key}' as day, 'one' as n"
    if kind == "raise":
        raise ValueError("the upstream API said no")
    return pl.DataFrame({"day": [context.partition_key], "n": [1]})
