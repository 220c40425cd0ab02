"""The worker side: run one attempt of one task and describe what happened, picklably.

Workers (processes, threads, cluster workers) never touch the catalog: they read committed
Parquet files, stage the new one (:func:`assetflow.commit.files.stage_table`, a file name of its
own per execution) and return an :class:`~assetflow.execute.messages.AttemptOutcome` with the
staged file's metadata or an :class:`~assetflow.execute.messages.AttemptError`; the coordinator
commits. :func:`run_attempt` is where every executor runs an attempt; :func:`process_main` is the
loop of a :class:`~assetflow.execute.procpool.ProcessPool` worker process.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from assetflow.commit.storage import open_storage
from assetflow.define.asset import AssetDef
from assetflow.errors import AssetflowError, TaskError
from assetflow.execute.capture import AttemptLog, LogEntry, LogPump, install
from assetflow.execute.executor import WorkerSetup
from assetflow.execute.materializer import run_asset
from assetflow.execute.messages import (
    AttemptError,
    AttemptFinished,
    AttemptOutcome,
    AttemptStarted,
    LogRecord,
    TaskSpec,
)


class TaskInterrupt(BaseException):
    """Raised inside a worker thread to stop an attempt (timeout or cancellation)."""


@dataclass(frozen=True)
class WorkerReady:
    """A worker process loaded the assets and waits for tasks."""


@dataclass(frozen=True)
class WorkerBootFailed:
    """A worker process could not load the assets (a configuration error: exit 2)."""

    detail: str


@dataclass(frozen=True)
class Recall:
    """Pool -> worker process: give back ``task_id`` if it is still queued (not started)."""

    task_id: int


@dataclass(frozen=True)
class Recalled:
    """Worker process -> pool: ``task_id`` was still queued; it is dropped, never started."""

    task_id: int


def qualified(cls: type) -> str:
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def describe_error(exc: BaseException, where: str = "") -> AttemptError:
    """An :class:`AttemptError` for ``exc``.

    A TaskError wrapping user code reports its cause; the cause may opt out of retries with a
    class attribute ``retryable = False``. Assetflow errors carry their own ``retryable``.
    Anything else (SystemExit from user code, an unexpected error reading inputs) is terminal.
    """
    if type(exc) is TaskError and exc.__cause__ is not None:
        cause: BaseException = exc.__cause__
        retryable = bool(getattr(cause, "retryable", True))
        message = str(exc)
    elif isinstance(exc, AssetflowError):
        cause, retryable, message = exc, exc.retryable, str(exc)
    else:
        cause, retryable = exc, False
        message = f"{where}{type(exc).__name__}: {exc}".rstrip(": ")
    trace = exc.traceback if isinstance(exc, TaskError) else None
    if trace is None and not isinstance(exc, AssetflowError | TaskInterrupt):
        trace = "".join(traceback.format_exception(exc))
    return AttemptError(
        type=type(cause).__name__,
        message=message,
        traceback=trace,
        retryable=retryable,
        lineage=tuple(qualified(c) for c in type(cause).__mro__),
        summary=f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__,
    )


def run_attempt(
    spec: TaskSpec,
    asset: AssetDef,
    pump: LogPump | None = None,
    sink: Callable[[list[LogEntry]], None] | None = None,
) -> AttemptOutcome:
    """Run one attempt with its output captured; never raises for errors of the task."""
    log = AttemptLog(f"assetflow.asset.{spec.asset}")
    # Forget which warnings were already shown, so a reused worker captures them again for
    # this attempt (same effect as any change to the warning filters).
    getattr(warnings, "_filters_mutated", lambda: None)()
    if pump is not None and sink is not None:
        pump.watch(log, sink)
    started = time.perf_counter()
    staged = error = None
    try:
        with log.active():
            try:
                if asset.code_version != spec.code_version:
                    raise AssetflowError(
                        f"asset {spec.asset!r} changed while the run was going (code version "
                        f"{spec.code_version} -> {asset.code_version}); run again"
                    )
                staged = run_asset(
                    asset,
                    spec.partition,
                    spec.input_keys,
                    storage=open_storage(spec.storage),
                    run_id=spec.run_id,
                    log=log.logger,
                    attempt=spec.attempt,
                )
            except BaseException as exc:
                error = describe_error(
                    exc, f"asset {spec.asset!r} partition {spec.partition} raised "
                )
                if error.traceback:
                    log.record("traceback", error.traceback)
                elif not isinstance(exc, TaskInterrupt):
                    log.record("ERROR", error.message)
    finally:
        if pump is not None:
            pump.unwatch(log)
    return AttemptOutcome(
        spec.task_id,
        spec.attempt,
        staged,
        error,
        tuple(log.finish()),
        time.perf_counter() - started,
    )


_loaded: dict[str, dict[str, AssetDef]] = {}


def worker_assets(setup: WorkerSetup) -> dict[str, AssetDef]:
    """The assets of ``setup`` in a process that serves an executor elsewhere (a cluster
    worker): loaded once per process and setup, with output capture installed for good."""
    assets = _loaded.get(setup.key)
    if assets is None:
        assets = _loaded[setup.key] = setup.assets()
        install()  # route print/warnings/logging of attempt threads into their logs, for good
    return assets


def run_spec(
    spec: TaskSpec,
    setup: WorkerSetup,
    pump: LogPump | None = None,
    sink: Callable[[list[LogEntry]], None] | None = None,
) -> AttemptOutcome:
    """Run one attempt in a process that serves an executor elsewhere (a cluster worker):
    :func:`worker_assets`, then :func:`run_attempt`. Log lines go to ``sink`` while it runs
    (given a ``pump``), the rest arrive with the outcome."""
    return run_attempt(spec, worker_assets(setup)[spec.asset], pump, sink)


def process_main(conn: Connection, setup: WorkerSetup) -> None:
    """A worker process: load the assets, then run the attempts the coordinator sends."""
    # Ctrl-C reaches the whole process group; the coordinator decides what stops and when.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        assets = setup.assets()
    except BaseException as exc:
        conn.send(WorkerBootFailed(f"{type(exc).__name__}: {exc}"))
        return
    install()
    lock = threading.Lock()

    def send(message: Any) -> None:
        with lock:
            conn.send(message)

    _exit_with_parent()
    pump = LogPump()
    inbox = _Inbox(conn, send)
    send(WorkerReady())
    finished = None
    while (spec := inbox.next(finished)) is not None:
        outcome = run_attempt(
            spec,
            assets[spec.asset],
            pump,
            lambda e, s=spec: send(LogRecord(s.task_id, s.attempt, tuple(e))),
        )
        finished = AttemptFinished(outcome)


class _Inbox:
    """The specs a worker process was sent, read on a thread as they arrive.

    The pool sends a busy worker its next spec ahead of time, so the worker starts it without
    waiting for the coordinator's answer to the previous one. Until it starts, a queued spec
    can be recalled (the pool gives it to a worker that fell idle). Popping a spec and saying
    it started happen under one lock with recalls, so each queued spec ends in exactly one of
    ``AttemptStarted`` and ``Recalled``.
    """

    def __init__(self, conn: Connection, send: Callable[[Any], None]) -> None:
        self._queue: deque[TaskSpec] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._send = send
        threading.Thread(
            target=self._read, args=(conn,), name="assetflow-inbox", daemon=True
        ).start()

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = None
            with self._cond:
                if message is None:  # the pool closed the connection: stop
                    self._closed = True
                elif isinstance(message, Recall):
                    self._recall(message.task_id)
                else:
                    self._queue.append(message)
                self._cond.notify()
            if message is None:
                return

    def _recall(self, task_id: int) -> None:
        for spec in self._queue:
            if spec.task_id == task_id:
                self._queue.remove(spec)
                self._send(Recalled(task_id))
                return  # not queued: it started (its AttemptStarted says so) or never came

    def next(self, finished: AttemptFinished | None = None) -> TaskSpec | None:
        """The next spec, announced as started; None once the pool closed the connection.

        ``finished``: the previous attempt's outcome, sent first. When the next spec is queued
        already, both go in one message (a tuple): one write and one wake-up of the pool per
        task instead of two.
        """
        with self._cond:
            if finished is not None:
                if self._queue and not self._closed:
                    spec = self._queue.popleft()
                    self._send((finished, AttemptStarted(spec.task_id, spec.attempt)))
                    return spec
                self._send(finished)
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            spec = self._queue.popleft()
            self._send(AttemptStarted(spec.task_id, spec.attempt))
            return spec


def child_main(fd: int) -> None:
    """Entry point of a worker process started by :class:`ProcessPool` (``python -c``)."""
    conn = Connection(fd)
    try:
        setup, path, cwd = conn.recv()
    except (EOFError, OSError):
        return
    sys.path[:] = path  # the coordinator's path: find the project the way it did
    os.chdir(cwd)
    process_main(conn, setup)


def _exit_with_parent() -> None:
    """Exit if the coordinator dies (even by SIGKILL), instead of running on as an orphan."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="assetflow-parent-watch", daemon=True).start()
