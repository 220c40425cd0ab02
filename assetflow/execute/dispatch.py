"""The coordinator's side of the executor: which attempts run, their specs, their deadlines.

The executor is started on first use (a run whose tasks are all skipped starts nothing) and
asked for capacity whenever tasks are ready; growing is its own business. Timeouts are the
coordinator's: an attempt past its deadline is cancelled through the executor and failed here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from assetflow.commit.storage import StorageSpec
from assetflow.execute.book import TaskState
from assetflow.execute.executor import Executor, ExecutorSetup, Waitable
from assetflow.execute.messages import Message, TaskSpec
from assetflow.execute.scheduler import Key, Scheduler


class Dispatcher:
    """Starts attempts on the executor and keeps track of the running ones."""

    def __init__(
        self,
        executor: Executor,
        setup: ExecutorSetup,
        storage: StorageSpec,
        run_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.executor = executor
        self._setup = setup
        self.storage = storage
        """Where attempts read inputs and stage outputs (workers build their own Storage)."""
        self._run_id = run_id
        self._clock = clock
        self._started = False
        self.running: dict[int, TaskState] = {}
        """Task id -> task, for attempts submitted and not yet ended."""
        self._begun: set[int] = set()
        """Running task ids whose attempt the executor said began (if it ``reports_starts``)."""

    def start_ready(
        self,
        sched: Scheduler,
        tasks: Mapping[Key, TaskState],
        on_start: Callable[[TaskState], None],
    ) -> None:
        """Give ready tasks to the executor, as many as it takes now."""
        now = time.monotonic()
        waiting = sched.ready_count(now)
        if not waiting and not self._started:
            return
        if not self._started:
            self.executor.start(self._setup)
            self._started = True
        free = self.executor.capacity(waiting)
        while free > 0:
            key = sched.take(now)
            if key is None:
                break
            self._submit(tasks[key])
            if not self.executor.reports_starts:
                on_start(tasks[key])  # else when it begins (``begin``)
            free -= 1

    def _submit(self, task: TaskState) -> None:
        asset, partition = task.key
        task.attempt += 1
        now = self._clock()
        task.attempt_started = now
        task.started_at = task.started_at or now
        task.deadline = None
        if not self.executor.reports_starts:
            self._start_deadline(task)
        spec = TaskSpec(
            task_id=task.index,
            asset=asset,
            partition=partition,
            input_keys=task.input_keys,
            storage=self.storage,
            run_id=self._run_id,
            attempt=task.attempt,
            code_version=self._setup.assets[asset].code_version,
        )
        self.executor.submit(spec)
        self.running[task.index] = task

    def _start_deadline(self, task: TaskState) -> None:
        timeout = task.policy.timeout
        task.deadline = time.monotonic() + timeout if timeout else None

    def current(self, task_id: int, attempt: int) -> TaskState | None:
        """The running task whose current attempt a message is about (None: a late answer from
        an attempt that was already given up on)."""
        task = self.running.get(task_id)
        return task if task is not None and task.attempt == attempt else None

    def begin(self, task: TaskState, on_start: Callable[[TaskState], None]) -> None:
        """The executor says the attempt began now (it may have waited in a queue since it was
        submitted): its start time and timeout count from here, and ``on_start`` is told. Only
        the first time (and only for executors that report starts)."""
        if not self.executor.reports_starts or task.index in self._begun:
            return
        self._begun.add(task.index)
        now = self._clock()
        task.attempt_started = now
        if task.attempt == 1:
            task.started_at = now
        self._start_deadline(task)
        on_start(task)

    def waitables(self) -> list[Waitable]:
        return self.executor.waitables() if self._started else []

    def poll(self) -> list[Message]:
        return self.executor.poll() if self._started else []

    def release(self, task: TaskState) -> None:
        """The task's attempt ended (its worker is free again or gone)."""
        self.running.pop(task.index, None)
        self._begun.discard(task.index)
        task.deadline = None

    def stop(self, task: TaskState) -> None:
        """Stop the task's attempt now (how: see the executor's ``cancel``)."""
        if self._started and task.index in self.running:
            self.executor.cancel(task.index)
        self.release(task)

    def stop_unstarted(self) -> list[TaskState]:
        """Stop the attempts handed over that have not begun (executors that report starts);
        return their tasks."""
        if not self.executor.reports_starts:
            return []
        unstarted = [t for i, t in self.running.items() if i not in self._begun]
        for task in unstarted:
            self.stop(task)
        return unstarted

    def expired(self) -> list[TaskState]:
        """Running tasks past their deadline."""
        now = time.monotonic()
        return [t for t in self.running.values() if t.deadline is not None and t.deadline <= now]

    def next_due(self) -> float | None:
        """The next attempt deadline or executor growth check (monotonic), if any."""
        due = [t.deadline for t in self.running.values() if t.deadline is not None]
        if self._started and (grow := self.executor.next_due()) is not None:
            due.append(grow)
        return min(due) if due else None

    def close(self, *, kill: bool) -> None:
        if self._started:
            self._started = False
            self.executor.shutdown(kill=kill)
