"""Project: the facade users hold in notebooks and the CLI drives (graph + warehouse).

It delegates: planning to ``plan``, running to ``execute``, storage to ``commit``, reports to
``observe``. It is the only layer (with the CLI) that reads the clock.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from assetflow.callbacks import RunCallbacks
from assetflow.commit.state import CatalogState
from assetflow.commit.warehouse import Warehouse
from assetflow.commit.writer import CatalogWriter
from assetflow.define.asset import AssetDef
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.define.policy import TaskPolicy
from assetflow.define.schedule import Schedule
from assetflow.execute.cancel import CancelToken
from assetflow.execute.executor import WorkerSetup, pickled_assets
from assetflow.execute.executors import (
    ExecutorChoice,
    check_executor,
    choose_executor,
    is_small,
)
from assetflow.execute.hooks import Hook
from assetflow.execute.resume import RunRequest, find_run, load_request, plan_request, resume_plan
from assetflow.execute.runner import Runner, RunOptions, RunResult
from assetflow.loader import assets_of, calling_folder, load_project, resolve, with_schedules
from assetflow.observing import ObserveMixin, with_notebook_progress
from assetflow.plan.planner import Plan, Step, Which
from assetflow.plan.targets import resolve_targets
from assetflow.selection import as_list, build_request, partition_keys, partition_of

if TYPE_CHECKING:
    from assetflow.commit.rollback import RollbackResult
    from assetflow.commit.vacuum import VacuumReport
    from assetflow.commit.verify import VerifyReport
    from assetflow.observe.status_report import StatusReport

_Planned = tuple[Plan, CatalogState, RunRequest, str | None, str]
"""A run's plan, the catalog state it was built on, its request, the run it resumes, its
command."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Project(ObserveMixin):
    """A set of assets and the warehouse they materialize into.

    Args:
        assets: the asset definitions (``@af.asset`` functions).
        warehouse: the data directory (created on first materialization), or a
            :class:`Warehouse`. A relative path is resolved against the folder of the ``.py``
            file that creates the Project (the current directory in a notebook or REPL), so
            every command finds the same warehouse wherever it is run from.
        lock_timeout: seconds to wait for another writer before giving up (positive); with a
            :class:`Warehouse`, its own applies.
        schedules: group-level :class:`Schedule` objects (asset-level ``schedule=`` are added
            automatically); ``asset tick`` runs them.
        defaults: retry/timeout policy for every asset that does not set its own.
        on_failure: called with the :class:`TaskResult` of every task that finally failed.
        on_success: called with the :class:`TaskResult` of every committed task.
        workers: parallel tasks at most (default: the number of CPU cores).
        executor: ``"processes"``, ``"threads"`` (see ``docs/execution.md``) or an
            :class:`~assetflow.execute.executor.Executor` object. By default processes, or
            threads when the assets cannot be sent to worker processes (defined in a notebook,
            ``__main__`` or inside a function).
    """

    def __init__(
        self,
        assets: Iterable[AssetDef],
        warehouse: str | os.PathLike[str] | Warehouse = "warehouse",
        *,
        lock_timeout: float = 60.0,
        clock: Callable[[], datetime] = _utcnow,
        schedules: Iterable[Schedule] = (),
        defaults: TaskPolicy | None = None,
        on_failure: Hook | None = None,
        on_success: Hook | None = None,
        workers: int | None = None,
        executor: ExecutorChoice | None = None,
    ) -> None:
        self.graph = AssetGraph.build(assets)
        self.schedules = with_schedules(self.graph, (), schedules)
        if not isinstance(warehouse, Warehouse):
            root = resolve(Path(warehouse), calling_folder())
            warehouse = Warehouse(root, lock_timeout=lock_timeout)
        self.warehouse = warehouse
        """The :class:`Warehouse` handle: where the project materializes, how to read it."""
        self.clock = clock
        self.defaults = defaults or TaskPolicy()
        self.on_failure = on_failure
        self.on_success = on_success
        self.workers = workers
        self.executor = check_executor(executor) if executor is not None else None
        self.source: str | None = None
        """Where :meth:`load` found the project; worker processes load it from there too."""

    @classmethod
    def load(
        cls, target: str | os.PathLike[str], warehouse: str | os.PathLike[str] | None = None
    ) -> Project:
        """Load a project from a ``.py`` file or a module path such as ``pkg.pipeline``.

        Uses the module's ``Project`` instance if it defines one, else every asset it defines;
        module-level :class:`Schedule` objects are added either way. Without ``warehouse``,
        the project's own (relative to the module's folder) is used.
        """
        return load_project(cls, target, warehouse)

    # -- planning -------------------------------------------------------------------------

    def plan(
        self,
        selection: str | Sequence[str] | None = None,
        *,
        partition: str | None = None,
        partitions: Iterable[str] | None = None,
        partition_range: tuple[str, str] | None = None,
        keys_by_asset: Mapping[str, Sequence[str]] | None = None,
        which: Which | None = None,
        force: bool = False,
        only: bool = False,
        as_of: datetime | None = None,
    ) -> Plan:
        """What :meth:`materialize` would run, without running it."""
        request = build_request(
            selection, partition, partitions, partition_range, keys_by_asset, which, force, only,
            as_of or self.clock(),
        )  # fmt: skip
        with self.warehouse.reader() as reader:
            return plan_request(self.graph, reader, request)[0]

    def materialize(
        self,
        selection: str | Sequence[str] | None = None,
        *,
        partition: str | None = None,
        partitions: Iterable[str] | None = None,
        partition_range: tuple[str, str] | None = None,
        keys_by_asset: Mapping[str, Sequence[str]] | None = None,
        which: Which | None = None,
        force: bool = False,
        only: bool = False,
        as_of: datetime | None = None,
        callbacks: RunCallbacks | None = None,
        command: str = "materialize",
        workers: int | None = None,
        executor: ExecutorChoice | None = None,
        grace_period: float = 10.0,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Plan and run: the selected partitions plus missing/stale upstreams they need.

        Args:
            selection: asset name(s); all assets when None.
            partition: one partition key (or ``partitions=[...]`` for several).
            partition_range: ``(first, last)``: every due key in between, both inclusive (for
                assets of another time grain, the partitions whose window lies inside).
            keys_by_asset: instead of the above, the partition keys of each asset.
            which: ``"stale"``: of the requested partitions, only those with committed data
                that are not fresh; ``"missing"``: only those never committed.
            force: re-materialize even fresh partitions.
            only: run only the selection; fail if an upstream is not fresh.
            callbacks: what to call with the plan, task events, lock waits and notices.
            workers: parallel tasks at most (default: the project's, else the CPU count).
            executor: ``"processes"``, ``"threads"`` or an ``Executor`` (default: the
                project's).
            grace_period: seconds running tasks may finish after Ctrl-C / SIGTERM.
            cancel: a :class:`CancelToken` to stop the run from another thread.

        The run's status is ``succeeded``, ``failed`` (a task failed; others went on) or
        ``cancelled``; :meth:`resume` finishes a failed or cancelled run.
        """
        request = build_request(
            selection, partition, partitions, partition_range, keys_by_asset, which, force, only,
            as_of or self.clock(),
        )  # fmt: skip

        def planned(catalog: CatalogWriter) -> _Planned:
            plan, state = plan_request(self.graph, catalog, request)
            return plan, state, request, None, command

        return self._run(planned, callbacks, workers, executor, grace_period, cancel)

    def resume(
        self,
        run_id: str,
        *,
        callbacks: RunCallbacks | None = None,
        command: str | None = None,
        workers: int | None = None,
        executor: ExecutorChoice | None = None,
        grace_period: float = 10.0,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Finish a failed, cancelled or interrupted run as a new run.

        Re-plans the original request as of its original time: partitions it committed are
        fresh and not redone; failed, cancelled and never-started tasks run. ``run_id`` may be
        a unique prefix.
        """

        def planned(catalog: CatalogWriter) -> _Planned:
            found = find_run(catalog, run_id)
            request = load_request(catalog, found)
            root = request.resume_of or found
            plan, state = resume_plan(self.graph, catalog, request, root)
            resumed = replace(request, resume_of=root)
            return plan, state, resumed, found, command or f"runs resume {found}"

        return self._run(planned, callbacks, workers, executor, grace_period, cancel)

    def _run(
        self,
        planned: Callable[[CatalogWriter], _Planned],
        callbacks: RunCallbacks | None,
        workers: int | None,
        executor: ExecutorChoice | None,
        grace: float,
        cancel: CancelToken | None,
    ) -> RunResult:
        """Hold the writer, close runs a dead process left ``running``, plan, run."""
        callbacks, progress = with_notebook_progress(callbacks or RunCallbacks())
        with self.warehouse.writer(callbacks.on_wait) as catalog:
            for dead in catalog.interrupt_unfinished_runs(self.clock()):
                callbacks.notice(
                    f"run {dead} was interrupted (its process died); "
                    f"`asset runs resume {dead}` finishes it"
                )
            plan, state, request, resume_of, command = planned(catalog)
            callbacks.plan(plan)
            runner = Runner(
                self.graph, catalog, state, clock=self.clock, on_event=callbacks.on_event,
                options=self._options(workers, executor, grace, plan.to_run), cancel=cancel,
            )  # fmt: skip
            result = runner.run(
                plan, self._new_run_id(), command, os.getpid(),
                request=request.to_json(), resume_of=resume_of,
            )  # fmt: skip
        if progress is not None:
            progress.close(result)
        return result

    def _options(
        self,
        workers: int | None,
        executor: ExecutorChoice | None,
        grace: float,
        steps: Sequence[Step] = (),
    ) -> RunOptions:
        small = is_small(steps, self.graph, self.defaults)
        chosen, setup = choose_executor(executor or self.executor, self._worker_setup, small=small)
        return RunOptions(
            executor=chosen,
            worker_setup=setup,
            workers=workers or self.workers,
            grace_period=grace,
            defaults=self.defaults,
            on_failure=self.on_failure,
            on_success=self.on_success,
        )

    def _worker_setup(self) -> WorkerSetup:
        """How worker processes load the assets: import the project as :meth:`load` did, or
        unpickle the asset definitions (ConfigError when neither can work)."""
        if self.source:
            return WorkerSetup(f"source:{self.source}", partial(assets_of, self.source))
        return pickled_assets(self.graph)

    def _new_run_id(self) -> str:
        return f"{self.clock():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"

    # -- observing ------------------------------------------------------------------------

    def status(
        self,
        selection: str | Sequence[str] | None = None,
        *,
        as_of: datetime | None = None,
        partition: str | None = None,
        partitions: Iterable[str] | None = None,
        partition_range: tuple[str, str] | None = None,
    ) -> StatusReport:
        """Every due or committed partition with its status and reason: ``fresh``,
        ``stale``, ``failed`` (the latest attempt failed) or ``missing``.

        Only the selected assets are shown; ``partition``/``partitions``/``partition_range``
        narrow it to those keys (and the assets they apply to), chosen as :meth:`materialize`
        would.
        """
        as_of = as_of or self.clock()
        frame = self.read_model.statuses(as_of)
        names = as_list(selection)
        chosen = self.graph.select(names)
        frame = frame.filter(pl.col("asset").is_in(chosen))
        targets = resolve_targets(
            self.graph,
            chosen,
            as_of,
            keys=partition_keys(partition, partitions),
            key_range=partition_range,
            explicit=names is not None,
        )
        if targets is not None:
            frame = frame.join(targets, on=["asset", "partition"], how="semi")
            chosen = [n for n in chosen if n in set(targets["asset"])]
        from assetflow.observe.status_report import StatusReport  # not needed by a run

        return StatusReport(frame, self.graph, as_of, shown=chosen)

    def read(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """The committed data of an asset (one partition, or all of them when None)."""
        definition = self.graph[asset].partitions
        key = None
        if partition is not None:
            key = definition.parse_key(partition) if definition else UNPARTITIONED
        return self.warehouse.read(asset, key)

    def query(self, sql: str) -> pl.DataFrame:
        """Run read-only SQL over the warehouse (asset names are tables) in the sandbox of
        ``commit/sandbox.py``; a statement that would write or read outside it raises
        :class:`QueryRefusedError`."""
        return self.warehouse.query(sql)

    # -- keeping the warehouse sound (bodies in commit/: verify, vacuum, rollback) ---------

    def verify(
        self, *, repair: bool = False, on_wait: Callable[[str], None] | None = None
    ) -> VerifyReport:
        """Check that the catalog, the files and the published views agree.

        Args:
            repair: first restore a damaged live catalog from the snapshot, forget partitions
                whose file is missing or damaged (the next run rebuilds them) and republish.
        """
        return self.warehouse.verify(repair=repair, on_wait=on_wait)

    def vacuum(
        self,
        *,
        older_than: timedelta = timedelta(days=7),
        dry_run: bool = False,
        on_wait: Callable[[str], None] | None = None,
    ) -> VacuumReport:
        """Remove orphan files and superseded versions older than ``older_than`` (never a
        file a current partition references)."""
        return self.warehouse.vacuum(
            now=self.clock(), older_than=older_than, dry_run=dry_run, on_wait=on_wait
        )

    def versions(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """Every recorded version of one partition, newest first (``current``, ``retained``).

        Read from the published snapshot: no writer lock, no republish.
        """
        return self.warehouse.versions(asset, partition_of(self.graph, asset, partition))

    def rollback(
        self,
        asset: str,
        partition: str | None = None,
        *,
        to: int | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> RollbackResult:
        """Make an earlier retained version of one partition current again, atomically.

        Args:
            to: the materialization id to restore; by default the newest earlier version
                whose data differs from the current one.
        """
        key = partition_of(self.graph, asset, partition)
        where = f" --partition {partition}" if partition is not None else ""
        return self.warehouse.rollback(
            asset, key, to=to, run_id=self._new_run_id(), command=f"rollback {asset}{where}",
            clock=self.clock, on_wait=on_wait,
        )  # fmt: skip
