"""The runs list, the run page and the backfills page, as JSON-ready data (see
:mod:`assetflow.ui.views`).

A page showing something still running carries ``active``: its template then asks htmx to
fetch the page's fragment every 2 s, and the fragment of a finished run drops that request, so
an idle page never polls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from assetflow.observe.gantt import render_gantt
from assetflow.ui.asset_views import ROWS_SHOWN
from assetflow.ui.data import UiData
from assetflow.ui.views import NotFound, rows


def runs_page(data: UiData) -> dict[str, Any]:
    """Recent runs, newest first; ``active`` tells the page whether to keep polling."""
    runs = [r.model_dump(mode="json") for r in data.runs()]
    return {"runs": runs, "active": any(r["status"] == "running" for r in runs)}


def run_page(data: UiData, run_id: str, now: datetime) -> dict[str, Any]:
    """One run: its record, the Gantt timeline of its attempts, its tasks (failed first) and
    its captured log lines per task."""
    detail = data.run_detail(run_id)
    if detail is None:
        raise NotFound(f"unknown run {run_id!r}; `asset runs` lists the runs")
    run, tasks, spans, logs = detail.run, detail.tasks, detail.spans, detail.logs
    order = [n for n in data.graph.order if any(s.asset == n for s in spans)]
    notable = tasks.filter(pl.col("status") != "succeeded")
    shown = pl.concat([notable, tasks.filter(pl.col("status") == "succeeded")]).head(ROWS_SHOWN)
    return {
        "run": run.model_dump(mode="json"),
        "active": run.status == "running",
        "attempts": [
            {
                "asset": s.asset,
                "partition": s.partition,
                "attempt": s.attempt,
                "start": s.start.isoformat(),
                "end": s.end.isoformat() if s.end else None,
                "state": s.state,
            }
            for s in spans
        ],
        "tasks": rows(shown),
        "tasks_total": tasks.height,
        "logs": rows(logs),
        "svg": render_gantt(spans, now, order=order),
    }


def backfills_page(data: UiData) -> dict[str, Any]:
    """Recorded backfills, newest first, with progress (done / failed of total)."""
    found = rows(data.backfills())
    for b in found:
        total = b["total"] or 0
        b["percent"] = round(100 * (b["done"] + b["failed"]) / total, 1) if total else 100.0
    return {"backfills": found, "active": any(b["state"] == "running" for b in found)}
