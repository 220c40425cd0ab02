"""What a request reads: per asset, the keys its partitions map to upstream, transitively.

A plan of a few partitions (a week's range, a tick's keys) needs the statuses of those
partitions and of everything they read, not of every partition of every asset: at 1,000 daily
assets over ten years, computing all 3.65M statuses cost more than the rest of a range plan
together. The planner computes statuses for this set only (``compute_status(only=...)``); the set
is closed upstream, so each of its partitions gets the status a full computation gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys, Window
from assetflow.plan.edges import EdgeMemo

_KEYS = pl.Series("partition", [], dtype=pl.String)
_FEW = 512
"""Up to this many keys asked of an asset, they are made distinct in Python: a concat and a
``unique`` cost ~0.15 ms an asset in query overhead, a dict of a few dozen keys ~10 µs."""


def read_closure(
    graph: AssetGraph,
    targets: Mapping[str, pl.Series],
    committed: Callable[[str], pl.Series],
    memo: EdgeMemo | None = None,
) -> dict[str, pl.Series]:
    """Per asset, its target keys and every upstream key they read, transitively, as each
    mapping's edges say; every upstream of a listed asset is listed (with no keys if none is
    read). ``committed`` gives an asset's committed keys, for the mappings that read what
    exists (all partitions). ``memo`` keeps the window edges for the statuses and the closure
    of the same keys: the keys of an asset that reads through a window are sorted, which for
    canonical time keys is the key order its statuses list them in (a memo only answers for
    equal keys, so any other order is safe, merely not shared)."""
    memo = memo or EdgeMemo()
    demand = {name: [keys] for name, keys in targets.items()}
    found: dict[str, pl.Series] = {}
    for name in reversed(graph.order):  # downstream first: every reader of an asset comes first
        if name not in demand:
            continue
        asked = demand.pop(name)
        keys = _distinct(asked)
        if any(type(graph.mappings[(name, up)]) is Window for up in graph[name].upstreams):
            keys = keys.sort()  # the order its statuses list them in: shares window edges
        found[name] = keys
        for up in graph[name].upstreams:
            reads = demand.setdefault(up, [])
            if not len(keys):
                continue
            mapping = graph.mappings[(name, up)]
            if type(mapping) is Identity:  # the same keys: no need to list them
                reads.append(keys)
                continue
            upstream = LazyKeys(lambda up=up: committed(up).to_list())
            edges = memo.edges(graph, name, up, keys, upstream)
            reads.append(edges["up_partition"])
    return found


def _distinct(asked: list[pl.Series]) -> pl.Series:
    """The keys of ``asked``, each once, in the order first asked."""
    if sum(len(keys) for keys in asked) <= _FEW:
        found = dict.fromkeys(key for keys in asked for key in keys.to_list())
        return pl.Series("partition", list(found), dtype=pl.String)
    return pl.concat([_KEYS, *asked]).unique(maintain_order=True).rename("partition")
