"""What each page shows, as plain JSON-ready data: the page's template renders it, and the page's
JSON twin (``/api/...``) returns it as is, so the two can never disagree.

Each function takes :class:`~assetflow.ui.data.UiData` and the request's parameters and raises
:class:`NotFound` (a one-line message naming the thing and the fix) for unknown names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from assetflow.define.asset import AssetDef
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PartitionKeyError, SelectionError
from assetflow.observe.gantt import render_gantt
from assetflow.observe.graph_view import (
    FULL_GRAPH_LIMIT,
    choose_assets,
    layout_selection,
    render_graph,
)
from assetflow.observe.statuses import SEVERITY, STYLES, legend
from assetflow.ui.data import UiData

MAX_DEPTH = 6
_ROWS_SHOWN = 100


class NotFound(LookupError):
    """An asset, partition or run the warehouse does not know; the message says what to do."""


def overview(data: UiData, as_of: datetime) -> dict[str, Any]:
    """Totals per state, and per group of assets sharing a partitioning: its size."""
    matrix = data.matrix(as_of)
    counts = matrix.counts()
    totals = {s.name: sum(c[s.name] for c in counts.values()) for s in STYLES}
    groups = []
    for g in matrix.groups:
        definition = data.graph[g.assets[0]].partitions if g.assets else None
        groups.append(
            {
                "partitioning": definition.describe() if definition else "unpartitioned",
                "assets": list(g.assets),
                "partitions": g.rule.count,
                "due": g.due,
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "assets": len(data.graph),
        "partitions": sum(totals.values()),
        "totals": totals,
        "legend": legend(),
        "groups": groups,
        "counts": counts,
    }


def asset_page(data: UiData, name: str, as_of: datetime) -> dict[str, Any]:
    """One asset: definition, lineage neighbours, counts, and its partitions that need work."""
    definition = _asset(data, name)
    counts = data.matrix(as_of, (name,)).counts().get(name, {})
    cells = data.status_cells(as_of).filter(
        (pl.col("asset") == name) & (pl.col("status") != "fresh")
    )
    rank = {s: i for i, s in enumerate(SEVERITY)}
    cells = cells.with_columns(
        pl.col("status").replace_strict(rank, return_dtype=pl.Int32).alias("_rank")
    ).sort(["_rank", "partition"], descending=[False, True])
    attention = cells.head(_ROWS_SHOWN).select("partition", "status", "reason").to_dicts()
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
    }


def partition_page(data: UiData, name: str, key: str, as_of: datetime) -> dict[str, Any]:
    """One partition: status, reason and every recorded version (newest first)."""
    definition = _asset(data, name)
    if definition.partitions is None:
        if key != UNPARTITIONED:
            raise NotFound(f"asset {name!r} is unpartitioned; open /assets/{name}")
    else:
        try:
            key = definition.partitions.parse_key(key)
        except PartitionKeyError as exc:
            raise NotFound(f"{name}: {exc}") from None
    info = data.partition(name, key, as_of)
    history = [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
        for row in info.history
    ]
    return {
        "asset": name,
        "partition": key,
        "partitioned": definition.partitions is not None,
        "status": info.status,
        "reason": info.reason,
        "history": history,
    }


def graph_page(
    data: UiData, as_of: datetime, center: str | None, depth: int, full: bool = False
) -> dict[str, Any]:
    """The lineage drawing (SVG) of all assets, or of a neighbourhood on large graphs."""
    if center is not None:
        _asset(data, center)
    depth = max(0, min(depth, MAX_DEPTH))
    limit = max(len(data.graph), 1) if full else FULL_GRAPH_LIMIT
    selection = choose_assets(data.graph, center, depth, limit=limit)
    layout = layout_selection(data.graph, selection)
    counts = data.matrix(as_of).counts()
    return {
        "center": selection.center,
        "depth": selection.depth,
        "shown": len(selection.assets),
        "total": selection.total,
        "truncated": selection.truncated,
        "assets": list(data.graph.order),
        "nodes": [
            {"asset": b.name, "x": b.x, "y": b.y, "layer": b.layer} for b in layout.nodes.values()
        ],
        "edges": [[e.upstream, e.downstream] for e in layout.edges],
        "crossings": layout.crossings,
        "svg": render_graph(layout, counts, center=selection.center),
    }


def runs_page(data: UiData) -> dict[str, Any]:
    """Recent runs, newest first; ``active`` tells the page whether to keep polling."""
    runs = [r.model_dump(mode="json") for r in data.runs()]
    return {"runs": runs, "active": any(r["status"] == "running" for r in runs)}


def run_page(data: UiData, run_id: str, now: datetime) -> dict[str, Any]:
    """One run: its record, the Gantt timeline of its attempts, and the attempts as data."""
    run = data.run(run_id)
    if run is None:
        raise NotFound(f"unknown run {run_id!r}; `asset runs` lists the runs")
    spans = data.spans(run_id)
    order = [n for n in data.graph.order if any(s.asset == n for s in spans)]
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
        "svg": render_gantt(spans, now, order=order),
    }


def _asset(data: UiData, name: str) -> AssetDef:
    try:
        return data.graph[name]
    except SelectionError:
        raise NotFound(f"unknown asset {name!r}; the overview (/) lists every asset") from None
