"""Choosing an executor: the one place that maps a name (``--executor NAME``,
``ASSETFLOW_EXECUTOR``, ``executor="NAME"``) to an :class:`~assetflow.execute.executor.Executor`,
or takes an executor object as it is.

A new named executor adds one entry to :data:`REGISTRY`: a factory that imports its module
only when called, so an optional stack (Dask) is never imported unless it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from assetflow.errors import ConfigError
from assetflow.execute.executor import Executor, WorkerSetup
from assetflow.execute.procpool import ProcessPool
from assetflow.execute.threadpool import ThreadPool

if TYPE_CHECKING:
    from assetflow.define.graph import AssetGraph
    from assetflow.define.policy import TaskPolicy
    from assetflow.plan.planner import Step

ExecutorChoice = str | Executor
"""A registered name, or an executor object."""


def dask_at(address: str | None = None) -> Executor:
    """The ``dask`` executor: on the cluster of the scheduler at ``address`` (default: env
    ``ASSETFLOW_DASK_SCHEDULER``, else a local cluster); ConfigError without the extra."""
    try:
        from assetflow.execute.dask_executor import DaskExecutor
    except ModuleNotFoundError as exc:
        if exc.name not in {"dask", "distributed"}:
            raise
        raise ConfigError(
            "--executor dask needs Dask distributed: pip install 'assetflow[dask]'"
        ) from None
    return DaskExecutor(address)


REGISTRY: dict[str, Callable[[], Executor]] = {
    ProcessPool.name: ProcessPool,
    ThreadPool.name: ThreadPool,
    "dask": dask_at,
}
DEFAULT = ProcessPool.name
FALLBACK = ThreadPool.name
"""Used instead of the default when the assets cannot be shipped to other processes, and for
small plans."""
SMALL_PLAN = 8
"""Without a chosen executor, a plan of at most this many tasks runs on threads: starting a
worker process (a fresh interpreter importing polars, pyarrow, DuckDB and the project, ~0.5-2 s)
costs more than such a plan's work (a cron-style call builds one partition of each asset)."""


def executor_names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def check_executor(choice: object) -> ExecutorChoice:
    """``choice`` if it names a registered executor or is one; ConfigError otherwise."""
    if isinstance(choice, Executor):
        return choice
    if isinstance(choice, str) and choice in REGISTRY:
        return choice
    if isinstance(choice, str):
        raise ConfigError(f"unknown executor {choice!r}; use one of: {', '.join(executor_names())}")
    raise ConfigError(
        f"executor={choice!r} must be one of {', '.join(executor_names())} or an "
        "assetflow.execute.executor.Executor"
    )


def is_small(steps: Sequence[Step], graph: AssetGraph, defaults: TaskPolicy) -> bool:
    """True for a plan that runs in-process by default: at most :data:`SMALL_PLAN` tasks and
    no timeout (a hard timeout needs a worker process to kill)."""
    if len(steps) > SMALL_PLAN or defaults.timeout is not None:
        return False
    return all(graph[step.asset].policy.timeout is None for step in steps)


def choose_executor(
    choice: ExecutorChoice | None,
    worker_setup: Callable[[], WorkerSetup],
    *,
    small: bool = False,
) -> tuple[Executor, WorkerSetup | None]:
    """The executor for one run, with the worker setup it needs (None for in-process ones).

    ``worker_setup`` makes the setup, or raises ConfigError saying why the assets cannot be
    shipped (defined in a notebook). Without a choice that falls back to threads; with one
    the error stands, before anything runs. Without a choice a ``small`` plan (:func:`is_small`)
    runs on threads too.
    """
    if choice is None and small:
        return REGISTRY[FALLBACK](), None
    if choice is None:
        try:
            return REGISTRY[DEFAULT](), worker_setup()
        except ConfigError:
            return REGISTRY[FALLBACK](), None
    checked = check_executor(choice)
    executor = checked if isinstance(checked, Executor) else REGISTRY[checked]()
    return executor, worker_setup() if executor.ships_assets else None
