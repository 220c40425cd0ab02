"""Choosing an executor: the one place that maps a name (``--executor NAME``,
``ASSETFLOW_EXECUTOR``, ``executor="NAME"``) to an :class:`~assetflow.execute.executor.Executor`,
or takes an executor object as it is.

A new named executor adds one entry to :data:`REGISTRY`: a factory that imports its module
only when called, so an optional stack (Dask) is never imported unless it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable

from assetflow.errors import ConfigError
from assetflow.execute.executor import Executor, WorkerSetup
from assetflow.execute.procpool import ProcessPool
from assetflow.execute.threadpool import ThreadPool

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
"""Used instead of the default when the assets cannot be shipped to other processes."""


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


def choose_executor(
    choice: ExecutorChoice | None, worker_setup: Callable[[], WorkerSetup]
) -> tuple[Executor, WorkerSetup | None]:
    """The executor for one run, with the worker setup it needs (None for in-process ones).

    ``worker_setup`` makes the setup, or raises ConfigError saying why the assets cannot be
    shipped (defined in a notebook). Without a choice that falls back to threads; with one
    the error stands, before anything runs.
    """
    if choice is None:
        try:
            return REGISTRY[DEFAULT](), worker_setup()
        except ConfigError:
            return REGISTRY[FALLBACK](), None
    checked = check_executor(choice)
    executor = checked if isinstance(checked, Executor) else REGISTRY[checked]()
    return executor, worker_setup() if executor.ships_assets else None
