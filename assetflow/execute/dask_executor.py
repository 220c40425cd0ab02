"""The ``dask`` executor: attempts run on a Dask distributed cluster; the coordinator stays here.

Each attempt is one Dask task, ``_attempt_on_worker(spec, setup, topic)``: a
:class:`~assetflow.execute.messages.TaskSpec` (paths, keys, versions) and the project's
:class:`~assetflow.execute.executor.WorkerSetup` cross, never data. The worker loads the project
once per process, stages the partition's Parquet file under a name of its own and returns the
outcome's metadata; the coordinator commits, as with every executor (``docs/scale-out.md``).

What Dask does and does not do, and what this module does about it:

- Dask's ``retries=`` covers exceptions only, not a dying worker, so it is not used: assetflow
  retries. A worker that dies while an attempt *runs* there (the attempt reported its start
  from that worker) is a lost attempt: reported as ``WorkerLost`` (a failed, retryable attempt)
  and its future cancelled. Tasks merely queued on the dying worker are rescheduled by Dask
  itself (``allowed-failures``, kept at 3 or more for a local cluster); a future that still ends
  in ``KilledWorker`` is a lost attempt too.
- A task may run twice (Dask reruns a task whose worker died before its result was collected):
  every execution stages its own file, only the coordinator commits one, ``vacuum`` removes the
  others.
- ``client.cancel`` does not stop a running task. So :meth:`DaskExecutor.cancel` (a timeout, or
  a cancelled run past its grace period) cancels the future and restarts the worker process that
  runs the attempt, through its nanny: a hard stop, like killing a process of the ``processes``
  executor. Other attempts on that worker process (``--nthreads`` above 1) are lost with it.
- Starts and log lines reach the coordinator as Dask events (``Worker.log_event``), so
  ``timeout`` counts from the attempt's start on a worker and ``asset logs --follow`` works.
- A worker that imported the project before an edit refuses the attempt and is restarted; the
  attempt is sent again once ``restart_workers`` returned (that process is gone), never sooner.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import dask
from distributed import Client, Future, KilledWorker, LocalCluster, get_worker

from assetflow.errors import ConfigError
from assetflow.execute.capture import LogPump
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable, WorkerSetup
from assetflow.execute.mailbox import Mailbox
from assetflow.execute.messages import (
    AttemptFinished,
    AttemptOutcome,
    AttemptStarted,
    LogRecord,
    Message,
    TaskSpec,
    WorkerLost,
)
from assetflow.execute.worker import run_spec, worker_assets

SCHEDULER_ENV = "ASSETFLOW_DASK_SCHEDULER"
"""The scheduler address used when none is given (``tcp://host:8786``)."""
ALLOWED_FAILURES = 3
"""Worker deaths a queued task survives on a local cluster (rescheduled by Dask)."""
CONNECT_TIMEOUT = "10s"
KEEP_RESTARTED_WORKERS = {"distributed.deploy.lost-worker-timeout": "1 day"}
"""A ``LocalCluster`` closes a worker's nanny for good when no worker of that name is back 15 s
after one left (meant for lost batch jobs). Here workers leave because they are restarted (a
cancel, a timeout, a stale project), which takes longer than that on a loaded machine, and the
cluster would have one worker fewer from then on. Read whenever a worker leaves, so it is set
while a local cluster lives."""
MAX_RESENDS = 3
"""Stale workers an attempt is sent away from (each restarted) before it runs where it lands
(and fails with "asset ... changed while the run was going"); more on a cluster of more workers
(one each): a resend waits for the last stale worker's restart, so it meets each one once."""


@dataclass(frozen=True)
class _BootFailed:
    """The worker could not load the project (a configuration error: the run stops, exit 2)."""

    detail: str


class _Stale(Exception):
    """The worker process imported the project before it changed (its asset's code version
    differs from the run's); it should be restarted, and the attempt sent again.

    Raised on the worker, not returned: Dask keeps an error on the scheduler, whereas a result
    stays in the worker's memory and is computed again (the attempt run after all) when that
    worker is restarted while the future is still held.
    """

    def __init__(self, worker: str) -> None:
        super().__init__(worker)
        self.worker = worker


@dataclass
class _Attempt:
    spec: TaskSpec
    future: Future | None
    """None while it waits for a stale worker's restart, to be sent again."""
    worker: str | None = None
    """The worker address it reported its start from."""
    resent: int = 0
    """Times it was sent again because it reached a stale worker."""


class DaskExecutor(Executor):
    """Attempts on a Dask cluster: the scheduler at ``address``, else a local cluster.

    Args:
        address: the scheduler, e.g. ``tcp://10.0.0.5:8786``; default: env
            ``ASSETFLOW_DASK_SCHEDULER``, else a ``distributed.LocalCluster`` of worker processes
            (one thread each, as many as the run's ``workers``) started for each run.
    """

    name = "dask"
    reports_starts = True

    def __init__(self, address: str | None = None) -> None:
        self.address = address or os.environ.get(SCHEDULER_ENV) or None
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None
        self._setup: WorkerSetup | None = None
        self._limit = 1
        self._max_resends = MAX_RESENDS
        self._topic = ""
        self._inbox: Mailbox[tuple[str, Any]] | None = None
        self._running: dict[int, _Attempt] = {}
        self._restarts: list[threading.Thread] = []
        self._stale: dict[str, list[tuple[int, int]]] = {}  # restarting: (task, attempt)s
        self._settings: contextlib.AbstractContextManager | None = None

    # -- sizing -----------------------------------------------------------------------------

    def default_workers(self) -> int | None:
        """A remote cluster's threads (tasks in flight by default); None for a local one."""
        if self.address is None:
            return None
        with _connect(self.address) as client:
            return sum(client.nthreads().values()) or None

    def capacity(self, waiting: int) -> int:
        return self._limit - len(self._running)

    # -- a run --------------------------------------------------------------------------------

    def start(self, setup: ExecutorSetup) -> None:
        assert setup.worker_setup is not None, "DaskExecutor ships assets: give worker_setup"
        self._setup = setup.worker_setup
        self._limit = setup.workers
        self._topic = f"assetflow-{uuid4().hex}"
        self._inbox = Mailbox()
        if self.address is None:
            settings = dask.config.set(KEEP_RESTARTED_WORKERS)
            try:
                self._cluster = _local_cluster(setup.workers)
            except BaseException:
                settings.__exit__(None, None, None)
                raise
            self._settings = settings
            self._client = Client(self._cluster, set_as_default=False)
        else:
            self._client = _connect(self.address)
        self._max_resends = max(MAX_RESENDS, len(self._client.nthreads()))
        post = self._inbox.post
        self._client.subscribe_topic(self._topic, lambda event: post(("event", event[1])))
        self._client.subscribe_topic("all", lambda event: post(("cluster", event[1])))

    def submit(self, spec: TaskSpec) -> None:
        self._send(spec, resent=0)

    def _send(self, spec: TaskSpec, *, resent: int) -> None:
        assert self._client is not None and self._inbox is not None
        future = self._client.submit(
            _attempt_on_worker,
            spec,
            self._setup,
            self._topic,
            resent < self._max_resends,
            key=f"assetflow-{spec.run_id}-{spec.task_id}-{spec.attempt}-{resent}",
            pure=False,
        )
        self._running[spec.task_id] = _Attempt(spec, future, resent=resent)
        post = self._inbox.post
        future.add_done_callback(lambda f, s=spec: post(("done", (s, f.key, _settle(f)))))

    def waitables(self) -> list[Waitable]:
        return [self._inbox] if self._inbox is not None else []

    def poll(self) -> list[Message]:
        if self._inbox is None:
            return []
        messages: list[Message] = []
        for kind, item in self._inbox.take():
            if kind == "event":
                self._on_event(item, messages)
            elif kind == "cluster":
                self._on_cluster(item, messages)
            elif kind == "restarted":
                self._on_restarted(item)
            else:
                self._on_done(*item, messages)
        return messages

    def _current(self, task_id: int, attempt: int) -> _Attempt | None:
        running = self._running.get(task_id)
        return running if running is not None and running.spec.attempt == attempt else None

    def _on_event(self, event: dict, out: list[Message]) -> None:
        task_id, attempt = event["task"], event["attempt"]
        if event["kind"] == "log":  # kept even from an attempt given up on, as locally
            entries = tuple((t, stream, text) for t, stream, text in event["entries"])
            out.append(LogRecord(task_id, attempt, entries))
        elif (running := self._current(task_id, attempt)) is not None:
            running.worker = event["worker"]
            out.append(AttemptStarted(task_id, attempt))

    def _on_cluster(self, event: dict, out: list[Message]) -> None:
        """A worker that died with our attempts running on it: each is a lost attempt."""
        if event.get("action") != "remove-worker" or event.get("expected"):
            return
        gone = event.get("worker")
        for running in [r for r in self._running.values() if r.worker == gone]:
            del self._running[running.spec.task_id]
            if running.future is not None:  # Dask may have queued it again: it is over
                running.future.cancel()
            detail = f"its Dask worker {gone} died"
            out.append(WorkerLost(running.spec.task_id, running.spec.attempt, detail))

    def _on_done(self, spec: TaskSpec, key: str, result: object, out: list[Message]) -> None:
        running = self._current(spec.task_id, spec.attempt)
        if running is None or running.future is None or running.future.key != key:
            return  # cancelled, timed out, lost or sent again: whatever it says is ignored
        if isinstance(result, _Stale):  # it did not start: send it again once that worker is gone
            running.future = None  # its error lives on the scheduler: nothing to recompute
            self._restart_stale(result.worker, spec)
            return
        del self._running[spec.task_id]
        match result:
            case AttemptOutcome():
                out.append(AttemptFinished(result))
            case _BootFailed(detail):
                raise ConfigError(f"a Dask worker could not load the project: {detail}")
            case str(detail):
                out.append(WorkerLost(spec.task_id, spec.attempt, detail))

    def _restart_stale(self, worker: str, spec: TaskSpec) -> None:
        """Restart ``worker`` (once, however many attempts it sent back); each attempt it sent
        back waits, still counted as running, until the restart returns (the process is gone)."""
        waiting = self._stale.setdefault(worker, [])
        waiting.append((spec.task_id, spec.attempt))
        if len(waiting) == 1:
            assert self._client is not None and self._inbox is not None
            post = self._inbox.post
            self._restart(self._client, [worker], then=lambda: post(("restarted", worker)))

    def _on_restarted(self, worker: str) -> None:
        for task_id, attempt in self._stale.pop(worker, []):
            running = self._current(task_id, attempt)
            if running is not None and running.future is None:  # not cancelled meanwhile
                self._send(running.spec, resent=running.resent + 1)

    def cancel(self, task_id: int) -> None:
        """Cancel the attempt's future and restart the worker process running it (through its
        nanny; a worker started with ``--no-nanny`` cannot be restarted, and the attempt then
        runs to its end unheeded). A restart takes a few seconds, in the background."""
        running = self._running.pop(task_id, None)
        if running is None or self._client is None or running.future is None:
            return  # a stale worker's restart it waits for goes on: it was never started
        running.future.cancel()
        if running.worker is not None:
            self._restart(self._client, [running.worker])

    def _restart(
        self, client: Client, workers: list[str], then: Callable[[], None] | None = None
    ) -> None:
        """Restart ``workers`` on a thread (it returns once they are gone), then call ``then``.
        A worker without a nanny fails at once and, if stale, stays so (``MAX_RESENDS``)."""

        def restart() -> None:
            with contextlib.suppress(Exception):  # the client may close first; nothing to do
                client.restart_workers(workers, raise_for_error=False)
            if then is not None:
                then()

        thread = threading.Thread(target=restart, name="assetflow-dask-restart", daemon=True)
        thread.start()
        self._restarts.append(thread)

    def shutdown(self, *, kill: bool = False) -> None:
        """Cancel what still runs and disconnect. A local cluster is closed (its worker
        processes end); on a remote one, ``kill`` restarts the workers running our attempts."""
        client, self._client = self._client, None
        if client is not None:
            running = list(self._running.values())
            if futures := [r.future for r in running if r.future is not None]:
                client.cancel(futures)
                if kill and self._cluster is None:
                    self._restart(client, sorted({r.worker for r in running if r.worker}))
            for thread in self._restarts:
                thread.join(timeout=30)
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(self._topic)
                client.unsubscribe_topic("all")
                client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None
        if self._settings is not None:
            self._settings.__exit__(None, None, None)
            self._settings = None
        self._running.clear()
        self._restarts.clear()
        self._stale.clear()
        if self._inbox is not None:
            self._inbox.close()
            self._inbox = None


def _connect(address: str) -> Client:
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}); start one "
            "with `dask scheduler`, or leave out --scheduler for a local cluster"
        ) from None


def _local_cluster(workers: int) -> LocalCluster:
    failures = max(ALLOWED_FAILURES, dask.config.get("distributed.scheduler.allowed-failures"))
    try:
        with dask.config.set({"distributed.scheduler.allowed-failures": failures}):
            return LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # Its HTTP endpoints (health, metrics) on a free port, not Dask's 8787.
                scheduler_kwargs={"dashboard_address": ":0"},
                silence_logs=logging.ERROR,
            )
    except Exception as exc:
        # Most often: the worker processes re-import the caller's __main__ (as multiprocessing
        # does), which fails for `python -` and re-runs an unguarded script.
        raise ConfigError(
            f"could not start a local Dask cluster ({type(exc).__name__}: {exc}); a script "
            "that runs assets on Dask needs `if __name__ == '__main__':` around its entry point"
        ) from None


def _settle(future: Future) -> object:
    """On Dask's callback thread: the outcome, a _BootFailed, a _Stale, or why it was lost."""
    if future.cancelled():
        return "cancelled"
    try:
        return future.result()
    except _Stale as stale:
        return stale
    except KilledWorker as exc:
        return f"its Dask workers died while running it ({exc})"
    except Exception as exc:  # the attempt itself never raises: this is the cluster's failure
        return f"lost on the Dask cluster: {type(exc).__name__}: {exc}"


# -- on a worker ----------------------------------------------------------------------------

_pump: LogPump | None = None
_pump_lock = threading.Lock()


def _attempt_on_worker(spec: TaskSpec, setup: WorkerSetup, topic: str, fresh: bool) -> object:
    """One attempt, in a Dask worker's thread: report the start, stream the log, run it.

    Workers outlive runs, so one may hold the project as it was imported before an edit; with
    ``fresh``, such a worker sends the attempt back (raises :class:`_Stale`) instead of running
    it.
    """
    global _pump
    worker = get_worker()
    try:
        assets = worker_assets(setup)  # once per process; not part of the attempt's timeout
    except Exception as exc:
        return _BootFailed(f"{type(exc).__name__}: {exc}")
    asset = assets.get(spec.asset)
    if fresh and (asset is None or asset.code_version != spec.code_version):
        raise _Stale(worker.address)
    key = {"task": spec.task_id, "attempt": spec.attempt}
    worker.log_event(topic, {"kind": "started", "worker": worker.address, **key})
    with _pump_lock:
        _pump = _pump or LogPump()

    def sink(entries: list) -> None:
        worker.log_event(topic, {"kind": "log", "entries": [list(e) for e in entries], **key})

    return run_spec(spec, setup, _pump, sink)
