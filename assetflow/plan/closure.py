"""The set of partitions a request will run, computed on columns (for backfill summaries).

``build_plan`` walks the make-like upstream closure step by step, which is right for one run
but costs a mapping call per step. A backfill over years of partitions only needs to *count*
what will run before it starts, so this computes the same closure per (asset, upstream) edge:
assets in reverse topological order, each one's running partitions mapped to its upstreams in
one edge frame, non-fresh upstream partitions pulled in; then requested partitions that read
what the run builds (``plan/downstream.py``), as the planner does. No loop over partition keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.plan.downstream import must_also_run
from assetflow.plan.staleness import committed_keys

SUMMARY_SCHEMA = {
    "asset": pl.String,
    "requested": pl.UInt32,
    "missing": pl.UInt32,
    "stale": pl.UInt32,
    "failed": pl.UInt32,
    "fresh": pl.UInt32,
    "will_run": pl.UInt32,
    "upstream": pl.UInt32,
}


def run_closure(
    graph: AssetGraph,
    statuses: pl.DataFrame,
    targets: Mapping[str, Sequence[str]],
    *,
    force: bool = False,
) -> pl.DataFrame:
    """One row per (asset, partition) involved: ``status``, ``requested`` and ``run``."""
    frames: dict[str, pl.DataFrame] = {}
    for name, keys in targets.items():
        mine = statuses.filter(pl.col("asset") == name).select("partition", "status")
        frames[name] = (
            pl.DataFrame({"partition": list(keys)}, schema={"partition": pl.String})
            .join(mine, on="partition", how="left")
            .with_columns(
                requested=pl.lit(True),
                run=pl.lit(True) if force else pl.col("status") != "fresh",
            )
        )
    for name in reversed(graph.order):
        running = frames.get(name)
        if running is None:
            continue
        keys = running.filter(pl.col("run"))["partition"].to_list()
        if not keys:
            continue
        for up in graph[name].upstreams:
            up_rows = statuses.filter(pl.col("asset") == up)
            up_status = up_rows.select("partition", "status")
            committed = committed_keys(up_rows).to_list()
            edges = graph.mappings[(name, up)].edges(keys, graph[up].partitions, committed)
            needed = (
                edges.select(pl.col("up_partition").alias("partition"))
                .unique()
                .join(up_status, on="partition", how="left")
                .filter(pl.col("status").is_null() | (pl.col("status") != "fresh"))
            )
            have = frames.get(up)
            if have is not None:
                needed = needed.join(have.select("partition"), on="partition", how="anti")
                # a requested-but-fresh upstream that a running partition needs still stays fresh
            pulled = needed.with_columns(requested=pl.lit(False), run=pl.lit(True))
            frames[up] = pulled if have is None else pl.concat([have, pulled])

    frames = _with_downstream(graph, statuses, frames)
    if not frames:
        return pl.DataFrame(
            schema={
                "asset": pl.String,
                "partition": pl.String,
                "status": pl.String,
                "requested": pl.Boolean,
                "run": pl.Boolean,
            }
        )
    return pl.concat([f.select(pl.lit(a).alias("asset"), pl.all()) for a, f in frames.items()])


def _with_downstream(
    graph: AssetGraph, statuses: pl.DataFrame, frames: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """What must also run for the run to converge, as the planner adds it."""
    by_asset = statuses.partition_by("asset", as_dict=True) if statuses.height else {}

    def committed(asset: str) -> pl.Series:
        found = by_asset.get((asset,))
        if found is None:
            return pl.Series("partition", [], dtype=pl.String)
        return committed_keys(found)

    out = dict(frames)
    for name, why in must_also_run(graph, frames, committed=committed).items():
        have = frames.get(name)
        added = why.select("partition").with_columns(
            status=pl.lit("stale"), requested=pl.lit(False), run=pl.lit(True)
        )
        if have is None:
            out[name] = added
            continue
        out[name] = pl.concat(
            [
                have.with_columns(
                    run=pl.col("run") | pl.col("partition").is_in(added["partition"])
                ),
                added.join(have.select("partition"), on="partition", how="anti"),
            ],
            how="vertical_relaxed",
        )
    return out


def summarize(closure: pl.DataFrame, order: Sequence[str]) -> pl.DataFrame:
    """Per asset (in ``order``): requested counts by status, how many run, how many pulled in."""
    requested = pl.col("requested")
    grouped = closure.group_by("asset").agg(
        requested=requested.sum(),
        missing=(requested & (pl.col("status").fill_null("missing") == "missing")).sum(),
        stale=(requested & (pl.col("status") == "stale")).sum(),
        failed=(requested & (pl.col("status") == "failed")).sum(),
        fresh=(requested & (pl.col("status") == "fresh")).sum(),
        will_run=(requested & pl.col("run")).sum(),
        upstream=(~requested & pl.col("run")).sum(),
    )
    rank = pl.DataFrame({"asset": list(order)}).with_row_index("_rank")
    return grouped.join(rank, on="asset").sort("_rank").drop("_rank").cast(SUMMARY_SCHEMA)
