"""The ``processes`` executor: reused worker processes, one task at a time each.

``concurrent.futures`` cannot kill one running task (needed for ``timeout=`` and for
cancellation after the grace period), so each worker has its own socket: the pool knows which
process runs which task, kills exactly that one, and starts a replacement when work waits.

A busy worker is sent its next task ahead (:data:`AHEAD`), so it starts that one the moment
the previous one ends instead of waiting for the coordinator's round trip (with short tasks
that wait was ~5-10% of a one-worker run). A queued task has not begun: the worker says when it
does (``AttemptStarted``: its timeout counts from there), and until then the pool can take it
back (``Recall``) to give it to a worker that fell idle, or drop it when it is cancelled. A
queued task of a worker that dies is given to another worker; it never counts as an attempt.

Workers are fresh interpreters (``python -c``), not forks: forking a coordinator that holds a
DuckDB connection and polars' threads can deadlock the child. Unlike multiprocessing's
``spawn`` they do not re-run the caller's ``__main__`` script either; they load the assets once
(:class:`~assetflow.execute.executor.WorkerSetup`) and then serve many tasks, so the ~1 s
start-up is paid once per worker, not per task (the first may have started early, see
``warm.py``). Hence the pool grows lazily: a worker at once when there is none, more only while
ready tasks keep waiting (:data:`GROW_AFTER_SECONDS`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait

from assetflow.errors import ConfigError, WorkerStartError
from assetflow.execute import warm
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable, WorkerSetup
from assetflow.execute.messages import (
    AttemptFinished,
    AttemptStarted,
    LogRecord,
    Message,
    TaskSpec,
    WorkerLost,
)
from assetflow.execute.worker import Recall, Recalled, WorkerBootFailed, WorkerReady

AHEAD = 1
"""Tasks queued on a busy worker beyond the one it runs."""
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
    specs: list[TaskSpec] = field(default_factory=list)
    """Sent and not finished, in the order the worker takes them: the first runs once
    ``started``, the others are queued behind it."""
    started: bool = False
    recalling: set[int] = field(default_factory=set)


class ProcessPool(Executor):
    """Up to ``workers`` worker processes, started when there is work for them."""

    name = "processes"
    reports_starts = True

    def __init__(self) -> None:
        self._setup: WorkerSetup | None = None
        self._limit = 1
        self._workers: dict[int, _Worker] = {}
        self._next_id = 0
        self._boot_deaths = 0
        self._starved_since: float | None = None
        self._backlog: deque[TaskSpec] = deque()
        """Submitted tasks on no worker: taken back from one, or queued on one that died."""
        self._dropped: set[int] = set()
        """Cancelled while queued on a worker, waiting for the worker to give them back."""

    def start(self, setup: ExecutorSetup) -> None:
        assert setup.worker_setup is not None, "ProcessPool ships assets: give worker_setup"
        self._setup = setup.worker_setup
        self._limit = setup.workers
        self._boot_deaths = 0
        self._starved_since = None

    def capacity(self, waiting: int) -> int:
        self._place_backlog()
        ready = [w for w in self._workers.values() if w.ready]
        idle = sum(1 for w in ready if not w.specs)
        if not waiting and idle:
            self._steal(idle)
        room = max(0, sum(1 + AHEAD - len(w.specs) for w in ready) - len(self._backlog))
        # Tasks queued behind running ones wait too: another worker may take them (``_steal``).
        waiting += len(self._backlog) + sum(len(w.specs[1:]) for w in ready)
        if waiting <= idle:
            self._starved_since = None
            return room
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
        return room

    def next_due(self) -> float | None:
        if self._starved_since is None or len(self._workers) >= self._limit:
            return None
        return self._starved_since + GROW_AFTER_SECONDS

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        process, conn = warm.take() or warm.spawn()
        conn.send((self._setup, list(sys.path), os.getcwd()))
        self._workers[wid] = _Worker(wid, process, conn)

    def submit(self, spec: TaskSpec) -> None:
        open_ = [w for w in self._workers.values() if w.ready and len(w.specs) <= AHEAD]
        if not open_:
            self._backlog.append(spec)
            return
        self._send(min(open_, key=lambda w: len(w.specs)), spec)

    def _send(self, worker: _Worker, spec: TaskSpec) -> None:
        worker.conn.send(spec)
        if not worker.specs:
            worker.started = False
        worker.specs.append(spec)

    def _place_backlog(self) -> None:
        """Give taken-back tasks to idle workers (not behind a busy worker's task again)."""
        for worker in self._workers.values():
            if not self._backlog:
                return
            if worker.ready and not worker.specs:
                self._send(worker, self._backlog.popleft())

    def _steal(self, idle: int) -> None:
        """Nothing else waits but workers are idle: recall tasks queued behind running ones."""
        for worker in self._workers.values():
            for spec in reversed(worker.specs[1:]):
                if idle <= 0:
                    return
                if spec.task_id not in worker.recalling and spec.task_id not in self._dropped:
                    worker.recalling.add(spec.task_id)
                    worker.conn.send(Recall(spec.task_id))
                    idle -= 1

    def waitables(self) -> list[Waitable]:
        """Each worker's socket (a dead worker's reads EOF)."""
        return [w.conn for w in self._workers.values()]

    def poll(self) -> list[Message]:
        messages: list[Message] = []
        # One readiness check of all sockets per round: ``Connection.poll`` builds a selector
        # per call, and calling it per message cost a tenth of the coordinator's CPU.
        while True:
            live = {w.conn: w for w in self._workers.values()}
            ready = wait(list(live), 0) if live else []
            if not ready:
                break
            for conn in ready:
                worker = live[conn]
                if worker.wid not in self._workers:
                    continue  # killed while an earlier message was handled
                try:
                    self._receive(worker, conn.recv(), messages)
                except (EOFError, OSError):
                    self._lost(worker, messages)
        self._place_backlog()
        return messages

    def _lost(self, worker: _Worker, messages: list[Message]) -> None:
        """``worker``'s socket closed: it died, or was killed. Report what it was running."""
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
        elif worker.started and worker.specs:
            task = worker.specs[0]
            detail = f"its worker process died (exit code {code})"
            messages.append(WorkerLost(task.task_id, task.attempt, detail))

    def _receive(self, worker: _Worker, message: object, out: list[Message]) -> None:
        match message:
            case tuple():  # an attempt's end and the next one's start (worker._Inbox.next)
                for part in message:
                    self._receive(worker, part, out)
            case LogRecord():
                out.append(message)
            case AttemptStarted(task_id):
                worker.started = True
                if task_id in self._dropped:  # cancelled while queued, but it started first
                    self._dropped.discard(task_id)
                    self._kill(worker)
                else:
                    out.append(message)
            case AttemptFinished(outcome):
                worker.specs = [s for s in worker.specs if s.task_id != outcome.task_id]
                worker.started = False
                out.append(message)
            case Recalled(task_id):
                worker.recalling.discard(task_id)
                spec = next(s for s in worker.specs if s.task_id == task_id)
                worker.specs.remove(spec)
                if task_id in self._dropped:
                    self._dropped.discard(task_id)
                else:
                    self._backlog.appendleft(spec)
            case WorkerReady():
                worker.ready = True
                self._boot_deaths = 0
            case WorkerBootFailed(detail):
                raise ConfigError(f"a worker process could not load the project: {detail}")

    def _bury(self, worker: _Worker) -> None:
        """Forget a dead (or killed) worker; what it had not started goes to other workers."""
        self._workers.pop(worker.wid, None)
        worker.conn.close()
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()
        queued = worker.specs[1:] if worker.started else worker.specs
        for spec in reversed(queued):
            if spec.task_id in self._dropped:
                self._dropped.discard(spec.task_id)
            else:
                self._backlog.appendleft(spec)

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        self._bury(worker)

    def cancel(self, task_id: int) -> None:
        """Kill the worker process running the task (SIGKILL: nothing of the attempt is left but
        at most an unreferenced file; the tasks queued behind it go to other workers), or take
        the task back if it has not started; a replacement starts when tasks wait for one."""
        for spec in list(self._backlog):
            if spec.task_id == task_id:
                self._backlog.remove(spec)
                return
        for worker in list(self._workers.values()):
            for i, spec in enumerate(worker.specs):
                if spec.task_id != task_id:
                    continue
                if i == 0 and worker.started:
                    worker.specs.pop(0)
                    worker.started = False
                    self._kill(worker)
                else:
                    self._dropped.add(task_id)
                    if task_id not in worker.recalling:
                        worker.recalling.add(task_id)
                        worker.conn.send(Recall(task_id))
                return

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
        self._backlog.clear()
        self._dropped.clear()
