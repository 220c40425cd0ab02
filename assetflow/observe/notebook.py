"""Notebooks: HTML and text for plans and run results, and live progress of a run.

:class:`~assetflow.Plan` and :class:`~assetflow.RunResult` belong to stages below this one
(plan, execute), which must not import the read side; so their notebook forms are registered
with IPython's display formatters here (:func:`register_formatters`, run when ``assetflow`` is
imported inside IPython or Jupyter). Everything else renders itself (``_repr_html_``).

:class:`NotebookProgress` is what a run started from a Jupyter notebook shows without any
``on_event`` wiring: one HTML block (a progress bar, counts per state, the running tasks)
updated in place through an IPython display handle, a few times a second. No widgets and no
JavaScript, so it also renders in a saved notebook.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from assetflow.execute.records import RunResult, TaskEvent
from assetflow.observe import html
from assetflow.observe.plan_report import render_plan
from assetflow.observe.progress import FINAL
from assetflow.plan.planner import Plan, display_key

REFRESH_SECONDS = 0.25


def _shell() -> Any | None:
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None  # type: ignore[attr-defined]


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (which renders HTML), False in a terminal or script."""
    shell = _shell()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def plan_html(plan: Plan) -> str:
    """A plan as HTML: the per-asset summary or every step, escaped."""
    return html.block("plan", html.pre(render_plan(plan)))


def result_html(result: RunResult) -> str:
    """A run result as HTML: its summary, a state bar, and the tasks that did not succeed."""
    counts = Counter(t.status for t in result.tasks)
    bar = html.state_bar(sorted(counts.items()), width=320)
    rows = [
        (t.status, t.asset, display_key(t.partition), t.attempts, t.detail)
        for t in result.tasks
        if t.status != "succeeded" or t.attempts > 1
    ][:200]
    table = html.table(["state", "asset", "partition", "attempts", "detail"], rows) if rows else ""
    return html.block(result.summary(), bar, table)


def register_formatters() -> None:
    """Teach IPython to show plans and run results as HTML (Jupyter) and text (terminal)."""
    shell = _shell()
    if shell is None:
        return
    formatters = shell.display_formatter.formatters
    formatters["text/html"].for_type(Plan, plan_html)
    formatters["text/html"].for_type(RunResult, result_html)
    formatters["text/plain"].for_type(Plan, lambda obj, p, cycle: p.text(render_plan(obj)))
    formatters["text/plain"].for_type(RunResult, lambda obj, p, cycle: p.text(obj.summary()))


class NotebookProgress:
    """Live progress of one run in a Jupyter output cell (see the module docstring)."""

    MAX_RUNNING_SHOWN = 8

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        from IPython.display import HTML, display

        self._html = HTML
        self._clock = clock
        self._started = clock()
        self._total = 0
        self._counts: Counter[str] = Counter()
        self._running: dict[tuple[str, str], int] = {}
        self._recent: list[str] = []
        self._last_draw = 0.0
        self._handle = display(HTML(self.render()), display_id=True)

    def plan(self, plan: Plan) -> None:
        self._total = len(plan.to_run)
        self._started = self._clock()
        self._draw(force=True)

    def event(self, event: TaskEvent) -> None:
        key = (event.asset, event.partition)
        if event.kind == "started":
            self._running[key] = event.attempt
        elif event.kind == "retrying":
            self._running.pop(key, None)
            self._note(f"retrying {event.asset} {display_key(event.partition)}: {event.detail}")
        elif event.kind == "notice":
            self._note(f"note: {event.detail}")
        else:
            self._running.pop(key, None)
            self._counts[event.kind] += 1
            if event.kind in ("failed", "upstream_failed", "cancelled"):
                self._note(
                    f"{event.kind} {event.asset} {display_key(event.partition)}: {event.detail}"
                )
        self._draw()

    def close(self, result: RunResult | None = None) -> None:
        """Draw the final state (and the run's summary line)."""
        if result is not None:
            self._note(result.summary())
        self._draw(force=True)

    def _note(self, line: str) -> None:
        self._recent = [*self._recent, line][-6:]

    def _draw(self, force: bool = False) -> None:
        now = self._clock()
        if force or now - self._last_draw >= REFRESH_SECONDS:
            self._last_draw = now
            if self._handle is not None:
                self._handle.update(self._html(self.render()))

    def render(self) -> str:
        """The progress block as HTML (escaped)."""
        done = sum(self._counts[s] for s in FINAL)
        elapsed = self._clock() - self._started
        eta = ""
        if 0 < done < self._total:
            eta = f", about {elapsed / done * (self._total - done):.0f}s left"
        share = done / self._total if self._total else 0.0
        bar = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="10">'
            '<rect width="320" height="10" fill="#eceef1"/>'
            f'<rect width="{320 * share:.1f}" height="10" fill="{html.STATE_COLOURS["fresh"]}"/>'
            "</svg>"
        )
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self._counts.items()))
        running = [
            f"{a} {display_key(p)}" + (f" (attempt {n})" if n > 1 else "")
            for (a, p), n in list(self._running.items())[: self.MAX_RUNNING_SHOWN]
        ]
        lines = [
            html.text(f"{done}/{self._total} tasks, {elapsed:.1f}s elapsed{eta}"),
            bar,
            html.text(counts or "starting"),
            html.text("running: " + ", ".join(running)) if running else "",
            *(html.text(line) for line in self._recent),
        ]
        return html.block("materializing", *lines)


def default_progress() -> NotebookProgress | None:
    """A :class:`NotebookProgress` when running inside Jupyter, else None (no output)."""
    return NotebookProgress() if in_jupyter() else None
