"""Project: the facade users hold in notebooks and the CLI drives (graph + warehouse).

It delegates: planning to ``plan``, running to ``execute``, storage to ``commit``, reports to
``observe``. It is the only layer (with the CLI) that reads the clock.
"""

from __future__ import annotations

import os
import pickle
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from assetflow.commit.catalog import Catalog, open_reader
from assetflow.commit.sandbox import run_query
from assetflow.config import check_lock_timeout
from assetflow.define.asset import AssetDef
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.define.policy import TaskPolicy
from assetflow.define.schedule import Schedule
from assetflow.errors import (
    ConfigError,
    PartitionKeyError,
    SelectionError,
    StorageError,
)
from assetflow.execute.cancel import CancelToken
from assetflow.execute.hooks import Hook
from assetflow.execute.pool import EXECUTORS
from assetflow.execute.resume import (
    RunRequest,
    find_run,
    load_request,
    plan_request,
    resume_plan,
)
from assetflow.execute.runner import Runner, RunOptions, RunResult, TaskEvent
from assetflow.execute.worker import WorkerSetup
from assetflow.integrity import IntegrityMixin
from assetflow.loader import import_target, module_folder
from assetflow.observe.notebook import default_progress
from assetflow.observe.status_report import StatusReport
from assetflow.observing import ObserveMixin
from assetflow.plan.planner import Plan, Which
from assetflow.plan.targets import resolve_targets


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Project(ObserveMixin, IntegrityMixin):
    """A set of assets and the warehouse they materialize into.

    Args:
        assets: the asset definitions (``@af.asset`` functions).
        warehouse: the data directory; created on first materialization. A relative path is
            resolved against the folder of the ``.py`` file that creates the Project (the
            current directory in a notebook or REPL), so every command finds the same
            warehouse wherever it is run from.
        lock_timeout: seconds to wait for another writer before giving up (positive).
        schedules: group-level :class:`Schedule` objects (asset-level ``schedule=`` are added
            automatically); ``asset tick`` runs them.
        defaults: retry/timeout policy for every asset that does not set its own.
        on_failure: called with the :class:`TaskResult` of every task that finally failed.
        on_success: called with the :class:`TaskResult` of every committed task.
        workers: parallel tasks at most (default: the number of CPU cores).
        executor: ``"processes"`` or ``"threads"`` (see ``docs/execution.md``). By default
            processes, or threads when the assets cannot be sent to worker processes (defined
            in a notebook, ``__main__`` or inside a function).
    """

    def __init__(
        self,
        assets: Iterable[AssetDef],
        warehouse: str | os.PathLike[str] = "warehouse",
        *,
        lock_timeout: float = 60.0,
        clock: Callable[[], datetime] = _utcnow,
        schedules: Iterable[Schedule] = (),
        defaults: TaskPolicy | None = None,
        on_failure: Hook | None = None,
        on_success: Hook | None = None,
        workers: int | None = None,
        executor: str | None = None,
    ) -> None:
        self.graph = AssetGraph.build(assets)
        self.schedules = _with_schedules(self.graph, (), schedules)
        self.warehouse = _resolve(Path(warehouse), _calling_folder())
        self.lock_timeout = check_lock_timeout(lock_timeout)
        self.clock = clock
        self.defaults = defaults or TaskPolicy()
        self.on_failure = on_failure
        self.on_success = on_success
        self.workers = workers
        self.executor = _check_executor(executor) if executor is not None else None
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
        module = import_target(str(target))
        found = [v for v in vars(module).values() if isinstance(v, Project)]
        schedules = [v for v in vars(module).values() if isinstance(v, Schedule)]
        if found:
            project = found[0]
            extra = [s for s in schedules if s not in project.schedules]
            project.schedules = _with_schedules(project.graph, project.schedules, extra)
        else:
            assets = [v for v in vars(module).values() if isinstance(v, AssetDef)]
            if not assets:
                raise ConfigError(f"{target} defines no assets; decorate functions with @af.asset")
            default = _resolve(Path("warehouse"), module_folder(module))
            project = cls(assets, default, schedules=schedules)
        if warehouse is not None:
            project.warehouse = Path(warehouse)
        path = Path(str(target))
        project.source = str(path.resolve()) if path.exists() else str(target)
        return project

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
        request = self._request(
            selection, partition, partitions, partition_range, keys_by_asset, which, force, only,
            as_of,
        )  # fmt: skip
        with open_reader(self.warehouse, timeout=self.lock_timeout) as reader:
            state = reader.state()
        return plan_request(self.graph, state, request)

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
        on_plan: Callable[[Plan], None] | None = None,
        on_event: Callable[[TaskEvent], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        command: str = "materialize",
        workers: int | None = None,
        executor: str | None = None,
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
            workers: parallel tasks at most (default: the project's, else the CPU count).
            executor: ``"processes"`` or ``"threads"`` (default: the project's).
            grace_period: seconds running tasks may finish after Ctrl-C / SIGTERM.
            cancel: a :class:`CancelToken` to stop the run from another thread.

        The run's status is ``succeeded``, ``failed`` (a task failed; others went on) or
        ``cancelled``; :meth:`resume` finishes a failed or cancelled run.
        """
        request = self._request(
            selection, partition, partitions, partition_range, keys_by_asset, which, force, only,
            as_of,
        )  # fmt: skip
        progress = default_progress() if on_event is None and on_plan is None else None
        if progress is not None:  # a notebook: live progress without any wiring
            on_plan, on_event = progress.plan, progress.event
        with self._writer(on_wait, on_notice) as catalog:
            state = catalog.state()
            plan = plan_request(self.graph, state, request)
            if on_plan:
                on_plan(plan)
            options = self._options(workers, executor, grace_period)
            runner = Runner(
                self.graph, catalog, state, clock=self.clock, on_event=on_event,
                options=options, cancel=cancel,
            )  # fmt: skip
            result = runner.run(
                plan, self._new_run_id(), command, os.getpid(), request=request.model_dump_json()
            )
        if progress is not None:
            progress.close(result)
        return result

    def resume(
        self,
        run_id: str,
        *,
        on_plan: Callable[[Plan], None] | None = None,
        on_event: Callable[[TaskEvent], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        command: str | None = None,
        workers: int | None = None,
        executor: str | None = None,
        grace_period: float = 10.0,
        cancel: CancelToken | None = None,
    ) -> RunResult:
        """Finish a failed, cancelled or interrupted run as a new run.

        Re-plans the original request as of its original time: partitions it committed are
        fresh and not redone; failed, cancelled and never-started tasks run. ``run_id`` may be
        a unique prefix.
        """
        progress = default_progress() if on_event is None and on_plan is None else None
        if progress is not None:  # a notebook: live progress without any wiring
            on_plan, on_event = progress.plan, progress.event
        with self._writer(on_wait, on_notice) as catalog:
            found = find_run(catalog, run_id)
            request = load_request(catalog, found)
            root = request.resume_of or found
            state = catalog.state()
            plan = resume_plan(self.graph, catalog, state, request, root)
            if on_plan:
                on_plan(plan)
            options = self._options(workers, executor, grace_period)
            runner = Runner(
                self.graph, catalog, state, clock=self.clock, on_event=on_event,
                options=options, cancel=cancel,
            )  # fmt: skip
            resumed = request.model_copy(update={"resume_of": root})
            result = runner.run(
                plan,
                self._new_run_id(),
                command or f"runs resume {found}",
                os.getpid(),
                request=resumed.model_dump_json(),
                resume_of=found,
            )
        if progress is not None:
            progress.close(result)
        return result

    def _request(
        self, selection, partition, partitions, partition_range, keys_by_asset, which, force,
        only, as_of,
    ) -> RunRequest:  # fmt: skip
        if which is not None and (force or which not in ("stale", "missing")):
            raise SelectionError(
                f"which={which!r} (--stale-only/--missing-only) picks partitions by status and "
                "force (--force) reruns fresh ones: use one of them (which: stale or missing)"
            )
        if keys_by_asset is not None and (selection or partition or partitions or partition_range):
            raise SelectionError("pass either keys_by_asset= or a selection and partitions")
        return RunRequest(
            selection=_as_list(selection),
            partitions=_keys(partition, partitions),
            partition_range=partition_range,
            keys_by_asset=None if keys_by_asset is None else {
                a: list(k) for a, k in keys_by_asset.items()
            },
            which=which,
            force=force,
            only=only,
            as_of=as_of or self.clock(),
        )  # fmt: skip

    @contextmanager
    def _writer(
        self, on_wait: Callable[[str], None] | None, on_notice: Callable[[str], None] | None
    ) -> Iterator[Catalog]:
        """The writable catalog; runs left ``running`` by a dead process are closed first."""
        catalog = Catalog.open(self.warehouse, timeout=self.lock_timeout, on_wait=on_wait)
        try:
            for dead in catalog.interrupt_unfinished_runs(self.clock()):
                if on_notice:
                    on_notice(
                        f"run {dead} was interrupted (its process died); "
                        f"`asset runs resume {dead}` finishes it"
                    )
            yield catalog
        finally:
            catalog.close()

    def _options(self, workers: int | None, executor: str | None, grace: float) -> RunOptions:
        requested = executor or self.executor
        kind = _check_executor(requested or "processes")
        setup = None
        if kind == "processes":
            try:
                setup = WorkerSetup(source=self.source) if self.source else self._pickled_assets()
            except ConfigError:
                if requested:
                    raise
                kind = "threads"  # notebook or function-local assets: workers could not import them
        return RunOptions(
            workers=workers or self.workers,
            executor=kind,
            grace_period=grace,
            defaults=self.defaults,
            on_failure=self.on_failure,
            on_success=self.on_success,
            setup=setup,
        )

    def _pickled_assets(self) -> WorkerSetup:
        local = [a.name for a in self.graph if a.fn.__module__ == "__main__"]
        if local:
            raise ConfigError(
                f"asset {local[0]!r} is defined in __main__ (a notebook or script), which worker "
                "processes cannot import; use executor='threads' or move the assets to a module"
            )
        try:
            return WorkerSetup(source=None, assets=pickle.dumps(list(self.graph)))
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ConfigError(
                f"cannot send the assets to worker processes ({exc}); define them in a module "
                "or .py file, or use executor='threads'"
            ) from None

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
        names = _as_list(selection)
        chosen = self.graph.select(names)
        frame = frame.filter(pl.col("asset").is_in(chosen))
        targets = resolve_targets(
            self.graph,
            chosen,
            as_of,
            keys=_keys(partition, partitions),
            key_range=partition_range,
            explicit=names is not None,
        )
        if targets is not None:
            frame = frame.join(targets, on=["asset", "partition"], how="semi")
            chosen = [n for n in chosen if n in set(targets["asset"])]
        return StatusReport(frame, self.graph, as_of, shown=chosen)

    def read(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """The committed data of an asset (one partition, or all of them when None)."""
        definition = self.graph[asset].partitions
        if partition is not None:
            key = definition.parse_key(partition) if definition else UNPARTITIONED
        with open_reader(self.warehouse, timeout=self.lock_timeout) as reader:
            files = reader.current_files(asset, None if partition is None else [key])
        if not files:
            where = f" partition {partition}" if partition is not None else ""
            raise PartitionKeyError(
                f"{asset}{where} has not been materialized; run `asset materialize {asset}"
                + (f" --partition {partition}`" if partition else "`")
            )
        try:
            return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")
        except (OSError, pl.exceptions.ComputeError) as exc:
            raise StorageError(
                f"cannot read {asset}: {exc}; run `asset verify` to check the warehouse"
            ) from None

    def query(self, sql: str) -> pl.DataFrame:
        """Run read-only SQL over the warehouse (asset names are tables) in the sandbox of
        ``commit/sandbox.py``; a statement that would write or read outside it raises
        :class:`QueryRefusedError`."""
        return run_query(self.warehouse, sql, timeout=self.lock_timeout)


def _with_schedules(
    graph: AssetGraph, current: tuple[Schedule, ...], added: Iterable[Schedule]
) -> tuple[Schedule, ...]:
    """``current`` plus ``added`` (first time: plus one per asset declared with ``schedule=``);
    names must be unique and every asset must exist."""
    found = [*current, *added]
    if not current:
        found += [a.schedule for a in graph if a.schedule is not None]
    names = [s.name for s in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"two schedules are named {duplicates[0]!r}; give each a unique name")
    for s in found:
        graph.select(list(s.assets))  # raises SelectionError naming an unknown asset
    return tuple(found)


def _calling_folder() -> Path | None:
    """The folder of the ``.py`` file whose code is constructing a Project (the caller of
    ``Project.__init__``), or None in a notebook or REPL, which have no file."""
    file = sys._getframe(2).f_globals.get("__file__")
    if not isinstance(file, str) or file.startswith("<"):
        return None
    return Path(file).resolve().parent


def _resolve(path: Path, folder: Path | None) -> Path:
    return path if path.is_absolute() or folder is None else folder / path


def _check_executor(executor: str) -> str:
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; use one of: {', '.join(EXECUTORS)}")
    return executor


def _as_list(selection: str | Sequence[str] | None) -> list[str] | None:
    if selection is None:
        return None
    return [selection] if isinstance(selection, str) else list(selection) or None


def _keys(partition: str | None, partitions: Iterable[str] | None) -> list[str] | None:
    if partition is not None and partitions is not None:
        raise PartitionKeyError("pass either partition= or partitions=, not both")
    if partition is not None:
        return [partition]
    return None if partitions is None else list(partitions)
