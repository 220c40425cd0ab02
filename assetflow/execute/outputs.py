"""Turning what an asset function returned into one Arrow table, or a clear error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from assetflow.errors import AssetOutputError

ACCEPTED = "a polars DataFrame/LazyFrame, a pyarrow Table, a DuckDB relation or a SQL string"


def to_arrow(value: Any, *, asset: str, partition: str, inputs: Mapping[str, Any]) -> pa.Table:
    """Normalise an asset's return value; a string is run as DuckDB SQL over its inputs."""
    if isinstance(value, pl.LazyFrame):
        value = value.collect()
    if isinstance(value, pl.DataFrame):
        table = value.to_arrow()
    elif isinstance(value, pa.Table):
        table = value
    elif isinstance(value, pa.RecordBatch):
        table = pa.Table.from_batches([value])
    elif isinstance(value, duckdb.DuckDBPyRelation):
        table = value.to_arrow_table()
    elif isinstance(value, str):
        table = _run_sql(value, asset=asset, partition=partition, inputs=inputs)
    else:
        raise AssetOutputError(
            f"asset {asset!r} partition {partition} returned {type(value).__name__}; "
            f"return {ACCEPTED}"
        )
    names = table.column_names
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise AssetOutputError(
            f"asset {asset!r} partition {partition} returned duplicate column names {dupes}; "
            "rename them so each column is unique"
        )
    return table


def _run_sql(sql: str, *, asset: str, partition: str, inputs: Mapping[str, Any]) -> pa.Table:
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
            f"asset {asset!r} partition {partition}: its SQL failed: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        con.close()
