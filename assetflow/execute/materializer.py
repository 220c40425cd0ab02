"""Materialize one (asset, partition): load inputs, call user code at one error boundary, stage.

This runs wherever the work runs (a worker process or a worker thread): it only reads committed
Parquet files and writes a new staged file, both through the warehouse's storage, by key. It
never touches the catalog.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from assetflow.commit.files import StagedFile, stage_table
from assetflow.commit.storage import Storage
from assetflow.commit.versions import flat_schema
from assetflow.define.asset import AssetDef, InputKind
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import AssetflowError, TaskError
from assetflow.execute.context import Context
from assetflow.execute.frames import FRAMES
from assetflow.execute.outputs import to_output

if TYPE_CHECKING:
    import duckdb

_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    """An in-memory connection per thread: one connection must not serve two threads at once."""
    con = getattr(_local, "con", None)
    if con is None:
        import duckdb  # only for inputs read through it: a worker otherwise never imports it

        con = _local.con = duckdb.connect()
    return con


def _read_errors() -> tuple[type[BaseException], ...]:
    """What a failed input read raises (DuckDB's errors only if it was imported at all)."""
    duckdb = sys.modules.get("duckdb")
    extra = (duckdb.Error,) if duckdb is not None else ()
    return (OSError, pl.exceptions.PolarsError, pa.ArrowException, *extra)


def load_input(storage: Storage, keys: Sequence[str], kind: InputKind) -> Any:
    """Read committed partition files as the type the asset's parameter asks for."""
    paths = [storage.uri(k) for k in keys]
    if kind == "lazy":
        return pl.scan_parquet(paths) if paths else pl.LazyFrame()
    if kind == "duckdb":
        con = _duckdb()
        return (
            con.read_parquet(paths, union_by_name=True)
            if paths
            else con.sql("select 1 where false")
        )
    if kind == "arrow":
        import pyarrow.parquet as pq  # ~40 ms to import: only for Arrow inputs

        tables = [pq.read_table(p) for p in paths]
        return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})
    frames = [_frame(p) for p in paths]
    if not frames:
        return pl.DataFrame()
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")


def _frame(path: str) -> pl.DataFrame:
    """A partition file as a polars frame, loaded once per worker (files never change)."""
    frame = FRAMES.get(path)
    if frame is None:
        frame = pl.read_parquet(path)
        FRAMES.put(path, frame)
    return frame


def run_asset(
    asset: AssetDef,
    partition: str,
    input_keys: Mapping[str, Sequence[str]],
    *,
    storage: Storage,
    run_id: str,
    log: logging.Logger,
    attempt: int = 1,
) -> StagedFile:
    """Compute one partition and stage its Parquet file. User errors become TaskError."""
    key = None if partition == UNPARTITIONED else partition
    window = asset.partitions.window(partition) if asset.partitions and key else None
    inputs = {}
    for name in asset.inputs:
        try:
            inputs[name] = load_input(storage, input_keys[name], asset.input_kinds[name])
        except _read_errors() as exc:
            raise TaskError(
                f"asset {asset.name!r} partition {partition} cannot read its input {name}: "
                f"{str(exc).splitlines()[0]}; run `asset verify` to check the warehouse",
                asset=asset.name,
                partition=partition,
                retryable=False,  # a damaged or missing file does not heal by retrying
            ) from None
    kwargs: dict[str, Any] = dict(inputs)
    context = None
    if asset.context_param:
        kwargs[asset.context_param] = context = Context(
            asset=asset.name,
            partition_key=key,
            start=window[0] if window else None,
            end=window[1] if window else None,
            run_id=run_id,
            log=log,
            attempt=attempt,
        )
    try:
        value = asset.fn(**kwargs)
        output = to_output(value, asset=asset.name, partition=partition, inputs=inputs)
    except AssetflowError:
        raise
    except Exception as exc:
        # Start at the asset function's frame: this module's frame is noise to the user.
        frames = exc.__traceback__.tb_next if exc.__traceback__ else None
        raise TaskError(
            f"asset {asset.name!r} partition {partition} raised {type(exc).__name__}: {exc}",
            asset=asset.name,
            partition=partition,
            traceback="".join(traceback.format_exception(type(exc), exc, frames)),
        ) from exc
    table = output.table
    staged = stage_table(table, storage, asset.name, partition, frame=output.frame)
    if flat_schema(table.schema):
        # What a downstream task in this worker would read back (nulls included; see frames.py).
        frame = output.frame if output.frame is not None else pl.from_arrow(table)
        FRAMES.put(storage.uri(staged.key), frame)  # type: ignore[arg-type]
    if context is not None and context.metadata:
        staged = replace(staged, metadata=context.metadata_json())
    return staged
