"""The state of one run while the coordinator executes it.

:class:`~assetflow.execute.runner.Runner` holds what outlives a run (graph, catalog, clock,
options); everything a single ``Runner.run()`` creates lives in one :class:`ActiveRun`, built
when the run starts and dropped when it ends.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from assetflow.commit.writer import CatalogWriter
from assetflow.define.graph import AssetGraph
from assetflow.execute.book import RunBook, RunOptions, TaskState, build_tasks, concurrency_limits
from assetflow.execute.committer import Committer
from assetflow.execute.dispatch import Dispatcher
from assetflow.execute.executor import ExecutorSetup
from assetflow.execute.groupcommit import GroupCommit
from assetflow.execute.ledger import Ledger, upstream_keys
from assetflow.execute.mailbox import Waker
from assetflow.execute.records import TaskEvent
from assetflow.execute.scheduler import Key, Scheduler
from assetflow.plan.planner import Plan


@dataclass
class ActiveRun:
    """Everything one run works with, from its start to its recorded outcome."""

    run_id: str
    force: bool
    tasks: dict[Key, TaskState]
    """In plan order; ``by_index[task.index]`` is the same task."""
    by_index: list[TaskState]
    upstream: dict[Key, dict[str, list[str]]]
    """Per task, the upstream partitions it reads, per upstream asset."""
    sched: Scheduler
    crew: Dispatcher
    book: RunBook
    committer: Committer
    waker: Waker
    """Wakes the coordinator when a catalog write completes."""
    commits: GroupCommit = field(default_factory=GroupCommit)
    cancelling: bool = False
    grace_deadline: float = 0.0
    """Monotonic time the running tasks of a cancelled run are stopped."""

    @property
    def finished(self) -> bool:
        """Every task reached a final state and every accepted output is committed."""
        return self.sched.done and self.commits.empty

    @classmethod
    def open(
        cls,
        plan: Plan,
        run_id: str,
        *,
        graph: AssetGraph,
        catalog: CatalogWriter,
        ledger: Ledger,
        options: RunOptions,
        clock: Callable[[], datetime],
        on_event: Callable[[TaskEvent], None],
        resume_of: str | None,
    ) -> ActiveRun:
        """Set up the run's tasks, scheduler, executor side and books (nothing starts yet)."""
        steps = plan.to_run
        tasks = build_tasks(graph, steps, options.defaults)
        upstream = upstream_keys(graph, steps, ledger)
        deps = {k: [(u, q) for u, qs in ups.items() for q in qs] for k, ups in upstream.items()}
        waker = Waker()
        committer = Committer(waker)
        workers = options.workers or options.executor.default_workers() or os.cpu_count() or 1
        setup = ExecutorSetup(
            assets=graph.assets,
            workers=max(1, min(workers, len(steps))),
            worker_setup=options.worker_setup,
        )
        return cls(
            run_id=run_id,
            force=plan.force,
            tasks=tasks,
            by_index=list(tasks.values()),
            upstream=upstream,
            sched=Scheduler(tasks, deps, concurrency_limits(tasks.values())),
            crew=Dispatcher(options.executor, setup, catalog.storage.spec(), run_id, clock),
            book=RunBook(run_id, graph, catalog, options, on_event, committer, resume_of),
            committer=committer,
            waker=waker,
        )
