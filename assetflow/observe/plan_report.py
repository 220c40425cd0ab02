"""A plan as people read it: one line per step, or a per-asset summary when that is too long.

A bare ``asset materialize`` on a young project plans every missing day since ``start``; one line
per step would scroll hundreds of lines past. Beyond ``max_lines`` steps the plan prints as the
compact per-asset table ``asset backfill --dry-run`` shows (``--json`` still lists every step).
"""

from __future__ import annotations

import polars as pl

from assetflow.observe.table import Column, format_table
from assetflow.plan.planner import Plan, display_key
from assetflow.plan.summary import count_by_asset

MAX_PLAN_LINES = 40
"""About a screen."""


def render_plan(plan: Plan, max_lines: int | None = MAX_PLAN_LINES) -> str:
    """``plan.explain()``, or the per-asset summary when the plan has more steps than fit."""
    if max_lines is None or len(plan.steps) <= max_lines:
        return plan.explain()
    return summarize_plan(plan)


def summarize_plan(plan: Plan) -> str:
    """Per asset: requested partitions by status, how many run, how many were pulled in."""
    counts = count_by_asset(plan).with_columns(
        keys=pl.when(pl.col("first") == pl.col("last"))
        .then(pl.col("first"))
        .otherwise(pl.format("{} .. {}", "first", "last"))
    )
    columns = [
        "asset",
        *(Column(c, ">") for c in ("missing", "stale", "failed", "fresh", "will run", "skip")),
        Column("+upstream", ">"),
        "partitions",
    ]
    rows = (
        (a, m, st, f, fr, w, sk, up, display_key(k))
        for a, m, st, f, fr, w, sk, up, k in counts.select(
            "asset", "missing", "stale", "failed", "fresh", "will_run", "skip", "upstream", "keys"
        ).iter_rows()
    )
    runs = len(plan.to_run)
    head = f"plan: {runs} to run, {len(plan.steps) - runs} fresh (per asset; --json lists steps)"
    return "\n".join([head, format_table(columns, rows, indent=2)])
