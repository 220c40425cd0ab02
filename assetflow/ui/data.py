"""Where the UI's data comes from: THE SEAM THE READ MODEL (issue 11) REPLACES.

Every page and payload asks :class:`UiData` and nothing else, so wiring the observability read
model (pure queries over the published snapshot, behind the warehouse handle of issue 10) means
rewriting the bodies below and nothing in ``app.py``, the templates or the painters. Until
then it reads through today's public APIs: :meth:`Project.status` for the statuses,
:class:`AssetGraph` for lineage, and the warehouse handle's reader (``reader.runs``,
``observe/runs.py``) for runs and attempts.

What each page needs from the read model is listed in ``assetflow/ui/README.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from assetflow.observe.runs import RunModel, list_runs, run_info
from assetflow.project import Project
from assetflow.ui.cache import SnapshotCache
from assetflow.ui.gantt import TaskSpan
from assetflow.ui.matrix import StatusMatrix, build_matrix


@dataclass(frozen=True)
class PartitionInfo:
    """What the partition page shows today (the read model adds the why chain and inputs)."""

    asset: str
    partition: str
    status: str
    reason: str
    history: list[dict[str, object]]


class UiData:
    """Read-only answers for the pages, from the published snapshot of ``project``'s warehouse.

    Statuses and matrices are cached per (snapshot, minute) in a :class:`SnapshotCache`: after a
    publish, pages get the previous snapshot's values at once while the new ones are computed.
    """

    def __init__(self, project: Project, clock: Callable[[], datetime]) -> None:
        self.project = project
        self.graph = project.graph
        self.clock = clock
        self._cache = SnapshotCache()

    def snapshot_tag(self) -> str:
        """Names the published snapshot; changes whenever a writer publishes, sorts by age."""
        path = self.project.warehouse.root / PUBLISHED_CATALOG
        try:
            st = path.stat()
        except FileNotFoundError:
            return "0" * 16
        digest = hashlib.blake2s(f"{st.st_ino}:{st.st_size}".encode(), digest_size=4).hexdigest()
        return f"{st.st_mtime_ns:016x}-{digest}"

    def status_cells(self, as_of: datetime) -> pl.DataFrame:
        """``asset, partition, status, reason`` for every due or committed partition.

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
        frame = self.project.status(as_of=as_of).frame.select(
            "asset", "partition", "status", "reason"
        )
        overlay = self._overlays()
        if overlay.height == 0:
            return frame
        joined = frame.join(overlay, on=["asset", "partition"], how="left")
        running = pl.col("overlay") == "running"
        return joined.with_columns(
            status=pl.when(running).then(pl.lit("running")).otherwise(pl.col("status")),
            reason=pl.when(running)
            .then(pl.lit("being materialized; was: ") + pl.col("reason"))
            .otherwise(pl.col("reason")),
        ).drop("overlay")

    def partition(self, asset: str, key: str, as_of: datetime) -> PartitionInfo:
        """Status, reason and materialization history of one partition."""
        cells = self.status_cells(as_of).filter(
            (pl.col("asset") == asset) & (pl.col("partition") == key)
        )
        status, reason = ("missing", "not due, or never committed")
        if cells.height:
            status, reason = cells["status"][0], cells["reason"][0]
        with self.project.warehouse.reader() as reader:
            history = reader.history(asset, key)
        columns = ["id", "run_id", "data_version", "code_version", "row_count", "bytes"]
        rows = history.select([c for c in (*columns, "finished_at") if c in history.columns])
        return PartitionInfo(asset, key, status, reason, rows.to_dicts())

    def runs(self, limit: int = 50) -> list[RunModel]:
        """Recent runs, newest first."""
        with self.project.warehouse.reader() as reader:
            return list_runs(reader, limit)

    def run(self, run_id: str) -> RunModel | None:
        """One run, or None when the snapshot does not know it."""
        with self.project.warehouse.reader() as reader:
            return run_info(reader, run_id)

    def spans(self, run_id: str) -> list[TaskSpan]:
        """Every attempt of a run as a Gantt bar (a running attempt has no end yet)."""
        with self.project.warehouse.reader() as reader:
            rows = reader.runs.attempt_spans(run_id)
        columns = ("asset", "partition", "attempt", "started_at", "finished_at", "state")
        return [TaskSpan(*row) for row in rows.sort("started_at").select(columns).iter_rows()]

    def _overlays(self) -> pl.DataFrame:
        """``running`` for partitions whose latest task is running in a live run."""
        with self.project.warehouse.reader() as reader:
            running = reader.runs.running_partitions()
        return running.with_columns(overlay=pl.lit("running"))
