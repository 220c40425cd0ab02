"""A pool of reused worker processes, one task at a time each, that can stop a single task.

``concurrent.futures`` cannot kill one running task (needed for ``timeout=`` and for
cancellation after the grace period), so each worker has its own pipe: the coordinator knows
which process runs which task, kills exactly that one, and starts a replacement.

Workers are started with ``spawn``: forking a coordinator that holds a DuckDB connection and
polars' thread pool can deadlock the child. Each worker imports the project once and then
serves many tasks, so the ~1 s start-up is paid once per worker, not per task.
"""

from __future__ import annotations

import multiprocessing
import pickle
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from assetflow.errors import ConfigError
from assetflow.execute.worker import TaskSpec, WorkerSetup, process_main

Message = tuple[Any, ...]


@dataclass
class _Worker:
    wid: int
    process: BaseProcess
    conn: Connection
    ready: bool = False
    task: int | None = None


class ProcessPool:
    """``size`` worker processes (started at once, in the background)."""

    kind = "processes"

    def __init__(self, size: int, setup: WorkerSetup) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._setup = setup
        self._workers: dict[int, _Worker] = {}
        self._next_id = 0
        self._closing = False
        for _ in range(size):
            self._spawn()

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(
            target=process_main,
            args=(child, self._setup),
            name=f"assetflow-worker-{wid}",
            daemon=True,
        )
        try:
            process.start()
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ConfigError(
                f"cannot send the assets to worker processes ({exc}); define them in a module "
                "or .py file, or use executor='threads' (--executor threads)"
            ) from None
        finally:
            child.close()
        self._workers[wid] = _Worker(wid, process, parent)

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
        """Objects for ``multiprocessing.connection.wait``: pipes and process sentinels."""
        out: list[Any] = []
        for w in self._workers.values():
            out += [w.conn, w.process.sentinel]
        return out

    def collect(self) -> list[Message]:
        """Every message available now: ("done", wid, outcome), ("log", task, lines) and
        ("died", wid, task, exit code) for a worker that died on its own."""
        messages: list[Message] = []
        for worker in list(self._workers.values()):
            try:
                while worker.conn.poll():
                    self._receive(worker, worker.conn.recv(), messages)
            except (EOFError, OSError):
                pass
            if worker.process.exitcode is not None or not worker.process.is_alive():
                if not worker.ready:
                    raise ConfigError(
                        f"a worker process exited while starting (exit code "
                        f"{worker.process.exitcode}); run with --executor threads to see why"
                    )
                self._bury(worker)
                messages.append(("died", worker.wid, worker.task, worker.process.exitcode))
        return messages

    def _receive(self, worker: _Worker, message: Message, out: list[Message]) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
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
        worker.process.join(timeout=1)
        if not self._closing:
            self._spawn()

    def stop(self, wid: int) -> None:
        """Kill the worker running a task (timeout, cancellation) and start a replacement."""
        worker = self._workers.get(wid)
        if worker is None:
            return
        worker.process.kill()
        self._bury(worker)

    def close(self, *, kill: bool = False) -> None:
        """Stop every worker: politely (finish nothing new, exit) or by killing them."""
        self._closing = True
        for worker in self._workers.values():
            if kill or worker.task is not None:
                worker.process.kill()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    worker.process.kill()
        for worker in self._workers.values():
            worker.process.join(timeout=2)
            if worker.process.exitcode is None:
                worker.process.kill()
                worker.process.join(timeout=1)
            worker.conn.close()
        self._workers.clear()
