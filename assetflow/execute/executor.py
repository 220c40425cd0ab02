"""The executor interface: where attempts run. The coordinator decides everything else.

The coordinator (``runner.py``) owns ordering, retries, timeouts, cancellation and every catalog
write; an :class:`Executor` only runs attempts it is given and reports back. The contract:

- :meth:`~Executor.start` begins a run; :meth:`~Executor.shutdown` ends it. One object may serve
  several runs, one after another.
- :meth:`~Executor.capacity` says how many attempts it takes now, given how many wait; growing
  (starting workers, lazily: a worker process costs about a second) is its own business.
- :meth:`~Executor.submit` takes a :class:`~assetflow.execute.messages.TaskSpec` (paths, keys,
  versions; never data). Wherever the attempt runs, it calls
  :func:`assetflow.execute.worker.run_attempt`, which stages the output under a file name of its
  own (so a task that runs twice never collides) and never touches the catalog.
- Every submitted attempt ends in one ``AttemptFinished`` or ``WorkerLost``
  (:mod:`assetflow.execute.messages`), unless it was cancelled. :meth:`~Executor.poll` returns
  the messages available now without blocking; one of :meth:`~Executor.waitables` becomes
  readable whenever it has some, so the coordinator sleeps instead of polling in a loop.
- :meth:`~Executor.cancel` stops one attempt now (its timeout passed, or the run is cancelled);
  it no longer counts against capacity, and whatever it still reports is ignored.
- A lost worker is reported (``WorkerLost``), never retried by the executor: assetflow counts
  it as a failed attempt and retries per the asset's policy.

Built in: :class:`~assetflow.execute.procpool.ProcessPool` (``processes``) and
:class:`~assetflow.execute.threadpool.ThreadPool` (``threads``); ``executors.py`` maps names to
them. A new executor subclasses :class:`Executor` in its own module and is passed as an object
(``Project.materialize(executor=MyExecutor(...))``) or added to that registry under a name.
"""

from __future__ import annotations

import hashlib
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar, Protocol

from assetflow.define.asset import AssetDef
from assetflow.errors import ConfigError
from assetflow.execute.messages import Message, TaskSpec


class Waitable(Protocol):
    def fileno(self) -> int: ...


@dataclass(frozen=True)
class WorkerSetup:
    """How a process elsewhere gets the assets: ``load()``, called there, returns them.

    Picklable. ``key`` identifies what ``load`` returns, so a worker process that serves many
    attempts loads the assets once (:func:`assetflow.execute.worker.run_spec`).
    """

    key: str
    load: Callable[[], Iterable[AssetDef]] = field(compare=False, repr=False)

    def assets(self) -> dict[str, AssetDef]:
        return {a.name: a for a in self.load()}


def pickled_assets(assets: Iterable[AssetDef]) -> WorkerSetup:
    """A setup that ships the asset definitions themselves (they pickle by reference, so their
    module must be importable there); ConfigError when they cannot be shipped."""
    assets = list(assets)
    local = [a.name for a in assets if a.fn.__module__ == "__main__"]
    if local:
        raise ConfigError(
            f"asset {local[0]!r} is defined in __main__ (a notebook or script), which worker "
            "processes cannot import; use executor='threads' or move the assets to a module"
        )
    try:
        blob = pickle.dumps(assets)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ConfigError(
            f"cannot send the assets to worker processes ({exc}); define them in a module "
            "or .py file, or use executor='threads'"
        ) from None
    return WorkerSetup(f"pickled:{hashlib.blake2b(blob).hexdigest()}", partial(pickle.loads, blob))


@dataclass(frozen=True)
class ExecutorSetup:
    """What a run gives its executor when it starts.

    Attributes:
        assets: the run's asset definitions, for attempts that run in this process.
        workers: attempts to run at once, at most.
        worker_setup: how other processes load the assets; set when the executor
            ``ships_assets``.
    """

    assets: Mapping[str, AssetDef]
    workers: int
    worker_setup: WorkerSetup | None = None


class Executor(ABC):
    """Runs attempts for the coordinator (see the module docstring for the contract)."""

    name: ClassVar[str] = ""
    """The name it is chosen by (``--executor NAME``), if it has one."""
    ships_assets: ClassVar[bool] = True
    """Whether attempts run in other processes, which load the assets through
    ``ExecutorSetup.worker_setup``. Choosing such an executor for assets that cannot be shipped
    (defined in a notebook) fails before the run with one line saying so."""
    reports_starts: ClassVar[bool] = False
    """Whether it sends ``AttemptStarted`` when a submitted attempt actually begins (its
    attempts may wait in a queue first). Then an attempt's ``timeout`` counts from that
    message; otherwise from submission."""

    @abstractmethod
    def start(self, setup: ExecutorSetup) -> None:
        """Prepare for one run; called once, before the first :meth:`capacity`."""

    @abstractmethod
    def capacity(self, waiting: int) -> int:
        """How many attempts :meth:`submit` may be given now; ``waiting`` tasks are ready.

        The place to grow: start workers for tasks that would otherwise wait (at once, or
        after a while if a worker is expensive, telling :meth:`next_due` when to ask again).
        """

    @abstractmethod
    def submit(self, spec: TaskSpec) -> None:
        """Start one attempt (at most :meth:`capacity` of them since it was last asked)."""

    @abstractmethod
    def poll(self) -> list[Message]:
        """Every message available now, oldest first; never blocks.

        May raise an :class:`~assetflow.errors.AssetflowError` that ends the run (for example
        workers that cannot load the project).
        """

    @abstractmethod
    def waitables(self) -> list[Waitable]:
        """Objects with ``fileno()``, one of which is readable while :meth:`poll` has news.

        The coordinator waits on them with ``multiprocessing.connection.wait`` (a
        :class:`~assetflow.execute.mailbox.Mailbox` serves executors that report on threads).
        """

    def default_workers(self) -> int | None:
        """Attempts at once when the run does not say (``--workers``); None: the CPU count.

        A cluster knows its own size (its workers' threads), which the coordinator's CPU count
        says nothing about.
        """
        return None

    def next_due(self) -> float | None:
        """A ``time.monotonic()`` instant to be asked :meth:`capacity` again (growth), if any."""
        return None

    @abstractmethod
    def cancel(self, task_id: int) -> None:
        """Stop task ``task_id``'s running attempt now; say in the docstring how."""

    @abstractmethod
    def shutdown(self, *, kill: bool = False) -> None:
        """End the run: stop every worker; ``kill``: without waiting for running attempts."""
