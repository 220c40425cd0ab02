"""Progress output while a run executes: a live display on a terminal, plain lines otherwise.

All consume the runner's :class:`TaskEvent` stream and name states by
:class:`~assetflow.states.TaskStatus`. :class:`PlainProgress` writes one line per event (logs,
CI, pipes); ``observe/live_progress.py`` holds the live display for a terminal (rich, imported
only there). :class:`CountedProgress` (backfill, tick) writes one line per finished task or
retry with its count and a rate-based ETA:
``[  12/90]  13%  ETA 0:00:41  succeeded asset key``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import click

from assetflow.execute.records import TaskEvent
from assetflow.observe.plan_report import render_plan
from assetflow.plan.planner import Plan, display_key
from assetflow.states import FINAL_TASK_STATUSES, TaskStatus

FINAL = tuple(s for s in FINAL_TASK_STATUSES if s != TaskStatus.INTERRUPTED)
"""The final states a run reports itself (``interrupted`` is set later, by another process)."""
ERRORS = (TaskStatus.FAILED, TaskStatus.UPSTREAM_FAILED)


def event_line(event: TaskEvent) -> str:
    """The plain one-line form of an event."""
    if event.kind == "notice":
        return f"note: {event.detail}"
    rows = f"  {event.rows:,} rows" if event.rows is not None else ""
    took = f"  {event.seconds:.2f}s" if event.seconds is not None else ""
    attempt = f"  attempt {event.attempt}" if event.kind == "started" else ""
    detail = f"  {event.detail}" if event.detail else ""
    key = display_key(event.partition)
    return f"  {event.kind:<15} {event.asset} {key}{attempt}{rows}{took}{detail}"


class PlainProgress:
    """One line per event; errors and notices to stderr."""

    def __init__(self, echo: Callable[[str, bool], None]) -> None:
        self._echo = echo

    def plan(self, plan: Plan) -> None:
        self._echo(render_plan(plan), False)

    def event(self, event: TaskEvent) -> None:
        err = event.kind in (*ERRORS, "notice")
        self._echo(event_line(event), err)

    def close(self) -> None:
        pass


class CountedProgress:
    """One line per finished task (every final state) and per retry, with a rate-based ETA.

    Args:
        total: the tasks expected (no percentage or ETA without it).
        done: how many of them finished before (a resumed backfill).
    """

    def __init__(self, total: int | None = None, *, done: int = 0) -> None:
        self.total = total
        self.done = done
        self._started = time.monotonic()
        self._counted = 0

    def __call__(self, event: TaskEvent) -> None:
        if event.kind == TaskStatus.RETRYING:  # shown, so retried errors are never invisible
            detail = f"  {event.detail}" if event.detail else ""
            click.echo(f"{self._prefix()}  retrying        {event.asset} "
                       f"{display_key(event.partition)}{detail}")  # fmt: skip
            return
        if event.kind not in FINAL:
            return
        self.done += 1
        self._counted += 1
        detail = f"  {event.detail}" if event.detail and event.kind != TaskStatus.SUCCEEDED else ""
        rows = f"  {event.rows:,} rows" if event.rows is not None else ""
        what = f"{event.kind:<15} {event.asset} {display_key(event.partition)}{rows}{detail}"
        click.echo(f"{self._prefix()}  {what}", err=event.kind in ERRORS)

    def _prefix(self) -> str:
        if not self.total:
            return f"[{self.done}]"
        width = len(str(self.total))
        pct = min(100, int(100 * self.done / self.total))
        elapsed = time.monotonic() - self._started
        left = max(0, self.total - self.done)
        eta = elapsed / self._counted * left if self._counted else 0.0
        clock = time.strftime("%H:%M:%S", time.gmtime(eta))
        return f"[{self.done:>{width}}/{self.total}] {pct:>3}%  ETA {clock}"
