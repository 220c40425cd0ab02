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
need, located by row position in the upstream's status frame (a binary search of its sorted
keys; numpy finds the first read of each row), so a backfill of hundreds of thousands of
partitions is array work per asset, not a loop over keys or a join on strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys
from assetflow.define.mapping.rows import take
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PlanError
from assetflow.plan.edges import EdgeMemo, rows_among
from assetflow.plan.reasons import committed_keys

COLUMNS = ["asset", "partition", "status", "reason", "run", "requested", "_order"]


@dataclass(frozen=True)
class _Demand:
    """What the running steps of one reader read of one upstream, edge by edge."""

    down: str
    down_keys: pl.Series
    keys: pl.Series
    """The upstream key of each edge."""
    rows: np.ndarray | None
    """The row of each of ``keys`` in the upstream's status frame (-1 where it lists none: not
    due), when known (an identity between equal key lists: the reader's own rows; the edges of
    other mappings)."""


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
        by_asset: each asset's status frame with an ``_order`` column (its row number, key
            order), at least of every requested asset and every partition the request reads.
        wanted: per asset, its requested rows (status columns plus ``run`` and ``requested``).
        only: refuse (PlanError) instead of adding an upstream partition that is not fresh.
        memo: window edges already built for the same keys (``plan/reasons.py``).
    """
    memo = memo or EdgeMemo()
    # Per upstream, in the order the readers push them: the partitions running steps read.
    needed: dict[str, list[_Demand]] = {}
    planned: dict[str, pl.DataFrame] = {}
    errors: dict[str, PlanError] = {}
    for group in _heights(graph, by_asset):
        for name in group:
            own = wanted[name][COLUMNS] if name in wanted else None
            status = by_asset[name]
            pulled = _pulled(name, needed.pop(name, []), status, own, only, errors)
            if pulled is None:
                if own is None:
                    continue
                steps = own
            else:
                steps = _with_pulled(status, own, pulled)
            planned[name] = steps
            run = steps["run"]
            # Often every step runs: a sum answers that without a filter (~0.2 ms an asset).
            every = run.sum() == len(run)
            running = steps["partition"] if every else steps["partition"].filter(run)
            if len(running):
                rows = steps["_order"] if every else steps["_order"].filter(run)
                _demand(graph, name, running, rows.to_numpy(), by_asset, needed, memo)
    if errors:  # the one a walk in reverse topological order meets first
        first = next(n for n in reversed(graph.order) if n in errors)
        raise errors[first]
    return planned


def _heights(graph: AssetGraph, by_asset: Mapping[str, pl.DataFrame]) -> list[list[str]]:
    """The assets with a status frame by height (0: nothing downstream reads them), each list
    in reverse topological order: an asset's demand is complete once every lower height is
    done, and this order fixes which reader's demand comes first (the error it names)."""
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
    rows: np.ndarray,
    by_asset: Mapping[str, pl.DataFrame],
    needed: dict[str, list[_Demand]],
    memo: EdgeMemo,
) -> None:
    """Push the partitions ``name`` runs (at ``rows`` of its status) through each upstream
    mapping: the edges only, no frame (a frame per edge cost ~0.2 ms, 1,000s of times)."""
    for up in graph[name].upstreams:
        mapping = graph.mappings[(name, up)]
        if type(mapping) is Identity:  # the same keys: no need to list them in Python
            same = by_asset[up]["partition"].equals(by_asset[name]["partition"])
            demand = _Demand(name, running, running, rows if same else None)
        else:
            committed = LazyKeys(lambda s=by_asset[up]: committed_keys(s).to_list())
            edges = memo.edges(graph, name, up, running, committed)
            # Where each edge's key sits in the upstream's statuses: a window's statuses found
            # it already when the reader runs the keys its statuses list (a range, a backfill).
            at = memo.up_positions(edges, by_asset[up]["partition"])
            demand = _Demand(name, edges["partition"], edges["up_partition"], at)
        needed.setdefault(up, []).append(demand)


def _pulled(
    name: str,
    demands: list[_Demand],
    status: pl.DataFrame,
    own: pl.DataFrame | None,
    only: bool,
    errors: dict[str, PlanError],
) -> np.ndarray | None:
    """The rows of ``name``'s status that downstream steps read and that must run first (in
    the order they are first read), None if none; its first problem goes to ``errors``: a
    partition read that its status does not list (not due), else with ``only`` the first
    that would be pulled. By row positions in its status frame, not joins on strings."""
    if not demands:
        return None
    keys = status["partition"]
    if own is not None and _runs_all_not_fresh(own, status):
        # Nothing to pull in (the common "everything due" plan): only check it is due, by one
        # hash lookup of what is read (a binary search of 25,000 window edges cost more).
        unsure = [d for d in demands if d.rows is None]
        found = iter(())
        if unsure:
            listed = pl.concat([d.keys for d in unsure]).is_in(keys.implode()).to_numpy()
            found = iter(_split(listed, unsure))
        known = [next(found) if d.rows is None else d.rows >= 0 for d in demands]
        _first_unlisted(name, demands, known, errors)
        return None
    found = [d.rows if d.rows is not None else rows_among(keys, d.keys) for d in demands]
    _first_unlisted(name, demands, [rows >= 0 for rows in found], errors)
    rows = np.concatenate(found)
    _, first = np.unique(rows, return_index=True)  # the first read of each row, in read order
    first = np.sort(first[rows[first] >= 0])
    pull = (status["status"] != "fresh").to_numpy()
    if own is not None:
        pull[own["_order"].filter(own["run"]).to_numpy()] = False  # requested, running already
    first = first[pull[rows[first]]]
    if not first.size:
        return None
    if only:
        # ``rows`` is the demands' reads one after another: find whose read came first.
        starts = np.cumsum([0, *(len(r) for r in found)])
        which = int(np.searchsorted(starts, first[0], side="right")) - 1
        d, at = demands[which], int(first[0] - starts[which])
        errors.setdefault(name, _only_error(d.down, d.down_keys[at], status, int(rows[first[0]])))
    return rows[first]


def _split(values: np.ndarray, demands: list[_Demand]) -> list[np.ndarray]:
    return np.split(values, np.cumsum([len(d.keys) for d in demands])[:-1])


def _first_unlisted(
    name: str, demands: list[_Demand], listed: list[np.ndarray], errors: dict[str, PlanError]
) -> None:
    """The first partition read (in the order read) that ``name``'s status does not list: it
    is not due yet, so nothing that reads it can be planned."""
    for d, found in zip(demands, listed, strict=True):
        unlisted = np.flatnonzero(~found)
        if unlisted.size:
            i = int(unlisted[0])
            errors.setdefault(name, _not_due(d.down, d.down_keys[i], name, d.keys[i]))
            return


def _with_pulled(
    status: pl.DataFrame, own: pl.DataFrame | None, pulled: np.ndarray
) -> pl.DataFrame:
    """The asset's steps: its requested rows (``own``) and the ``pulled`` rows of its status
    (run, not requested): in key order, or in the order they are first read if none is
    requested. Columns gathered from the status frame by row (a concat and a sort of frames
    cost ~0.3 ms an asset)."""
    run = np.ones(pulled.size, bool)
    requested = np.zeros(pulled.size, bool)
    if own is not None:
        rows = np.concatenate([own["_order"].to_numpy(), pulled])
        order = np.argsort(rows, kind="stable")
        pulled = rows[order]
        run = np.concatenate([own["run"].to_numpy(), run])[order]
        requested = np.concatenate([own["requested"].to_numpy(), requested])[order]
    rows = pl.Series(pulled.astype(np.uint32))
    columns = [take(status[c], rows) for c in ("asset", "partition", "status", "reason")]
    flags = [pl.Series("run", run), pl.Series("requested", requested)]
    return pl.DataFrame([*columns, *flags, take(status["_order"], rows)])


def _only_error(down: str, key: str, status: pl.DataFrame, row: int) -> PlanError:
    name, q, st, why = status.select("asset", "partition", "status", "reason").row(row)
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


def _not_due(down: str, key: str, name: str, q: str) -> PlanError:
    return PlanError(
        f"cannot materialize {down} {_shown(key)}: upstream {name} {_shown(q)} is not due yet",
        asset=down,
        partition=key,
    )


def _shown(key: str) -> str:
    return "(unpartitioned)" if key == UNPARTITIONED else key
