"""Runs as people read them: ``asset runs``, ``asset runs show`` and their notebook reprs.

:class:`RunList` is the recent runs; :class:`RunReport` one run with every task. A run of more
than :data:`FOLD_ABOVE` tasks prints per asset (and its failed and retried tasks one by one)
instead of one line per task; ``all_tasks`` lists every one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from assetflow.observe import html
from assetflow.observe.runs import RunModel, run_assets
from assetflow.observe.table import Column, format_table
from assetflow.observe.units import duration, size
from assetflow.plan.planner import display_key

FOLD_ABOVE = 40
"""About a screen of tasks; more print per asset."""


def task_counts(run: RunModel) -> str:
    """``2979 succeeded, 3 failed, 18 upstream_failed, 3 needed retries``."""
    counts = ", ".join(f"{n} {s}" for s, n in run.tasks.items()) or "no tasks"
    return counts + (f", {run.retried} needed retries" if run.retried else "")


class RunList:
    """Recent runs, newest first (``project.runs()``; ``asset runs``)."""

    def __init__(self, runs: Sequence[RunModel]) -> None:
        self.runs = list(runs)

    def to_polars(self) -> pl.DataFrame:
        """One row per run; task counts as ``tasks_<state>`` columns."""
        rows = [
            {**r.model_dump(exclude={"tasks"}), **{f"tasks_{s}": n for s, n in r.tasks.items()}}
            for r in self.runs
        ]
        return pl.DataFrame(rows) if rows else pl.DataFrame(schema={"run_id": pl.String})

    def to_json(self) -> list[dict[str, Any]]:
        return [r.model_dump() for r in self.runs]

    def render(self) -> str:
        if not self.runs:
            return "no runs yet"
        columns = [
            "run",
            "status",
            "started",
            Column("took", ">"),
            "tasks",
            "attempts",
            Column("rows", ">"),
            Column("bytes", ">"),
            "command",
        ]
        rows = (
            (
                r.run_id,
                r.status,
                r.started_at,
                duration(r.seconds),
                task_counts(r),
                r.attempts,
                f"{r.rows:,}",
                size(r.bytes),
                r.command or "",
            )
            for r in self.runs
        )
        return format_table(columns, rows)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        rows = [
            (
                r.run_id,
                r.status,
                r.started_at,
                duration(r.seconds),
                task_counts(r),
                r.attempts,
                r.rows,
                size(r.bytes),
                r.command or "",
            )
            for r in self.runs
        ]
        columns = [
            "run",
            "status",
            "started",
            "took",
            "tasks",
            "attempts",
            "rows",
            "bytes",
            "command",
        ]
        bars = "".join(
            f"<div>{html.escape(r.run_id)} {html.state_bar(list(r.tasks.items()))}</div>"
            for r in self.runs[:10]
        )
        table = html.table(columns, rows, numeric=[False] * 5 + [True, True, True])
        return html.block(f"{len(self.runs)} run(s), newest first", table, bars)


class RunReport:
    """One run: its summary and every task (``project.run(id)``; ``asset runs show``)."""

    def __init__(self, run: RunModel, tasks: pl.DataFrame) -> None:
        self.run = run
        self.tasks = tasks
        """One row per task: see :data:`assetflow.observe.runs.TASK_SCHEMA`."""

    def to_polars(self) -> pl.DataFrame:
        return self.tasks

    def assets(self) -> pl.DataFrame:
        """Per asset: tasks by outcome, retries, median and max task time, rows, bytes."""
        return run_assets(self.tasks)

    def to_json(self, all_tasks: bool = True) -> dict[str, Any]:
        """The run, per-asset totals and the tasks (all, or only the failed and retried)."""
        tasks = self.tasks if all_tasks else self._notable()
        return {
            "run": self.run.model_dump(),
            "assets": self.assets().to_dicts(),
            "tasks": tasks.to_dicts(),
            "all_tasks": all_tasks or tasks.height == self.tasks.height,
        }

    def _notable(self) -> pl.DataFrame:
        if self.tasks.height <= FOLD_ABOVE:
            return self.tasks
        return self.tasks.filter((pl.col("status") != "succeeded") | (pl.col("attempts") > 1))

    def headline(self) -> str:
        r = self.run
        took = f" in {duration(r.seconds)}" if r.seconds is not None else " (running)"
        return f"run {r.run_id} {r.status}{took}  [{r.command or ''}]"

    def summary(self) -> str:
        r = self.run
        return (
            f"{sum(r.tasks.values()):,} tasks: {task_counts(r)}; {r.attempts:,} attempts; "
            f"{r.rows:,} rows, {size(r.bytes)} committed"
        )

    def render(self, all_tasks: bool = False) -> str:
        parts = [self.headline(), "  " + self.summary()]
        if all_tasks or self.tasks.height <= FOLD_ABOVE:
            parts.append(_task_table(self.tasks))
            return "\n".join(parts)
        parts.append(f"  per asset ({self.tasks.height:,} tasks; --all lists every task):")
        parts.append(_asset_table(self.assets()))
        notable = self._notable()
        if notable.height:
            parts.append(f"  failed, retried and unfinished tasks ({notable.height:,}):")
            parts.append(_task_table(notable.head(200)))
            if notable.height > 200:
                parts.append(f"  ... {notable.height - 200:,} more (--all, or --json)")
        return "\n".join(parts)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        r = self.run
        bar = html.state_bar(list(r.tasks.items()), width=320)
        assets = self.assets()
        table = html.table(
            [
                "asset",
                "tasks",
                "succeeded",
                "failed",
                "other",
                "retried",
                "median",
                "max",
                "rows",
                "bytes",
            ],
            (
                (a, n, ok, bad, other, again, duration(med), duration(top), rows, size(b))
                for a, n, ok, bad, other, again, _, _, med, top, rows, b in assets.iter_rows()
            ),
            numeric=[False] + [True] * 9,
        )
        notable = self._notable().head(200)
        tasks = html.table(
            ["state", "asset", "partition", "attempts", "took", "detail"],
            (
                (s, a, display_key(p), n, duration(sec), d or "")
                for a, p, s, n, sec, d in notable.select(
                    "asset", "partition", "status", "attempts", "seconds", "detail"
                ).iter_rows()
            ),
        )
        return html.block(self.headline(), html.text(self.summary()), bar, table, tasks)


def _task_table(tasks: pl.DataFrame) -> str:
    columns = [
        "state",
        "asset",
        "partition",
        "attempts",
        Column("took", ">"),
        Column("rows", ">"),
        Column("bytes", ">"),
        "started",
        "detail",
    ]
    rows = (
        (
            s,
            a,
            display_key(p),
            n,
            duration(sec),
            "-" if rows is None else f"{rows:,}",
            size(b),
            start,
            d or "",
        )
        for a, p, s, n, start, _, sec, rows, b, d in tasks.iter_rows()
    )
    return format_table(columns, rows, indent=2)


def _asset_table(assets: pl.DataFrame) -> str:
    columns = [
        "asset",
        "tasks",
        "succeeded",
        "failed",
        "other",
        "retried",
        Column("median", ">"),
        Column("max", ">"),
        Column("rows", ">"),
        Column("bytes", ">"),
    ]
    rows = (
        (a, n, ok, bad, other, again, duration(med), duration(top), f"{rows or 0:,}", size(b))
        for a, n, ok, bad, other, again, _, _, med, top, rows, b in assets.iter_rows()
    )
    return format_table(columns, rows, indent=2)
