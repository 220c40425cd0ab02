"""The ``threads`` executor: attempts run on worker threads of the coordinator's process.

Pick threads for assets that mostly wait on I/O (an HTTP API, a database): no start-up cost,
nothing to pickle, notebook-defined functions work. Its limits: CPU-bound Python is serialised
by the GIL, and a thread cannot be killed, only interrupted between Python bytecodes.
"""

from __future__ import annotations

import ctypes
import queue
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from assetflow.define.asset import AssetDef
from assetflow.execute.capture import LogPump, install, uninstall
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable
from assetflow.execute.mailbox import Mailbox
from assetflow.execute.messages import AttemptFinished, LogRecord, Message, TaskSpec
from assetflow.execute.worker import TaskInterrupt, run_attempt


@dataclass
class _Thread:
    wid: int
    inbox: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    thread: threading.Thread | None = None
    task: int | None = None
    abandoned: bool = False


class ThreadPool(Executor):
    """Up to ``workers`` threads, started as soon as tasks wait for one."""

    name = "threads"
    ships_assets = False

    def __init__(self) -> None:
        self._assets: Mapping[str, AssetDef] = {}
        self._limit = 1
        self._threads: dict[int, _Thread] = {}
        self._by_task: dict[int, _Thread] = {}
        self._next_id = 0
        self._mailbox: Mailbox[Message] | None = None
        self._pump: LogPump | None = None

    def start(self, setup: ExecutorSetup) -> None:
        self._assets = setup.assets
        self._limit = setup.workers
        self._mailbox = Mailbox()
        install()
        self._pump = LogPump()

    def capacity(self, waiting: int) -> int:
        idle = sum(1 for t in self._threads.values() if t.task is None)
        for _ in range(min(waiting - idle, self._limit - len(self._threads))):
            self._spawn()
            idle += 1
        return idle

    def _spawn(self) -> None:
        wid, self._next_id = self._next_id, self._next_id + 1
        slot = _Thread(wid)
        slot.thread = threading.Thread(
            target=self._serve, args=(slot,), name=f"assetflow-worker-{wid}", daemon=True
        )
        self._threads[wid] = slot
        slot.thread.start()

    def _serve(self, slot: _Thread) -> None:
        assert self._mailbox is not None
        post = self._mailbox.post
        while True:
            spec = slot.inbox.get()
            if spec is None:
                return
            try:
                outcome = run_attempt(
                    spec,
                    self._assets[spec.asset],
                    self._pump,
                    lambda e, s=spec: post(LogRecord(s.task_id, s.attempt, tuple(e))),
                )
            except TaskInterrupt:  # stopped outside the attempt's own error boundary
                return
            if slot.abandoned:
                return
            post(AttemptFinished(outcome))

    def submit(self, spec: TaskSpec) -> None:
        slot = next(t for t in self._threads.values() if t.task is None)
        slot.task = spec.task_id
        self._by_task[spec.task_id] = slot
        slot.inbox.put(spec)

    def waitables(self) -> list[Waitable]:
        return [self._mailbox] if self._mailbox is not None else []

    def poll(self) -> list[Message]:
        if self._mailbox is None:
            return []
        messages = self._mailbox.take()
        for message in messages:
            if isinstance(message, AttemptFinished):
                slot = self._by_task.pop(message.outcome.task_id, None)
                if slot is not None and slot.task == message.outcome.task_id:
                    slot.task = None
        return messages

    def cancel(self, task_id: int) -> None:
        """Interrupt the thread at its next Python bytecode and give its slot to a new thread.

        A thread blocked in C code (a long sleep, a socket read) only stops when that call
        returns; its result is discarded either way.
        """
        slot = self._by_task.pop(task_id, None)
        if slot is None or self._threads.pop(slot.wid, None) is None or slot.thread is None:
            return
        slot.abandoned = True
        slot.inbox.put(None)
        _raise_in_thread(slot.thread, TaskInterrupt)

    def shutdown(self, *, kill: bool = False) -> None:
        """Let idle threads exit; ``kill`` interrupts running ones (else waits up to 5 s)."""
        for slot in self._threads.values():
            slot.abandoned = slot.abandoned or kill
            slot.inbox.put(None)
            if kill and slot.task is not None and slot.thread is not None:
                _raise_in_thread(slot.thread, TaskInterrupt)
        for slot in self._threads.values():
            if slot.thread is not None and not kill:
                slot.thread.join(timeout=5)
        self._threads.clear()
        self._by_task.clear()
        if self._pump is not None:
            self._pump.stop()
            self._pump = None
            uninstall()
        if self._mailbox is not None:
            self._mailbox.close()
            self._mailbox = None


def _raise_in_thread(thread: threading.Thread, exc: type[BaseException]) -> None:
    if thread.ident is not None and thread.is_alive():
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
        )
