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
from assetflow.plan.edges import EdgeMemo
from assetflow.plan.reasons import committed_keys
from assetflow.plan.staleness import split_groups

COLUMNS = ["asset", "partition", "status", "reason", "run", "requested", "_order"]


def upstream_closure(
    graph: AssetGraph,
    by_asset: Mapping[str, pl.DataFrame],
    wanted: Mapping[str, pl.DataFrame],
    *,
    only: bool = False,
    memo: EdgeMemo | None = None,
) -> dict[str, pl.DataFrame]:
    """The requested rows plus every upstream partition that must run first, per asset.

    Args:
        by_asset: each asset's status frame with an ``_order`` column (key order), at least
            of every requested asset and every partition the request reads.
        wanted: per asset, its requested rows (status columns plus ``run`` and ``requested``).
        only: refuse (PlanError) instead of adding an upstream partition that is not fresh.
        memo: window edges already built for the same keys (``plan/reasons.py``).
    """
    memo = memo or EdgeMemo()
    # Per upstream: the partitions downstream steps read, and whether they are surely listed in
    # its status (identity between equal key lists) or must be checked for being due.
    needed: dict[str, list[tuple[pl.DataFrame, bool]]] = {}
    planned: dict[str, pl.DataFrame] = {}
    errors: dict[str, PlanError] = {}
    for group in _heights(graph, by_asset):
        own = {n: wanted[n][COLUMNS] for n in group if n in wanted}
        pulled = _pulled(group, needed, by_asset, own, only, errors)
        for name in group:
            frames = [own[name]] if name in own else []
            found = pulled.get(name)
            if found is not None and found.height:
                frames.append(found[COLUMNS])
            if not frames:
                continue
            steps = pl.concat(frames) if len(frames) > 1 else frames[0]
            planned[name] = steps.sort("_order") if len(frames) > 1 else steps
            run, keys = steps["run"], steps["partition"]
            # Often every step runs: a sum answers that without a filter (~0.2 ms an asset).
            running = keys if run.sum() == len(run) else keys.filter(run)
            if len(running):
                _demand(graph, name, running, by_asset, needed, memo)
    if errors:  # the one a walk in reverse topological order meets first
        first = next(n for n in reversed(graph.order) if n in errors)
        raise errors[first]
    return planned


def _heights(graph: AssetGraph, by_asset: Mapping[str, pl.DataFrame]) -> list[list[str]]:
    """The assets with a status frame by height (0: nothing downstream reads them), each list
    in reverse topological order. An asset's demand is complete once every lower height is
    done, so the assets of one height are pulled together: at a range's few keys per asset,
    the fixed cost of a query (~0.2-1 ms) was most of the closure's time."""
    height: dict[str, int] = {}
    groups: list[list[str]] = []
    for name in reversed(graph.order):
        if name not in by_asset:
            continue  # neither requested nor read by the request (``plan/reads.py``)
        h = height.setdefault(name, 0)
        for up in graph[name].upstreams:
            height[up] = max(height.get(up, 0), h + 1)
        while len(groups) <= h:
            groups.append([])
        groups[h].append(name)
    return groups


def _demand(
    graph: AssetGraph,
    name: str,
    running: pl.Series,
    by_asset: Mapping[str, pl.DataFrame],
    needed: dict[str, list[tuple[pl.DataFrame, bool]]],
    memo: EdgeMemo,
) -> None:
    """Push the partitions ``name`` runs through each upstream mapping."""
    for up in graph[name].upstreams:
        mapping = graph.mappings[(name, up)]
        listed = False
        if type(mapping) is Identity:  # the same keys: no need to list them in Python
            down, read = running, running
            listed = by_asset[up]["partition"].equals(by_asset[name]["partition"])
        else:
            committed = LazyKeys(lambda s=by_asset[up]: committed_keys(s).to_list())
            edges = memo.edges(graph, name, up, running, committed)
            down, read = edges["partition"], edges["up_partition"]
        n = len(read)
        demand = pl.DataFrame(  # columns, not a query
            [
                pl.Series("asset", [up], dtype=pl.String).new_from_index(0, n),
                read.rename("partition"),
                pl.Series("_down", [name], dtype=pl.String).new_from_index(0, n),
                down.rename("_down_partition"),
            ]
        )
        needed.setdefault(up, []).append((demand, listed))


def _pulled(
    group: list[str],
    needed: dict[str, list[tuple[pl.DataFrame, bool]]],
    by_asset: Mapping[str, pl.DataFrame],
    own: Mapping[str, pl.DataFrame],
    only: bool,
    errors: dict[str, PlanError],
) -> dict[str, pl.DataFrame]:
    """The partitions of the group's assets that downstream steps need and that must run
    first, per asset; the first problem of each asset goes to ``errors``."""
    asked: list[str] = []
    demands: list[pl.DataFrame] = []
    for name in group:
        found = needed.pop(name, [])
        if not found:
            continue
        status = by_asset[name]
        if name in own and _runs_all_not_fresh(own[name], status):
            # Nothing to pull in (the common "everything due" plan): only check it is due.
            unsure = [demand for demand, listed in found if not listed]
            if unsure:
                demand = pl.concat(unsure)
                not_due = demand.filter(~pl.col("partition").is_in(status["partition"].implode()))
                if not_due.height:
                    errors.setdefault(name, _not_due(name, not_due))
            continue
        asked.append(name)
        demands.extend(demand for demand, _ in found)
    if not asked:
        return {}
    # Two lazy queries for the whole group, not two per asset.
    demand = pl.concat(demands, rechunk=False)
    known = pl.concat([by_asset[n][_KNOWN] for n in asked], rechunk=False).lazy()
    if demand.height * 8 < sum(by_asset[n].height for n in asked):
        # A few keys (a range): filter first, join the few.
        known = known.filter(pl.col("partition").is_in(demand["partition"].unique().implode()))
    found = (
        demand.lazy()
        .unique(subset=["asset", "partition"], keep="first", maintain_order=True)
        .join(known, on=["asset", "partition"], how="left", maintain_order="left")
        .collect()
    )
    if found["status"].null_count():
        absent = found.filter(pl.col("status").is_null())
        for (name,), rows in split_groups(absent, ["asset"]).items():
            errors.setdefault(name, _not_due(name, rows))
    pulled = found.lazy().filter(pl.col("status") != "fresh")
    steps = [own[n][["asset", "partition", "run"]] for n in asked if n in own]
    if steps:
        running = pl.concat(steps, rechunk=False).lazy().filter("run").drop("run")
        pulled = pulled.join(running, on=["asset", "partition"], how="anti", maintain_order="left")
    pulled = pulled.with_columns(run=pl.lit(True), requested=pl.lit(False)).collect()
    by_name = {name: rows for (name,), rows in split_groups(pulled, ["asset"]).items()}
    if only:
        for name, rows in by_name.items():
            errors.setdefault(name, _only_error(name, rows))
    return by_name


_KNOWN = ["asset", "partition", "status", "reason", "_order"]


def _only_error(name: str, pulled: pl.DataFrame) -> PlanError:
    down, key, q, st, why = pulled.select(
        "_down", "_down_partition", "partition", "status", "reason"
    ).row(0)
    return PlanError(
        f"--only: {down} {_shown(key)} needs upstream {name} {_shown(q)}, "
        f"which is {st} ({why}); drop --only to materialize it first",
        asset=down,
        partition=key,
    )


def _runs_all_not_fresh(own: pl.DataFrame, status: pl.DataFrame) -> bool:
    """True if the asset's own running steps include every partition that is not fresh."""
    running = (own["run"] & (own["status"] != "fresh")).sum()
    return running == (status["status"] != "fresh").sum()  # Series ops: no query to plan


def _not_due(name: str, not_due: pl.DataFrame) -> PlanError:
    down, key, q = not_due.select("_down", "_down_partition", "partition").row(0)
    return PlanError(
        f"cannot materialize {down} {_shown(key)}: upstream {name} {_shown(q)} is not due yet",
        asset=down,
        partition=key,
    )


def _shown(key: str) -> str:
    return "(unpartitioned)" if key == UNPARTITIONED else key
