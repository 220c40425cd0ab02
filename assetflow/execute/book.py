"""The run's books: each task's state, its final record, events, hooks, and state writes.

The :class:`Runner` decides what happens; :class:`RunBook` records it: state rows for the
catalog (buffered, written with the next commit or within ``FLUSH_EVERY_SECONDS``), the
:class:`RunResult`, events for progress output, and hook calls. It also republishes the
snapshot at least every ``publish_every`` seconds while there is something new.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assetflow.commit.records import InputRead
from assetflow.commit.runstate import RunStateWriter
from assetflow.commit.writer import CatalogWriter
from assetflow.define.graph import AssetGraph
from assetflow.define.policy import BUILTIN_POLICY, TaskPolicy
from assetflow.execute.committer import Committer
from assetflow.execute.executor import Executor, WorkerSetup
from assetflow.execute.hooks import Hook, HookRunner
from assetflow.execute.messages import AttemptError
from assetflow.execute.records import RunResult, TaskEvent, TaskResult
from assetflow.execute.scheduler import Key
from assetflow.plan.planner import Step
from assetflow.states import TaskStatus

PUBLISH_EVERY_SECONDS = 1.0
VIEW_REFRESH_SHARE = 0.1
"""Asset views are rebuilt at most this share of the time (state is published every second)."""
FLUSH_EVERY_SECONDS = PUBLISH_EVERY_SECONDS
"""State rows wait at most this long for a commit to ride along with. Readers see only the
published snapshot, so writing them more often than it is published shows nobody anything
sooner; it only costs a catalog transaction each time (a few ms of the coordinator's CPU)."""


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How a run executes (see ``docs/execution.md``).

    Attributes:
        executor: where attempts run (chosen by ``execute/executors.py``).
        worker_setup: how the executor's worker processes load the assets, if it ships them.
        workers: parallel tasks at most (default: the number of CPU cores).
        grace_period: seconds running tasks get to finish after a cancel request.
        defaults: the project's task policy, under each asset's own.
        on_failure / on_success: project hooks, called after the asset's own.
        seed: seeds retry jitter (for reproducible tests).
        publish_every: seconds between snapshot publications while the run changes state.
    """

    executor: Executor
    worker_setup: WorkerSetup | None = None
    workers: int | None = None
    grace_period: float = 10.0
    defaults: TaskPolicy = field(default_factory=TaskPolicy)
    on_failure: Hook | None = None
    on_success: Hook | None = None
    seed: int | None = None
    publish_every: float = PUBLISH_EVERY_SECONDS


@dataclass
class TaskState:
    """The coordinator's live view of one task."""

    key: Key
    step: Step
    index: int
    policy: TaskPolicy
    attempt: int = 0
    started_at: datetime | None = None
    attempt_started: datetime | None = None
    deadline: float | None = None
    """Monotonic time the running attempt times out."""
    inputs: tuple[InputRead, ...] = ()
    input_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Storage keys of the committed upstream files it reads, per input."""
    done: bool = False


def build_tasks(
    graph: AssetGraph, steps: Sequence[Step], defaults: TaskPolicy
) -> dict[Key, TaskState]:
    """A TaskState per step, in plan order, with its effective policy."""
    tasks = {}
    policies: dict[str, TaskPolicy] = {}  # one per asset, not per partition
    for index, step in enumerate(steps):
        policy = policies.get(step.asset)
        if policy is None:
            policy = policies[step.asset] = (
                graph[step.asset].policy.over(defaults).over(BUILTIN_POLICY)
            )
        tasks[(step.asset, step.partition)] = TaskState(
            (step.asset, step.partition), step, index, policy
        )
    return tasks


def concurrency_limits(tasks: Iterable[TaskState]) -> dict[str, int]:
    """Per-asset ``max_concurrency`` of the assets that have one."""
    return {
        t.step.asset: t.policy.max_concurrency
        for t in tasks
        if t.policy.max_concurrency is not None
    }


class RunBook:
    """Records one run: state rows, the result, events, hooks, snapshot publication."""

    def __init__(
        self,
        run_id: str,
        graph: AssetGraph,
        catalog: CatalogWriter,
        options: RunOptions,
        on_event: Callable[[TaskEvent], None],
        committer: Committer,
        resume_of: str | None = None,
    ) -> None:
        self.run_id = run_id
        self.committer = committer
        self.graph = graph
        self.catalog = catalog
        self.options = options
        self.on_event = on_event
        self.state = RunStateWriter(run_id)
        self.result = RunResult(run_id=run_id, resume_of=resume_of)
        self._hooks = HookRunner()
        self._unpublished = False
        self._new_data = False
        self._last_flush = self._last_publish = self._last_views = time.monotonic()
        self._views_cost = 0.0

    # -- tasks ----------------------------------------------------------------------------

    def record_final(
        self,
        task: TaskState,
        status: TaskStatus,
        detail: str,
        now: datetime,
        error: AttemptError | None = None,
    ) -> None:
        """The state rows of a task's final state (written with the next transaction)."""
        asset, partition = task.key
        task.done = True
        self.state.event(asset, partition, status, task.attempt, now, detail or None)
        trace = (error.traceback or error.message) if error else None
        reason = detail or task.step.reason
        self.state.task(asset, partition, status, task.attempt, reason, trace, task.started_at, now)

    def conclude(
        self,
        task: TaskState,
        status: TaskStatus,
        detail: str,
        now: datetime,
        *,
        error: AttemptError | None = None,
        rows: int | None = None,
        version: str | None = None,
    ) -> None:
        """Report a final state: the task's result, its event, and its hooks."""
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
        if status == TaskStatus.FAILED:
            hooks = (definition.on_failure, self.options.on_failure)
        elif status == TaskStatus.SUCCEEDED:
            hooks = (definition.on_success, self.options.on_success)
        else:
            hooks = ()
        for hook in hooks:
            if hook is not None:
                self._hooks.submit(hook, result, result.label)

    def notice(self, text: str) -> None:
        self.on_event(TaskEvent("notice", "", "", text))

    def report_hook_errors(self) -> None:
        for text in self._hooks.errors():
            self.notice(text)

    def close_hooks(self) -> None:
        """Wait for submitted hooks, then report the ones that raised."""
        self._hooks.close()
        self.report_hook_errors()

    # -- writing and publishing -----------------------------------------------------------

    def committed(self) -> None:
        """A commit just wrote the buffered state rows along with data."""
        self._unpublished = True
        self._new_data = True
        self._last_flush = time.monotonic()

    def flush(self, *, force: bool = False) -> None:
        """Hand buffered state rows to the committer if they waited long enough, and republish
        the snapshot each second. A publication takes every buffered row with it, so what a
        reader sees is never older than one publication. While the committer is busy, rows wait
        for the next commit (``force`` queues them anyway)."""
        if self.committer.busy and not force:
            return
        now = time.monotonic()
        publish = (self._unpublished or self.state.pending) and (force or now >= self._publish_at())
        if self.state.pending and (publish or now - self._last_flush >= FLUSH_EVERY_SECONDS):
            self.committer.submit("state", self.catalog.write_state, self.state.take())
            self._last_flush = now
            self._unpublished = True
        if publish:
            views = self._new_data
            self.committer.submit("publish", self._publish, views)
            if views:
                self._last_views = now
                self._new_data = False
            self._last_publish = now
            self._unpublished = False

    def _publish_at(self) -> float:
        """When the next snapshot may be published (monotonic). A snapshot must agree with
        itself, so new data is published with its views; views over many files are slow to
        rebuild, so while data keeps arriving, publish only as often as keeps that below
        VIEW_REFRESH_SHARE of the time (the run's end publishes everything)."""
        every = self.options.publish_every
        at = self._last_publish + every
        if self._new_data:
            at = max(at, self._last_views + max(every, self._views_cost / VIEW_REFRESH_SHARE))
        return at

    def _publish(self, views: bool) -> None:
        """On the committer thread. ``views``: new data was committed since the last publish
        (the writer rebuilds the views of whatever it committed, even data whose commit the
        coordinator has not seen land yet; their cost is what paces later publishes)."""
        started = time.perf_counter()
        self.catalog.publish()
        if views:
            self._views_cost = time.perf_counter() - started

    def next_write(self) -> float | None:
        """When :meth:`flush` has something to do next (monotonic), if ever.

        None while the committer is busy: :meth:`flush` waits for it, and its completion wakes
        the coordinator anyway (a time in the past here would make the coordinator spin).
        """
        if self.committer.busy:
            return None
        due = []
        if self.state.pending:
            due.append(self._last_flush + FLUSH_EVERY_SECONDS)
        if self._unpublished or self.state.pending:
            due.append(self._publish_at())
        return min(due) if due else None

    def tick(self, name: str, since: float) -> float:
        """Add the time since ``since`` (perf_counter) to timing ``name``; return now."""
        now = time.perf_counter()
        self.result.timings[name] = self.result.timings.get(name, 0.0) + now - since
        return now
