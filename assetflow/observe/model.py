"""The read model: one object answering every read-side question about a project's warehouse.

The CLI, the notebook reprs (through :class:`assetflow.Project`) and the web UI ask a
:class:`ReadModel`; each question opens the latest published snapshot, runs pure queries over
it (SQL and polars) and returns a report object with text (``render()``/``repr``), HTML
(``_repr_html_``), ``to_polars()`` and ``to_json()``. Nothing here writes or holds the live
catalog, so a reader never blocks a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import polars as pl

from assetflow.commit.warehouse import Warehouse
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.define.schedule import Schedule
from assetflow.errors import PartitionKeyError, SelectionError
from assetflow.observe.history import (
    asset_by_run,
    asset_latest,
    partition_failures,
    partition_versions,
    version_inputs,
)
from assetflow.observe.history_report import AssetHistory, PartitionHistory
from assetflow.observe.inputs import input_files
from assetflow.observe.lineage import Direction, lineage_frames, related
from assetflow.observe.lineage_report import Lineage
from assetflow.observe.partition_status import all_statuses, running_tasks
from assetflow.observe.run_report import RunList, RunReport
from assetflow.observe.runs import list_runs, run_info, run_tasks
from assetflow.observe.snapshot import Snapshot, published_snapshot, snapshot_tag
from assetflow.observe.timeline import critical_path, run_spans
from assetflow.observe.timeline_report import Timeline
from assetflow.observe.why import Explainer
from assetflow.observe.why_report import WhyChain


class ReadModel:
    """Read-side questions about ``graph``'s warehouse at ``root``.

    Args:
        graph: the project's assets (lineage, mappings, partitions).
        warehouse: the warehouse handle (its lock timeout bounds the wait for a snapshot
            file momentarily locked).
        schedules: the project's schedules (lineage shows which run each asset).
    """

    def __init__(
        self,
        graph: AssetGraph,
        warehouse: Warehouse,
        *,
        schedules: tuple[Schedule, ...] = (),
    ) -> None:
        self.graph = graph
        self.warehouse = warehouse
        self.root = warehouse.root
        self.schedules = schedules

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """The latest published snapshot, open for a few queries (see :class:`Snapshot`)."""
        with published_snapshot(self.warehouse) as snap:
            yield snap

    def snapshot_tag(self) -> str:
        """Identifies the latest published snapshot (a cache key / ETag); cheap (one stat)."""
        return snapshot_tag(self.root)

    # -- status ---------------------------------------------------------------------------

    def statuses(self, as_of: datetime) -> pl.DataFrame:
        """Every due or committed partition: ``asset, partition, status, reason,
        data_version, code_version`` (the planner's statuses). Computed once per published
        snapshot and as-of minute, then served from memory until a writer publishes."""
        with self.snapshot() as snap:
            return all_statuses(self.graph, snap, self.root, as_of)

    def running(self) -> pl.DataFrame:
        """``asset, partition`` of the tasks running (or waiting to retry) right now."""
        with self.snapshot() as snap:
            return running_tasks(snap)

    # -- runs -----------------------------------------------------------------------------

    def runs(self, limit: int = 20) -> RunList:
        """The most recent runs, newest first."""
        with self.snapshot() as snap:
            return RunList(list_runs(snap, limit))

    def run(self, run_id: str) -> RunReport:
        """One run (``run_id`` may be a unique prefix) with every task."""
        with self.snapshot() as snap:
            found = snap.find_run(run_id)
            info = run_info(snap, found)
            if info is None:
                raise SelectionError(f"unknown run {run_id!r}; `asset runs` lists the recent runs")
            return RunReport(info, run_tasks(snap, found, live=info.status == "running"))

    def timeline(self, run_id: str, now: datetime) -> Timeline:
        """Every attempt of a run on a time axis, and its critical path (``now`` ends the bars
        of attempts still running)."""
        with self.snapshot() as snap:
            found = snap.find_run(run_id)
            info = run_info(snap, found)
            if info is None:
                raise SelectionError(f"unknown run {run_id!r}; `asset runs` lists the recent runs")
            spans = run_spans(snap, found, live=info.status == "running")
        return Timeline(info, spans, critical_path(self.graph, spans), now)

    # -- history --------------------------------------------------------------------------

    def partition_history(self, asset: str, partition: str) -> PartitionHistory:
        """Every version of one partition (with what it read) and every failed attempt.

        ``partition`` is parsed as the asset's partitions definition reads keys.
        """
        key = self.key(asset, partition)
        with self.snapshot() as snap:
            versions = partition_versions(snap, asset, key)
            inputs = version_inputs(snap, versions["id"].to_list())
            failures = partition_failures(snap, asset, key)
        return PartitionHistory(asset, key, versions, inputs, failures)

    def asset_history(self, asset: str) -> AssetHistory:
        """Per partition of ``asset`` its latest state; per run what it built; trends."""
        definition = self.graph[asset].partitions
        partitioning = definition.describe() if definition else "unpartitioned"
        with self.snapshot() as snap:
            return AssetHistory(
                asset, partitioning, asset_latest(snap, asset), asset_by_run(snap, asset)
            )

    def key(self, asset: str, partition: str | None) -> str:
        """The canonical key of ``partition`` of ``asset`` (the implicit one when unpartitioned).

        Raises:
            PartitionKeyError: the key is not one of the asset's (the message shows the form).
        """
        definition = self.graph[asset].partitions
        if definition is None:
            if partition not in (None, UNPARTITIONED):
                raise PartitionKeyError(f"{asset} is not partitioned; leave out --partition")
            return UNPARTITIONED
        if partition is None:
            raise PartitionKeyError(
                f"{asset} is partitioned ({definition.describe()}); name one with --partition"
            )
        return definition.parse_key(partition)

    # -- why ------------------------------------------------------------------------------

    def why(self, asset: str, partition: str | None, as_of: datetime) -> WhyChain:
        """Why one partition is fresh, stale, missing or failed, down to the root causes."""
        key = self.key(asset, partition)
        with self.snapshot() as snap:
            explainer = Explainer(self.graph, snap, as_of)
            status, reason = explainer.explain(asset, key)
            failed_in = explainer.failed_run(asset, key) if status == "failed" else None
        target = asset if key == UNPARTITIONED else f"{asset} --partition {key}"
        steps = []
        if status in ("stale", "missing", "failed"):
            steps.append(f"asset materialize {target}")
        if failed_in:
            where = asset if key == UNPARTITIONED else f"{asset}:{key}"
            steps += [f"asset runs resume {failed_in}", f"asset logs {failed_in} {where}"]
        return WhyChain(asset, key, status, reason, explainer.causes, steps)

    # -- lineage --------------------------------------------------------------------------

    def lineage(self, asset: str | None = None, direction: Direction = "both") -> Lineage:
        """The asset graph with mappings, partitioning, schedules and policies; with
        ``asset``, only what is upstream and/or downstream of it."""
        names = list(self.graph.order) if asset is None else related(self.graph, asset, direction)
        nodes, edges = lineage_frames(self.graph, names, self.schedules)
        return Lineage(nodes, edges, None if asset is None else self.graph[asset].name, direction)

    # -- inputs ---------------------------------------------------------------------------

    def input_files(self, asset: str, partition: str | None) -> dict[str, list[str]]:
        """Per data input of ``asset``, the storage keys of the committed files ``partition``
        reads (in the order a run passes them)."""
        key = self.key(asset, partition)
        with self.snapshot() as snap:
            return input_files(self.graph, snap, asset, key)
