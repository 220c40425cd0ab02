"""The live progress display on a terminal (rich): counts by state, elapsed time, an ETA and
the running tasks, redrawn in place, with retries and failures printed above it.

Its own module so that rich is imported only when a terminal shows it (a cron call, a pipe or CI
gets :class:`~assetflow.observe.progress.PlainProgress` and never pays for the import).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from assetflow.execute.records import TaskEvent
from assetflow.observe.plan_report import render_plan
from assetflow.observe.progress import ERRORS, FINAL, event_line
from assetflow.plan.planner import Plan, display_key
from assetflow.states import TaskStatus

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
        if event.kind in (*ERRORS, TaskStatus.CANCELLED):
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


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"
