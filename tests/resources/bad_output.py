"""An asset whose output ``BAD_OUTPUT`` spoils: ``none``, ``dict``, ``list``, ``bad_sql``,
``dup_arrow`` (a pyarrow table with two ``x`` columns), ``dup_sql`` (SQL selecting ``a`` twice),
``raise``, ``text_n`` (its ``n`` column as text: schema drift); outputs the warehouse cannot
store faithfully: ``no_columns``, ``object``, ``case_dup``, ``empty_name``, ``union``,
``interval``, ``wide_decimal``, ``empty_struct``, ``nested_union``; ``filename`` returns a good
table with a ``filename`` column (a DuckDB virtual column name); anything else a good table."""

from __future__ import annotations

import decimal
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
    if kind in UNSTORABLE:
        return UNSTORABLE[kind]()
    if kind == "filename":
        return pl.DataFrame({"filename": ["mine"], "n": [1]})
    return pl.DataFrame({"day": [context.partition_key], "n": [1]})


def _union() -> pa.Array:
    return pa.UnionArray.from_sparse(pa.array([0], pa.int8()), [pa.array([1]), pa.array(["a"])])


UNSTORABLE = {
    "no_columns": lambda: pl.DataFrame(),
    "object": lambda: pl.DataFrame({"n": [1], "o": pl.Series([object()], dtype=pl.Object)}),
    "case_dup": lambda: pl.DataFrame({"n": [1], "N": [2]}),
    "empty_name": lambda: pl.DataFrame({"n": [1], "": [2]}),
    "union": lambda: pa.table({"n": [1], "u": _union()}),
    "interval": lambda: pa.table(
        {"n": [1], "i": pa.array([pa.scalar((1, 2, 3), pa.month_day_nano_interval())])}
    ),
    "wide_decimal": lambda: pa.table(
        {"n": [1], "d": pa.array([decimal.Decimal("1.5")], pa.decimal256(50, 2))}
    ),
    "empty_struct": lambda: pa.table({"n": [1], "s": pa.array([{}], pa.struct([]))}),
    "nested_union": lambda: pa.table(
        {"n": [1], "l": pa.array([[{"x": 1}]], pa.list_(pa.struct([("x", pa.int64())])))}
    ).append_column("s", pa.StructArray.from_arrays([_union()], ["inner"])),
}
