"""Convergence: what must also run so that one run leaves its request fresh.

The make-like closure runs what is missing or stale *now*. But a run changes partitions, and a
partition that reads a changed one is stale right after the run: an unpartitioned ``summary``
over every day of ``totals`` while a backfill adds days; with ``--force``, the days after a
rebuilt range that a 3-day window reads, and everything over those. So:

1. **Forward**, in topological order: the partitions the run changes are its running steps plus,
   transitively, every *committed* partition that reads a changed one (a missing partition that
   does not run stays missing: nothing that reads what exists sees it). Mappings answer in bulk,
   from the upstream side; those that read what exists (all partitions) are asked with the
   committed keys plus those the run changes.
2. **Backward**, in reverse order: of those, the ones that must run are the requested ones and,
   transitively, those a running step reads (unless ``--only``: then only requested ones).

Assets neither requested nor upstream of a requested one are left alone (``asset materialize
events`` does not rebuild ``summary``). At execution time the runner still skips a step whose
inputs turn out identical (early cutoff), so this costs nothing when nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys
from assetflow.define.partitions import UNPARTITIONED

_KEYS = {"partition": pl.String}
_NO_REASON = pl.Series("reason", [None], dtype=pl.String)


def must_also_run(
    graph: AssetGraph,
    steps: Mapping[str, pl.DataFrame],
    *,
    committed: Callable[[str], pl.Series],
    pull_upstream: bool = True,
) -> dict[str, pl.DataFrame]:
    """Per asset, partitions that must run too, with why (``partition``, ``reason``).

    Args:
        steps: per asset, its planned steps (``partition``, ``run``, ``requested`` columns).
        committed: an asset's committed partition keys.
        pull_upstream: also add partitions that are not requested (False for ``--only``).
    """
    # Series filters, not a query per asset (~0.5 ms each, 1,000 times where nothing runs).
    running = {n: f["partition"].filter(f["run"]).to_frame() for n, f in steps.items()}
    if not any(r.height for r in running.values()):
        return {}
    relevant = _requested_and_upstream(graph, steps)
    known: dict[str, pl.Series] = {}

    def committed_keys(asset: str) -> pl.Series:
        if asset not in known:
            known[asset] = committed(asset)
        return known[asset]

    empty = pl.DataFrame(schema=_KEYS)
    changed: dict[str, pl.DataFrame] = {}
    pending: dict[str, pl.DataFrame] = {}  # changed, not running yet
    for name in (n for n in graph.order if n in relevant):
        own = running.get(name, empty)
        changed[name] = _changed(graph, name, own, changed, committed_keys)
        found = changed[name]
        # Null reasons are the running partitions: a null count answers "none other" for free.
        if found["reason"].null_count() == found.height:
            pending[name] = found.clear()
        else:
            pending[name] = found.filter(pl.col("reason").is_not_null())
    extra: dict[str, pl.DataFrame] = {}
    demanded: dict[str, list[pl.DataFrame]] = {}
    for name in (n for n in reversed(graph.order) if n in relevant):
        final = running.get(name, empty)
        if pending[name].height:
            frame = steps.get(name)
            wanted = [] if frame is None else [frame.filter("requested").select("partition")]
            if pull_upstream:
                wanted += demanded.get(name, [])
            add = pending[name].join(pl.concat([empty, *wanted]), on="partition", how="semi")
            if add.height:
                extra[name] = add
                final = pl.concat([final, add.select("partition")])
        for up in graph[name].upstreams:
            up_pending = pending[up]
            if not final.height or not up_pending.height:
                continue  # nothing upstream that does not run already
            mapping = graph.mappings[(name, up)]
            if type(mapping) is Identity:  # reads its own keys: no need to list them
                read = final.select("partition").unique()
            else:
                universe = _universe(committed_keys(up), changed[up]["partition"])
                edges = mapping.edges(final["partition"].to_list(), graph[up].partitions, universe)
                read = edges.select(pl.col("up_partition").alias("partition")).unique()
            demanded.setdefault(up, []).append(
                up_pending.join(read, on="partition", how="semi").select("partition")
            )
    return extra


def _universe(committed: pl.Series, changed: pl.Series) -> LazyKeys:
    """An upstream's committed keys plus those the run changes, as a set only if a mapping
    asks (all-partitions ones do); building sets of every key per edge was most of the time."""
    return LazyKeys(lambda: set(committed) | set(changed))


def _requested_and_upstream(graph: AssetGraph, steps: Mapping[str, pl.DataFrame]) -> set[str]:
    found = {n for n, f in steps.items() if f["requested"].any()}
    todo = list(found)
    while todo:
        for up in graph[todo.pop()].upstreams:
            if up not in found:
                found.add(up)
                todo.append(up)
    return found


def _changed(
    graph: AssetGraph,
    name: str,
    own: pl.DataFrame,
    changed: Mapping[str, pl.DataFrame],
    committed: Callable[[str], pl.Series],
) -> pl.DataFrame:
    """Partitions of ``name`` the run changes: its running ones (null reason) and committed ones
    that read a changed upstream partition (the first such partition as the reason)."""
    # Columns built directly and one lazy query for the reasons: most assets have little to say
    # here, and the fixed cost of each eager query (~0.1-0.2 ms) was most of this pass's time.
    own = own.hstack([_NO_REASON.new_from_index(0, own.height)])
    ups = [(rank, up) for rank, up in enumerate(graph[name].upstreams) if changed[up].height]
    if not ups:
        return own
    kept = committed(name)
    if not len(kept):
        return own  # nothing committed that could read a changed partition
    # The committed partitions that do not run: Series filters, not a join (~0.3 ms an asset),
    # listed only if a mapping other than identity asks.
    running = set(own["partition"].to_list())
    stays: list[str] | None = None
    hits = []
    for rank, up in ups:
        up_keys = changed[up]["partition"]
        mapping = graph.mappings[(name, up)]
        if type(mapping) is Identity:  # reads its own keys: no need to list them
            # Usually every changed key runs here too (it is stale along the identity): a set
            # difference answers that without a polars query (~0.25 ms each, 1,000s of times).
            others = [key for key in up_keys.to_list() if key not in running]
            if not others:
                continue
            read = pl.Series("partition", others, dtype=pl.String)
            read = read.filter(read.is_in(kept.implode()))
            edges = pl.DataFrame({"partition": read, "up_partition": read})
        else:
            if stays is None:
                stays = [key for key in kept.to_list() if key not in running]
            edges = mapping.inverse_edges(
                up_keys.to_list(),
                stays,
                graph[up].partitions,
                _universe(committed(up), up_keys),
            )
        if edges.height:
            tags = [pl.Series("_rank", [rank], dtype=pl.Int32), pl.Series("_up", [up])]
            hits.append(edges.hstack([t.new_from_index(0, edges.height) for t in tags]))
    if not hits:
        return own
    label = (
        pl.when(pl.col("up_partition") == UNPARTITIONED)
        .then(pl.format("upstream {}", "_up"))
        .otherwise(pl.format("upstream {} {}", "_up", "up_partition"))
    )
    why = (
        pl.concat(hits)
        .lazy()
        .sort("_rank", "up_partition")
        .group_by("partition", maintain_order=True)
        .agg(label.first().alias("_what"), pl.len().alias("_n"))
        .select(
            "partition",
            pl.when(pl.col("_n") > 1)
            .then(pl.format("{} changes in this run (+{} more)", "_what", pl.col("_n") - 1))
            .otherwise(pl.format("{} changes in this run", "_what"))
            .alias("reason"),
        )
        .collect()
    )
    return pl.concat([own, why])
