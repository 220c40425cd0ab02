"""The ``processes`` executor: reused worker processes, one task at a time each.

``concurrent.futures`` cannot kill one running task (needed for ``timeout=`` and for
cancellation after the grace period), so each worker has its own socket: the pool knows which
process runs which task, kills exactly that one, and starts a replacement when work waits.

Workers are fresh interpreters (``python -c``), not forks: forking a coordinator that holds a
DuckDB connection and polars' threads can deadlock the child. Unlike multiprocessing's
``spawn`` they do not re-run the caller's ``__main__`` script either; they load the assets once
(:class:`~assetflow.execute.executor.WorkerSetup`) and then serve many tasks, so the ~1 s
start-up is paid once per worker, not per task. Hence the pool grows lazily: a worker at once
when there is none, more only while ready tasks keep waiting (:data:`GROW_AFTER_SECONDS`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from assetflow.errors import ConfigError, WorkerStartError
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable, WorkerSetup
from assetflow.execute.messages import AttemptFinished, LogRecord, Message, TaskSpec, WorkerLost
from assetflow.execute.worker import WorkerBootFailed, WorkerReady

_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from assetflow.execute.worker import child_main; child_main({fd})"
)
_ROOT = str(Path(__file__).resolve().parents[2])
"""The folder holding the ``assetflow`` package, so a worker imports this very copy."""

MAX_BOOT_DEATHS = 3
"""Workers that may die in a row before loading the project until the run fails (exit 1)."""
GROW_AFTER_SECONDS = 0.2
"""How long ready tasks wait for a busy pool before it starts more workers."""


@dataclass
class _Worker:
    wid: int
    process: subprocess.Popen
    conn: Connection
    ready: bool = False
    task: TaskSpec | None = None


class ProcessPool(Executor):
    """Up to ``workers`` worker processes, started when there is work for them."""

    name = "processes"

    def __init__(self) -> None:
        self._setup: WorkerSetup | None = None
        self._limit = 1
        self._workers: dict[int, _Worker] = {}
        self._next_id = 0
        self._boot_deaths = 0
        self._starved_since: float | None = None

    def start(self, setup: ExecutorSetup) -> None:
        assert setup.worker_setup is not None, "ProcessPool ships assets: give worker_setup"
        self._setup = setup.worker_setup
        self._limit = setup.workers
        self._boot_deaths = 0
        self._starved_since = None

    def capacity(self, waiting: int) -> int:
        idle = len(self._idle())
        if waiting <= idle:
            self._starved_since = None
            return idle
        now = time.monotonic()
        if self._starved_since is None:
            self._starved_since = now
        size = len(self._workers)
        if size < self._limit and (size == 0 or now - self._starved_since >= GROW_AFTER_SECONDS):
            # Start workers for the waiting tasks that no booting worker will take.
            booting = sum(1 for w in self._workers.values() if not w.ready)
            for _ in range(min(waiting - idle - booting, self._limit - size)):
                self._spawn()
            self._starved_since = now
        return idle

    def next_due(self) -> float | None:
        if self._starved_since is None or len(self._workers) >= self._limit:
            return None
        return self._starved_since + GROW_AFTER_SECONDS

    def _idle(self) -> list[_Worker]:
        return [w for w in self._workers.values() if w.ready and w.task is None]

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT.format(root=_ROOT, fd=theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        conn.send((self._setup, list(sys.path), os.getcwd()))
        self._workers[wid] = _Worker(wid, process, conn)

    def submit(self, spec: TaskSpec) -> None:
        worker = self._idle()[0]
        worker.conn.send(spec)
        worker.task = spec

    def waitables(self) -> list[Waitable]:
        """Each worker's socket (a dead worker's reads EOF)."""
        return [w.conn for w in self._workers.values()]

    def poll(self) -> list[Message]:
        messages: list[Message] = []
        for worker in list(self._workers.values()):
            try:
                while worker.conn.poll():
                    self._receive(worker, worker.conn.recv(), messages)
                continue
            except (EOFError, OSError):
                pass
            code = worker.process.wait(timeout=5)
            self._bury(worker)
            if not worker.ready:
                # Killed (the OOM killer, a signal) or crashed before loading the project: no
                # task was lost, so start another; ``capacity`` does when tasks wait for one.
                self._boot_deaths += 1
                if self._boot_deaths > MAX_BOOT_DEATHS:
                    raise WorkerStartError(
                        f"worker processes died while starting, {self._boot_deaths} times in a "
                        f"row (last exit code {code}); check memory limits, or run "
                        "with --executor threads to see why"
                    )
            elif worker.task is not None:
                detail = f"its worker process died (exit code {code})"
                messages.append(WorkerLost(worker.task.task_id, worker.task.attempt, detail))
        return messages

    def _receive(self, worker: _Worker, message: object, out: list[Message]) -> None:
        match message:
            case LogRecord():
                out.append(message)
            case AttemptFinished():
                worker.task = None
                out.append(message)
            case WorkerReady():
                worker.ready = True
                self._boot_deaths = 0
            case WorkerBootFailed(detail):
                raise ConfigError(f"a worker process could not load the project: {detail}")

    def _bury(self, worker: _Worker) -> None:
        self._workers.pop(worker.wid, None)
        worker.conn.close()
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()

    def cancel(self, task_id: int) -> None:
        """Kill the worker process running the task (SIGKILL: nothing of the attempt is left but
        at most an unreferenced file); a replacement starts when tasks wait for one."""
        for worker in list(self._workers.values()):
            if worker.task is not None and worker.task.task_id == task_id:
                worker.process.kill()
                self._bury(worker)

    def shutdown(self, *, kill: bool = False) -> None:
        """Kill every worker. Idle workers hold nothing worth a polite exit (their files are
        complete or orphaned), and killing takes milliseconds instead of an interpreter
        shutdown; so ``kill`` changes nothing here."""
        for worker in self._workers.values():
            if worker.process.poll() is None:
                worker.process.kill()
        for worker in self._workers.values():
            worker.process.wait()
            worker.conn.close()
        self._workers.clear()
