"""Progress output while a run executes: a live display on a terminal, plain lines otherwise.

All consume the runner's :class:`TaskEvent` stream and name states by
:class:`~assetflow.states.TaskStatus`. :class:`PlainProgress` writes one line per event (logs,
CI, pipes). :class:`LiveProgress` (rich) redraws counts by state, elapsed time, an ETA and the
running tasks in place, and prints retries and failures above the display. :class:`CountedProgress`
(backfill, tick) writes one line per finished task or retry with its count and a rate-based ETA:
``[  12/90]  13%  ETA 0:00:41  succeeded asset key``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

import click
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from assetflow.execute.records import TaskEvent
from assetflow.observe.plan_report import render_plan
from assetflow.plan.planner import Plan, display_key
from assetflow.states import FINAL_TASK_STATUSES, TaskStatus

FINAL = tuple(s for s in FINAL_TASK_STATUSES if s != TaskStatus.INTERRUPTED)
"""The final states a run reports itself (``interrupted`` is set later, by another process)."""
_ERRORS = (TaskStatus.FAILED, TaskStatus.UPSTREAM_FAILED)
_STYLE = {
    TaskStatus.SUCCEEDED: "green",
    TaskStatus.SKIPPED: "cyan",
    TaskStatus.FAILED: "bold red",
    TaskStatus.UPSTREAM_FAILED: "red",
    TaskStatus.CANCELLED: "yellow",
    TaskStatus.RETRYING: "yellow",
    TaskStatus.RUNNING: "blue",
    TaskStatus.QUEUED: "dim",
}


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
        err = event.kind in (*_ERRORS, "notice")
        self._echo(event_line(event), err)

    def close(self) -> None:
        pass


class LiveProgress:
    """A rich live display, redrawn a few times a second."""

    MAX_PLAN_LINES = 15
    MAX_RUNNING_SHOWN = 8

    def __init__(self, file: TextIO, clock: Callable[[], float]) -> None:
        self._console = Console(file=file)
        self._clock = clock
        self._started = clock()
        self._total = 0
        self._counts: Counter[str] = Counter()
        self._running: dict[tuple[str, str], tuple[int, float]] = {}
        self._live = Live(
            console=self._console,
            get_renderable=self._render,
            refresh_per_second=4,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live_started = False

    def plan(self, plan: Plan) -> None:
        text = render_plan(plan, self.MAX_PLAN_LINES)
        self._console.print(text, highlight=False, markup=False)
        self._total = len(plan.to_run)
        self._counts[TaskStatus.QUEUED] = self._total
        self._started = self._clock()
        if self._total:
            self._live.start()
            self._live_started = True

    def event(self, event: TaskEvent) -> None:
        key = (event.asset, event.partition)
        if event.kind == "notice":
            self._console.print(Text(f"note: {event.detail}", style="yellow"))
            return
        if event.kind == "started":
            if key not in self._running:
                self._counts[TaskStatus.QUEUED] -= 1
            self._running[key] = (event.attempt, self._clock())
            return
        if event.kind == TaskStatus.RETRYING:
            self._running.pop(key, None)
            self._counts[TaskStatus.QUEUED] += 1
            self._console.print(Text(event_line(event), style=_STYLE[TaskStatus.RETRYING]))
            return
        if key in self._running:
            self._running.pop(key)
        else:
            self._counts[TaskStatus.QUEUED] -= 1
        self._counts[event.kind] += 1
        if event.kind in (*_ERRORS, TaskStatus.CANCELLED):
            self._console.print(Text(event_line(event), style=_STYLE[event.kind]))

    def _render(self) -> Group:
        now = self._clock()
        elapsed = now - self._started
        done = sum(self._counts[s] for s in FINAL)
        eta = ""
        if 0 < done < self._total:
            eta = f"  ETA {_duration(elapsed / done * (self._total - done))}"
        head = Text(f"{done}/{self._total} tasks  {_duration(elapsed)} elapsed{eta}")
        counts = Text("  ")
        for state in (TaskStatus.RUNNING, TaskStatus.QUEUED, *FINAL):
            n = len(self._running) if state == TaskStatus.RUNNING else self._counts[state]
            if n:
                counts.append(f"{state} {n}  ", style=_STYLE[state])
        table = Table.grid(padding=(0, 2))
        running = sorted(self._running.items(), key=lambda kv: kv[1][1])
        for (asset, partition), (attempt, since) in running[: self.MAX_RUNNING_SHOWN]:
            retry = f"attempt {attempt}" if attempt > 1 else ""
            table.add_row(f"  {asset} {display_key(partition)}", _duration(now - since), retry)
        if len(running) > self.MAX_RUNNING_SHOWN:
            table.add_row(f"  ... {len(running) - self.MAX_RUNNING_SHOWN} more running", "", "")
        return Group(head, counts, table)

    def close(self) -> None:
        if self._live_started:
            self._live.stop()
            self._live_started = False


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
        click.echo(f"{self._prefix()}  {what}", err=event.kind in _ERRORS)

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


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
