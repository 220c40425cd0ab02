"""Progress output while a run executes: a live display on a terminal, plain lines otherwise.

Both consume the runner's :class:`TaskEvent` stream. :class:`PlainProgress` writes one line per
event (logs, CI, pipes). :class:`LiveProgress` (rich) redraws counts by state, elapsed time,
an ETA and the running tasks in place, and prints retries and failures above the display.
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
from assetflow.plan.planner import Plan, display_key

FINAL = ("succeeded", "skipped", "failed", "upstream_failed", "cancelled")
_STYLE = {
    "succeeded": "green",
    "skipped": "cyan",
    "failed": "bold red",
    "upstream_failed": "red",
    "cancelled": "yellow",
    "retrying": "yellow",
    "running": "blue",
    "queued": "dim",
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
        err = event.kind in ("failed", "upstream_failed", "notice")
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
        self._counts["queued"] = self._total
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
                self._counts["queued"] -= 1
            self._running[key] = (event.attempt, self._clock())
            return
        if event.kind == "retrying":
            self._running.pop(key, None)
            self._counts["queued"] += 1
            self._console.print(Text(event_line(event), style=_STYLE["retrying"]))
            return
        if key in self._running:
            self._running.pop(key)
        else:
            self._counts["queued"] -= 1
        self._counts[event.kind] += 1
        if event.kind in ("failed", "upstream_failed", "cancelled"):
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
        for state in ("running", "queued", *FINAL):
            n = len(self._running) if state == "running" else self._counts[state]
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
