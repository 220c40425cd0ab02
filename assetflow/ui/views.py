"""What each page shows, as plain JSON-ready data: the page's template renders it, and the page's
JSON twin (``/api/...``) returns it (less its SVG drawings), so the two can never disagree.

This module holds the overview, the graph and what every page shares; the asset and partition
pages are in :mod:`asset_views`, runs and backfills in :mod:`run_views`, the plan preview in
:mod:`plan_views`.

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
from assetflow.observe.graph_view import (
    FULL_GRAPH_LIMIT,
    choose_assets,
    layout_selection,
    render_graph,
)
from assetflow.observe.statuses import STYLES, legend
from assetflow.ui.data import UiData

MAX_DEPTH = 6


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


def parse_key(data: UiData, name: str, key: str) -> tuple[AssetDef, str]:
    """``name``'s definition and the canonical form of ``key``, or :class:`NotFound`."""
    definition = find_asset(data, name)
    if definition.partitions is None:
        if key != UNPARTITIONED:
            raise NotFound(f"asset {name!r} is unpartitioned; open /assets/{name}")
        return definition, key
    try:
        return definition, definition.partitions.parse_key(key)
    except PartitionKeyError as exc:
        raise NotFound(f"{name}: {exc}") from None


def jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 strings (rows of polars frames go through this)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A frame as JSON-ready dicts."""
    return [jsonable(r) for r in frame.to_dicts()]


def graph_page(
    data: UiData, as_of: datetime, center: str | None, depth: int, full: bool = False
) -> dict[str, Any]:
    """The lineage drawing (SVG) of all assets, or of a neighbourhood on large graphs."""
    if center is not None:
        find_asset(data, center)
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


def find_asset(data: UiData, name: str) -> AssetDef:
    """The definition of ``name``, or :class:`NotFound` naming it and the fix."""
    try:
        return data.graph[name]
    except SelectionError:
        raise NotFound(f"unknown asset {name!r}; the overview (/) lists every asset") from None
