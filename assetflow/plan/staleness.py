"""Status of every (asset, partition): ``missing``, ``stale`` or ``fresh``, with a reason.

A pure function of (graph, catalog state, as_of). It walks assets in topological order and, per
asset, works on whole columns: the asset's partitions are joined against the mapping's edge frame,
the upstream statuses and the upstream data versions recorded at the last materialization. Python
loops run over assets and upstream edges only, never over partition keys.

Rules (DESIGN section 2):

- ``missing``: never committed.
- ``stale``: committed, but its code version changed, or an upstream partition it maps to is
  missing or stale (transitively), or now has a different data version than the one read, or was
  added/removed since (all-partitions mappings).
- ``fresh``: otherwise. Early cutoff falls out: a re-materialized upstream with the same data
  version leaves the recorded version equal, so the downstream stays fresh.
- Partitions that are not due yet are not listed (they are ``future``).
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from assetflow.commit.catalog import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.plan.source_status import source_reasons

STATUS_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "data_version": pl.String,
    "code_version": pl.String,
}


def asset_keys(graph: AssetGraph, name: str, as_of: datetime) -> list[str]:
    """The due keys of an asset (the single implicit key when unpartitioned)."""
    definition = graph[name].partitions
    return [UNPARTITIONED] if definition is None else definition.due_keys(as_of)


def compute_status(graph: AssetGraph, state: CatalogState, as_of: datetime) -> pl.DataFrame:
    """One row per due or committed (asset, partition), in topological then key order."""
    per_asset: dict[str, pl.DataFrame] = {}
    for name in graph.order:
        per_asset[name] = _asset_status(graph, state, as_of, name, per_asset)
    frames = [f for f in per_asset.values() if f.height]
    if not frames:
        return pl.DataFrame(schema=STATUS_SCHEMA)
    return pl.concat(frames).select(list(STATUS_SCHEMA))


def _asset_status(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    name: str,
    done: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    asset = graph[name]
    due = asset_keys(graph, name, as_of)
    current = state.current.filter(pl.col("asset") == name).select(
        "partition", "data_version", pl.col("code_version").alias("recorded_code")
    )
    extra = sorted(set(current["partition"].to_list()) - set(due))
    base = (
        pl.DataFrame({"partition": due + extra}, schema={"partition": pl.String})
        .with_row_index("_order")
        .join(current, on="partition", how="left")
    )
    reasons = [
        base.filter(
            pl.col("recorded_code").is_not_null() & (pl.col("recorded_code") != asset.code_version)
        ).select(
            "partition",
            pl.lit(0, pl.Int32).alias("_rank"),
            pl.format("code version {} -> {}", "recorded_code", pl.lit(asset.code_version)).alias(
                "reason"
            ),
        )
    ]
    if asset.is_source:
        reasons.append(source_reasons(state, name))
    keys = base["partition"].to_list()
    for rank, up in enumerate(asset.upstreams, start=1):
        reasons.append(_upstream_reasons(graph, state, name, up, keys, done[up], rank))
    first = (
        pl.concat(reasons)
        .sort("_rank", "partition")
        .group_by("partition", maintain_order=True)
        .agg(pl.col("reason").first(), pl.len().alias("_n"))
    )
    return (
        base.join(first, on="partition", how="left")
        .with_columns(
            status=pl.when(pl.col("data_version").is_null())
            .then(pl.lit("missing"))
            .when(pl.col("reason").is_not_null())
            .then(pl.lit("stale"))
            .otherwise(pl.lit("fresh")),
            reason=pl.when(pl.col("data_version").is_null())
            .then(pl.lit("never materialized"))
            .when(pl.col("_n") > 1)
            .then(pl.format("{} (+{} more)", "reason", pl.col("_n") - 1))
            .otherwise(pl.col("reason").fill_null("")),
        )
        .sort("_order")
        .select(
            pl.lit(name).alias("asset"),
            "partition",
            "status",
            "reason",
            "data_version",
            pl.lit(asset.code_version).alias("code_version"),
        )
    )


def _upstream_reasons(
    graph: AssetGraph,
    state: CatalogState,
    name: str,
    up: str,
    keys: list[str],
    up_status: pl.DataFrame,
    rank: int,
) -> pl.DataFrame:
    """Why partitions of ``name`` are stale because of upstream ``up`` (one row per problem)."""
    committed_up = up_status.filter(pl.col("status") != "missing")["partition"].to_list()
    edges = graph.mappings[(name, up)].edges(keys, graph[up].partitions, committed_up)
    expected = edges.with_columns(pl.lit(True).alias("expected")).join(
        up_status.select(
            pl.col("partition").alias("up_partition"),
            pl.col("status").alias("up_status"),
            pl.col("data_version").alias("up_version"),
        ),
        on="up_partition",
        how="left",
    )
    recorded = state.inputs.filter((pl.col("asset") == name) & (pl.col("upstream") == up)).select(
        "partition", "up_partition", "recorded_version"
    )
    joined = expected.join(
        recorded, on=["partition", "up_partition"], how="full", coalesce=True
    ).filter(pl.col("partition").is_in(keys))
    label = pl.when(pl.col("up_partition") == UNPARTITIONED).then(pl.lit(f"upstream {up}"))
    label = label.otherwise(pl.format(f"upstream {up} {{}}", "up_partition"))
    expected_edge = pl.col("expected").fill_null(False)
    problem = (
        pl.when(
            expected_edge & (pl.col("up_status").is_null() | (pl.col("up_status") == "missing"))
        )
        .then(pl.lit("is missing"))
        .when(expected_edge & (pl.col("up_status") == "stale"))
        .then(pl.lit("is stale"))
        .when(expected_edge & pl.col("recorded_version").is_null())
        .then(pl.lit("was added"))
        .when(expected_edge & (pl.col("recorded_version") != pl.col("up_version")))
        .then(pl.lit("changed"))
        .when(~expected_edge & pl.col("recorded_version").is_not_null())
        .then(pl.lit("was removed"))
    )
    return (
        joined.with_columns(problem.alias("_problem"), label.alias("_label"))
        .filter(pl.col("_problem").is_not_null())
        .select(
            "partition",
            pl.lit(rank, pl.Int32).alias("_rank"),
            pl.format("{} {}", "_label", "_problem").alias("reason"),
        )
    )
