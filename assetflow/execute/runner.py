"""The coordinator: runs a plan's tasks on a worker pool, commits them, records every step.

It alone holds the writable :class:`Catalog` (DESIGN section 4). A task is resolved when all
upstream tasks it maps to have finished; then it is skipped (early cutoff: its inputs are
exactly what its committed version read), fails upstream, or goes to the scheduler to wait for
a worker. Workers stage Parquet files and send back metadata; finished partitions are committed
in batches, one transaction per batch, with their state rows in the same transaction. Failed
attempts are retried per the asset's policy; SIGINT/SIGTERM start a graceful cancellation.
"""

from __future__ import annotations

import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import wait
from pathlib import Path

from assetflow.commit.catalog import Catalog, CatalogState, InputRead, PendingCommit
from assetflow.commit.files import StagedFile
from assetflow.commit.runstate import RunStateWriter
from assetflow.define.graph import AssetGraph
from assetflow.define.policy import BUILTIN_POLICY, TaskPolicy
from assetflow.errors import TaskTimeoutError
from assetflow.execute.cancel import CancelToken
from assetflow.execute.hooks import Hook, HookRunner
from assetflow.execute.ledger import Ledger, upstream_keys
from assetflow.execute.pool import Pool, make_pool
from assetflow.execute.records import RunResult, TaskEvent, TaskResult
from assetflow.execute.retry import retry_delay, should_retry
from assetflow.execute.scheduler import Key, Scheduler
from assetflow.execute.worker import AttemptError, TaskSpec, WorkerSetup, qualified
from assetflow.plan.planner import Plan, Step, display_key

# Re-exported: these used to live here.
__all__ = ["RunOptions", "RunResult", "Runner", "TaskEvent", "TaskResult"]

Clock = Callable[[], datetime]
PUBLISH_EVERY_SECONDS = 1.0
FLUSH_EVERY_SECONDS = 0.05
"""State rows wait at most this long for a commit to ride along with."""


@dataclass(frozen=True)
class RunOptions:
    """How a run executes (see ``docs/execution.md``).

    Attributes:
        workers: parallel tasks at most (default: the number of CPU cores).
        executor: ``processes`` (default) or ``threads``.
        grace_period: seconds running tasks get to finish after a cancel request.
        defaults: the project's task policy, under each asset's own.
        on_failure / on_success: project hooks, called after the asset's own.
        setup: how worker processes load the assets.
        seed: seeds retry jitter (for reproducible tests).
    """

    workers: int | None = None
    executor: str = "processes"
    grace_period: float = 10.0
    defaults: TaskPolicy = field(default_factory=TaskPolicy)
    on_failure: Hook | None = None
    on_success: Hook | None = None
    setup: WorkerSetup | None = None
    seed: int | None = None
    publish_every: float = PUBLISH_EVERY_SECONDS


@dataclass
class _Task:
    key: Key
    step: Step
    index: int
    policy: TaskPolicy
    attempt: int = 0
    started_at: datetime | None = None
    attempt_started: datetime | None = None
    deadline: float | None = None
    worker: int | None = None
    inputs: tuple[InputRead, ...] = ()
    files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    done: bool = False


class Runner:
    """Executes one plan against a warehouse."""

    def __init__(
        self,
        graph: AssetGraph,
        catalog: Catalog,
        state: CatalogState,
        *,
        clock: Clock,
        on_event: Callable[[TaskEvent], None] | None = None,
        options: RunOptions | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        self.graph = graph
        self.catalog = catalog
        self.root: Path = Path(catalog.root).resolve()
        self.clock = clock
        self.on_event = on_event or (lambda e: None)
        self.options = options or RunOptions()
        self._own_cancel = cancel is None
        self.cancel = cancel or CancelToken()
        self.ledger = Ledger(state)
        self._rng = random.Random(self.options.seed)
        self._hooks = HookRunner()
        self._pool: Pool | None = None
        self._pool_size = 0
        self._running: dict[int, _Task] = {}
        self._pending: list[tuple[_Task, StagedFile, datetime]] = []
        self._cancelling = False
        self._starved_since: float | None = None
        self._grace_deadline = 0.0
        self._unpublished = False
        self._last_flush = self._last_publish = time.monotonic()

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
        self.result = RunResult(run_id=run_id, resume_of=resume_of)
        self.run_id = run_id
        self._force = plan.force
        self.state = RunStateWriter(run_id)
        started = time.perf_counter()
        now = self.clock()
        self.catalog.start_run(run_id, command, now, pid, request)
        steps = plan.to_run
        self._tasks: dict[Key, _Task] = {}
        for index, step in enumerate(steps):
            key = (step.asset, step.partition)
            policy = self.graph[step.asset].policy.over(self.options.defaults).over(BUILTIN_POLICY)
            self._tasks[key] = _Task(key, step, index, policy)
            self.state.event(step.asset, step.partition, "queued", 0, now, step.reason or None)
        self._by_index = list(self._tasks.values())
        self._upstream = upstream_keys(self.graph, steps, self.ledger)
        deps = {
            k: [(u, q) for u, qs in ups.items() for q in qs] for k, ups in self._upstream.items()
        }
        limits = {
            t.step.asset: t.policy.max_concurrency
            for t in self._tasks.values()
            if t.policy.max_concurrency is not None
        }
        self._sched = Scheduler(self._tasks, deps, limits)
        workers = self.options.workers or os.cpu_count() or 1
        self._pool_size = max(1, min(workers, len(steps)))
        self._flush(force=True)
        status = "failed"
        try:
            with self.cancel.on_signals():
                self._loop()
            if self.cancel.requested:
                status = "cancelled"
            elif self.result.count("failed") or self.result.count("upstream_failed"):
                status = "failed"
            else:
                status = "succeeded"
        except BaseException:
            self._abort()
            raise
        finally:
            self._close_pool(kill=status != "succeeded")
            self._hooks.close()
            self._report_hook_errors()
            self.result.status = status
            self.catalog.write_state(self.state)
            self.catalog.finish_run(run_id, status, self.clock())
            if self._own_cancel:
                self.cancel.close()
            self._tick("total", started)
        return self.result

    def _loop(self) -> None:
        self._resolve(self._sched.initial())
        while not self._sched.done:
            self._check_cancel()
            self._dispatch()
            if self._sched.done:
                break
            t = time.perf_counter()
            waitables: list = [self.cancel]
            if self._pool is not None:
                waitables += self._pool.waitables()
            wait(waitables, self._wait_timeout())
            self.cancel.clear_wakeups()
            t = self._tick("wait", t)
            if self._pool is not None:
                self._handle(self._pool.collect())
            t = self._tick("collect", t)
            self._dispatch()  # keep workers busy while this batch commits
            self._commit_pending()
            self._check_timeouts()
            self._report_hook_errors()
            self._flush()

    def _wait_timeout(self) -> float:
        now = time.monotonic()
        due = [now + 1.0]
        if self.state.pending:
            due.append(self._last_flush + FLUSH_EVERY_SECONDS)
        if self._unpublished:
            due.append(self._last_publish + self.options.publish_every)
        if (retry := self._sched.next_due()) is not None:
            due.append(retry)
        due += [t.deadline for t in self._running.values() if t.deadline is not None]
        if self._cancelling:
            due.append(self._grace_deadline)
        if self._starved_since is not None and self._pool is not None:
            due.append(self._starved_since + self._pool.grow_after)
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
            code = self.graph[asset].code_version
            if not self._force and self.ledger.unchanged(task.key, code, reads):
                detail = "upstream rebuilt with identical data"
                work.extend(self._finish(task, "skipped", detail))
                continue
            task.inputs = tuple(reads)
            task.files = {
                up: tuple(str(self.root / self.ledger.file((up, q))) for q in qs)
                for up, qs in self._upstream[task.key].items()
                if up in self.graph[asset].inputs
            }
            self._sched.enqueue(task.key)

    def _ensure_pool(self) -> Pool:
        if self._pool is None:
            t = time.perf_counter()
            setup = self.options.setup or WorkerSetup(source=None)
            self._pool = make_pool(self.options.executor, self._pool_size, self.graph.assets, setup)
            self._tick("pool_start", t)
        return self._pool

    def _dispatch(self) -> None:
        if self._cancelling:
            return
        t = time.perf_counter()
        now = time.monotonic()
        while self._sched.has_ready or (self._sched.next_due() or now + 1) <= now:
            pool = self._ensure_pool()
            idle = pool.idle()
            if not idle:
                self._grow(pool, now)
                self._tick("dispatch", t)
                return
            key = self._sched.take(now)
            if key is None:
                break
            self._start(self._tasks[key], idle[0])
        self._starved_since = None
        self._tick("dispatch", t)

    def _grow(self, pool: Pool, now: float) -> None:
        """Ready tasks wait for a worker: start more, at once when there are none yet, else
        only if the wait lasts (booting a process costs ~1 s, more than many small tasks)."""
        if self._starved_since is None:
            self._starved_since = now
        if pool.size == 0 or now - self._starved_since >= pool.grow_after:
            pool.want(self._sched.ready_count(now))
            self._starved_since = now

    def _start(self, task: _Task, wid: int) -> None:
        assert self._pool is not None
        asset, partition = task.key
        task.attempt += 1
        now = self.clock()
        task.attempt_started = now
        task.started_at = task.started_at or now
        timeout = task.policy.timeout
        task.deadline = time.monotonic() + timeout if timeout else None
        task.worker = wid
        spec = TaskSpec(
            task_id=task.index,
            asset=asset,
            partition=partition,
            input_files=task.files,
            root=str(self.root),
            run_id=self.run_id,
            attempt=task.attempt,
            code_version=self.graph[asset].code_version,
        )
        self._pool.submit(wid, spec)
        self._running[task.index] = task
        self.state.event(asset, partition, "running", task.attempt, now)
        self.on_event(TaskEvent("started", asset, partition, attempt=task.attempt))

    # -- results --------------------------------------------------------------------------

    def _handle(self, messages: list) -> None:
        for message in messages:
            kind = message[0]
            if kind == "log":
                task = self._by_index[message[1]]
                self.state.logs(*task.key, task.attempt, message[2])
            elif kind == "done":
                outcome = message[2]
                task = self._by_index[outcome.task_id]
                if task.done or task.worker != message[1]:
                    continue  # a late answer from an attempt that was already given up on
                self.state.logs(*task.key, task.attempt, outcome.logs)
                self._running.pop(task.index, None)
                task.worker = task.deadline = None
                if outcome.error is None:
                    self._pending.append((task, outcome.staged, self.clock()))
                else:
                    self._attempt_failed(task, outcome.error)
            elif kind == "died":
                _, wid, index, code = message
                task = self._by_index[index] if index is not None else None
                if task is None or task.done or task.worker != wid:
                    continue
                self._running.pop(task.index, None)
                task.worker = task.deadline = None
                asset, partition = task.key
                error = AttemptError(
                    type="WorkerDied",
                    message=f"asset {asset!r} partition {partition}: its worker process died "
                    f"(exit code {code})",
                    traceback=None,
                    retryable=True,
                    summary=f"worker process died (exit code {code})",
                )
                self._attempt_failed(task, error)

    def _attempt_failed(self, task: _Task, error: AttemptError, status: str = "failed") -> None:
        asset, partition = task.key
        now = self.clock()
        assert task.attempt_started is not None
        self.state.attempt(
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
            self.state.event(asset, partition, "retrying", task.attempt, now, detail)
            self.on_event(TaskEvent("retrying", asset, partition, detail, attempt=task.attempt))
            self._sched.defer(task.key, time.monotonic() + delay)
            return
        self._resolve(self._finish(task, "failed", error.message, error=error))

    def _commit_pending(self) -> None:
        if not self._pending:
            return
        t = time.perf_counter()
        batch, self._pending = self._pending, []
        items = []
        for task, staged, finished in batch:
            asset, partition = task.key
            code = self.graph[asset].code_version
            assert task.attempt_started is not None
            items.append(
                PendingCommit(
                    asset,
                    partition,
                    staged,
                    code,
                    task.inputs,
                    self.run_id,
                    task.attempt_started,
                    finished,
                )
            )
            self.ledger.record(task.key, staged, code, task.inputs)
            self.state.attempt(
                asset, partition, task.attempt, "succeeded", task.attempt_started, finished
            )
            self._record_final(task, "succeeded", "", finished)
        self.catalog.commit_many(items, self.state)
        self._unpublished = True
        self._last_flush = time.monotonic()
        t = self._tick("commit", t)
        for (task, staged, finished), _ in zip(batch, items, strict=True):
            resolved = self._conclude(
                task, "succeeded", "", finished, rows=staged.row_count, version=staged.data_version
            )
            self._resolve(resolved)
        self._tick("resolve", t)

    def _check_timeouts(self) -> None:
        now = time.monotonic()
        expired = [
            t for t in self._running.values() if t.deadline is not None and t.deadline <= now
        ]
        for task in expired:
            assert self._pool is not None and task.worker is not None
            self._pool.stop(task.worker)
            self._running.pop(task.index, None)
            task.worker = task.deadline = None
            asset, partition = task.key
            limit = f"{task.policy.timeout:g}s"
            error = AttemptError(
                type=TaskTimeoutError.__name__,
                message=f"asset {asset!r} partition {partition} ran past its timeout of {limit} "
                "and was stopped",
                traceback=None,
                retryable=True,
                lineage=tuple(qualified(c) for c in TaskTimeoutError.__mro__),
                summary=f"timed out after {limit}",
            )
            self._attempt_failed(task, error)

    # -- finishing tasks ------------------------------------------------------------------

    def _finish(
        self, task: _Task, status: str, detail: str, *, error: AttemptError | None = None
    ) -> list[Key]:
        """Move ``task`` to a final state; return dependents that became resolved."""
        now = self.clock()
        self._record_final(task, status, detail, now, error)
        return self._conclude(task, status, detail, now, error=error)

    def _record_final(
        self,
        task: _Task,
        status: str,
        detail: str,
        now: datetime,
        error: AttemptError | None = None,
    ) -> None:
        asset, partition = task.key
        task.done = True
        self.state.event(asset, partition, status, task.attempt, now, detail or None)
        trace = (error.traceback or error.message) if error else None
        reason = detail or task.step.reason
        self.state.task(asset, partition, status, task.attempt, reason, trace, task.started_at, now)

    def _conclude(
        self,
        task: _Task,
        status: str,
        detail: str,
        now: datetime,
        *,
        error: AttemptError | None = None,
        rows: int | None = None,
        version: str | None = None,
    ) -> list[Key]:
        asset, partition = task.key
        seconds = (now - task.started_at).total_seconds() if task.started_at else None
        result = TaskResult(
            asset,
            partition,
            status,
            detail,
            rows,
            seconds,
            version,
            attempts=task.attempt,
            error_type=error.type if error else None,
            traceback=error.traceback if error else None,
            run_id=self.run_id,
            started_at=task.started_at,
            finished_at=now,
        )
        self.result.tasks.append(result)
        self.on_event(TaskEvent(status, asset, partition, detail, rows, seconds, task.attempt))
        definition = self.graph[asset]
        if status == "failed":
            hooks = (definition.on_failure, self.options.on_failure)
        elif status == "succeeded":
            hooks = (definition.on_success, self.options.on_success)
        else:
            hooks = ()
        for hook in hooks:
            if hook is not None:
                self._hooks.submit(hook, result, result.label)
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
            if self._running:
                grace = f"{self.options.grace_period:g}s"
                self._notice(
                    f"{self.cancel.reason}: cancelling; waiting up to {grace} for "
                    f"{len(self._running)} running task(s) (signal again to stop them now)"
                )
        if self._running and (
            time.monotonic() >= self._grace_deadline or self.cancel.requests >= 2
        ):
            self._stop_running("stopped: the run was cancelled")

    def _stop_running(self, detail: str) -> None:
        for task in list(self._running.values()):
            if self._pool is not None and task.worker is not None:
                self._pool.stop(task.worker)
            self._running.pop(task.index, None)
            task.worker = task.deadline = None
            asset, partition = task.key
            if task.attempt_started is not None:
                self.state.attempt(
                    asset, partition, task.attempt, "cancelled", task.attempt_started, self.clock()
                )
            self._finish(task, "cancelled", detail)

    def _abort(self) -> None:
        """The coordinator itself failed: stop everything and close the books on the run."""
        self._cancelling = True
        self._close_pool(kill=True)
        self._running.clear()
        now = self.clock()
        for task in self._tasks.values():
            if not task.done:
                self._record_final(task, "cancelled", "the coordinator failed", now)

    def _close_pool(self, *, kill: bool) -> None:
        if self._pool is not None:
            self._pool.close(kill=kill)
            self._pool = None

    def _notice(self, text: str) -> None:
        self.on_event(TaskEvent("notice", "", "", text))

    def _report_hook_errors(self) -> None:
        for text in self._hooks.errors():
            self._notice(text)

    def _flush(self, *, force: bool = False) -> None:
        """Write buffered state if it waited long enough; republish the snapshot each second."""
        now = time.monotonic()
        t = time.perf_counter()
        if self.state.pending and (force or now - self._last_flush >= FLUSH_EVERY_SECONDS):
            self.catalog.write_state(self.state)
            self._last_flush = now
            self._unpublished = True
            t = self._tick("state", t)
        if self._unpublished and (force or now - self._last_publish >= self.options.publish_every):
            self.catalog.publish()
            self._last_publish = now
            self._unpublished = False
            self._tick("publish", t)

    def _tick(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.result.timings[name] = self.result.timings.get(name, 0.0) + now - since
        return now
