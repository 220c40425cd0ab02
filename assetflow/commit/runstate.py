"""Run state rows (task events, attempts, task summaries, log lines), buffered and bulk-written.

The coordinator records every task transition as it happens, but a DuckDB statement costs about
a millisecond whatever its size, so rows are buffered here and written a table at a time inside
the next catalog transaction (usually the one that commits finished partitions). The tables are
append-only (see ``schema.py``): no row is ever updated, so no write scans a growing table.
The functions at the end are the writer's run bookkeeping (``CatalogWriter.start_run`` ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from assetflow.commit.session import CatalogSession

TERMINAL = ("succeeded", "failed", "upstream_failed", "skipped", "cancelled", "interrupted")
"""Task states after which a task never changes again within its run."""

_TS = pa.timestamp("us", tz="UTC")
_SCHEMAS = {
    "task_events": pa.schema(
        [
            ("run_id", pa.string()),
            ("seq", pa.int64()),
            ("asset", pa.string()),
            ("partition", pa.string()),
            ("status", pa.string()),
            ("attempt", pa.int32()),
            ("event_at", _TS),
            ("detail", pa.string()),
        ]
    ),
    "attempts": pa.schema(
        [
            ("run_id", pa.string()),
            ("asset", pa.string()),
            ("partition", pa.string()),
            ("attempt", pa.int32()),
            ("status", pa.string()),
            ("started_at", _TS),
            ("finished_at", _TS),
            ("error_type", pa.string()),
            ("error_message", pa.string()),
            ("traceback", pa.string()),
        ]
    ),
    "tasks": pa.schema(
        [
            ("run_id", pa.string()),
            ("asset", pa.string()),
            ("partition", pa.string()),
            ("status", pa.string()),
            ("attempts", pa.int32()),
            ("reason", pa.string()),
            ("error", pa.string()),
            ("started_at", _TS),
            ("finished_at", _TS),
        ]
    ),
    "logs": pa.schema(
        [
            ("run_id", pa.string()),
            ("seq", pa.int64()),
            ("asset", pa.string()),
            ("partition", pa.string()),
            ("attempt", pa.int32()),
            ("logged_at", _TS),
            ("stream", pa.string()),
            ("message", pa.string()),
        ]
    ),
}
# Below this many rows a parameterised VALUES list is cheaper than building an Arrow table.
_SMALL = 4


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple]) -> None:
    """Append ``rows`` (tuples in column order) to ``assetflow.<table>`` in one statement.

    Few rows go as a parameterised VALUES list; more as an Arrow table, whose cost barely grows
    with its length (VALUES costs ~0.15 ms per row to bind).
    """
    if not rows:
        return
    if len(rows) <= _SMALL:
        one = "(" + ", ".join("?" * len(rows[0])) + ")"
        con.execute(
            f"insert into assetflow.{table} values " + ", ".join([one] * len(rows)),
            [v for row in rows for v in row],
        )
        return
    schema = _SCHEMAS.get(table)
    columns = list(zip(*rows, strict=True))
    if schema is None:
        frame = pa.table({f"c{n}": pa.array(c) for n, c in enumerate(columns)})
    else:
        arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
        frame = pa.table(arrays, schema=schema)
    con.from_arrow(frame).insert_into(f"assetflow.{table}")


@dataclass
class RunStateWriter:
    """Run-state rows of one run waiting for the next catalog transaction.

    ``seq`` numbers events and log lines in the order the coordinator saw them, so readers
    (``asset logs --follow``) can ask for "everything after N".
    """

    run_id: str
    seq: int = 0
    rows: dict[str, list[tuple]] = field(
        default_factory=lambda: {name: [] for name in ("task_events", "attempts", "tasks", "logs")}
    )

    @property
    def pending(self) -> bool:
        return any(self.rows.values())

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def event(
        self,
        asset: str,
        partition: str,
        status: str,
        attempt: int,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        """A task moved to ``status`` (queued, running, retrying, succeeded, ...)."""
        self.rows["task_events"].append(
            (self.run_id, self._next(), asset, partition, status, attempt, at, detail)
        )

    def attempt(
        self,
        asset: str,
        partition: str,
        attempt: int,
        status: str,
        started_at: datetime,
        finished_at: datetime,
        error: tuple[str, str, str | None] | None = None,
    ) -> None:
        """One attempt ended; ``error`` is (type, message, traceback) when it failed."""
        kind, message, trace = error or (None, None, None)
        self.rows["attempts"].append(
            (
                self.run_id,
                asset,
                partition,
                attempt,
                status,
                started_at,
                finished_at,
                kind,
                message,
                trace,
            )
        )

    def task(
        self,
        asset: str,
        partition: str,
        status: str,
        attempts: int,
        reason: str | None,
        error: str | None,
        started_at: datetime | None,
        finished_at: datetime,
    ) -> None:
        """The task's final summary row (``assetflow.tasks``)."""
        self.rows["tasks"].append(
            (
                self.run_id,
                asset,
                partition,
                status,
                attempts,
                reason,
                error,
                started_at,
                finished_at,
            )
        )

    def logs(
        self,
        asset: str,
        partition: str,
        attempt: int,
        entries: Sequence[tuple[float, str, str]],
    ) -> None:
        """Captured output of an attempt: (unix time, stream, text) per line."""
        rows = self.rows["logs"]
        for when, stream, text in entries:
            at = datetime.fromtimestamp(when, UTC)
            rows.append((self.run_id, self._next(), asset, partition, attempt, at, stream, text))

    def take(self) -> RunStateWriter:
        """A writer holding the rows buffered so far; this one starts empty again."""
        taken = RunStateWriter(self.run_id, self.seq, self.rows)
        self.rows = {name: [] for name in self.rows}
        return taken

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        """Write every buffered row; call inside an open transaction."""
        for table, rows in self.rows.items():
            if rows:
                insert_rows(con, table, rows)
                rows.clear()


def interrupt_tasks(con: duckdb.DuckDBPyConnection, run_ids: Sequence[str], at: datetime) -> int:
    """Close the unfinished tasks of dead runs as ``interrupted``; return how many there were."""
    if not run_ids:
        return 0
    params = [list(run_ids)]
    open_tasks = con.execute(
        f"""select s.run_id, s.asset, s.partition, s.attempts,
                   (select max(seq) from assetflow.task_events e where e.run_id = s.run_id)
            from assetflow.task_states s
            where list_contains(?::varchar[], s.run_id) and s.status not in {TERMINAL!r}""",
        params,
    ).fetchall()
    counters: dict[str, int] = {}
    events, tasks = [], []
    for run_id, asset, partition, attempts, top in open_tasks:
        counters[run_id] = counters.get(run_id, top or 0) + 1
        detail = "the run's process died before the task finished"
        events.append(
            (run_id, counters[run_id], asset, partition, "interrupted", attempts, at, detail)
        )
        tasks.append((run_id, asset, partition, "interrupted", attempts, detail, None, None, at))
    insert_rows(con, "task_events", events)
    insert_rows(con, "tasks", tasks)
    return len(open_tasks)


def start_run(
    session: CatalogSession,
    run_id: str,
    command: str,
    started_at: datetime,
    pid: int,
    request: str | None = None,
) -> None:
    """Record a new ``running`` run; ``request`` (JSON) is what ``resume`` re-plans from."""
    with session.transaction(f"the start of run {run_id}") as con:
        con.execute(
            "insert into assetflow.runs values (?, 'running', ?, ?, null, ?)",
            [run_id, command, started_at, pid],
        )
        if request is not None:
            con.execute("insert into assetflow.run_requests values (?, ?)", [run_id, request])


def write_state(session: CatalogSession, state: RunStateWriter) -> None:
    """Write buffered run-state rows in one transaction."""
    if not state.pending:
        return
    with session.transaction(f"the state of run {state.run_id}") as con:
        state.flush(con)


def finish_run(session: CatalogSession, run_id: str, status: str, finished_at: datetime) -> None:
    with session.transaction(f"the end of run {run_id}") as con:
        con.execute(
            "update assetflow.runs set status = ?, finished_at = ? where run_id = ?",
            [status, finished_at, run_id],
        )


def record_task(
    session: CatalogSession,
    run_id: str,
    asset: str,
    partition: str,
    status: str,
    *,
    attempts: int = 0,
    reason: str | None = None,
    error: str | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Insert or replace the task row for (run, asset, partition)."""
    with session.transaction(f"the task {asset} {partition} of run {run_id}") as con:
        con.execute(
            "delete from assetflow.tasks where run_id = ? and asset = ? and partition = ?",
            [run_id, asset, partition],
        )
        con.execute(
            "insert into assetflow.tasks values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, asset, partition, status, attempts, reason, error, started_at, finished_at],
        )


def interrupt_unfinished_runs(session: CatalogSession, finished_at: datetime) -> list[str]:
    """Mark runs left ``running`` by a dead process as ``interrupted``; return their ids."""
    ids = [r[0] for r in session.rows("select run_id from assetflow.runs where status = 'running'")]
    if ids:
        with session.transaction("interrupted runs") as con:
            con.execute(
                "update assetflow.runs set status = 'interrupted', finished_at = ? "
                "where status = 'running'",
                [finished_at],
            )
            interrupt_tasks(con, ids, finished_at)
    return ids
