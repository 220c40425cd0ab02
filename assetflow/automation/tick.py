"""``asset tick``: observe sources, then materialize what schedules and automations ask for.

A tick is idempotent and safe to run from cron every minute: it holds the tick lock for its
whole duration (``automation/lock.py``), records per schedule the cron time it handled
(``assetflow.ticks``), and runs only missing or stale partitions (the planner re-checks inside
the catalog's writer lock). A tick that had to wait for another finds that tick's record and
reports the work as already done.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from assetflow.automation.lock import tick_lock
from assetflow.automation.sources import ObserveReport, observe_sources
from assetflow.callbacks import RunCallbacks
from assetflow.commit.records import TickRecord
from assetflow.execute.resume import RunRequest, plan_request
from assetflow.execute.runner import RunResult
from assetflow.plan.planner import Plan
from assetflow.plan.staleness import compute_status
from assetflow.plan.ticks import (
    ScheduleDue,
    eager_targets,
    merge_targets,
    not_fresh,
    schedule_due,
    unavailable,
)
from assetflow.project import Project
from assetflow.states import RunStatus, TaskStatus


@dataclass(frozen=True)
class ScheduleOutcome:
    name: str
    tick_time: datetime | None
    """The cron time handled now; None when it had already been handled."""
    last_tick: datetime | None
    last_runs: tuple[str, ...] = ()
    targets: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Missing or stale partitions older than ``max_catchup`` ticks: not run, reported."""
    max_catchup: int | None = None


@dataclass
class TickReport:
    now: datetime
    observed: ObserveReport
    schedules: list[ScheduleOutcome]
    runnable: dict[str, list[str]]
    held: dict[str, list[str]]
    runs: list[RunResult] = field(default_factory=list)
    waited: bool = False
    dry_run: bool = False
    plan: Plan | None = None
    """With ``dry_run``: the run the tick would start (upstreams pulled in)."""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.runs)

    def to_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "dry_run": self.dry_run,
            "waited_for_another_tick": self.waited,
            "observed_changes": [
                {"asset": c.asset, "partition": c.partition, "kind": c.kind}
                for c in self.observed.changes
            ],
            "schedules": [
                {
                    "schedule": s.name,
                    "tick_time": s.tick_time.isoformat() if s.tick_time else None,
                    "already_ticked_at": s.last_tick.isoformat()
                    if s.tick_time is None and s.last_tick
                    else None,
                    "by_runs": list(s.last_runs) if s.tick_time is None else [],
                    "targets": s.targets,
                    "max_catchup": s.max_catchup,
                    "skipped_beyond_max_catchup": s.skipped,
                }
                for s in self.schedules
            ],
            "materialized": {} if self.dry_run else self.runnable,
            "would_materialize": self.runnable if self.dry_run else {},
            "to_run": len(self.plan.to_run) if self.plan is not None else None,
            "held_back": self.held,
            "runs": [
                {
                    "run_id": r.run_id,
                    "status": r.status,
                    "succeeded": r.count(TaskStatus.SUCCEEDED),
                    "failed": r.count(TaskStatus.FAILED) + r.count(TaskStatus.UPSTREAM_FAILED),
                }
                for r in self.runs
            ],
        }


def tick(
    project: Project,
    now: datetime,
    *,
    dry_run: bool = False,
    callbacks: RunCallbacks | None = None,
) -> TickReport:
    """Run one tick at ``now``: observe, decide (``plan/ticks.py``), materialize, record.

    Everything the schedules and automations ask for runs as **one** run. With ``dry_run``
    nothing is observed, run or recorded: the report says what the tick would do (with the
    sources' last observations) and carries the plan.
    """
    if dry_run:
        report, _ = _decide(project, now, ObserveReport(), waited=False)
        report.dry_run = True
        if report.runnable:
            request = RunRequest(keys_by_asset=report.runnable, as_of=now)
            with project.warehouse.reader() as reader:
                report.plan, _ = plan_request(project.graph, reader, request)
        return report
    callbacks = callbacks or RunCallbacks()
    waited: list[str] = []

    def note(message: str) -> None:
        waited.append(message)
        if callbacks.on_wait:
            callbacks.on_wait(message)

    warehouse = project.warehouse
    with tick_lock(warehouse.root, timeout=warehouse.lock_timeout, on_wait=note):
        observed = observe_sources(project, now)
        report, dues = _decide(project, now, observed, waited=bool(waited))
        if report.runnable:  # one tick is one run, whatever partition sets were asked for
            report.runs.append(
                project.materialize(
                    keys_by_asset=report.runnable,
                    as_of=now,
                    callbacks=callbacks,
                    command=f"tick {now.isoformat()}",
                )
            )
        _record(project, report, dues, observed)
    return report


def _decide(
    project: Project, now: datetime, observed: ObserveReport, *, waited: bool
) -> tuple[TickReport, list[ScheduleDue]]:
    """What the tick materializes: pure decisions (``plan/ticks.py``) over one catalog read."""
    with project.warehouse.reader() as reader:
        state = reader.state()
        last = reader.automation.last_ticks()
    statuses = compute_status(project.graph, state, now)
    dues = [
        schedule_due(s, project.graph, t.tick_time if (t := last.get(s.name)) else None, now)
        for s in project.schedules
    ]
    blocked = unavailable(project.graph, state, statuses)
    runnable, held = merge_targets(
        [d.targets for d in dues] + [eager_targets(project.graph, statuses)], blocked
    )
    runnable = not_fresh(runnable, statuses)
    report = TickReport(
        now=now,
        observed=observed,
        schedules=[_outcome(d, last.get(d.schedule.name), runnable, statuses) for d in dues],
        runnable=runnable,
        held=held,
        waited=waited,
    )
    return report, dues


def _outcome(
    due: ScheduleDue,
    last: TickRecord | None,
    runnable: dict[str, list[str]],
    statuses: pl.DataFrame,
) -> ScheduleOutcome:
    runs = tuple(last.run_ids) if last else ()
    chosen = {a: set(keys) for a, keys in runnable.items()}
    return ScheduleOutcome(
        name=due.schedule.name,
        tick_time=due.tick_time,
        last_tick=last.tick_time if last else None,
        last_runs=runs,
        targets={a: [k for k in keys if k in chosen.get(a, ())] for a, keys in due.targets.items()},
        skipped=not_fresh(due.beyond, statuses),
        max_catchup=due.schedule.max_catchup if due.schedule.catchup else None,
    )


def _record(project: Project, report: TickReport, dues, observed: ObserveReport) -> None:
    handled = [d for d in dues if d.tick_time is not None]
    if not handled and not report.runs:
        return
    run_ids = [r.run_id for r in report.runs]
    status = RunStatus.SUCCEEDED if report.ok else RunStatus.FAILED
    with project.warehouse.writer() as catalog:
        if run_ids and observed.versions:
            catalog.automation.record_source_versions(observed.versions, run_ids)
        for d in handled:
            catalog.automation.record_tick(
                schedule=d.schedule.name,
                tick_time=d.tick_time,
                ticked_at=project.clock(),
                partitions=next(s.targets for s in report.schedules if s.name == d.schedule.name),
                run_ids=run_ids,
                status=status,
                pid=os.getpid(),
            )
