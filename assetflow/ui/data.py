"""Where the UI's data comes from: the observability read model, and nothing else.

Every page and payload asks :class:`UiData`, which asks the project's
:class:`~assetflow.observe.model.ReadModel`: pure queries over the latest *published snapshot*,
never the live catalog, so an open UI never blocks a run and a run never blocks the UI. No other
module of ``assetflow.ui`` reads the warehouse.

The statuses of every partition (the planner's work, about a second at 365,000 partitions) are
computed once per snapshot by the read model; :class:`SnapshotCache` adds stale-while-revalidate
on top, so after a publish a page gets the previous snapshot's matrix at once while the new one
is computed in the background.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from assetflow.automation.backfill import process_alive
from assetflow.observe.attempts import partition_attempts, partition_logs
from assetflow.observe.backfills import backfills
from assetflow.observe.gantt import TaskSpan
from assetflow.observe.history_report import AssetHistory, PartitionHistory
from assetflow.observe.runs import RunModel, list_runs, run_info, run_tasks
from assetflow.observe.schemas import asset_schemas
from assetflow.observe.timeline import run_spans
from assetflow.observe.why_report import WhyChain
from assetflow.plan.planner import Plan
from assetflow.project import Project
from assetflow.ui.cache import SnapshotCache
from assetflow.ui.matrix import StatusMatrix, build_matrix

LOG_LINES = 500
"""Log lines a page shows at most (the newest are cut; ``asset logs`` prints them all)."""


@dataclass(frozen=True)
class RunDetail:
    """Everything the run page shows about one run."""

    run: RunModel
    tasks: pl.DataFrame
    """:data:`~assetflow.observe.runs.TASK_SCHEMA`, in the order they started."""
    spans: list[TaskSpan]
    """Every attempt as a Gantt bar (a running attempt has no end yet)."""
    logs: pl.DataFrame
    """The first :data:`LOG_LINES` captured lines, in order."""


@dataclass(frozen=True)
class PartitionInfo:
    """Everything the partition page shows about one partition."""

    status: str
    reason: str
    why: WhyChain
    history: PartitionHistory
    attempts: pl.DataFrame
    """Every ended attempt, newest first (:data:`~assetflow.observe.attempts.ATTEMPT_SCHEMA`)."""
    logs: pl.DataFrame
    """Their newest log lines (:data:`~assetflow.observe.attempts.LOG_SCHEMA`)."""


class UiData:
    """Read-only answers for the pages, from the published snapshot of ``project``'s warehouse."""

    def __init__(self, project: Project, clock: Callable[[], datetime]) -> None:
        self.project = project
        self.graph = project.graph
        self.model = project.read_model
        self.clock = clock
        self._cache = SnapshotCache()

    def snapshot_tag(self) -> str:
        """Names the published snapshot; changes whenever a writer publishes, sorts by age."""
        return self.model.snapshot_tag()

    # -- statuses ---------------------------------------------------------------------------

    def status_cells(self, as_of: datetime) -> pl.DataFrame:
        """``asset, partition, status, reason, data_version`` for every due or committed
        partition.

        ``status`` is the planner's (fresh / stale / missing / failed) with one overlay from run
        state: ``running`` for a task of a live run.
        """
        return self._cells(as_of, exact=False)

    def matrix(self, as_of: datetime, assets: tuple[str, ...] | None = None) -> StatusMatrix:
        """The status matrix of ``assets`` (all when None)."""
        return self.matrix_version(as_of, assets)[0]

    def matrix_version(
        self, as_of: datetime, assets: tuple[str, ...] | None = None
    ) -> tuple[StatusMatrix, str]:
        """The matrix and a tag of the snapshot and minute it shows (the payload's ETag)."""

        def compute() -> StatusMatrix:
            # Exactly this version's statuses: a matrix must not pair new keys with old cells.
            return build_matrix(self.graph, self._cells(as_of, exact=True), as_of, assets)

        value, version = self._cache.get(("matrix", assets), self._version(as_of), compute)
        return value, "-".join(version)

    def warm_up(self) -> None:
        """Compute the overview now, so the first page a user opens is served from cache."""
        self.matrix(self.clock())

    def _version(self, as_of: datetime) -> tuple[str, str]:
        return self.snapshot_tag(), as_of.strftime("%Y%m%d%H%M")

    def _cells(self, as_of: datetime, *, exact: bool) -> pl.DataFrame:
        def compute() -> pl.DataFrame:
            return self._status_cells(as_of)

        return self._cache.get(("cells",), self._version(as_of), compute, exact=exact)[0]

    def _status_cells(self, as_of: datetime) -> pl.DataFrame:
        frame = self.model.statuses(as_of).select(
            "asset", "partition", "status", "reason", "data_version"
        )
        running = self.model.running()
        if running.height == 0:
            return frame
        joined = frame.join(
            running.with_columns(pl.lit(True).alias("live")), on=["asset", "partition"], how="left"
        )
        live = pl.col("live").fill_null(False)
        return joined.with_columns(
            status=pl.when(live).then(pl.lit("running")).otherwise(pl.col("status")),
            reason=pl.when(live)
            .then(pl.lit("being materialized; was: ") + pl.col("reason"))
            .otherwise(pl.col("reason")),
        ).drop("live")

    # -- assets and partitions ----------------------------------------------------------------

    def asset_history(self, asset: str) -> AssetHistory:
        """Per partition its latest state, what each run built, trends (read model); computed
        once per published snapshot."""
        return self._per_snapshot(("history", asset), lambda: self.model.asset_history(asset))

    def schemas(self, asset: str) -> pl.DataFrame:
        """The column lists of ``asset``'s current partitions, most recent first."""

        def compute() -> pl.DataFrame:
            with self.model.snapshot() as snap:
                return asset_schemas(snap, asset)

        return self._per_snapshot(("schemas", asset), compute)

    def partition(self, asset: str, key: str, as_of: datetime) -> PartitionInfo:
        """Status (as the matrix shows it), why chain, versions with their inputs, attempts and
        logs of one partition."""
        cells = self.status_cells(as_of)
        mine = cells.filter((pl.col("asset") == asset) & (pl.col("partition") == key))
        why = self.model.why(asset, key, as_of)
        status, reason = (
            (mine["status"][0], mine["reason"][0]) if mine.height else (why.status, why.reason)
        )
        history = self.model.partition_history(asset, key)
        with self.model.snapshot() as snap:
            attempts = partition_attempts(snap, asset, key)
            logs = partition_logs(snap, asset, key, LOG_LINES)
        return PartitionInfo(status, reason, why, history, attempts, logs)

    def _per_snapshot(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per published snapshot (exactly that snapshot's value)."""
        version = (self.snapshot_tag(), "")
        return self._cache.get(key, version, compute, exact=True)[0]

    # -- runs ---------------------------------------------------------------------------------

    def runs(self, limit: int = 50) -> list[RunModel]:
        """Recent runs, newest first."""
        with self.model.snapshot() as snap:
            return list_runs(snap, limit)

    def run_detail(self, run_id: str) -> RunDetail | None:
        """One run with its tasks, its attempts as Gantt bars and its first log lines (one
        snapshot; computed once per published snapshot); None for an unknown run."""

        def compute() -> RunDetail | None:
            with self.model.snapshot() as snap:
                info = run_info(snap, run_id)
                if info is None:
                    return None
                live = info.status == "running"
                tasks = run_tasks(snap, run_id, live=live)
                spans = run_spans(snap, run_id, live=live)
                logs = snap.runs.logs(run_id) if snap.has("logs") else _NO_LOGS
            columns = ("asset", "partition", "attempt", "start", "end", "state")
            bars = [TaskSpan(*row) for row in spans.select(columns).iter_rows()]
            return RunDetail(info, tasks, bars, logs.head(LOG_LINES))

        return self._per_snapshot(("run", run_id), compute)

    def backfills(self) -> pl.DataFrame:
        """Recorded backfills, newest first, with their progress; one recorded as running whose
        process is gone reads ``interrupted`` (as ``asset backfills`` says)."""
        with self.model.snapshot() as snap:
            found = backfills(snap)
        gone = [p is not None and not process_alive(p) for p in found["pid"]]
        return found.with_columns(
            state=pl.when((pl.col("state") == "running") & pl.Series(gone, dtype=pl.Boolean))
            .then(pl.lit("interrupted"))
            .otherwise(pl.col("state"))
        )

    def plan(
        self, selection: list[str] | None, key_range: tuple[str, str] | None, force: bool,
        as_of: datetime,
    ) -> Plan:  # fmt: skip
        """What ``asset materialize SELECTION --from --to [--force] --dry-run`` would run
        (planned over the published snapshot, like every read)."""
        return self.project.plan(selection, partition_range=key_range, force=force, as_of=as_of)


_NO_LOGS = pl.DataFrame(
    schema={
        "seq": pl.Int64,
        "asset": pl.String,
        "partition": pl.String,
        "attempt": pl.Int32,
        "logged_at": pl.Datetime("us", "UTC"),
        "stream": pl.String,
        "message": pl.String,
    }
)
