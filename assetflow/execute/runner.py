"""The coordinator: runs a plan's tasks on an executor, commits them, records every step.

It alone holds the :class:`CatalogWriter` (DESIGN section 4). A task is resolved when all
upstream tasks it maps to have finished; then it is skipped (early cutoff: its inputs are
exactly what its committed version read), fails upstream, or goes to the scheduler to wait for
the executor. Attempts stage Parquet files and report back (``messages.py``); finished
partitions are committed in batches (``groupcommit.py``), one transaction per batch, with their
state rows in the same transaction. Failed attempts, timeouts and lost workers are retried per
the asset's policy; SIGINT/SIGTERM start a graceful cancellation.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime
from multiprocessing.connection import wait

from assetflow.commit.files import StagedFile
from assetflow.commit.records import PendingCommit
from assetflow.commit.state import CatalogState
from assetflow.commit.writer import CatalogWriter
from assetflow.define.graph import AssetGraph
from assetflow.errors import SchemaMismatchError
from assetflow.execute import retry
from assetflow.execute.active import ActiveRun
from assetflow.execute.book import RunOptions, TaskState
from assetflow.execute.cancel import CancelToken
from assetflow.execute.groupcommit import Finished
from assetflow.execute.ledger import Ledger
from assetflow.execute.messages import (
    AttemptError,
    AttemptFinished,
    AttemptStarted,
    LogRecord,
    Message,
    WorkerLost,
)
from assetflow.execute.records import RunResult, TaskEvent, TaskResult
from assetflow.execute.resolve import resolve
from assetflow.execute.scheduler import Key
from assetflow.plan.planner import Plan
from assetflow.states import RunStatus, TaskStatus

__all__ = ["RunOptions", "RunResult", "Runner", "TaskEvent", "TaskResult"]

Clock = Callable[[], datetime]


class Runner:
    """Executes plans against a warehouse, one run at a time."""

    def __init__(
        self,
        graph: AssetGraph,
        catalog: CatalogWriter,
        state: CatalogState,
        *,
        clock: Clock,
        options: RunOptions,
        on_event: Callable[[TaskEvent], None] | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.graph = graph
        self.catalog = catalog
        self.clock = clock
        self.on_event: Callable[[TaskEvent], None] = on_event or (lambda e: None)
        self.options = options
        self._own_cancel = cancel is None
        self.cancel = cancel or CancelToken()
        self.ledger = Ledger(state)
        self._rng = random.Random(options.seed)
        self._active: ActiveRun | None = None

    @property
    def _run(self) -> ActiveRun:
        assert self._active is not None, "only while run() runs"
        return self._active

    # -- the run --------------------------------------------------------------------------

    def run(
        self,
        plan: Plan,
        run_id: str,
        command: str,
        pid: int,
        *,
        request: str | None = None,
        resume_of: str | None = None,
    ) -> RunResult:
        """Run every step of ``plan`` that needs running; return when all reached a state."""
        run = self._active = ActiveRun.open(
            plan, run_id, graph=self.graph, catalog=self.catalog, ledger=self.ledger,
            options=self.options, clock=self.clock, on_event=self.on_event, resume_of=resume_of,
        )  # fmt: skip
        book = run.book
        started = time.perf_counter()
        now = self.clock()
        self.catalog.prepare_checks((step.asset, step.partition) for step in plan.to_run)
        self.catalog.start_run(run_id, command, now, pid, request)
        for step in plan.to_run:
            book.state.event(
                step.asset, step.partition, TaskStatus.QUEUED, 0, now, step.reason or None
            )
        book.flush(force=True)
        status = RunStatus.FAILED
        # Signals cancel until the outcome is recorded, not only while tasks run (late SIGTERM).
        with self.cancel.on_signals():
            try:
                self._loop()
                if self.cancel.requested:
                    status = RunStatus.CANCELLED
                elif book.result.count(TaskStatus.FAILED) or book.result.count(
                    TaskStatus.UPSTREAM_FAILED
                ):
                    status = RunStatus.FAILED
                else:
                    status = RunStatus.SUCCEEDED
            except BaseException:
                self._abort()
                raise
            finally:
                run.crew.close(kill=status != RunStatus.SUCCEEDED)
                book.close_hooks()
                try:
                    run.committer.drain()
                finally:
                    run.committer.close()
                    run.waker.close()
                if status == RunStatus.SUCCEEDED and self.cancel.requested:
                    status = RunStatus.CANCELLED  # asked to stop after the last task: say so
                book.result.status = status
                book.result.tasks.sort(key=lambda t: run.tasks[(t.asset, t.partition)].index)
                self.catalog.write_state(book.state)
                self.catalog.finish_run(run_id, status, self.clock())
                if self._own_cancel:
                    self.cancel.close()
                book.result.timings.update(run.committer.seconds)
                book.tick("total", started)
                self._active = None
        return book.result

    def _loop(self) -> None:
        run = self._run
        self._resolve(run.sched.initial())
        while not run.finished:
            self._check_cancel()
            self._dispatch()
            if run.finished:
                break
            t = time.perf_counter()
            wait([self.cancel, run.waker, *run.crew.waitables()], self._wait_timeout())
            self.cancel.clear_wakeups()
            run.waker.clear()
            t = run.book.tick("wait", t)
            self._handle(run.crew.poll())
            run.book.tick("collect", t)
            self._finish_commits()
            run.committer.check()
            self._dispatch()
            self._commit_pending()
            self._check_timeouts()
            run.book.report_hook_errors()
            run.book.flush()

    def _wait_timeout(self) -> float:
        run = self._run
        now = time.monotonic()
        due = [
            now + 1.0,
            run.book.next_write(),
            run.sched.next_due(),
            None if run.committer.busy else run.commits.next_due(),  # its end wakes us
            run.crew.next_due(),
            run.grace_deadline if run.cancelling else None,
        ]
        return max(0.0, min(d for d in due if d is not None) - now)

    # -- starting tasks -------------------------------------------------------------------

    def _resolve(self, keys: Iterable[Key]) -> None:
        """Decide what happens to tasks whose upstream tasks have all finished."""
        run = self._run
        work = deque(keys)
        while work:
            task = run.tasks[work.popleft()]
            if task.done:
                continue
            verdict = resolve(task, run, self.graph, self.ledger)
            if verdict is None:
                run.sched.enqueue(task.key)
            else:
                work.extend(self._finish(task, *verdict))

    def _dispatch(self) -> None:
        run = self._run
        if not run.cancelling:
            t = time.perf_counter()
            run.crew.start_ready(run.sched, run.tasks, self._started)
            run.book.tick("dispatch", t)

    def _started(self, task: TaskState) -> None:
        asset, partition = task.key
        assert task.attempt_started is not None
        self._run.book.state.event(
            asset, partition, TaskStatus.RUNNING, task.attempt, task.attempt_started
        )
        self.on_event(TaskEvent("started", asset, partition, attempt=task.attempt))

    # -- results --------------------------------------------------------------------------

    def _handle(self, messages: list[Message]) -> None:
        run = self._run
        for message in messages:
            match message:
                case LogRecord(task_id, attempt, entries):
                    task = run.by_index[task_id]
                    run.book.state.logs(*task.key, attempt, entries)
                case AttemptStarted(task_id, attempt):
                    if (task := run.crew.current(task_id, attempt)) is not None:
                        run.crew.begin(task, self._started)
                case AttemptFinished(outcome):
                    task = run.crew.current(outcome.task_id, outcome.attempt)
                    if task is None:
                        continue  # a late answer from an attempt that was already given up on
                    run.crew.begin(task, self._started)  # (Dask may report its start later)
                    run.book.state.logs(*task.key, outcome.attempt, outcome.logs)
                    run.crew.release(task)
                    if outcome.error is not None:
                        self._attempt_failed(task, outcome.error)
                    elif outcome.staged is not None:
                        self._accept(task, outcome.staged)
                case WorkerLost(task_id, attempt, detail):
                    if (task := run.crew.current(task_id, attempt)) is not None:
                        run.crew.begin(task, self._started)
                        run.crew.release(task)
                        self._attempt_failed(task, retry.worker_lost_error(*task.key, detail))

    def _attempt_failed(self, task: TaskState, error: AttemptError) -> None:
        run = self._run
        asset, partition = task.key
        now = self.clock()
        assert task.attempt_started is not None
        run.book.state.attempt(
            asset,
            partition,
            task.attempt,
            TaskStatus.FAILED,
            task.attempt_started,
            now,
            (error.type, error.message, error.traceback),
        )
        if not run.cancelling and retry.should_retry(task.policy, task.attempt, error):
            delay = retry.retry_delay(task.policy, task.attempt, self._rng)
            detail = f"attempt {task.attempt} failed: {error.summary}; retrying in {delay:.1f}s"
            run.book.state.event(asset, partition, TaskStatus.RETRYING, task.attempt, now, detail)
            self.on_event(TaskEvent("retrying", asset, partition, detail, attempt=task.attempt))
            run.sched.defer(task.key, time.monotonic() + delay)
            return
        self._resolve(self._finish(task, TaskStatus.FAILED, error.message, error=error))

    def _commit_pending(self) -> None:
        """Hand finished partitions to the committer, unless it is still busy with a batch."""
        run = self._run
        if run.committer.busy:
            return  # one batch at a time, and only once the previous one is concluded
        # Only the run's end waits for a commit: wait for company while other tasks run.
        hurry = run.cancelling or not (run.sched.running or run.sched.has_ready)
        batch = run.commits.take(hurry=hurry)
        if not batch:
            return
        items = []
        for done in batch:
            task, asset, partition = done.task, *done.task.key
            assert task.attempt_started is not None
            items.append(
                PendingCommit(
                    asset, partition, done.staged, self.graph[asset].code_version, task.inputs,
                    run.run_id, task.attempt_started, done.at,
                )
            )  # fmt: skip
            run.book.state.attempt(
                asset, partition, task.attempt, TaskStatus.SUCCEEDED, task.attempt_started, done.at
            )
            run.book.record_final(task, TaskStatus.SUCCEEDED, "", done.at)
        rows = run.book.state.take()  # the batch's state rows share its transaction
        future = run.committer.submit("commit", self.catalog.commit_many, items, rows)
        run.commits.sent(future, batch)

    def _accept(self, task: TaskState, staged: StagedFile) -> None:
        """An attempt staged its output: check its columns, then let its dependents start.

        Dependents read the staged file (or its frame) before its commit lands: commits are
        first in, first out, so an upstream commits before or with what read it (groupcommit).
        """
        run = self._run
        asset, partition = task.key
        spec = self.graph[asset]
        try:
            self.catalog.check_output(asset, partition, staged, spec.code_version, spec.schema)
        except SchemaMismatchError as exc:
            self._attempt_failed(task, retry.schema_error(exc))
            return
        run.commits.add(Finished(task, staged, self.clock()))
        self.ledger.record(task.key, staged, spec.code_version, task.inputs)
        self._resolve(run.sched.finish(task.key, ok=True))

    def _finish_commits(self) -> None:
        """Conclude the batch whose commit completed (its dependents started already)."""
        run = self._run
        batch = run.commits.landed()
        if not batch:
            return
        t = time.perf_counter()
        run.book.committed()
        run.book.result.commit_batches += 1
        for done in batch:
            task, staged = done.task, done.staged
            run.book.conclude(
                task, TaskStatus.SUCCEEDED, "", done.at,
                rows=staged.row_count, version=staged.data_version,
            )  # fmt: skip
        run.book.tick("resolve", t)

    def _check_timeouts(self) -> None:
        crew = self._run.crew
        for task in crew.expired():
            crew.stop(task)
            assert task.policy.timeout is not None
            self._attempt_failed(task, retry.timeout_error(*task.key, task.policy.timeout))

    def _finish(
        self,
        task: TaskState,
        status: TaskStatus,
        detail: str,
        *,
        error: AttemptError | None = None,
    ) -> list[Key]:
        """Move ``task`` to a final state; return dependents that became resolved."""
        run = self._run
        now = self.clock()
        run.book.record_final(task, status, detail, now, error)
        run.book.conclude(task, status, detail, now, error=error)
        return run.sched.finish(task.key, ok=status.ok)

    # -- cancellation, shutdown -----------------------------------------------------------

    def _check_cancel(self) -> None:
        if not self.cancel.requested:
            return
        run = self._run
        if not run.cancelling:
            run.cancelling = True
            run.grace_deadline = time.monotonic() + self.options.grace_period
            # Tasks waiting in the scheduler, or queued on a worker but not begun, never begin.
            for task in [run.tasks[k] for k in run.sched.drain()] + run.crew.stop_unstarted():
                self._finish(task, TaskStatus.CANCELLED, "the run was cancelled first")
            if run.crew.running:
                grace = f"{self.options.grace_period:g}s"
                run.book.notice(
                    f"{self.cancel.reason}: cancelling; waiting up to {grace} for "
                    f"{len(run.crew.running)} running task(s) (signal again to stop them now)"
                )
        if run.crew.running and (
            time.monotonic() >= run.grace_deadline or self.cancel.requests >= 2
        ):
            self._stop_running("stopped: the run was cancelled")

    def _stop_running(self, detail: str) -> None:
        run = self._run
        for task in list(run.crew.running.values()):
            run.crew.stop(task)
            asset, partition = task.key
            if task.attempt_started is not None:
                run.book.state.attempt(
                    asset, partition, task.attempt, TaskStatus.CANCELLED,
                    task.attempt_started, self.clock(),
                )  # fmt: skip
            self._finish(task, TaskStatus.CANCELLED, detail)

    def _abort(self) -> None:
        """The coordinator itself failed: stop everything and close the books on the run."""
        run = self._run
        run.cancelling = True
        run.crew.close(kill=True)
        with contextlib.suppress(BaseException):
            run.committer.drain()
        for done in run.commits.rolled_back():
            done.task.done = False  # its commit, final state rows included, was rolled back
        self.catalog.forget_accepted()  # outputs still waiting for their commit never get one
        now = self.clock()
        for task in run.tasks.values():
            if not task.done:
                run.book.record_final(task, TaskStatus.CANCELLED, "the coordinator failed", now)
