"""The executor seam: an executor written only here runs a real project, unchanged elsewhere.

``FuturesExecutor`` runs attempts on a ``concurrent.futures`` pool "somewhere else": each task
crosses as a pickled :class:`TaskSpec` plus the project's :class:`WorkerSetup` (paths and keys,
never data), the way a cluster executor ships them, and reports through the public messages.
Retries, timeouts, failures and commits stay the coordinator's. Its ``cancel`` is soft (a
pool cannot stop a running call): the abandoned attempt runs on and stages a file of its own,
which nothing commits.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable
from concurrent.futures import Executor as FuturesPool
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from assetflow.execute import capture, worker
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable
from assetflow.execute.mailbox import Mailbox
from assetflow.execute.messages import (
    AttemptFinished,
    AttemptStarted,
    Message,
    TaskSpec,
    WorkerLost,
)
from assetflow.execute.worker import run_spec
from tests.execute.conftest import load, rows, statuses

DAYS = ["2026-04-01", "2026-04-02"]


@pytest.fixture(autouse=True)
def _forget_worker_assets():
    """``run_spec`` on threads of this process loads the assets and installs output capture
    for good (it plays a cluster worker); undo that, so later tests see the streams they set."""
    before = set(worker._loaded)
    yield
    for key in set(worker._loaded) - before:
        del worker._loaded[key]
        capture.uninstall()


def _run_elsewhere(spec: bytes, setup: bytes, on_start: Callable[[], None] | None = None):
    if on_start is not None:
        on_start()
    return run_spec(pickle.loads(spec), pickle.loads(setup))


def _warm() -> None:
    import assetflow.execute.worker  # noqa: F401  (pay the imports before the run's clock)


class FuturesExecutor(Executor):
    """Attempts on a ``concurrent.futures`` pool; ``report_start`` posts ``AttemptStarted``
    when a queued call begins (threads only: the callback must reach this process)."""

    def __init__(
        self,
        make_pool: Callable[[int], FuturesPool],
        *,
        slots: int | None = None,
        report_start: bool = False,
    ) -> None:
        self._make_pool = make_pool
        self._slots = slots
        self._report_start = report_start
        self.reports_starts = report_start
        self.cancelled: list[int] = []

    def start(self, setup: ExecutorSetup) -> None:
        assert setup.worker_setup is not None
        self._setup = pickle.dumps(setup.worker_setup)
        self._workers = setup.workers
        self._pool = self._make_pool(setup.workers)
        self._mailbox: Mailbox[Message] = Mailbox()
        self._running: dict[int, Future] = {}
        for warmed in [self._pool.submit(_warm) for _ in range(setup.workers)]:
            warmed.result()

    def capacity(self, waiting: int) -> int:
        return (self._slots or self._workers) - len(self._running)

    def submit(self, spec: TaskSpec) -> None:
        start = None
        if self._report_start:
            start = partial(self._mailbox.post, AttemptStarted(spec.task_id, spec.attempt))
        future = self._pool.submit(_run_elsewhere, pickle.dumps(spec), self._setup, start)
        self._running[spec.task_id] = future
        future.add_done_callback(partial(self._done, spec))

    def _done(self, spec: TaskSpec, future: Future) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self._mailbox.post(AttemptFinished(future.result()))
        else:  # e.g. BrokenProcessPool: whatever ran it is gone
            self._mailbox.post(WorkerLost(spec.task_id, spec.attempt, f"lost: {error!r}"))

    def poll(self) -> list[Message]:
        messages = self._mailbox.take()
        for m in messages:
            if isinstance(m, AttemptFinished | WorkerLost):
                task_id = m.outcome.task_id if isinstance(m, AttemptFinished) else m.task_id
                self._running.pop(task_id, None)
        return messages

    def waitables(self) -> list[Waitable]:
        return [self._mailbox]

    def cancel(self, task_id: int) -> None:
        """Soft: a queued call is dropped, a running one runs on and is ignored."""
        self.cancelled.append(task_id)
        future = self._running.pop(task_id, None)
        if future is not None:
            future.cancel()

    def shutdown(self, *, kill: bool = False) -> None:
        self._pool.shutdown(wait=not kill, cancel_futures=True)
        self._mailbox.close()


def threads(n: int) -> FuturesPool:
    return ThreadPoolExecutor(max_workers=n)


def processes(n: int) -> FuturesPool:
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))


@pytest.mark.parametrize(
    "make_pool",
    [threads, pytest.param(processes, marks=pytest.mark.slow)],
    ids=["threads", "processes"],
)
def test_an_executor_from_elsewhere_runs_retries_timeouts_and_failures(warehouse, make_pool):
    executor = FuturesExecutor(make_pool)
    project = load("seam", warehouse)
    result = project.materialize(
        ["flaky", "slow", "report"], partitions=DAYS, executor=executor, workers=3
    )

    assert result.status == "failed", result.summary()
    by_key = statuses(result)
    ran = {(a, d): "succeeded" for a in ("source", "flaky", "slow") for d in DAYS}
    assert {k: s for k, s in by_key.items() if k in ran} == ran
    assert {by_key[("broken", d)] for d in DAYS} == {"failed"}
    assert {by_key[("report", d)] for d in DAYS} == {"upstream_failed"}
    attempts = rows(
        warehouse,
        "select asset, partition, attempt, status, error_type from assetflow.attempts "
        "where asset in ('flaky', 'slow') order by asset, partition, attempt",
    )
    assert attempts == [
        *[("flaky", d, n, s, e) for d in DAYS for n, s, e in ((1, "failed", "ConnectionError"),
                                                              (2, "succeeded", None))],
        ("slow", DAYS[0], 1, "failed", "TaskTimeoutError"),
        ("slow", DAYS[0], 2, "succeeded", None),
        ("slow", DAYS[1], 1, "succeeded", None),
    ]  # fmt: skip
    assert len(executor.cancelled) == 1  # the timed-out attempt, through the interface

    # The abandoned first attempt of `slow` wakes up and stages a file of its own; only the
    # coordinator commits, so the view still reads attempt 2 and the extra file is an orphan.
    def files() -> list[Path]:
        return list((warehouse / "slow" / DAYS[0]).glob("*.parquet"))

    deadline = time.monotonic() + 10
    while len(files()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(files()) == 2
    assert sorted(rows(warehouse, "select attempt from slow")) == [(1,), (2,)]
    assert rows(
        warehouse, "select count(*) from assetflow.materializations where asset = 'slow'"
    ) == [(2,)]


@pytest.mark.parametrize("report_start", [True, False])
def test_a_queued_attempt_times_out_from_when_it_starts(warehouse, report_start):
    """One thread, four slots: attempts queue in the pool. With ``AttemptStarted`` the timeout
    counts from each call's start; without it, from submission, and queued calls time out."""
    executor = FuturesExecutor(threads, slots=4, report_start=report_start)
    days = [f"2026-04-0{d}" for d in range(1, 5)]
    result = load("seam", warehouse).materialize(
        "steady", partitions=days, executor=executor, workers=1
    )
    timed_out = [t for t in result.tasks if t.error_type == "TaskTimeoutError"]
    if report_start:
        assert result.status == "succeeded", result.summary()
    else:
        assert timed_out and result.status == "failed"
