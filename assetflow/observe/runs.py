"""Runs and their tasks: pure queries over the published snapshot (their log lines and
attempt outcomes are the catalog reader's own questions: ``snap.runs.logs``,
``snap.runs.attempt_outcomes``).

A running coordinator republishes the snapshot at least every second, so a running run shows
here about a second behind. Finished runs are read from ``assetflow.tasks`` (one final row per
task); a running run's tasks from ``assetflow.task_states`` (the latest event of each).
"""

from __future__ import annotations

import polars as pl

from assetflow.commit.row_models import RunRecord
from assetflow.observe.snapshot import Snapshot

STATES = (
    "queued",
    "running",
    "retrying",
    "succeeded",
    "skipped",
    "failed",
    "upstream_failed",
    "cancelled",
    "interrupted",
)

TASK_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "status": pl.String,
    "attempts": pl.Int32,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "seconds": pl.Float64,
    "rows": pl.Int64,
    "bytes": pl.Int64,
    "detail": pl.String,
}
"""One row per task of a run (:func:`run_tasks`)."""


class RunModel(RunRecord):
    """One run as ``asset runs --json`` prints it."""

    tasks: dict[str, int]
    """Number of tasks per state."""
    retried: int = 0
    """Tasks that needed more than one attempt."""
    seconds: float | None = None
    """Wall time of the run (None while it runs)."""
    attempts: int = 0
    """Attempts of all its tasks (retries included)."""
    rows: int = 0
    """Rows of the partitions it committed."""
    bytes: int = 0
    """Bytes of the partitions it committed."""


# Task counts per run and state: final rows for finished runs (first list of ids), the latest
# event of each task for running ones (second list; their tasks have no final row yet). The
# filter on run_id reaches into the task_states view, so only those runs' events are read.
_COUNTS_SQL = """
select run_id, status, count(*)::bigint as n,
       count(*) filter (where attempts > 1)::bigint as retried
from (select run_id, status, attempts from assetflow.tasks
      where list_contains(?::varchar[], run_id)
      union all
      select run_id, status, attempts from assetflow.task_states
      where list_contains(?::varchar[], run_id))
group by run_id, status
"""
_OUTPUT_SQL = """
select run_id, sum(row_count)::bigint as rows, sum(bytes)::bigint as bytes
from assetflow.materializations where list_contains(?::varchar[], run_id) group by run_id
"""
_ATTEMPTS_SQL = """
select run_id, count(*)::bigint as attempts from assetflow.attempts
where list_contains(?::varchar[], run_id) group by run_id
"""


def list_runs(snap: Snapshot, limit: int = 20) -> list[RunModel]:
    """The most recent runs, newest first, with task counts by state, retries and output."""
    if not snap.has("task_events"):  # no catalog yet, or one older than run state
        return []
    return _models(snap, snap.runs.recent(limit))


def run_info(snap: Snapshot, run_id: str) -> RunModel | None:
    """One run, or None if the snapshot does not know it."""
    if not snap.has("task_events"):
        return None
    found = snap.runs.get(run_id)
    return _models(snap, [found])[0] if found is not None else None


def _models(snap: Snapshot, runs: list[RunRecord]) -> list[RunModel]:
    ids = [r.run_id for r in runs]
    if not ids:
        return []
    live = [r.run_id for r in runs if r.status == "running"]
    done = [i for i in ids if i not in live]
    counts: dict[str, dict[str, int]] = {}
    retried: dict[str, int] = {}
    for run_id, status, n, again in snap.sql(_COUNTS_SQL, [done, live]).iter_rows():
        counts.setdefault(run_id, {})[status] = n
        retried[run_id] = retried.get(run_id, 0) + again
    output = {r: (rows, size) for r, rows, size in snap.sql(_OUTPUT_SQL, [ids]).iter_rows()}
    attempts = dict(snap.sql(_ATTEMPTS_SQL, [ids]).iter_rows())
    models = []
    for run in runs:
        run_id, end = run.run_id, run.finished_at
        rows, size = output.get(run_id, (0, 0))
        models.append(
            RunModel(
                **run.model_dump(),
                tasks={s: counts[run_id][s] for s in STATES if s in counts.get(run_id, {})},
                retried=retried.get(run_id, 0),
                seconds=(end - run.started_at).total_seconds() if end else None,
                attempts=attempts.get(run_id, 0),
                rows=rows or 0,
                bytes=size or 0,
            )
        )
    return models


def run_tasks(snap: Snapshot, run_id: str, *, live: bool = False) -> pl.DataFrame:
    """Every task of a run (:data:`TASK_SCHEMA`), in the order they started.

    ``detail`` is the first line of the last error of a failed task, else why the task ended
    as it did (``upstream sales_raw 2026-04-08 did not succeed``). ``live``: the run is still
    running (its tasks are read from their latest events).
    """
    source = (
        """select s.asset, s.partition, s.status, s.attempts,
                  f.started_at, f.finished_at, f.reason
           from (select * from assetflow.task_states where run_id = $1) s
           left join (select asset, partition, started_at, finished_at, reason
                      from assetflow.tasks where run_id = $1) f using (asset, partition)"""
        if live
        else """select asset, partition, status, attempts, started_at, finished_at, reason
                from assetflow.tasks where run_id = $1"""
    )
    # The first 'running' event is when a task started, also for one that is still running.
    frame = snap.sql(
        f"""with t as ({source}),
           began as (select asset, partition, min(event_at) as began
                     from assetflow.task_events where run_id = $1 and status = 'running'
                     group by asset, partition),
           errors as (select asset, partition,
                             arg_max(error_message, attempt) as error
                      from assetflow.attempts
                      where run_id = $1 and error_message is not null
                      group by asset, partition),
           output as (select asset, partition, row_count, bytes
                      from assetflow.materializations where run_id = $1)
           select t.asset, t.partition, t.status, t.attempts,
                  coalesce(t.started_at, b.began) as started_at, t.finished_at,
                  epoch(t.finished_at - coalesce(t.started_at, b.began)) as seconds,
                  o.row_count as rows, o.bytes,
                  split_part(case when t.status = 'succeeded' then null
                                  else coalesce(e.error, t.reason) end, chr(10), 1) as detail
           from t
           left join began b using (asset, partition)
           left join errors e using (asset, partition)
           left join output o using (asset, partition)
           order by started_at nulls last, t.asset, t.partition""",
        [run_id],
    )
    return frame.cast(TASK_SCHEMA) if frame.height else pl.DataFrame(schema=TASK_SCHEMA)


def run_assets(tasks: pl.DataFrame) -> pl.DataFrame:
    """Per asset of a run's :func:`run_tasks`: tasks by outcome, retries, time, rows, bytes."""
    return (
        tasks.group_by("asset", maintain_order=True)
        .agg(
            tasks=pl.len(),
            succeeded=(pl.col("status") == "succeeded").sum(),
            failed=(pl.col("status") == "failed").sum(),
            other=(~pl.col("status").is_in(["succeeded", "failed"])).sum(),
            retried=(pl.col("attempts") > 1).sum(),
            started_at=pl.col("started_at").min(),
            finished_at=pl.col("finished_at").max(),
            median_s=pl.col("seconds").median(),
            max_s=pl.col("seconds").max(),
            rows=pl.col("rows").sum(),
            bytes=pl.col("bytes").sum(),
        )
        .with_columns(pl.col(c).cast(pl.Int64) for c in ("succeeded", "failed", "other"))
    )
