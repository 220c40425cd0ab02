"""The read side of :class:`assetflow.Project`: runs, timelines, history, why, lineage, inputs.

Each method asks the project's :class:`~assetflow.observe.model.ReadModel` (pure queries over
the published snapshot, never the live catalog) and returns a report that prints as text in a
terminal, renders as HTML in a notebook and converts with ``.to_polars()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from assetflow.callbacks import RunCallbacks
from assetflow.observe.notebook import NotebookProgress, default_progress

if TYPE_CHECKING:
    from assetflow.commit.warehouse import Warehouse
    from assetflow.define.graph import AssetGraph
    from assetflow.define.schedule import Schedule
    from assetflow.observe.history_report import AssetHistory, PartitionHistory
    from assetflow.observe.lineage import Direction
    from assetflow.observe.lineage_report import Lineage
    from assetflow.observe.model import ReadModel
    from assetflow.observe.run_report import RunList, RunReport
    from assetflow.observe.timeline_report import Timeline
    from assetflow.observe.why_report import WhyChain


class ObserveMixin:
    """Read-side methods of :class:`assetflow.Project`."""

    graph: AssetGraph
    warehouse: Warehouse
    clock: Callable[[], datetime]
    schedules: tuple[Schedule, ...]

    @property
    def read_model(self) -> ReadModel:
        """The read model over this project's warehouse (what the CLI and the web UI use)."""
        # Imported here: a run never reads it, and it pulls in every report (and pydantic).
        from assetflow.observe.model import ReadModel

        return ReadModel(self.graph, self.warehouse, schedules=self.schedules)

    def runs(self, limit: int = 20) -> RunList:
        """The most recent runs, newest first: status, duration, tasks per state, retries."""
        return self.read_model.runs(limit)

    def run(self, run_id: str) -> RunReport:
        """One run (a unique prefix of its id is enough) with every task: state, attempts,
        duration, rows, bytes and the error line."""
        return self.read_model.run(run_id)

    def timeline(self, run_id: str) -> Timeline:
        """A run's tasks on a time axis (a text Gantt; SVG in a notebook), retries and
        failures marked, and its critical path."""
        return self.read_model.timeline(run_id, self.clock())

    def history(self, asset: str, partition: str | None = None) -> PartitionHistory | AssetHistory:
        """Every materialization (data and code version, rows, bytes, duration, run, the
        upstream versions it read) and failed attempt of one partition, newest first; without
        ``partition`` (of a partitioned asset), each partition's latest state plus trends."""
        if partition is None and self.graph[asset].partitions is not None:
            return self.read_model.asset_history(asset)
        return self.read_model.partition_history(asset, partition)

    def why(self, asset: str, partition: str | None = None) -> WhyChain:
        """Why ``asset`` ``partition`` is stale, missing, failed or fresh: the full chain of
        reasons down to the root cause (a code change, a re-fetched source, an error)."""
        return self.read_model.why(asset, partition, self.clock())

    def lineage(self, asset: str | None = None, direction: Direction = "both") -> Lineage:
        """The asset graph (partitioning, mappings, schedules, policies), or what is upstream
        and/or downstream of ``asset`` (``direction``: ``upstream``, ``downstream``, ``both``);
        an SVG graph in a notebook, ``.render("tree" | "mermaid" | "dot")`` as text."""
        return self.read_model.lineage(asset, direction)

    def inputs(self, asset: str, partition: str | None = None) -> dict[str, Any]:
        """The upstream data one partition reads, loaded exactly as a run hands it to the
        asset function (same partitions through the mappings, same types per annotation):
        ``asset_fn(**project.inputs("daily_report", "2026-04-08"))`` debugs it by hand.

        Raises:
            PartitionKeyError: an upstream partition it reads is not committed yet.
        """
        from assetflow.execute.materializer import load_input

        definition = self.graph[asset]
        files = self.read_model.input_files(asset, partition)
        return {
            name: load_input(self.warehouse.storage, files[name], definition.input_kinds[name])
            for name in definition.inputs
        }

    def __repr__(self) -> str:
        lines = [f"Project: {len(self.graph)} assets, warehouse {self.warehouse.root}"]
        lines += [f"  {line}" for line in self.lineage().tree().splitlines()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from assetflow.observe import html

        lineage = self.lineage()
        head = f"Project: {len(self.graph)} assets, warehouse {self.warehouse.root}"
        described = html.table(
            ["asset", "description"],
            ((a.name, (a.description or "").strip()) for a in self.graph if a.description),
        )
        return html.block(head, lineage._repr_html_(), described)


def with_notebook_progress(
    callbacks: RunCallbacks,
) -> tuple[RunCallbacks, NotebookProgress | None]:
    """In Jupyter, when the caller wired neither ``on_plan`` nor ``on_event``: ``callbacks``
    drawing live progress, and the progress display (close it with the result); else as is."""
    wired = callbacks.on_plan is not None or callbacks.on_event is not None
    progress = None if wired else default_progress()
    if progress is None:
        return callbacks, None
    return replace(callbacks, on_plan=progress.plan, on_event=progress.event), progress
