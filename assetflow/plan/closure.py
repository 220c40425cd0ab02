"""The make-like upstream closure: what must run before the requested partitions can.

One rule, used by every plan (``materialize``, ``tick``, ``resume``) and by the backfill summary,
which counts a plan: a requested partition that runs needs every upstream partition it maps to
committed and fresh, so each missing, stale or failed one runs first, transitively. An upstream
partition that is *not due yet* (its window has not closed) cannot be built now, so the request
cannot be planned: :class:`PlanError` names the downstream and the upstream. (The backfill summary
once counted such a partition as "will run" and the runs then failed; it raises now too.) With
``only``, a needed upstream that is not fresh is an error instead of a step.

Assets are visited in reverse topological order on key columns: the partitions an asset runs
are pushed through each upstream mapping's edge frame to find the upstream partitions they
need, so a backfill of hundreds of thousands of partitions is a few joins, not a loop over keys.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PlanError
from assetflow.plan.reasons import committed_keys

COLUMNS = ["asset", "partition", "status", "reason", "run", "requested", "_order"]


def upstream_closure(
    graph: AssetGraph,
    by_asset: Mapping[str, pl.DataFrame],
    wanted: Mapping[str, pl.DataFrame],
    *,
    only: bool = False,
) -> dict[str, pl.DataFrame]:
    """The requested rows plus every upstream partition that must run first, per asset.

    Args:
        by_asset: each asset's status frame with an ``_order`` column (key order).
        wanted: per asset, its requested rows (status columns plus ``run`` and ``requested``).
        only: refuse (PlanError) instead of adding an upstream partition that is not fresh.
    """
    # Per upstream: the partitions downstream steps read, and whether they are surely listed in
    # its status (identity between equal key lists) or must be checked for being due.
    needed: dict[str, list[tuple[pl.DataFrame, bool]]] = {}
    planned: dict[str, pl.DataFrame] = {}
    for name in reversed(graph.order):
        if name not in by_asset:
            continue  # neither requested nor read by the request (``plan/reads.py``)
        own = wanted.get(name)
        if own is not None:
            own = own.select(COLUMNS)
        frames = [] if own is None else [own]
        pulled = _pulled(name, needed.pop(name, []), by_asset[name], own, only)
        if pulled is not None and pulled.height:
            frames.append(pulled.select(COLUMNS))
        if not frames:
            continue
        steps = pl.concat(frames) if len(frames) > 1 else frames[0]
        planned[name] = steps.sort("_order") if len(frames) > 1 else steps
        running = steps.select(pl.col("partition").filter("run")).to_series()
        if not len(running):
            continue
        for up in graph[name].upstreams:
            mapping = graph.mappings[(name, up)]
            listed = False
            if type(mapping) is Identity:  # the same keys: no need to list them in Python
                edges = pl.DataFrame({"partition": running, "up_partition": running})
                listed = by_asset[up]["partition"].equals(by_asset[name]["partition"])
            else:
                committed = LazyKeys(lambda s=by_asset[up]: committed_keys(s).to_list())
                edges = mapping.edges(running.to_list(), graph[up].partitions, committed)
            demand = edges.select(
                pl.col("up_partition").alias("partition"),
                pl.lit(name).alias("_down"),
                pl.col("partition").alias("_down_partition"),
            )
            needed.setdefault(up, []).append((demand, listed))
    return planned


def _pulled(
    name: str,
    needed: list[tuple[pl.DataFrame, bool]],
    status: pl.DataFrame,
    own: pl.DataFrame | None,
    only: bool,
) -> pl.DataFrame | None:
    """The partitions of ``name`` that downstream steps need and that must run first."""
    if not needed:
        return None
    if own is not None and _runs_all_not_fresh(own, status):
        # Nothing to pull in (the common "everything due" plan): only check the demand is due.
        unsure = [demand for demand, listed in needed if not listed]
        if not unsure:
            return None
        demand = pl.concat(unsure)
        not_due = demand.filter(~pl.col("partition").is_in(status["partition"].implode()))
        if not_due.height:
            _raise_not_due(name, not_due)
        return None
    # Two lazy queries, not six eager ones: at a range's few keys per asset, the fixed cost
    # of each query (~0.2 ms) was most of the closure's time.
    demand = pl.concat([demand for demand, _ in needed])
    known = status.lazy().select("partition", "status", "reason", "_order")
    if demand.height * 8 < status.height:  # a few keys (a range): filter first, join the few
        known = known.filter(pl.col("partition").is_in(demand["partition"].implode()))
    found = (
        demand.lazy()
        .unique(subset="partition", keep="first", maintain_order=True)
        .join(known, on="partition", how="left", maintain_order="left")
        .collect()
    )
    if found["status"].null_count():
        _raise_not_due(name, found.filter(pl.col("status").is_null()))
    pulled = found.lazy().filter(pl.col("status") != "fresh")
    if own is not None:
        running = own.lazy().filter("run").select("partition")
        pulled = pulled.join(running, on="partition", how="anti", maintain_order="left")
    pulled = pulled.with_columns(asset=pl.lit(name), run=pl.lit(True), requested=pl.lit(False))
    pulled = pulled.collect()
    if only and pulled.height:
        down, key, q, st, why = pulled.select(
            "_down", "_down_partition", "partition", "status", "reason"
        ).row(0)
        raise PlanError(
            f"--only: {down} {_shown(key)} needs upstream {name} {_shown(q)}, "
            f"which is {st} ({why}); drop --only to materialize it first",
            asset=down,
            partition=key,
        )
    return pulled


def _runs_all_not_fresh(own: pl.DataFrame, status: pl.DataFrame) -> bool:
    """True if the asset's own running steps include every partition that is not fresh."""
    running = (own["run"] & (own["status"] != "fresh")).sum()
    return running == (status["status"] != "fresh").sum()  # Series ops: no query to plan


def _raise_not_due(name: str, not_due: pl.DataFrame) -> None:
    down, key, q = not_due.select("_down", "_down_partition", "partition").row(0)
    raise PlanError(
        f"cannot materialize {down} {_shown(key)}: upstream {name} {_shown(q)} is not due yet",
        asset=down,
        partition=key,
    )


def _shown(key: str) -> str:
    return "(unpartitioned)" if key == UNPARTITIONED else key
