"""What a run reports: events while it runs, a result per task, and the run's outcome.

Task and run states are :class:`~assetflow.states.TaskStatus` and
:class:`~assetflow.states.RunStatus` (plain strings to compare and print).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from assetflow.plan.planner import display_key
from assetflow.states import FINAL_TASK_STATUSES, RunStatus, TaskStatus


@dataclass(frozen=True)
class TaskEvent:
    """Something that happened to one task; observers turn these into progress output."""

    kind: str
    """``started``, ``retrying``, a final :class:`~assetflow.states.TaskStatus` (``succeeded``,
    ``skipped``, ``failed``, ``upstream_failed``, ``cancelled``), or ``notice`` (a message about
    the run, e.g. a hook that raised)."""
    asset: str
    partition: str
    detail: str = ""
    rows: int | None = None
    seconds: float | None = None
    attempt: int = 0


@dataclass(frozen=True)
class TaskResult:
    """The final record of one task; hooks (``on_failure``/``on_success``) receive it.

    Attributes:
        status: the final :class:`~assetflow.states.TaskStatus`: ``succeeded``, ``skipped``,
            ``failed``, ``upstream_failed`` or ``cancelled``.
        detail: the error message of a failed task, else why it ended as it did.
        seconds: wall time from the first attempt's start to the end.
        attempts: how many attempts ran (0 when it never started).
        error_type: the exception type of the last failed attempt (e.g. ``HTTPError``).
        traceback: the traceback of the last failed attempt.
    """

    asset: str
    partition: str
    status: TaskStatus
    detail: str = ""
    rows: int | None = None
    seconds: float | None = None
    data_version: str | None = None
    attempts: int = 0
    error_type: str | None = None
    traceback: str | None = None
    run_id: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def label(self) -> str:
        """``asset partition`` as people read it."""
        return f"{self.asset} {display_key(self.partition)}"


_TS = pl.Datetime("us", "UTC")
_TASK_SCHEMA = {
    "asset": pl.String, "partition": pl.String, "status": pl.String, "attempts": pl.Int32,
    "rows": pl.Int64, "seconds": pl.Float64, "detail": pl.String, "error_type": pl.String,
    "data_version": pl.String, "started_at": _TS, "finished_at": _TS,
}  # fmt: skip


@dataclass
class RunResult:
    """The outcome of one run."""

    run_id: str
    status: RunStatus = RunStatus.RUNNING
    tasks: list[TaskResult] = field(default_factory=list)
    """One per task of the plan, in plan order (upstream first)."""
    resume_of: str | None = None
    """The run this one resumed, if any."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds the coordinator spent per activity (dispatch, commit, state, publish, wait)."""
    commit_batches: int = 0
    """Catalog transactions that committed partitions (group commit: fewer than partitions)."""

    @property
    def ok(self) -> bool:
        return self.status == RunStatus.SUCCEEDED

    def count(self, status: str) -> int:
        return sum(1 for t in self.tasks if t.status == status)

    @property
    def failed(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.status == TaskStatus.FAILED]

    @property
    def unfinished(self) -> list[TaskResult]:
        """Tasks a resume would run again: failed, upstream_failed or cancelled."""
        return [t for t in self.tasks if not TaskStatus(t.status).ok]

    def to_polars(self) -> pl.DataFrame:
        """One row per task: asset, partition, status, attempts, rows, seconds, detail,
        error type, data version, started and finished."""
        rows = [
            (t.asset, t.partition, str(t.status), t.attempts, t.rows, t.seconds, t.detail,
             t.error_type, t.data_version, t.started_at, t.finished_at)
            for t in self.tasks
        ]  # fmt: skip
        return pl.DataFrame(rows, schema=_TASK_SCHEMA, orient="row")

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in FINAL_TASK_STATUSES if self.count(s)]
        retried = sum(1 for t in self.tasks if t.attempts > 1)
        if retried:
            parts.append(f"{retried} needed retries")
        return f"run {self.run_id} {self.status}: " + (", ".join(parts) or "nothing to do")
