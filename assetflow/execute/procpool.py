"""A pool of reused worker processes, one task at a time each, that can stop a single task.

``concurrent.futures`` cannot kill one running task (needed for ``timeout=`` and for
cancellation after the grace period), so each worker has its own socket: the coordinator knows
which process runs which task, kills exactly that one, and starts a replacement.

Workers are fresh interpreters (``python -c``), not forks: forking a coordinator that holds a
DuckDB connection and polars' threads can deadlock the child. Unlike multiprocessing's
``spawn`` they do not re-run the caller's ``__main__`` script either; they import the project
(or unpickle the assets) once and then serve many tasks, so the ~1 s start-up is paid once per
worker, not per task.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import assetflow
from assetflow.errors import ConfigError, WorkerStartError
from assetflow.execute.worker import TaskSpec, WorkerSetup

_BOOT = (
    "import sys; sys.path.insert(0, {root!r}); "
    "from assetflow.execute.worker import child_main; child_main({fd})"
)

Message = tuple[Any, ...]
MAX_BOOT_DEATHS = 3
"""Workers that may die in a row before loading the project until the run fails (exit 1)."""


@dataclass
class _Worker:
    wid: int
    process: subprocess.Popen
    conn: Connection
    ready: bool = False
    task: int | None = None
    exitcode: int | None = None


class ProcessPool:
    """Up to ``limit`` worker processes, started when there is work for them."""

    kind = "processes"
    grow_after = 0.2

    def __init__(self, limit: int, setup: WorkerSetup) -> None:
        self.limit = limit
        self._setup = setup
        self._workers: dict[int, _Worker] = {}
        self._next_id = 0
        self._closing = False
        self._boot_deaths = 0

    def want(self, ready: int) -> None:
        """``ready`` tasks wait for a worker: start workers for those no booting one will take."""
        booting = sum(1 for w in self._workers.values() if not w.ready)
        for _ in range(min(ready - booting, self.limit - len(self._workers))):
            self._spawn()

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        ours, theirs = socket.socketpair()
        root = str(Path(assetflow.__file__).resolve().parents[1])
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT.format(root=root, fd=theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        conn.send((self._setup, list(sys.path), os.getcwd()))
        self._workers[wid] = _Worker(wid, process, conn)

    @property
    def size(self) -> int:
        return len(self._workers)

    def idle(self) -> list[int]:
        """Workers that are up and have no task."""
        return [w.wid for w in self._workers.values() if w.ready and w.task is None]

    def submit(self, wid: int, spec: TaskSpec) -> None:
        worker = self._workers[wid]
        worker.conn.send(spec)
        worker.task = spec.task_id

    def waitables(self) -> list[Any]:
        """Objects for ``multiprocessing.connection.wait`` (a dead worker's socket reads EOF)."""
        return [w.conn for w in self._workers.values()]

    def collect(self) -> list[Message]:
        """Every message available now: ("done", wid, outcome), ("log", task, lines) and
        ("died", wid, task, exit code) for a worker that died on its own."""
        messages: list[Message] = []
        for worker in list(self._workers.values()):
            try:
                while worker.conn.poll():
                    self._receive(worker, worker.conn.recv(), messages)
                continue
            except (EOFError, OSError):
                pass
            worker.exitcode = worker.process.wait(timeout=5)
            self._bury(worker)
            if not worker.ready:
                # Killed (the OOM killer, a signal) or crashed before loading the project: no
                # task was lost, so start another; ``want`` does when tasks wait for one.
                self._boot_deaths += 1
                if self._boot_deaths > MAX_BOOT_DEATHS:
                    raise WorkerStartError(
                        f"worker processes died while starting, {self._boot_deaths} times in a "
                        f"row (last exit code {worker.exitcode}); check memory limits, or run "
                        "with --executor threads to see why"
                    )
                continue
            messages.append(("died", worker.wid, worker.task, worker.exitcode))
        return messages

    def _receive(self, worker: _Worker, message: Message, out: list[Message]) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._boot_deaths = 0
        elif kind == "done":
            worker.task = None
            out.append(("done", worker.wid, message[1]))
        elif kind == "log":
            out.append(message)
        elif kind == "failed":
            raise ConfigError(f"a worker process could not load the project: {message[1]}")

    def _bury(self, worker: _Worker) -> None:
        self._workers.pop(worker.wid, None)
        worker.conn.close()
        if worker.process.poll() is None:
            worker.process.kill()
        worker.process.wait()

    def stop(self, wid: int) -> None:
        """Kill the worker running a task (timeout, cancellation); ``want`` starts another."""
        worker = self._workers.get(wid)
        if worker is None:
            return
        worker.process.kill()
        self._bury(worker)

    def close(self, *, kill: bool = False) -> None:
        """Stop every worker. Idle workers hold nothing worth a polite exit (their files are
        complete or orphaned), so they are killed too, which takes milliseconds instead of an
        interpreter shutdown; ``kill`` is accepted for symmetry with the thread pool."""
        self._closing = True
        for worker in self._workers.values():
            if worker.process.poll() is None:
                worker.process.kill()
        for worker in self._workers.values():
            worker.process.wait()
            worker.conn.close()
        self._workers.clear()
