"""A run's timeline as people read it: a text Gantt (``asset timeline``) and an SVG one.

One line per task, or, above :data:`FOLD_ABOVE` tasks, one line per asset with its partitions
folded into the same line; the critical path is named under the chart. The notebook repr draws
the same attempts with :mod:`assetflow.observe.gantt` (the web UI's Gantt).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from assetflow.observe import html
from assetflow.observe.gantt import TaskSpan, render_gantt
from assetflow.observe.run_report import task_counts
from assetflow.observe.runs import RunModel
from assetflow.observe.table import format_table
from assetflow.observe.timeline import LEGEND, gantt_rows
from assetflow.observe.units import duration
from assetflow.plan.planner import display_key

FOLD_ABOVE = 40
"""More tasks than fit a screen: one line per asset."""
SVG_SPANS = 2000
"""Above this many attempts the SVG gets one bar per asset and time bin instead of each."""


class Timeline:
    """The attempts of one run on a time axis (``project.timeline(run_id)``)."""

    def __init__(
        self, run: RunModel, spans: pl.DataFrame, path: pl.DataFrame, now: datetime
    ) -> None:
        self.run = run
        self.spans = spans
        """One row per attempt: see :data:`assetflow.observe.timeline.SPAN_SCHEMA`."""
        self.critical_path = path
        """See :data:`assetflow.observe.timeline.PATH_SCHEMA`."""
        self.now = now

    @property
    def tasks(self) -> int:
        return self.spans.select(pl.struct("asset", "partition").n_unique()).item()

    def to_polars(self) -> pl.DataFrame:
        return self.spans

    def folded(self, fold: bool | None = None) -> bool:
        return self.tasks > FOLD_ABOVE if fold is None else fold

    def to_json(self, *, width: int = 60, fold: bool | None = None) -> dict[str, Any]:
        """The run, the Gantt rows (text bars), the critical path, and (unfolded) each attempt."""
        doc: dict[str, Any] = {"run": self.run.model_dump(), "rows": [], "critical_path": []}
        if self.spans.height:
            rows, t0, t1 = gantt_rows(self.spans, self.now, width=width, fold=self.folded(fold))
            doc.update(axis={"start": t0, "end": t1}, rows=rows.to_dicts())
        doc["critical_path"] = self.critical_path.to_dicts()
        if not self.folded(fold):
            doc["spans"] = self.spans.to_dicts()
        return doc

    def headline(self) -> str:
        r = self.run
        took = duration(r.seconds) if r.seconds is not None else "running"
        return f"run {r.run_id} {r.status} ({took}): {task_counts(r)}"

    def render(self, *, width: int = 60, fold: bool | None = None) -> str:
        """The text Gantt: one line per task (or asset), then the critical path and a legend."""
        if not self.spans.height:
            return f"{self.headline()}\nno attempts recorded for this run yet"
        fold = self.folded(fold)
        rows, t0, t1 = gantt_rows(self.spans, self.now, width=width, fold=fold)
        on_path = set(self.critical_path.select("asset", "partition").iter_rows())
        path_assets = {a for a, _ in on_path}
        table = []
        for row in rows.iter_rows(named=True):
            if fold:
                label = row["asset"]
                mark = "*" if row["asset"] in path_assets else ""
                count = f"{row['tasks']:,} tasks"
            else:
                label = f"{row['asset']} {display_key(row['partition'])}"
                mark = "*" if (row["asset"], row["partition"]) in on_path else ""
                count = f"{row['attempts']} attempt(s)"
            failed = f", {row['failed']} failed" if row["failed"] else ""
            table.append((mark, label, f"|{row['bar']}|", count + failed))
        total = (t1 - t0).total_seconds()
        axis = _axis(total, width)
        lines = format_table(["", "task" if not fold else "asset", axis, ""], table).splitlines()
        head = (
            f"{self.headline()}\n{t0:%Y-%m-%d %H:%M:%S} UTC, 1 column = {duration(total / width)}"
        )
        return "\n".join([head, *lines, self.path_line(), f"legend: {LEGEND}"])

    def path_line(self) -> str:
        """``critical path (2m30s, 3 tasks): a 2026-04-08 (1.2s) -> b ... (0.4s, waited 3.0s)``."""
        path = self.critical_path
        if not path.height:
            return "critical path: none (no task finished)"
        span = (path["finished_at"][-1] - path["started_at"][0]).total_seconds()
        steps = []
        for a, p, _, _, sec, waited in path.iter_rows():
            wait = f", waited {duration(waited)}" if waited and waited > 0.0005 else ""
            steps.append(f"{a} {display_key(p)} ({duration(sec)}{wait})")
        return f"critical path ({duration(span)}, {path.height} tasks): " + " -> ".join(steps)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        spans = _svg_spans(self.spans, self.now)
        svg = render_gantt(spans, self.now, width=900)
        path = html.table(
            ["asset", "partition", "started", "took", "waited"],
            (
                (a, display_key(p), s, duration(sec), duration(w) if w else "")
                for a, p, s, _, sec, w in self.critical_path.iter_rows()
            ),
        )
        return html.block(self.headline(), html.SVG_STYLE, svg, html.text(self.path_line()), path)


def _axis(total: float, width: int) -> str:
    """Tick labels at 0, 1/4, 1/2, 3/4 and the end of a ``width``-column axis."""
    line = [" "] * (width + 2)
    for i in range(5):
        label = "+" + duration(total * i / 4)
        at = min(1 + round(width * i / 4), width + 2 - len(label))
        line[at : at + len(label)] = label
    return "".join(line).rstrip()


def _svg_spans(spans: pl.DataFrame, now: datetime) -> list[TaskSpan]:
    """The attempts as Gantt bars; a large run is pre-binned (one bar per asset, state and
    time bin) so the drawing stays a few thousand elements."""
    if spans.height > SVG_SPANS:
        t0, t1 = spans["start"].min(), spans["end"].fill_null(now).max()
        step = max((t1 - t0).total_seconds() / 400, 1e-3)  # type: ignore[operator]
        offset = (pl.col("start") - pl.lit(t0)).dt.total_microseconds() / 1e6
        spans = (
            spans.with_columns(bin=(offset / step).floor().cast(pl.Int64))
            .group_by("asset", "bin", "state")
            .agg(pl.col("start").min(), pl.col("end").max(), pl.len().alias("attempt"))
            .with_columns(partition=pl.format("{} attempts", "attempt"))
        )
    return [
        TaskSpan(a, p, n, s, e, st)
        for a, p, n, s, e, st in spans.select(
            "asset", "partition", "attempt", "start", "end", "state"
        ).iter_rows()
    ]
