"""The coordinator: runs a plan's tasks on a worker pool, commits them, records every step.

It alone holds the :class:`CatalogWriter` (DESIGN section 4). A task is resolved when all
upstream tasks it maps to have finished; then it is skipped (early cutoff: its inputs are
exactly what its committed version read), fails upstream, or goes to the scheduler to wait for
a worker. Workers stage Parquet files and send back metadata; finished partitions are committed
in batches, one transaction per batch, with their state rows in the same transaction. Failed
attempts are retried per the asset's policy; SIGINT/SIGTERM start a graceful cancellation.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from datetime import datetime
from multiprocessing.connection import wait

from assetflow.commit.files import StagedFile
from assetflow.commit.records import InputRead, PendingCommit
from assetflow.commit.state import CatalogState
from assetflow.commit.writer import CatalogWriter
from assetflow.define.graph import AssetGraph
from assetflow.errors import SchemaMismatchError
from assetflow.execute.book import (
    RunBook,
    RunOptions,
    TaskState,
    build_tasks,
    concurrency_limits,
)
from assetflow.execute.cancel import CancelToken
from assetflow.execute.committer import Committer, Waker
from assetflow.execute.dispatch import Dispatcher
from assetflow.execute.ledger import Ledger, upstream_keys
from assetflow.execute.records import RunResult, TaskEvent, TaskResult
from assetflow.execute.retry import (
    retry_delay,
    schema_error,
    should_retry,
    timeout_error,
    worker_died_error,
)
from assetflow.execute.scheduler import Key, Scheduler
from assetflow.execute.worker import AttemptError
from assetflow.plan.planner import Plan, display_key

__all__ = ["RunOptions", "RunResult", "Runner", "TaskEvent", "TaskResult"]

Clock = Callable[[], datetime]
MAX_BATCH = 1000
"""Partitions per commit at most."""
BATCH_WINDOW_SECONDS = 0.1
"""Finished partitions wait up to this long for others to share their commit (group commit),
but not at all when nothing else could run meanwhile (their dependents may be waiting)."""


class Runner:
    """Executes one plan against a warehouse."""

    def __init__(
        self,
        graph: AssetGraph,
        catalog: CatalogWriter,
        state: CatalogState,
        *,
        clock: Clock,
        on_event: Callable[[TaskEvent], None] | None = None,
        options: RunOptions | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.graph = graph
        self.catalog = catalog
        self.clock = clock
        self.on_event: Callable[[TaskEvent], None] = on_event or (lambda e: None)
        self.options = options or RunOptions()
        self._own_cancel = cancel is None
        self.cancel = cancel or CancelToken()
        self.ledger = Ledger(state)
        self._rng = random.Random(self.options.seed)
        self._pending: list[tuple[TaskState, StagedFile, datetime]] = []
        self._committing: tuple[Future, list[tuple[TaskState, StagedFile, datetime]]] | None = None
        self._pending_since = 0.0
        self._cancelling = False
        self._grace_deadline = 0.0

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
        self.run_id = run_id
        self._force = plan.force
        self._waker = Waker()
        self._committer = Committer(self._waker)
        book = self.book = RunBook(
            run_id, self.graph, self.catalog, self.options, self.on_event, self._committer,
            resume_of,
        )  # fmt: skip
        started = time.perf_counter()
        now = self.clock()
        self.catalog.start_run(run_id, command, now, pid, request)
        steps = plan.to_run
        self._tasks = build_tasks(self.graph, steps, self.options.defaults)
        self._by_index = list(self._tasks.values())
        for step in steps:
            book.state.event(step.asset, step.partition, "queued", 0, now, step.reason or None)
        self._upstream = upstream_keys(self.graph, steps, self.ledger)
        deps = {
            k: [(u, q) for u, qs in ups.items() for q in qs] for k, ups in self._upstream.items()
        }
        self._sched = Scheduler(self._tasks, deps, concurrency_limits(self._tasks.values()))
        workers = self.options.workers or os.cpu_count() or 1
        self._crew = Dispatcher(
            self.options, self.graph.assets, self.catalog.storage.spec(), run_id, self.clock,
            limit=max(1, min(workers, len(steps))),
        )  # fmt: skip
        book.flush(force=True)
        status = "failed"
        # Signals cancel until the outcome is recorded, not only while tasks run (late SIGTERM).
        with self.cancel.on_signals():
            try:
                self._loop()
                if self.cancel.requested:
                    status = "cancelled"
                elif book.result.count("failed") or book.result.count("upstream_failed"):
                    status = "failed"
                else:
                    status = "succeeded"
            except BaseException:
                self._abort()
                raise
            finally:
                self._crew.close(kill=status != "succeeded")
                book.close_hooks()
                try:
                    self._committer.drain()
                finally:
                    self._committer.close()
                    self._waker.close()
                if status == "succeeded" and self.cancel.requested:
                    status = "cancelled"  # asked to stop after the last task: say so
                book.result.status = status
                self.catalog.write_state(book.state)
                self.catalog.finish_run(run_id, status, self.clock())
                if self._own_cancel:
                    self.cancel.close()
                book.result.timings.update(self._committer.seconds)
                book.tick("total", started)
        return book.result

    def _loop(self) -> None:
        self._resolve(self._sched.initial())
        while not self._sched.done:
            self._check_cancel()
            self._dispatch()
            if self._sched.done:
                break
            t = time.perf_counter()
            wait([self.cancel, self._waker, *self._crew.waitables()], self._wait_timeout())
            self.cancel.clear_wakeups()
            self._waker.clear()
            t = self.book.tick("wait", t)
            self._handle(self._crew.collect())
            self.book.tick("collect", t)
            self._finish_commits()
            self._committer.check()
            self._dispatch()
            self._commit_pending()
            self._check_timeouts()
            self.book.report_hook_errors()
            self.book.flush()

    def _wait_timeout(self) -> float:
        now = time.monotonic()
        due = [now + 1.0]
        if (write := self.book.next_write()) is not None:
            due.append(write)
        if (retry := self._sched.next_due()) is not None:
            due.append(retry)
        if self._pending and self._committing is None:
            due.append(self._pending_since + BATCH_WINDOW_SECONDS)
        if (crew := self._crew.next_due()) is not None:
            due.append(crew)
        if self._cancelling:
            due.append(self._grace_deadline)
        return max(0.0, min(due) - now)

    # -- starting tasks -------------------------------------------------------------------

    def _resolve(self, keys: Iterable[Key]) -> None:
        """Decide what happens to tasks whose upstream tasks have all finished."""
        work = deque(keys)
        while work:
            task = self._tasks[work.popleft()]
            if task.done:
                continue
            asset = task.key[0]
            if self._cancelling:
                work.extend(self._finish(task, "cancelled", "the run was cancelled first"))
                continue
            failed = self._sched.failed_upstream(task.key)
            if failed:
                detail = f"upstream {failed[0]} {display_key(failed[1])} did not succeed"
                work.extend(self._finish(task, "upstream_failed", detail))
                continue
            reads = [
                InputRead(up, q, self.ledger.version((up, q)) or "")
                for up, qs in self._upstream[task.key].items()
                for q in qs
            ]
            missing = next((r for r in reads if not r.data_version), None)
            if missing:
                detail = f"upstream {missing.upstream} {display_key(missing.partition)} is missing"
                work.extend(self._finish(task, "upstream_failed", detail))
                continue
            code = self.graph[asset].code_versions
            if not self._force and self.ledger.unchanged(task.key, code, reads):
                detail = "upstream rebuilt with identical data"
                work.extend(self._finish(task, "skipped", detail))
                continue
            task.inputs = tuple(reads)
            task.input_keys = {
                up: tuple(self.ledger.file((up, q)) for q in qs)
                for up, qs in self._upstream[task.key].items()
                if up in self.graph[asset].inputs
            }
            self._sched.enqueue(task.key)

    def _dispatch(self) -> None:
        if not self._cancelling:
            t = time.perf_counter()
            self._crew.start_ready(self._sched, self._tasks, self._started)
            self.book.tick("dispatch", t)

    def _started(self, task: TaskState) -> None:
        asset, partition = task.key
        assert task.attempt_started is not None
        self.book.state.event(asset, partition, "running", task.attempt, task.attempt_started)
        self.on_event(TaskEvent("started", asset, partition, attempt=task.attempt))

    # -- results --------------------------------------------------------------------------

    def _handle(self, messages: list) -> None:
        for message in messages:
            kind = message[0]
            if kind == "log":
                task = self._by_index[message[1]]
                self.book.state.logs(*task.key, task.attempt, message[2])
            elif kind == "done":
                outcome = message[2]
                task = self._by_index[outcome.task_id]
                if not self._crew.owns(task, message[1]):
                    continue  # a late answer from an attempt that was already given up on
                self.book.state.logs(*task.key, task.attempt, outcome.logs)
                self._crew.release(task)
                if outcome.error is None:
                    if not self._pending:
                        self._pending_since = time.monotonic()
                    self._pending.append((task, outcome.staged, self.clock()))
                else:
                    self._attempt_failed(task, outcome.error)
            elif kind == "died":
                _, wid, index, code = message
                task = self._by_index[index] if index is not None else None
                if task is None or not self._crew.owns(task, wid):
                    continue
                self._crew.release(task)
                self._attempt_failed(task, worker_died_error(*task.key, code))

    def _attempt_failed(self, task: TaskState, error: AttemptError, status: str = "failed") -> None:
        asset, partition = task.key
        now = self.clock()
        assert task.attempt_started is not None
        self.book.state.attempt(
            asset,
            partition,
            task.attempt,
            status,
            task.attempt_started,
            now,
            (error.type, error.message, error.traceback),
        )
        if not self._cancelling and should_retry(task.policy, task.attempt, error):
            delay = retry_delay(task.policy, task.attempt, self._rng)
            detail = f"attempt {task.attempt} failed: {error.summary}; retrying in {delay:.1f}s"
            self.book.state.event(asset, partition, "retrying", task.attempt, now, detail)
            self.on_event(TaskEvent("retrying", asset, partition, detail, attempt=task.attempt))
            self._sched.defer(task.key, time.monotonic() + delay)
            return
        self._resolve(self._finish(task, "failed", error.message, error=error))

    def _commit_pending(self) -> None:
        """Hand finished partitions to the committer, unless it is still busy with a batch."""
        if not self._pending or self._committing is not None or self._committer.busy:
            return  # one batch at a time, and only once the previous one is concluded
        waited = time.monotonic() - self._pending_since
        busy_elsewhere = self._sched.has_ready and not self._crew.has_idle()
        if busy_elsewhere and waited < BATCH_WINDOW_SECONDS and not self._cancelling:
            return
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        batch = self._schema_checked(batch)
        items = []
        for task, staged, finished in batch:
            asset, partition = task.key
            assert task.attempt_started is not None
            items.append(
                PendingCommit(
                    asset,
                    partition,
                    staged,
                    self.graph[asset].code_version,
                    task.inputs,
                    self.run_id,
                    task.attempt_started,
                    finished,
                )
            )
            self.book.state.attempt(
                asset, partition, task.attempt, "succeeded", task.attempt_started, finished
            )
            self.book.record_final(task, "succeeded", "", finished)
        rows = self.book.state.take()  # the batch's state rows share its transaction
        future = self._committer.submit("commit", self.catalog.commit_many, items, rows)
        self._committing = (future, batch)

    def _schema_checked(self, batch: list) -> list:
        """Drop (and fail) outputs whose columns conflict with their asset's other partitions.

        Runs while the committer is idle: the check may read the catalog connection.
        """
        kept = []
        for task, staged, finished in batch:
            asset, partition = task.key
            spec = self.graph[asset]
            try:
                self.catalog.check_output(asset, partition, staged, spec.code_version, spec.schema)
            except SchemaMismatchError as exc:
                self._attempt_failed(task, schema_error(exc))
                continue
            kept.append((task, staged, finished))
        return kept

    def _finish_commits(self) -> None:
        """Conclude the batch whose commit completed: its dependents may start now."""
        if self._committing is None or not self._committing[0].done():
            return
        future, batch = self._committing
        self._committing = None
        future.result()  # a failed commit stops the run (the coordinator cannot go on)
        t = time.perf_counter()
        self.book.committed()
        self.book.result.commit_batches += 1
        for task, staged, finished in batch:
            code = self.graph[task.key[0]].code_version
            self.ledger.record(task.key, staged, code, task.inputs)
            self.book.conclude(
                task, "succeeded", "", finished, rows=staged.row_count, version=staged.data_version
            )
            self._resolve(self._sched.finish(task.key, ok=True))
        self.book.tick("resolve", t)

    def _check_timeouts(self) -> None:
        for task in self._crew.expired():
            self._crew.stop(task)
            assert task.policy.timeout is not None
            self._attempt_failed(task, timeout_error(*task.key, task.policy.timeout))

    def _finish(
        self, task: TaskState, status: str, detail: str, *, error: AttemptError | None = None
    ) -> list[Key]:
        """Move ``task`` to a final state; return dependents that became resolved."""
        now = self.clock()
        self.book.record_final(task, status, detail, now, error)
        self.book.conclude(task, status, detail, now, error=error)
        return self._sched.finish(task.key, ok=status in ("succeeded", "skipped"))

    # -- cancellation, shutdown, bookkeeping ----------------------------------------------

    def _check_cancel(self) -> None:
        if not self.cancel.requested:
            return
        if not self._cancelling:
            self._cancelling = True
            self._grace_deadline = time.monotonic() + self.options.grace_period
            for key in self._sched.drain():
                self._finish(self._tasks[key], "cancelled", "the run was cancelled first")
            if self._crew.running:
                grace = f"{self.options.grace_period:g}s"
                self.book.notice(
                    f"{self.cancel.reason}: cancelling; waiting up to {grace} for "
                    f"{len(self._crew.running)} running task(s) (signal again to stop them now)"
                )
        if self._crew.running and (
            time.monotonic() >= self._grace_deadline or self.cancel.requests >= 2
        ):
            self._stop_running("stopped: the run was cancelled")

    def _stop_running(self, detail: str) -> None:
        for task in list(self._crew.running.values()):
            self._crew.stop(task)
            asset, partition = task.key
            if task.attempt_started is not None:
                self.book.state.attempt(
                    asset, partition, task.attempt, "cancelled", task.attempt_started, self.clock()
                )
            self._finish(task, "cancelled", detail)

    def _abort(self) -> None:
        """The coordinator itself failed: stop everything and close the books on the run."""
        self._cancelling = True
        self._crew.close(kill=True)
        with contextlib.suppress(BaseException):
            self._committer.drain()
        if self._committing is not None and self._committing[0].exception() is not None:
            for task, _, _ in self._committing[1]:
                task.done = False  # its commit, final state rows included, was rolled back
        now = self.clock()
        for task in self._tasks.values():
            if not task.done:
                self.book.record_final(task, "cancelled", "the coordinator failed", now)
