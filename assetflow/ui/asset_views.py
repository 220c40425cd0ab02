"""The asset page and the partition page, as JSON-ready data (see :mod:`assetflow.ui.views`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from assetflow.observe.statuses import SEVERITY, legend
from assetflow.observe.units import duration, metadata, size
from assetflow.plan.planner import display_key
from assetflow.ui.data import UiData
from assetflow.ui.plots import POINTS, line_plot
from assetflow.ui.views import find_asset, jsonable, parse_key, rows

ROWS_SHOWN = 100
"""Rows of a long table a page shows (its JSON twin says how many there are)."""
_PLOTS = (
    ("rows", "rows", lambda v: "-" if v is None else f"{v:,.0f}"),
    ("bytes", "bytes", lambda v: size(None if v is None else int(v))),
    ("seconds", "duration", duration),
)


def asset_page(data: UiData, name: str, as_of: datetime) -> dict[str, Any]:
    """One asset: definition, lineage neighbours, counts, its partitions that need work, what
    was built (per run and the latest partitions), plots over partitions, and its schema."""
    definition = find_asset(data, name)
    counts = data.matrix(as_of, (name,)).counts().get(name, {})
    cells = data.status_cells(as_of).filter(
        (pl.col("asset") == name) & (pl.col("status") != "fresh")
    )
    rank = {s: i for i, s in enumerate(SEVERITY)}
    cells = cells.with_columns(
        pl.col("status").replace_strict(rank, return_dtype=pl.Int32).alias("_rank")
    ).sort(["_rank", "partition"], descending=[False, True])
    attention = cells.head(ROWS_SHOWN).select("partition", "status", "reason").to_dicts()
    history = data.asset_history(name)
    committed = history.latest.filter(pl.col("committed"))
    latest = committed.sort("finished_at", descending=True, nulls_last=True)
    return {
        "asset": name,
        "partitioned": definition.partitions is not None,
        "partitioning": definition.partitions.describe() if definition.partitions else None,
        "description": definition.description,
        "code_version": definition.code_version,
        "upstreams": list(definition.upstreams),
        "downstreams": data.graph.downstream(name),
        "counts": counts,
        "attention": attention,
        "attention_total": cells.height,
        "legend": legend(),
        "committed": committed.height,
        "versions": int(history.latest["versions"].sum()),
        "by_run": rows(history.by_run.head(ROWS_SHOWN)),
        "latest": _with_metadata(rows(latest.head(ROWS_SHOWN).drop("committed"))),
        "schemas": rows(data.schemas(name)),
        "trends": history.trends(POINTS),
        "plots_svg": _plots(committed, history.trends(POINTS)),
    }


def _plots(committed: pl.DataFrame, trends: dict[str, list[float | None]]) -> list[str]:
    if committed.height == 0:
        return []
    first = display_key(committed["partition"][0])
    last = display_key(committed["partition"][-1])
    return [line_plot(title, trends[title], first, last, fmt) for _column, title, fmt in _PLOTS]


def partition_page(data: UiData, name: str, key: str, as_of: datetime) -> dict[str, Any]:
    """One partition: status, the why chain, what its current version read (then and now),
    every version with the rollback command, every attempt and its log lines."""
    definition, key = parse_key(data, name, key)
    info = data.partition(name, key, as_of)
    versions = info.history.versions
    current = versions.filter(pl.col("current"))
    inputs = info.history.inputs
    read: list[dict[str, Any]] = []
    if current.height:
        used = inputs.filter(pl.col("id") == current["id"][0]).drop("id")
        cells = data.status_cells(as_of)
        now = cells.filter(  # narrow the 365,000 cells first: a join on them all costs 0.1 s
            pl.col("asset").is_in(used["upstream"].unique().to_list())
            & pl.col("partition").is_in(used["partition"].unique().to_list())
        ).select(
            pl.col("asset").alias("upstream"),
            "partition",
            pl.col("data_version").alias("version_now"),
            pl.col("status").alias("status_now"),
        )
        read = rows(used.join(now, on=["upstream", "partition"], how="left"))
    target = name if definition.partitions is None else f"{name} --partition {key}"
    history = _with_metadata(rows(versions))
    for h in history:
        h["rollback"] = None if h["current"] else f"asset rollback {target} --to {h['id']}"
    logs = info.logs
    return {
        "asset": name,
        "partition": key,
        "partitioned": definition.partitions is not None,
        "status": info.status,
        "reason": info.reason,
        "why": jsonable(info.why.to_json()),
        "inputs": read,
        "history": history,
        "attempts": [{**a, "logs": _attempt_logs(logs, a)} for a in rows(info.attempts)],
        "log_lines": logs.height,
    }


def _attempt_logs(logs: pl.DataFrame, attempt: dict[str, Any]) -> list[dict[str, Any]]:
    mine = (pl.col("run_id") == attempt["run_id"]) & (pl.col("attempt") == attempt["attempt"])
    return rows(logs.filter(mine).drop("run_id", "attempt"))


def _with_metadata(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's ``metadata`` (what the asset attached with ``context.add_metadata``, stored
    as JSON text) as an object."""
    for row in found:
        row["metadata"] = metadata(row.get("metadata"))
    return found
