"""Worker pools: where attempts run. Processes (default) or threads, behind one interface.

Both pools hand out work one task per worker, report results as messages, and can stop one
task. Pick threads for assets that mostly wait on I/O (an HTTP API, a database): no start-up
cost, nothing to pickle, notebook-defined functions work. Pick processes for CPU-bound Python,
for hard timeouts (a process can be killed; a thread can only be interrupted between Python
bytecodes), and to keep a crashing extension from taking the coordinator down.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from assetflow.define.asset import AssetDef
from assetflow.errors import ConfigError
from assetflow.execute.capture import LogPump, install, uninstall
from assetflow.execute.procpool import Message, ProcessPool
from assetflow.execute.worker import TaskInterrupt, TaskSpec, WorkerSetup, run_attempt

Executor = Literal["processes", "threads"]
EXECUTORS = ("processes", "threads")


class Pool(Protocol):
    kind: str
    grow_after: float
    """Seconds ready tasks must wait for a worker before the pool grows (0: at once)."""
    limit: int
    """Workers at most."""

    @property
    def size(self) -> int: ...
    def want(self, ready: int) -> None: ...
    def idle(self) -> list[int]: ...
    def submit(self, wid: int, spec: TaskSpec) -> None: ...
    def waitables(self) -> list[Any]: ...
    def collect(self) -> list[Message]: ...
    def stop(self, wid: int) -> None: ...
    def close(self, *, kill: bool = False) -> None: ...


@dataclass
class _Thread:
    wid: int
    inbox: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    thread: threading.Thread | None = None
    task: int | None = None
    abandoned: bool = False


class ThreadPool:
    """Up to ``limit`` worker threads in the coordinator's process, started on demand."""

    kind = "threads"
    grow_after = 0.0

    def __init__(self, limit: int, assets: Mapping[str, AssetDef]) -> None:
        self.limit = limit
        self._assets = assets
        self._threads: dict[int, _Thread] = {}
        self._results: deque[Message] = deque()
        self._lock = threading.Lock()
        self._next_id = 0
        # A self-pipe so the coordinator can wait on threads and processes the same way.
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        install()
        self._pump = LogPump()

    def want(self, ready: int) -> None:
        for _ in range(min(ready, self.limit - len(self._threads))):
            self._spawn()

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        slot = _Thread(wid)
        slot.thread = threading.Thread(
            target=self._serve, args=(slot,), name=f"assetflow-worker-{wid}", daemon=True
        )
        self._threads[wid] = slot
        slot.thread.start()

    def _post(self, message: Message) -> None:
        self._results.append(message)
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake_w, b"x")

    def _serve(self, slot: _Thread) -> None:
        while True:
            spec = slot.inbox.get()
            if spec is None:
                return
            try:
                outcome = run_attempt(
                    spec,
                    self._assets[spec.asset],
                    self._pump,
                    lambda e, t=spec.task_id: self._post(("log", t, e)),
                )
            except TaskInterrupt:  # stopped outside the attempt's own error boundary
                return
            if slot.abandoned:
                return
            self._post(("done", slot.wid, outcome))

    @property
    def size(self) -> int:
        return len(self._threads)

    def idle(self) -> list[int]:
        return [t.wid for t in self._threads.values() if t.task is None]

    def submit(self, wid: int, spec: TaskSpec) -> None:
        slot = self._threads[wid]
        slot.task = spec.task_id
        slot.inbox.put(spec)

    def waitables(self) -> list[Any]:
        return [self._wake_r]

    def collect(self) -> list[Message]:
        with contextlib.suppress(BlockingIOError):
            os.read(self._wake_r, 65536)
        messages: list[Message] = []
        while self._results:
            message = self._results.popleft()
            if message[0] == "done":
                slot = self._threads.get(message[1])
                if slot is None:
                    continue  # an abandoned thread finished after all: its result is void
                slot.task = None
            messages.append(message)
        return messages

    def stop(self, wid: int) -> None:
        """Interrupt the thread at its next Python bytecode and give its slot to a new thread.

        A thread blocked in C code (a long sleep, a socket read) only stops when that call
        returns; its result is discarded either way.
        """
        slot = self._threads.pop(wid, None)
        if slot is None or slot.thread is None:
            return
        slot.abandoned = True
        slot.inbox.put(None)
        _raise_in_thread(slot.thread, TaskInterrupt)

    def close(self, *, kill: bool = False) -> None:
        for slot in self._threads.values():
            slot.abandoned = slot.abandoned or kill
            slot.inbox.put(None)
            if kill and slot.task is not None and slot.thread is not None:
                _raise_in_thread(slot.thread, TaskInterrupt)
        for slot in self._threads.values():
            if slot.thread is not None and not kill:
                slot.thread.join(timeout=5)
        self._threads.clear()
        self._pump.stop()
        uninstall()
        os.close(self._wake_r)
        os.close(self._wake_w)


def _raise_in_thread(thread: threading.Thread, exc: type[BaseException]) -> None:
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
        )


def make_pool(
    executor: str,
    limit: int,
    assets: Mapping[str, AssetDef],
    setup: WorkerSetup,
) -> Pool:
    """An empty pool of up to ``limit`` workers of the given kind (see ``Pool.want``)."""
    if executor == "threads":
        return ThreadPool(limit, assets)
    if executor == "processes":
        return ProcessPool(limit, setup)
    raise ConfigError(f"unknown executor {executor!r}; use one of: {', '.join(EXECUTORS)}")
