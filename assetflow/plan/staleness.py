"""Status of every (asset, partition): ``missing``, ``stale``, ``failed`` or ``fresh``, and why.

A pure function of (graph, catalog state, as_of). It walks assets in topological order and, per
asset, works on whole columns: the asset's partitions are joined against the mapping's edge frame,
the upstream statuses and the upstream data versions recorded at the last materialization. Python
loops run over assets and upstream edges only, never over partition keys. Each check answers
with columns aligned to the asset's keys (``plan/reasons.py``), coalesced here in rank order.

Rules (DESIGN section 2):

- ``missing``: never committed. If a partition it maps to upstream is missing or not yet due,
  the reason names the first such upstream partition.
- ``stale``: committed, but its code version changed, or an upstream partition it maps to is
  missing, stale (transitively) or not due, or now has a different data version than the one
  read, or was added/removed since (e.g. a window or all-partitions mapping).
- ``failed``: would be missing or stale, and the latest attempt to build it failed (no success
  since): the reason names the run, the time and the error. Whether it has committed data
  (``data_version``) decides how downstream partitions see it: as stale, or as missing.
- ``fresh``: otherwise. Early cutoff falls out: a re-materialized upstream with the same data
  version leaves the recorded version equal, so the downstream stays fresh.
- Partitions that are not due yet are not listed (they are ``future``).

Because mappings answer with edge frames, staleness follows them exactly: changing upstream day
D makes stale the downstream partitions whose mapped upstream set contains D, and no others.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import numpy as np
import polars as pl

from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.mapping.rows import take
from assetflow.define.partitions import UNPARTITIONED
from assetflow.plan.assembly import Pending, assemble
from assetflow.plan.edges import EdgeMemo, rows_among
from assetflow.plan.identity import IdentityCheck
from assetflow.plan.problems import NULL_STRING
from assetflow.plan.reasons import align, upstream_check
from assetflow.plan.single_key import single_key_status
from assetflow.plan.source_status import source_reasons

STATUS_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "data_version": pl.String,
    "code_version": pl.String,
}


def asset_key_series(graph: AssetGraph, name: str, as_of: datetime) -> pl.Series:
    """The due keys of an asset as a String series."""
    definition = graph[name].partitions
    if definition is None:
        return pl.Series("partition", [UNPARTITIONED], dtype=pl.String)
    return definition.due_series(as_of).rename("partition")


def compute_status(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    only: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """One row per due or committed (asset, partition), in topological then key order.

    ``only`` (asset -> keys) computes just those partitions (of them, the due or committed
    ones; other committed partitions are left out). It must be closed upstream: with every
    upstream of a listed asset listed, with every key the listed keys map to (what ``asset
    why`` asks for and ``plan/reads.py`` computes), each listed partition gets exactly the
    status of a full run.
    """
    return status_frame(graph, state, as_of, only).select(list(STATUS_SCHEMA))


def status_frame(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    only: Mapping[str, pl.Series] | None = None,
) -> pl.DataFrame:
    """:func:`compute_status` plus ``_waiting``: True when a partition it needs (transitively)
    is not due yet, so it cannot be materialized now (the planner leaves it out unless asked)."""
    frames = [f for f in status_by_asset(graph, state, as_of, only).values() if f.height]
    if not frames:
        return pl.DataFrame(schema={**STATUS_SCHEMA, "_waiting": pl.Boolean})
    return pl.concat(frames)


def status_by_asset(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    only: Mapping[str, pl.Series] | None = None,
    memo: EdgeMemo | None = None,
) -> dict[str, pl.DataFrame]:
    """:func:`status_frame` per asset, in topological order (rows in key order); ``memo``
    shares window edges with the rest of a plan."""
    current, inputs = state.current, state.inputs
    if only is not None:
        # Only the committed rows and recorded inputs of the keys asked: other committed keys
        # would be listed, with statuses of a partial computation.
        asked = pl.concat([_tagged(name, keys) for name, keys in only.items()], rechunk=False)
        names = pl.Series("asset", sorted(only), dtype=pl.String)
        current, inputs = _among(current, asked, names), _among(inputs, asked, names)
    current = split_groups(current, ["asset"])
    inputs = split_groups(inputs, ["asset", "upstream"])
    observations = split_groups(state.observations, ["asset"])
    failures = split_groups(state.failures, ["asset"])
    per_asset: dict[str, pl.DataFrame] = {}
    memo = memo or EdgeMemo()
    levels = _levels(graph, only)
    due = None if only is None else _due_among(graph, [n for lv in levels for n in lv], as_of, only)
    positions: dict[str, np.ndarray] = {}
    for level in levels:
        found: dict[str, pl.DataFrame] = {}
        pending: list[Pending] = []
        for name in level:
            frame = None
            if only is None:  # every asset's statuses: the scalar rules can see all upstreams
                frame = single_key_status(graph, name, current.get((name,)), inputs, per_asset)
            if frame is not None:
                found[name] = frame
                continue
            if due is None:
                keys = asset_key_series(graph, name, as_of)
            else:
                keys, positions[name] = due[name]
            pending.append(
                _prepare(
                    graph, current, inputs, observations, keys, name, per_asset, memo, positions
                )
            )
        found.update(assemble(pending))
        for name, frame in found.items():
            failed = failures.get((name,))
            per_asset[name] = frame if failed is None else _with_failures(frame, failed)
    return {name: per_asset[name] for name in graph.order if name in per_asset}


def _levels(graph: AssetGraph, only: Mapping[str, pl.Series] | None) -> list[list[str]]:
    """The assets by topological level (each after all of its upstreams), in graph order
    within a level: the assets of one level are assembled together (``plan/assembly.py``)."""
    depth: dict[str, int] = {}
    levels: list[list[str]] = []
    for name in graph.order:
        depth[name] = 1 + max((depth[up] for up in graph[name].upstreams), default=-1)
        if only is not None and name not in only:
            continue
        while len(levels) <= depth[name]:
            levels.append([])
        levels[depth[name]].append(name)
    return levels


def _due_among(
    graph: AssetGraph, names: list[str], as_of: datetime, only: Mapping[str, pl.Series]
) -> dict[str, tuple[pl.Series, np.ndarray]]:
    """The due keys of each asset that are in ``only``, in key order, with their positions
    among the due keys of its partitions definition: the keys asked of every asset of one
    definition located among its due keys at once (``rows_among``: a binary search of sorted
    time keys), made distinct and ordered by numpy (a query that joined, deduplicated and
    sorted them cost ~0.2 s of a cron call's plan at 1,000 assets). Assets of one definition
    line their keys up by these positions (:func:`_rows_by_position`) instead of joining on
    strings."""
    groups: dict[int, list[str]] = {}
    for n in names:
        groups.setdefault(id(graph[n].partitions), []).append(n)
    found: dict[str, tuple[pl.Series, np.ndarray]] = {}
    for members in groups.values():
        due = asset_key_series(graph, members[0], as_of)
        sizes = [len(only[n]) for n in members]
        asked = pl.concat([_NO_KEYS, *(only[n] for n in members)], rechunk=False)
        at = rows_among(due, asked)
        rank = np.repeat(np.arange(len(members), dtype=np.int64), sizes)
        listed = at >= 0
        # (asset, position) pairs as one integer, sorted (by asset, then key order) and made
        # distinct by neighbours: ``np.unique`` hashes integers in numpy 2.4 (~40x slower).
        pairs = np.sort(rank[listed] * max(len(due), 1) + at[listed])
        first = np.ones(pairs.size, bool)
        first[1:] = pairs[1:] != pairs[:-1]
        pairs = pairs[first]
        which, at = np.divmod(pairs, max(len(due), 1))
        counts = np.bincount(which, minlength=len(members))
        starts = np.cumsum(counts) - counts
        keys = take(due, at)
        for n, start, count in zip(members, starts, counts, strict=True):
            found[n] = (keys.slice(int(start), int(count)), at[start : start + count])
    return found


_NO_KEYS = pl.Series("partition", [], dtype=pl.String)


def _rows_by_position(own: np.ndarray | None, up: np.ndarray | None) -> np.ndarray | None:
    """The row of each of an asset's keys among its upstream's, from their due positions
    (both ascending, of one definition); None if unknown or if one is not listed there."""
    if own is None or up is None:
        return None
    rows = np.searchsorted(up, own)
    if rows.size and (rows[-1] >= up.size or not np.array_equal(up[rows], own)):
        return None
    return rows


def _tagged(name: str, keys: pl.Series) -> pl.DataFrame:
    tag = pl.Series("asset", [name], dtype=pl.String).new_from_index(0, len(keys))
    return pl.DataFrame([tag, keys.rename("partition")])


def _among(rows: pl.DataFrame, asked: pl.DataFrame, names: pl.Series) -> pl.DataFrame:
    """The rows whose (asset, partition) is asked. The catalog lists rows by asset
    (``read_state``): then the asked assets' rows are slices found by binary search, so a
    request of a few assets does not scan a large catalog (~0.2 s at 11M rows; the check
    that the column is sorted costs a tenth of that). Rows of no asked key are then dropped
    by one string column, which is cheaper than joining millions of rows on two."""
    column = rows["asset"]
    if rows.height and column.is_sorted():
        lo = column.search_sorted(names, side="left").to_list()
        hi = column.search_sorted(names, side="right").to_list()
        cut = [rows.slice(a, b - a) for a, b in zip(lo, hi, strict=True) if b > a]
        rows = pl.concat(cut) if cut else rows.clear()
    wanted = asked["partition"].unique().implode()
    on = ["asset", "partition"]
    return (
        rows.lazy()
        .filter(pl.col("partition").is_in(wanted))
        .join(asked.lazy(), on=on, how="semi", maintain_order="left")
        .collect()
    )


def _with_failures(frame: pl.DataFrame, failed: pl.DataFrame) -> pl.DataFrame:
    """Missing or stale partitions whose latest attempt failed become ``failed``."""
    why = failed.select(
        "partition",
        pl.format(
            "last attempt failed in run {} at {}: {}",
            "run_id",
            pl.col("failed_at").dt.strftime("%Y-%m-%d %H:%M:%S"),
            pl.col("error").fill_null("unknown error").str.split("\n").list.first(),
        ).alias("_failure"),
    )
    joined = frame.join(why, on="partition", how="left", maintain_order="left")
    hit = pl.col("_failure").is_not_null() & (pl.col("status") != "fresh")
    return joined.with_columns(
        status=pl.when(hit).then(pl.lit("failed")).otherwise("status"),
        reason=pl.when(hit).then("_failure").otherwise("reason"),
    ).drop("_failure")


def split_groups(frame: pl.DataFrame, by: list[str]) -> dict[tuple[str, ...], pl.DataFrame]:
    """``frame`` per distinct ``by`` values. Zero-copy slices when each group is one run of rows
    (the catalog and most callers list rows grouped): hashing millions of string keys into
    copies (``partition_by``) was a third of the planner's time at 3.65M partitions."""
    if not frame.height:
        return {}
    change = pl.any_horizontal(*(pl.col(c) != pl.col(c).shift() for c in by)).fill_null(True)
    starts = frame.select(pl.arg_where(change)).to_series().to_list()
    names = frame.select(by).gather(starts).rows()
    if len(set(names)) < len(names):  # a group in several runs
        return frame.partition_by(by, as_dict=True, maintain_order=True)
    ends = [*starts[1:], frame.height]
    return {
        name: frame.slice(lo, hi - lo) for name, lo, hi in zip(names, starts, ends, strict=True)
    }


def _prepare(
    graph: AssetGraph,
    current: dict[tuple[str, ...], pl.DataFrame],
    inputs: dict[tuple[str, ...], pl.DataFrame],
    observations: dict[tuple[str, ...], pl.DataFrame],
    keys: pl.Series,
    name: str,
    done: dict[str, pl.DataFrame],
    memo: EdgeMemo | None = None,
    positions: dict[str, np.ndarray] | None = None,
) -> Pending:
    """The asset's base frame (its keys, committed versions and codes) and its checks.
    ``positions``: the due positions of the keys each asset's status lists (of a request's
    statuses, ``_due_among``); an asset whose base gains committed keys that are not due
    leaves it."""
    positions = {} if positions is None else positions
    asset = graph[name]
    committed = current.get((name,))
    base = pl.DataFrame({"partition": keys})
    code_changed = False
    if committed is None:
        n = len(keys)
        base = base.hstack(  # columns, not a query
            [
                NULL_STRING.new_from_index(0, n).rename("data_version"),
                NULL_STRING.new_from_index(0, n).rename("recorded_code"),
            ]
        )
    else:
        committed = pl.DataFrame(  # columns, not a query (each query costs ~0.1 ms)
            [
                committed["partition"],
                committed["data_version"],
                committed["code_version"].rename("recorded_code"),
            ]
        )
        if committed["partition"].equals(keys):  # all committed, same order: no join needed
            base = committed
        else:
            base = base.join(committed, on="partition", how="left", maintain_order="left")
        found = base.height - base["data_version"].null_count()
        if found < committed.height:  # committed keys that are not due (any more)
            extra = committed.join(base, on="partition", how="anti").sort("partition")
            base = pl.concat([base, extra])
            keys = base["partition"]
            positions.pop(name, None)
        code_changed = _other_code(committed["recorded_code"], asset.code_versions)
    # Each check in aligned form (``plan/reasons.py``), in rank order: the code version, the
    # source's observation, then the upstreams in declaration order.
    checks: list[pl.DataFrame | IdentityCheck | None] = []
    if code_changed:
        checks.append(_code_reasons(base, asset.code_versions, asset.code_version))
    if asset.is_source:
        found = source_reasons(name, observations.get((name,)), inputs.get((name, name)))
        checks.append(align(found, keys))
    absent = base["data_version"].null_count()
    committed = True if absent == 0 else False if absent == base.height else None
    for up in asset.upstreams:
        recorded = inputs.get((name, up))
        rows = None
        if asset.partitions is graph[up].partitions:  # one definition: one position scale
            rows = _rows_by_position(positions.get(name), positions.get(up))
        found = upstream_check(graph, name, up, keys, done[up], recorded, committed, memo, rows)
        checks.append(found)
    return Pending(name, asset.code_version, base, [c for c in checks if c is not None])


def _other_code(recorded: pl.Series, known: Collection[str]) -> bool:
    """True if a partition was built by a code version not in ``known``. Usually one version
    built them all: its min and max answer that without hashing every key (~0.75 ms)."""
    low, high = recorded.min(), recorded.max()
    if low is None or (low == high and low in known):
        return False
    return not set(recorded.drop_nulls().unique().to_list()) <= set(known)


def _code_reasons(base: pl.DataFrame, known: Collection[str], code_version: str) -> pl.DataFrame:
    """Aligned reasons: committed partitions built by a code version that is not current."""
    changed = pl.col("recorded_code").is_not_null() & ~pl.col("recorded_code").is_in(list(known))
    return base.select(
        pl.when(changed)
        .then(pl.format("code version {} -> {}", "recorded_code", pl.lit(code_version)))
        .alias("reason"),
        changed.cast(pl.UInt32).alias("_n"),
        pl.lit(None, pl.String).alias("_absent_reason"),
        pl.lit(False).alias("_waiting"),
    )
