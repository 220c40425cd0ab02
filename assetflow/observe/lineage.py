"""Lineage: the asset graph as data: nodes (partitioning, schedules, policies) and edges
(with their partition mappings), optionally narrowed to what is upstream or downstream of one
asset. Pure: it reads the graph only, never the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Literal

import polars as pl

from assetflow.define.asset import AssetDef
from assetflow.define.graph import AssetGraph
from assetflow.define.schedule import Schedule

Direction = Literal["upstream", "downstream", "both"]

NODE_SCHEMA = {
    "asset": pl.String,
    "partitioning": pl.String,
    "code_version": pl.String,
    "description": pl.String,
    "schedules": pl.List(pl.String),
    "automation": pl.String,
    "policy": pl.String,
    "source": pl.Boolean,
    "upstreams": pl.List(pl.String),
    "downstreams": pl.List(pl.String),
}
"""One row per asset, in topological order."""

EDGE_SCHEMA = {
    "upstream": pl.String,
    "downstream": pl.String,
    "mapping": pl.String,
    "data": pl.Boolean,
}
"""One row per (upstream, downstream) pair; ``data``: the upstream's data is passed in (not
only waited for, as ``deps=`` are)."""


def downstreams(graph: AssetGraph) -> dict[str, list[str]]:
    """Asset -> the assets that read it directly, in topological order."""
    found: dict[str, list[str]] = {n: [] for n in graph.order}
    for name in graph.order:
        for up in graph[name].upstreams:
            found[up].append(name)
    return found


def related(graph: AssetGraph, asset: str, direction: Direction) -> list[str]:
    """``asset`` and every asset upstream and/or downstream of it, in topological order."""
    name = graph[asset].name
    below = downstreams(graph)
    keep = {name}
    if direction in ("upstream", "both"):
        keep |= _reach(name, lambda n: graph[n].upstreams)
    if direction in ("downstream", "both"):
        keep |= _reach(name, lambda n: below[n])
    return [n for n in graph.order if n in keep]


def _reach(start: str, step) -> set[str]:
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        nxt = []
        for name in frontier:
            for other in step(name):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = nxt
    return seen


def describe_policy(asset: AssetDef) -> str:
    """The retry/timeout options set on the asset, e.g. ``retries=3, timeout=600``."""
    policy = asset.policy
    parts = []
    for f in fields(policy):
        value = getattr(policy, f.name)
        if value is None:
            continue
        if f.name == "retry_on":
            value = "(" + ", ".join(t.__name__ for t in value) + ")"
        parts.append(f"{f.name}={value}")
    return ", ".join(parts)


def lineage_frames(
    graph: AssetGraph, names: Iterable[str], schedules: Iterable[Schedule] = ()
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes (:data:`NODE_SCHEMA`) and edges (:data:`EDGE_SCHEMA`) among ``names``."""
    chosen = [n for n in graph.order if n in set(names)]
    below = downstreams(graph)
    by_asset: dict[str, list[str]] = {}
    for s in schedules:
        for name in s.assets:
            by_asset.setdefault(name, []).append(f"{s.name}: {s.cron} ({s.timezone})")
    nodes = []
    for name in chosen:
        a = graph[name]
        nodes.append(
            (
                name,
                a.partitions.describe() if a.partitions else "unpartitioned",
                a.code_version,
                (a.description or "").strip().split("\n")[0] or None,
                by_asset.get(name, []),
                a.automation,
                describe_policy(a) or None,
                a.is_source,
                list(a.upstreams),
                below[name],
            )
        )
    keep = set(chosen)
    edges = [
        (up, name, graph.mappings[(name, up)].describe(), up in graph[name].inputs)
        for name in chosen
        for up in graph[name].upstreams
        if up in keep
    ]
    return (
        pl.DataFrame(nodes, schema=NODE_SCHEMA, orient="row"),
        pl.DataFrame(edges, schema=EDGE_SCHEMA, orient="row"),
    )
