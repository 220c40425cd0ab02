"""History of partitions: every materialization and every failed attempt, as pure queries.

One partition: each committed version (data and code version, rows, bytes, duration, run, the
upstream versions it read, its metadata) and each failed or cancelled attempt, newest first.
One asset: per partition its latest state (one row each, computed in SQL), what each run built
of it, and trends of rows, bytes and duration over its partitions.
"""

from __future__ import annotations

import polars as pl

from assetflow.observe.snapshot import Snapshot

VERSION_SCHEMA = {
    "id": pl.Int64,
    "run_id": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "seconds": pl.Float64,
    "data_version": pl.String,
    "code_version": pl.String,
    "rows": pl.Int64,
    "bytes": pl.Int64,
    "current": pl.Boolean,
    "metadata": pl.String,
}
"""One committed version of a partition (:func:`partition_versions`), newest first;
``metadata``: what the asset attached with ``context.add_metadata`` (a JSON object), or null."""

INPUT_SCHEMA = {
    "id": pl.Int64,
    "upstream": pl.String,
    "partition": pl.String,
    "data_version": pl.String,
}
"""What a version read: upstream partition and its data version then (``id``: the version)."""

FAILURE_SCHEMA = {
    "run_id": pl.String,
    "attempt": pl.Int32,
    "status": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "error_type": pl.String,
    "error": pl.String,
}
"""One attempt that did not succeed (failed or cancelled), newest first."""

LATEST_SCHEMA = {
    "partition": pl.String,
    "committed": pl.Boolean,
    "data_version": pl.String,
    "code_version": pl.String,
    "rows": pl.Int64,
    "bytes": pl.Int64,
    "seconds": pl.Float64,
    "run_id": pl.String,
    "finished_at": pl.Datetime("us", "UTC"),
    "versions": pl.Int64,
    "last_task": pl.String,
    "last_task_at": pl.Datetime("us", "UTC"),
    "failed_attempts": pl.Int64,
    "metadata": pl.String,
}
"""Per partition of an asset: its current version (if any) and its latest task outcome."""

BY_RUN_SCHEMA = {
    "run_id": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "partitions": pl.Int64,
    "rows": pl.Int64,
    "bytes": pl.Int64,
    "median_s": pl.Float64,
    "max_s": pl.Float64,
}
"""Per run that committed partitions of an asset: how many, rows, bytes, task time."""


def _frame(snap: Snapshot, query: str, params: list, schema: dict) -> pl.DataFrame:
    if snap.empty:
        return pl.DataFrame(schema=schema)
    frame = snap.sql(query, params)
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)


def _metadata(snap: Snapshot) -> str:
    """A relation ``(materialization_id, metadata)``: empty for catalogs older than metadata."""
    if snap.has("metadata"):
        return "assetflow.metadata"
    return "(select null::bigint as materialization_id, null::varchar as metadata where false)"


def partition_versions(snap: Snapshot, asset: str, partition: str) -> pl.DataFrame:
    """Every committed version of one partition (:data:`VERSION_SCHEMA`), newest first."""
    return _frame(
        snap,
        f"""select m.id, m.run_id, m.started_at, m.finished_at,
                  epoch(m.finished_at - m.started_at) as seconds, m.data_version,
                  m.code_version, m.row_count as rows, m.bytes,
                  c.materialization_id is not null as current, md.metadata
           from assetflow.materializations m
           left join (select materialization_id from assetflow.current
                      where asset = $1 and partition = $2) c on c.materialization_id = m.id
           left join {_metadata(snap)} md on md.materialization_id = m.id
           where m.asset = $1 and m.partition = $2
           order by m.id desc""",
        [asset, partition],
        VERSION_SCHEMA,
    )


def version_inputs(snap: Snapshot, ids: list[int]) -> pl.DataFrame:
    """What the versions ``ids`` read (:data:`INPUT_SCHEMA`), in upstream then key order."""
    return _frame(
        snap,
        """select materialization_id as id, upstream, partition, data_version
           from assetflow.inputs where list_contains(?::bigint[], materialization_id)
           order by id desc, upstream, partition""",
        [ids],
        INPUT_SCHEMA,
    )


def partition_failures(snap: Snapshot, asset: str, partition: str) -> pl.DataFrame:
    """Every attempt of one partition that did not succeed (:data:`FAILURE_SCHEMA`)."""
    if not snap.has("attempts"):
        return pl.DataFrame(schema=FAILURE_SCHEMA)
    return _frame(
        snap,
        """select run_id, attempt, status, started_at, finished_at, error_type,
                  split_part(error_message, chr(10), 1) as error
           from assetflow.attempts
           where asset = ? and partition = ? and status <> 'succeeded'
           order by finished_at desc, attempt desc""",
        [asset, partition],
        FAILURE_SCHEMA,
    )


def asset_latest(snap: Snapshot, asset: str) -> pl.DataFrame:
    """Per partition of ``asset`` that was ever built or tried (:data:`LATEST_SCHEMA`)."""
    tasks = snap.has("tasks") and snap.has("attempts")
    task_sql = (
        """select partition, arg_max(status, finished_at) as last_task,
                  max(finished_at) as last_task_at
           from assetflow.tasks where asset = $1 and finished_at is not null
           group by partition"""
        if tasks
        else "select null::varchar as partition, null as last_task, null as last_task_at "
        "where false"
    )
    fail_sql = (
        """select partition, count(*) as failed_attempts from assetflow.attempts
           where asset = $1 and status = 'failed' group by partition"""
        if tasks
        else "select null::varchar as partition, 0 as failed_attempts where false"
    )
    return _frame(
        snap,
        f"""with cur as (
               select c.partition, m.data_version, m.code_version, m.row_count as rows,
                      m.bytes, epoch(m.finished_at - m.started_at) as seconds, m.run_id,
                      m.finished_at, md.metadata
               from assetflow.current c join assetflow.materializations m
                 on m.id = c.materialization_id
               left join {_metadata(snap)} md on md.materialization_id = m.id
               where c.asset = $1),
           counts as (select partition, count(*) as versions from assetflow.materializations
                      where asset = $1 group by partition),
           tasks as ({task_sql}),
           fails as ({fail_sql}),
           keys as (select partition from counts union select partition from tasks)
           select k.partition, cur.partition is not null as committed, cur.data_version,
                  cur.code_version, cur.rows, cur.bytes, cur.seconds, cur.run_id,
                  cur.finished_at, coalesce(counts.versions, 0) as versions,
                  tasks.last_task, tasks.last_task_at,
                  coalesce(fails.failed_attempts, 0) as failed_attempts, cur.metadata
           from keys k
           left join cur using (partition)
           left join counts using (partition)
           left join tasks using (partition)
           left join fails using (partition)
           order by k.partition""",
        [asset],
        LATEST_SCHEMA,
    )


def asset_by_run(snap: Snapshot, asset: str) -> pl.DataFrame:
    """Per run that committed partitions of ``asset`` (:data:`BY_RUN_SCHEMA`), newest first."""
    return _frame(
        snap,
        """select run_id, min(started_at) as started_at, count(*) as partitions,
                  sum(row_count) as rows, sum(bytes) as bytes,
                  median(epoch(finished_at - started_at)) as median_s,
                  max(epoch(finished_at - started_at)) as max_s
           from assetflow.materializations where asset = ?
           group by run_id order by started_at desc""",
        [asset],
        BY_RUN_SCHEMA,
    )


def trend(frame: pl.DataFrame, column: str, buckets: int) -> list[float | None]:
    """``column`` of a per-partition frame (in key order) averaged into ``buckets`` buckets;
    a bucket with no value is None."""
    n = frame.height
    if not n:
        return []
    size = max(1, -(-n // buckets))  # ceil: at most ``buckets`` buckets
    means = (
        frame.select(pl.col(column).cast(pl.Float64))
        .with_row_index("i")
        .group_by((pl.col("i") // size).alias("bucket"), maintain_order=True)
        .agg(pl.col(column).mean())
        .sort("bucket")[column]
    )
    return means.to_list()
