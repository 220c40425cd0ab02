"""Turning what an asset function returned into one Arrow table, or a clear error.

Every output is checked before it is staged (:func:`check_storable`): what the warehouse cannot
store faithfully, or what DuckDB's views would read differently, is refused with one line
naming the asset, partition and column, and nothing is written. The classes refused:

- no columns at all (Parquet stores it, but DuckDB cannot build a view over such a file);
- duplicate names, names that differ only in case, and the empty name (DuckDB, whose views
  serve the warehouse, matches names case-insensitively and renames ``A`` to ``A_1``, ``''``
  to ``C0``);
- types Parquet cannot store (unions, run-end encoded, month-day-nano intervals, structs without
  fields) and types DuckDB reads back as something else (decimals wider than 38 digits become
  DOUBLE), at any nesting depth;
- polars ``Object`` columns (arbitrary Python objects: to Arrow they are 8-byte pointers).

The warehouse itself adds no column to an asset's data (views are ``select *`` over its files
with ``hive_partitioning = false``; DuckDB's virtual ``filename``/``file_row_number`` columns
give way to data columns of the same name), so no data column name is reserved.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from assetflow.errors import AssetOutputError

ACCEPTED = "a polars DataFrame/LazyFrame, a pyarrow Table, a DuckDB relation or a SQL string"


@dataclass(frozen=True)
class Output:
    """An asset's checked output: the Arrow table, and the polars frame it came from if any
    (staged with polars' writer and kept as is for downstream tasks in the same worker; the
    table is then its zero-copy Arrow view, with string views, for checks and the version)."""

    table: pa.Table
    frame: pl.DataFrame | None = None


def to_output(value: Any, *, asset: str, partition: str, inputs: Mapping[str, Any]) -> Output:
    """Normalise an asset's return value; a string is run as DuckDB SQL over its inputs."""
    if isinstance(value, pl.LazyFrame):
        value = value.collect()
    if isinstance(value, pl.DataFrame):
        _refuse_objects(value.schema, asset, partition)
        # The newest layout shares polars' buffers; the default one copies every string column.
        table = value.to_arrow(compat_level=pl.CompatLevel.newest())
        check_storable(table, asset=asset, partition=partition)
        return Output(table, value)
    elif isinstance(value, pa.Table):
        table = value
    elif isinstance(value, pa.RecordBatch):
        table = pa.Table.from_batches([value])
    elif _is_relation(value):
        table = value.to_arrow_table()
    elif isinstance(value, str):
        table = _run_sql(value, asset=asset, partition=partition, inputs=inputs)
    else:
        raise AssetOutputError(
            f"asset {asset!r} partition {partition} returned {type(value).__name__}; "
            f"return {ACCEPTED}",
            asset=asset,
            partition=partition,
        )
    check_storable(table, asset=asset, partition=partition)
    return Output(table)


def check_storable(table: pa.Table, *, asset: str, partition: str) -> None:
    """Refuse a table the warehouse cannot store faithfully (see the module docstring).

    Raises:
        AssetOutputError: naming the asset, partition and column (terminal: not retried).
    """
    where = f"asset {asset!r} partition {partition}"
    names = table.column_names
    if not names:
        raise AssetOutputError(
            f"{where} returned a table without columns; return at least one column (an empty "
            "result still needs its columns, e.g. pl.DataFrame(schema={'id': pl.Int64}))",
            asset=asset,
            partition=partition,
        )
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise AssetOutputError(
            f"{where} returned duplicate column names {dupes}; rename them so each column is "
            "unique",
            asset=asset,
            partition=partition,
        )
    if "" in names:
        raise AssetOutputError(
            f"{where} returned a column with an empty name; name every column",
            asset=asset,
            partition=partition,
        )
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise AssetOutputError(
                f"{where} returned columns {other!r} and {name!r}, which differ only in case; "
                "DuckDB's views treat them as one name (and rename one), so rename one of them",
                asset=asset,
                partition=partition,
            )
    for field in table.schema:
        problem = _unstorable(field.type)
        if problem:
            raise AssetOutputError(
                f"{where} column {field.name!r} {problem}", asset=asset, partition=partition
            )


def _unstorable(dtype: pa.DataType) -> str | None:
    """Why a column of ``dtype`` cannot be stored faithfully, or None (nested types walked)."""
    if isinstance(dtype, pa.ExtensionType):
        return _unstorable(dtype.storage_type)
    if pa.types.is_union(dtype) or pa.types.is_run_end_encoded(dtype):
        return f"has type {dtype}, which Parquet cannot store; return one type per column"
    if pa.types.is_interval(dtype):
        return f"has type {dtype}, which Parquet cannot store; store it as a duration or numbers"
    if pa.types.is_decimal(dtype) and dtype.precision > 38:
        return (
            f"has type {dtype}: DuckDB reads decimals above 38 digits as DOUBLE, losing digits; "
            "cast it to decimal(38, s) or to a string"
        )
    if pa.types.is_struct(dtype):
        if dtype.num_fields == 0:
            return "is a struct without fields, which Parquet cannot store; drop it"
        children = [dtype.field(i).type for i in range(dtype.num_fields)]
    elif pa.types.is_map(dtype):
        children = [dtype.key_type, dtype.item_type]
    elif hasattr(dtype, "value_type"):  # lists of every kind, dictionaries
        children = [dtype.value_type]
    else:
        return None
    return next((found for c in children if (found := _unstorable(c))), None)


def _refuse_objects(schema: pl.Schema, asset: str, partition: str) -> None:
    for name, dtype in schema.items():
        if _has_object(dtype):
            raise AssetOutputError(
                f"asset {asset!r} partition {partition} column {name!r} holds Python objects "
                f"({dtype}), which cannot be stored (they would be written as 8-byte memory "
                "addresses); convert them to strings, numbers or a struct",
                asset=asset,
                partition=partition,
            )


def _has_object(dtype: pl.DataType) -> bool:
    if dtype == pl.Object:
        return True
    if isinstance(dtype, pl.Struct):
        return any(_has_object(f.dtype) for f in dtype.fields)
    inner = getattr(dtype, "inner", None)
    return inner is not None and _has_object(inner)


def _is_relation(value: Any) -> bool:
    """A DuckDB relation (only possible if its maker imported DuckDB; workers need not)."""
    duckdb = sys.modules.get("duckdb")
    return duckdb is not None and isinstance(value, duckdb.DuckDBPyRelation)


def _run_sql(sql: str, *, asset: str, partition: str, inputs: Mapping[str, Any]) -> pa.Table:
    import duckdb  # SQL outputs only

    con = duckdb.connect()
    try:
        for name, data in inputs.items():
            if isinstance(data, pl.LazyFrame):
                data = data.collect()
            elif isinstance(data, duckdb.DuckDBPyRelation):
                # A relation belongs to the connection that made it; another cannot scan it.
                data = data.to_arrow_table()
            con.register(name, data)
        return con.sql(sql).to_arrow_table()
    except duckdb.Error as exc:
        raise AssetOutputError(
            f"asset {asset!r} partition {partition}: its SQL failed: {str(exc).splitlines()[0]}",
            asset=asset,
            partition=partition,
        ) from None
    finally:
        con.close()
