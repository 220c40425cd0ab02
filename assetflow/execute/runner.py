"""Walks a plan: runs each step after its upstreams, commits it, and reports events.

The runner is the coordinator: it alone holds the writable :class:`Catalog`. Each step's output is
staged by :func:`run_asset` and then committed in its own catalog transaction. Before a non-forced
step runs, its inputs are compared with what its committed version read (early cutoff): if an
upstream was rebuilt with identical data, the step is skipped as fresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from assetflow.commit.catalog import Catalog, CatalogState, InputRead
from assetflow.define.graph import AssetGraph
from assetflow.errors import TaskError
from assetflow.execute.materializer import run_asset
from assetflow.plan.planner import Plan, Step, display_key

Clock = Callable[[], datetime]
PUBLISH_EVERY_SECONDS = 1.0


@dataclass(frozen=True)
class TaskEvent:
    """Something that happened to one task; observers turn these into progress output."""

    kind: str
    """``started``, ``succeeded``, ``skipped``, ``failed`` or ``upstream_failed``."""
    asset: str
    partition: str
    detail: str = ""
    rows: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class TaskResult:
    asset: str
    partition: str
    status: str
    detail: str = ""
    rows: int | None = None
    seconds: float | None = None
    data_version: str | None = None


@dataclass
class RunResult:
    """The outcome of one run."""

    run_id: str
    status: str = "running"
    tasks: list[TaskResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def count(self, status: str) -> int:
        return sum(1 for t in self.tasks if t.status == status)

    @property
    def failed(self) -> list[TaskResult]:
        return [t for t in self.tasks if t.status == "failed"]

    def summary(self) -> str:
        parts = [
            f"{self.count(s)} {s}"
            for s in ("succeeded", "skipped", "failed", "upstream_failed")
            if self.count(s)
        ]
        return f"run {self.run_id} {self.status}: " + (", ".join(parts) or "nothing to do")


class Runner:
    """Executes a plan against a warehouse, sequentially, committing step by step."""

    def __init__(
        self,
        graph: AssetGraph,
        catalog: Catalog,
        state: CatalogState,
        *,
        clock: Clock,
        on_event: Callable[[TaskEvent], None] | None = None,
    ) -> None:
        self.graph = graph
        self.catalog = catalog
        self.root: Path = catalog.root
        self.clock = clock
        self.on_event = on_event or (lambda e: None)
        # (asset, partition) -> (data_version, file path); updated as steps commit.
        self._current = {
            (a, p): (v, f)
            for a, p, v, f in state.current.select(
                "asset", "partition", "data_version", "file_path"
            ).iter_rows()
        }
        self._committed: dict[str, set[str]] = {}
        for a, p in self._current:
            self._committed.setdefault(a, set()).add(p)
        self._code = {
            (a, p): c
            for a, p, c in state.current.select("asset", "partition", "code_version").iter_rows()
        }
        self._recorded: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
        for a, p, u, q, v in state.inputs.iter_rows():
            self._recorded.setdefault((a, p), set()).add((u, q, v))

    def run(self, plan: Plan, run_id: str, command: str, pid: int) -> RunResult:
        result = RunResult(run_id=run_id)
        self.catalog.start_run(run_id, command, self.clock(), pid)
        failed: set[tuple[str, str]] = set()
        last_publish = self.clock()
        try:
            for step in plan.to_run:
                result.tasks.append(self._run_step(step, run_id, plan.force, failed))
                now = self.clock()
                if (now - last_publish).total_seconds() >= PUBLISH_EVERY_SECONDS:
                    self.catalog.publish()
                    last_publish = now
            result.status = "failed" if failed else "succeeded"
        except BaseException:
            result.status = "cancelled"
            raise
        finally:
            self.catalog.finish_run(run_id, result.status, self.clock())
        return result

    def _inputs(self, step: Step) -> list[InputRead]:
        asset = self.graph[step.asset]
        reads: list[InputRead] = []
        for up in asset.upstreams:
            committed = self._committed.get(up, set())
            mapping = self.graph.mappings[(step.asset, up)]
            for q in mapping.upstream_keys(step.partition, self.graph[up].partitions, committed):
                version = self._current.get((up, q), (None, None))[0]
                reads.append(InputRead(up, q, version or ""))
        return reads

    def _run_step(
        self, step: Step, run_id: str, force: bool, failed: set[tuple[str, str]]
    ) -> TaskResult:
        key = (step.asset, step.partition)
        inputs = self._inputs(step)
        blocked = next(
            (
                (i.upstream, i.partition)
                for i in inputs
                if (i.upstream, i.partition) in failed or not i.data_version
            ),
            None,
        )
        if blocked:
            failed.add(key)
            detail = f"upstream {blocked[0]} {display_key(blocked[1])} failed or is missing"
            return self._finish(run_id, step, "upstream_failed", detail)
        if not force and self._unchanged(step, inputs):
            return self._finish(run_id, step, "skipped", "upstream rebuilt with identical data")

        self.on_event(TaskEvent("started", step.asset, step.partition))
        started = self.clock()
        self.catalog.record_task(
            run_id,
            step.asset,
            step.partition,
            "running",
            attempts=1,
            reason=step.reason,
            started_at=started,
        )
        asset = self.graph[step.asset]
        files = {
            up: [
                self.root / self._current[(i.upstream, i.partition)][1]
                for i in inputs
                if i.upstream == up
            ]
            for up in asset.inputs
        }
        log = logging.getLogger(f"assetflow.asset.{step.asset}")
        try:
            staged = run_asset(asset, step.partition, files, root=self.root, run_id=run_id, log=log)
        except TaskError as exc:
            failed.add(key)
            return self._finish(
                run_id,
                step,
                "failed",
                str(exc),
                started=started,
                error=getattr(exc, "traceback", None) or str(exc),
            )
        finished = self.clock()
        try:
            self.catalog.commit(
                asset=step.asset,
                partition=step.partition,
                staged=staged,
                code_version=asset.code_version,
                inputs=inputs,
                run_id=run_id,
                started_at=started,
                finished_at=finished,
                schema_policy=asset.schema,
            )
        except TaskError as exc:  # the catalog refused the output (SchemaMismatchError)
            failed.add(key)
            return self._finish(run_id, step, "failed", str(exc), started=started)
        self._current[key] = (staged.data_version, staged.path)
        self._committed.setdefault(step.asset, set()).add(step.partition)
        self._code[key] = asset.code_version
        self._recorded[key] = {(i.upstream, i.partition, i.data_version) for i in inputs}
        return self._finish(
            run_id,
            step,
            "succeeded",
            "",
            started=started,
            rows=staged.row_count,
            data_version=staged.data_version,
        )

    def _unchanged(self, step: Step, inputs: list[InputRead]) -> bool:
        """Early cutoff: committed, same code, and exactly the same upstream versions as before."""
        key = (step.asset, step.partition)
        if key not in self._current or self._code.get(key) != self.graph[step.asset].code_version:
            return False
        return self._recorded.get(key, set()) == {
            (i.upstream, i.partition, i.data_version) for i in inputs
        }

    def _finish(
        self,
        run_id: str,
        step: Step,
        status: str,
        detail: str,
        *,
        started: datetime | None = None,
        rows: int | None = None,
        data_version: str | None = None,
        error: str | None = None,
    ) -> TaskResult:
        finished = self.clock()
        seconds = (finished - started).total_seconds() if started else None
        self.catalog.record_task(
            run_id,
            step.asset,
            step.partition,
            status,
            attempts=1 if started else 0,
            reason=detail or step.reason,
            error=error,
            started_at=started,
            finished_at=finished,
        )
        self.on_event(TaskEvent(status, step.asset, step.partition, detail, rows, seconds))
        return TaskResult(step.asset, step.partition, status, detail, rows, seconds, data_version)
