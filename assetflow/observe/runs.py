"""Runs, their tasks and their logs, read from the published snapshot (never blocks a writer).

A running coordinator republishes the snapshot at least every second, so these views of a
running run lag by at most about a second.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl
from pydantic import BaseModel

from assetflow.commit.catalog import CatalogReader
from assetflow.errors import StorageError

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


class RunModel(BaseModel):
    """One run as ``asset runs --json`` prints it."""

    run_id: str
    status: str
    command: str | None
    started_at: datetime
    finished_at: datetime | None
    pid: int | None
    tasks: dict[str, int]
    """Number of tasks per state."""
    retried: int = 0
    """Tasks that needed more than one attempt."""


def _has_run_tables(reader: CatalogReader) -> bool:
    try:
        reader.sql("select 1 from assetflow.task_events limit 0")
    except (StorageError, duckdb.Error):  # no catalog yet, or one older than run state
        return False
    return True


def list_runs(reader: CatalogReader, limit: int = 20) -> list[RunModel]:
    """The most recent runs, newest first, with task counts by state."""
    if not _has_run_tables(reader):
        return []
    runs = reader.sql(
        "select run_id, status, command, started_at, finished_at, pid from assetflow.runs "
        "order by started_at desc, run_id desc limit ?",
        [limit],
    )
    counts = reader.sql(
        """select run_id, status, count(*) as n, count(*) filter (where attempts > 1) as retried
           from assetflow.task_states
           where run_id in (select run_id from assetflow.runs
                            order by started_at desc, run_id desc limit ?)
           group by run_id, status""",
        [limit],
    )
    by_run: dict[str, dict[str, int]] = {}
    retried: dict[str, int] = {}
    for run_id, status, n, again in counts.iter_rows():
        by_run.setdefault(run_id, {})[status] = n
        retried[run_id] = retried.get(run_id, 0) + again
    return [
        RunModel(**row, tasks=by_run.get(row["run_id"], {}), retried=retried.get(row["run_id"], 0))
        for row in runs.iter_rows(named=True)
    ]


def run_info(reader: CatalogReader, run_id: str) -> RunModel | None:
    """One run, or None if the snapshot does not know it."""
    if not _has_run_tables(reader):
        return None
    rows = reader.sql(
        "select run_id, status, command, started_at, finished_at, pid from assetflow.runs "
        "where run_id = ?",
        [run_id],
    )
    if not rows.height:
        return None
    counts = reader.sql(
        """select status, count(*) as n, count(*) filter (where attempts > 1) as retried
           from assetflow.task_states where run_id = ? group by status""",
        [run_id],
    )
    return RunModel(
        **rows.row(0, named=True),
        tasks={status: n for status, n, _ in counts.iter_rows()},
        retried=int(counts["retried"].sum()),
    )


def run_tasks(reader: CatalogReader, run_id: str) -> pl.DataFrame:
    """Every task of a run: state, attempts, last error, in the order they were queued."""
    return reader.sql(
        """with first as (
               select asset, partition, min(seq) as queued_seq,
                      min(event_at) filter (where status = 'running') as started_at,
                      max(event_at) as updated_at
               from assetflow.task_events where run_id = ? group by asset, partition
           ),
           last_error as (
               select asset, partition, arg_max(error_message, attempt) as error
               from assetflow.attempts where run_id = ? and error_message is not null
               group by asset, partition
           )
           select s.asset, s.partition, s.status, s.attempts, f.started_at, f.updated_at,
                  e.error
           from assetflow.task_states s
           join first f using (asset, partition)
           left join last_error e using (asset, partition)
           where s.run_id = ?
           order by f.queued_seq""",
        [run_id, run_id, run_id],
    )


def run_logs(
    reader: CatalogReader,
    run_id: str,
    *,
    asset: str | None = None,
    partition: str | None = None,
    attempt: int | None = None,
    after: int = 0,
) -> pl.DataFrame:
    """Captured log lines of a run (optionally one asset / partition / attempt), in order.

    ``after`` skips lines up to that sequence number (for following a running run).
    """
    where = ["run_id = ?", "seq > ?"]
    params: list = [run_id, after]
    for column, value in (("asset", asset), ("partition", partition), ("attempt", attempt)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return reader.sql(
        "select seq, asset, partition, attempt, logged_at, stream, message from assetflow.logs "
        f"where {' and '.join(where)} order by seq",
        params,
    )


def attempt_outcomes(reader: CatalogReader, run_id: str) -> dict[tuple[str, str, int], str]:
    """(asset, partition, attempt) -> how the attempt ended, e.g. ``failed: HTTPError``."""
    rows = reader.sql(
        "select asset, partition, attempt, status, error_type from assetflow.attempts "
        "where run_id = ?",
        [run_id],
    )
    return {
        (a, p, n): status + (f": {kind}" if kind else "")
        for a, p, n, status, kind in rows.iter_rows()
    }
