"""Convergence: requested partitions that read what the same run builds run too.

The make-like closure runs what is missing or stale *now*. A requested partition that is fresh
now but reads a partition the run is about to add or rebuild would be stale right after the run
(an unpartitioned ``summary`` over every day of ``totals`` while a backfill adds days; a weekly
window while its days are rebuilt with ``--force``), and a second identical run would be needed.
So, in topological order, every requested step that is not running yet and whose mapping reads
a partition that runs earlier in the plan is made to run, after it. Mappings that read what
exists (all partitions) are asked with the committed keys plus those the run builds.

At execution time the runner still skips such a step when its inputs turn out identical (early
cutoff: an upstream rebuilt with the same data), so this costs nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED

BUILT_BY_RUN = "_built_by_run"
"""Column added to each frame: why a step was made to run (null for the others)."""


def include_downstream(
    graph: AssetGraph,
    frames: Mapping[str, pl.DataFrame],
    committed: Callable[[str], Collection[str]],
) -> dict[str, pl.DataFrame]:
    """Make steps that read partitions this run builds run too.

    Args:
        frames: per asset, its steps (at least ``partition`` and ``run`` columns).
        committed: an asset's committed partition keys (asked only when needed).

    Returns:
        The frames, with ``run`` updated and a :data:`BUILT_BY_RUN` reason column.
    """
    running: dict[str, list[str]] = {}
    out: dict[str, pl.DataFrame] = {}
    for name in graph.order:
        frame = frames.get(name)
        if frame is None:
            continue
        idle = frame.filter(~pl.col("run"))["partition"].to_list()
        reasons = _reasons(graph, name, idle, running, committed) if idle else None
        if reasons is None:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(BUILT_BY_RUN))
        else:
            frame = frame.join(reasons, on="partition", how="left", maintain_order="left")
            frame = frame.with_columns(run=pl.col("run") | pl.col(BUILT_BY_RUN).is_not_null())
        out[name] = frame
        built = frame.filter(pl.col("run"))["partition"].to_list()
        if built:
            running[name] = built
    return out


def _reasons(
    graph: AssetGraph,
    name: str,
    idle: list[str],
    running: Mapping[str, list[str]],
    committed: Callable[[str], Collection[str]],
) -> pl.DataFrame | None:
    hits = []
    for rank, up in enumerate(graph[name].upstreams):
        built = running.get(up)
        if not built:
            continue
        universe = set(committed(up)) | set(built)
        edges = graph.mappings[(name, up)].edges(idle, graph[up].partitions, universe)
        hit = edges.filter(pl.col("up_partition").is_in(built))
        if hit.height:
            hits.append(hit.with_columns(pl.lit(rank).alias("_rank"), pl.lit(up).alias("_up")))
    if not hits:
        return None
    label = (
        pl.when(pl.col("up_partition") == UNPARTITIONED)
        .then(pl.format("upstream {}", "_up"))
        .otherwise(pl.format("upstream {} {}", "_up", "up_partition"))
    )
    grouped = (
        pl.concat(hits)
        .with_row_index("_seq")
        .sort("_rank", "_seq")
        .group_by("partition", maintain_order=True)
        .agg(label.first().alias("_what"), pl.len().alias("_n"))
    )
    return grouped.select(
        "partition",
        pl.when(pl.col("_n") > 1)
        .then(pl.format("{} is built by this run (+{} more)", "_what", pl.col("_n") - 1))
        .otherwise(pl.format("{} is built by this run", "_what"))
        .alias(BUILT_BY_RUN),
    )
