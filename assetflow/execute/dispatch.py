"""The coordinator's side of the worker pool: which task runs on which worker, when an
attempt times out, and when the pool grows.

The pool is created on first use and grows only while ready tasks wait for a worker: at once
when it has none, otherwise after ``pool.grow_after`` seconds (a worker process costs about a
second to start, longer than many small tasks take).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from assetflow.commit.storage import StorageSpec
from assetflow.define.asset import AssetDef
from assetflow.execute.book import RunOptions, TaskState
from assetflow.execute.pool import Pool, make_pool
from assetflow.execute.procpool import Message
from assetflow.execute.scheduler import Scheduler
from assetflow.execute.worker import TaskSpec, WorkerSetup


class Dispatcher:
    """Starts attempts on idle workers and keeps track of the running ones."""

    def __init__(
        self,
        options: RunOptions,
        assets: Mapping[str, AssetDef],
        storage: StorageSpec,
        run_id: str,
        clock: Callable[[], datetime],
        limit: int,
    ) -> None:
        self._options = options
        self._assets = assets
        self._storage = storage
        self._run_id = run_id
        self._clock = clock
        self._limit = limit
        self.pool: Pool | None = None
        self.running: dict[int, TaskState] = {}
        self._starved_since: float | None = None

    def _ensure_pool(self) -> Pool:
        if self.pool is None:
            setup = self._options.setup or WorkerSetup(source=None)
            self.pool = make_pool(self._options.executor, self._limit, self._assets, setup)
        return self.pool

    def start_ready(
        self, sched: Scheduler, tasks: Mapping, on_start: Callable[[TaskState], None]
    ) -> None:
        """Give ready tasks to idle workers; grow the pool if they keep waiting."""
        now = time.monotonic()
        while sched.has_ready or (sched.next_due() or now + 1) <= now:
            pool = self._ensure_pool()
            idle = pool.idle()
            if not idle:
                self._grow(pool, sched.ready_count(now), now)
                return
            key = sched.take(now)
            if key is None:
                break
            self._start(tasks[key], idle[0])
            on_start(tasks[key])
        self._starved_since = None

    def _grow(self, pool: Pool, ready: int, now: float) -> None:
        if self._starved_since is None:
            self._starved_since = now
        if pool.size >= pool.limit:
            return
        if pool.size == 0 or now - self._starved_since >= pool.grow_after:
            pool.want(ready)
            self._starved_since = now

    def _start(self, task: TaskState, wid: int) -> None:
        assert self.pool is not None
        asset, partition = task.key
        task.attempt += 1
        now = self._clock()
        task.attempt_started = now
        task.started_at = task.started_at or now
        timeout = task.policy.timeout
        task.deadline = time.monotonic() + timeout if timeout else None
        task.worker = wid
        spec = TaskSpec(
            task_id=task.index,
            asset=asset,
            partition=partition,
            input_keys=task.input_keys,
            storage=self._storage,
            run_id=self._run_id,
            attempt=task.attempt,
            code_version=self._assets[asset].code_version,
        )
        self.pool.submit(wid, spec)
        self.running[task.index] = task

    def waitables(self) -> list:
        return self.pool.waitables() if self.pool is not None else []

    def collect(self) -> list[Message]:
        return self.pool.collect() if self.pool is not None else []

    def owns(self, task: TaskState, wid: int) -> bool:
        """Whether ``wid`` is running ``task``'s current attempt (not a stale answer)."""
        return not task.done and task.worker == wid

    def release(self, task: TaskState) -> None:
        """The task's attempt ended (its worker is free again or gone)."""
        self.running.pop(task.index, None)
        task.worker = task.deadline = None

    def stop(self, task: TaskState) -> None:
        """Stop the task's attempt now (kill its process / interrupt its thread)."""
        if self.pool is not None and task.worker is not None:
            self.pool.stop(task.worker)
        self.release(task)

    def expired(self) -> list[TaskState]:
        """Running tasks past their deadline."""
        now = time.monotonic()
        return [t for t in self.running.values() if t.deadline is not None and t.deadline <= now]

    def has_idle(self) -> bool:
        return self.pool is None or bool(self.pool.idle())

    def next_due(self) -> float | None:
        """The next attempt deadline or pool-growth check (monotonic), if any."""
        due = [t.deadline for t in self.running.values() if t.deadline is not None]
        pool = self.pool
        if self._starved_since is not None and pool is not None and pool.size < pool.limit:
            due.append(self._starved_since + pool.grow_after)
        return min(due) if due else None

    def close(self, *, kill: bool) -> None:
        if self.pool is not None:
            self.pool.close(kill=kill)
            self.pool = None
