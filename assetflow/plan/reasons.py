"""Why partitions of one asset are not fresh, one upstream (or the source check) at a time.

Each check answers in *aligned* form: a frame with one row per row of the asset's base frame
(its keys, in order) and four columns, ``reason`` (the first problem by upstream key, null if
none), ``_n`` (how many problems), ``_absent_reason`` (the first problem that is a missing or
not-due upstream partition) and ``_waiting`` (one of them cannot be built yet). The staleness
module coalesces these columns in rank order, which is the first problem by (rank, upstream
key) over all of them, without sorting or grouping the asset's problems as rows.

An identity upstream with the same keys answers with whole columns, no join; when it is fresh
and was read at today's versions (a large healthy warehouse) it answers None without building
anything. Other mappings list their problems as rows (the mapping's edge frame joined with the
upstream's status and the recorded versions) and group them per partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys, Window
from assetflow.define.partitions import UNPARTITIONED

PROBLEM_SCHEMA = {
    "partition": pl.String,
    "_up": pl.String,
    "reason": pl.String,
    "_absent": pl.Boolean,
    "_waiting": pl.Boolean,
}
ALIGNED = ("reason", "_n", "_absent_reason", "_waiting")


def committed_keys(status: pl.DataFrame) -> pl.Series:
    """The partitions of one asset's status frame that have committed data."""
    absent = status["data_version"].null_count()  # known without a scan
    if absent == 0:
        return status["partition"]
    if absent == status.height:
        return status["partition"].clear()
    return status.filter(pl.col("data_version").is_not_null())["partition"]


def align(problems: pl.DataFrame, keys: pl.Series) -> pl.DataFrame | None:
    """Problem rows (:data:`PROBLEM_SCHEMA`, any number per partition) in aligned form."""
    if not problems.height:
        return None
    first = (
        problems.sort("partition", "_up")
        .group_by("partition", maintain_order=True)
        .agg(
            pl.col("reason").first(),
            pl.len().alias("_n"),
            pl.col("reason").filter(pl.col("_absent")).first().alias("_absent_reason"),
            pl.col("_waiting").any(),
        )
    )
    found = (
        keys.rename("partition")
        .to_frame()
        .join(first, on="partition", how="left", maintain_order="left")
    )
    return found.select(ALIGNED)


@dataclass(frozen=True)
class IdentityCheck:
    """An identity upstream's check, still to be answered: one row per key with what the key
    recorded and the upstream's state. The staleness module answers the checks of many assets
    in one query (:func:`identity_reasons`): per asset, it cost ~1 ms of polars overhead."""

    expected: pl.DataFrame
    """``up_partition``, ``recorded_version``, ``up_status``, ``up_version``, ``up_waiting``."""
    up: str
    keep_reason: bool
    """False when no key has data: the status reads only ``_absent_reason``."""
    keep_absent: bool
    """False when every key has data: the status reads only ``reason``."""


def upstream_check(
    graph: AssetGraph,
    name: str,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    committed: bool | None = None,
    memo: EdgeMemo | None = None,
) -> pl.DataFrame | IdentityCheck | None:
    """Why partitions of ``name`` (``keys``) are not fresh because of upstream ``up``, aligned
    with ``keys``; None if no partition has a problem there. An identity upstream's answer is
    left to :func:`identity_reasons` (an :class:`IdentityCheck`), which answers many at once.

    ``committed`` True (every key has data) or False (none has) lets the identity path leave
    out the column the status will not read (``_absent_reason`` or ``reason``, left null);
    ``memo`` shares window edges between the assets of one status computation."""
    if type(graph.mappings[(name, up)]) is Identity:
        # Identity between equal definitions: each key reads its own key upstream, lined up
        # by comparison when both sides list the same keys (by a join when the upstream lists
        # more: statuses computed for what a request reads, ``plan/reads.py``).
        same = up_status["partition"].equals(keys)
        if same and _reads_fresh_as_recorded(keys, up_status, recorded):
            return None
        versions = _recorded_in_place(keys, recorded)
        if versions is not None:
            up_columns = up_status if same else _lined_up_status(keys, up_status)
            columns = [
                keys.rename("up_partition"),
                versions.rename("recorded_version"),
                *(up_columns[column].rename(alias) for column, alias in _UP_NAMES.items()),
            ]
            expected = pl.DataFrame(columns)
            return IdentityCheck(expected, up, committed is not False, committed is not True)
    memo = memo or EdgeMemo()
    if _window_reads_fresh(graph, name, up, keys, up_status, recorded, memo):
        return None
    return align(_problem_rows(graph, name, up, keys, up_status, recorded, memo), keys)


class EdgeMemo:
    """Edge frames of window mappings within one status computation or plan. Assets that read
    one upstream grid through the same window over the same keys (rolling metrics of one daily
    table) share one frame (~3 ms each at 3,650 keys); within a plan, an edge's frame for the
    same keys is built once for what a request reads (``plan/reads.py``), its statuses and its
    closure. Other mappings may read the upstream's committed keys, which differ per upstream,
    so their frames are not kept."""

    def __init__(self) -> None:
        self._found: dict[tuple, tuple[pl.Series, pl.DataFrame]] = {}
        self._rows: dict[int, tuple[pl.Series, pl.Series, pl.DataFrame]] = {}

    def edges(
        self, graph: AssetGraph, name: str, up: str, keys: pl.Series, committed: LazyKeys
    ) -> pl.DataFrame:
        mapping = graph.mappings[(name, up)]
        upstream = graph[up].partitions
        if type(mapping) is not Window:
            return mapping.edges(keys.to_list(), upstream, committed)
        memo_keys = ((name, up), (mapping, graph[name].partitions, upstream))
        for memo_key in memo_keys:
            found = self._found.get(memo_key)
            if found is not None and (found[0] is keys or found[0].equals(keys)):
                return found[1]
        edges = mapping.edges(keys.to_list(), upstream, committed)
        for memo_key in memo_keys:
            self._found[memo_key] = (keys, edges)
        return edges

    def up_rows(self, edges: pl.DataFrame, keys: pl.Series) -> pl.Series:
        """The row of each edge's upstream key among ``keys`` (null if not there): for an
        upstream whose status lists ``keys``, a gather instead of a join on strings; once per
        edge frame, not once per asset that reads through it."""
        found = self._rows.get(id(edges))
        if found is None or not (found[0] is keys or found[0].equals(keys)):
            rows = keys.rename("up_partition").to_frame().with_row_index("_at")
            at = edges.select("up_partition").join(
                rows, on="up_partition", how="left", maintain_order="left"
            )["_at"]
            found = (keys, at, edges)  # the frame kept alive: its id stays its own
            self._rows[id(edges)] = found
        return found[1]


def identity_reasons(checks: Sequence[IdentityCheck]) -> list[pl.DataFrame | None]:
    """The aligned reasons of each check (None where it finds nothing), in one query."""
    if not checks:
        return []
    heights = np.array([c.expected.height for c in checks])
    # The per-check constants as columns of the stacked frame, spread by numpy (a column per
    # check built in Python cost ~0.1 ms each).
    which = np.repeat(np.arange(len(checks)), heights)
    constants = [
        pl.Series("_up", [f"upstream {c.up}" for c in checks], dtype=pl.String).gather(which),
        pl.Series("_keep_reason", np.array([c.keep_reason for c in checks])[which]),
        pl.Series("_keep_absent", np.array([c.keep_absent for c in checks])[which]),
    ]
    stacked = pl.concat([c.expected for c in checks], rechunk=False).hstack(constants)
    label = (
        pl.when(pl.col("up_partition") == UNPARTITIONED)
        .then(pl.col("_up"))
        .otherwise(pl.format("{} {}", "_up", "up_partition"))
    )
    problem = pl.col("_p").is_not_null()
    found = (
        stacked.lazy()
        .with_columns(_p=_PROBLEM)
        .with_columns(_r=pl.format("{} {}", label, "_p"))  # formatted once, read twice
        .select(
            pl.when(pl.col("_keep_reason")).then(pl.col("_r")).alias("reason"),
            problem.cast(pl.UInt32).alias("_n"),
            pl.when(pl.col("_keep_absent") & (_NOT_DUE | _ABSENT))
            .then(pl.col("_r"))
            .alias("_absent_reason"),
            (problem & (_NOT_DUE | pl.col("up_waiting").fill_null(False))).alias("_waiting"),
        )
        .collect()
    )
    ends = np.cumsum(heights)
    counted = np.concatenate([[0], np.cumsum(found["_n"].to_numpy(), dtype=np.int64)])
    answers: list[pl.DataFrame | None] = []
    for start, end in zip(ends - heights, ends, strict=True):
        has = counted[end] > counted[start]
        answers.append(found.slice(int(start), int(end - start)) if has else None)
    return answers


NULL_STRING = pl.Series("recorded_version", [None], dtype=pl.String)
"""One null string: ``.new_from_index(0, n)`` makes a column of n nulls without a query."""
_UP_NAMES = {"status": "up_status", "data_version": "up_version", "_waiting": "up_waiting"}
_UP_COLUMNS = [pl.col(column).alias(alias) for column, alias in _UP_NAMES.items()]


def _lined_up_status(keys: pl.Series, up_status: pl.DataFrame) -> pl.DataFrame:
    """The upstream's status columns of each of ``keys`` (nulls where it lists none: not due)."""
    return (
        keys.rename("partition")
        .to_frame()
        .join(
            up_status.select("partition", *_UP_NAMES),
            on="partition",
            how="left",
            maintain_order="left",
        )
    )


def _reads_fresh_as_recorded(
    keys: pl.Series, up_status: pl.DataFrame, recorded: pl.DataFrame | None
) -> bool:
    """True if every partition read its own key of a fresh upstream at today's version, with
    nothing else recorded: compared column to column, no join."""
    return (
        recorded is not None
        and recorded.height == len(keys)
        and bool((up_status["status"] == "fresh").all())
        and recorded["partition"].equals(keys)
        and recorded["up_partition"].equals(keys)
        and recorded["recorded_version"].equals(up_status["data_version"], null_equal=False)
    )


def _window_reads_fresh(
    graph: AssetGraph,
    name: str,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    memo: EdgeMemo,
) -> bool:
    """True if a window upstream that lists ``keys`` is fresh and every partition read exactly
    its window at today's versions: compared by position, no problem rows to look for (the
    common case of a healthy warehouse)."""
    if type(graph.mappings[(name, up)]) is not Window or recorded is None:
        return False
    if not up_status["partition"].equals(keys) or not (up_status["status"] == "fresh").all():
        return False
    edges = memo.edges(graph, name, up, keys, LazyKeys(lambda: []))
    in_order = _same_edges(edges, recorded)
    if in_order is None:
        return False
    at = memo.up_rows(edges, keys)
    versions = up_status["data_version"].gather(at)
    return not at.null_count() and in_order.equals(versions, null_equal=False)


def _recorded_in_place(keys: pl.Series, recorded: pl.DataFrame | None) -> pl.Series | None:
    """The version each key recorded of its own upstream key, aligned with ``keys`` (null where
    none); None if other inputs were recorded too ("was removed" rows: the row path's job)."""
    if recorded is None:
        return NULL_STRING.new_from_index(0, len(keys))
    if recorded["partition"].equals(keys) and recorded["up_partition"].equals(keys):
        return recorded["recorded_version"]  # each key read its own key: compared, no query
    same = recorded.filter(pl.col("partition") == pl.col("up_partition"))
    if same.height < recorded.height:
        return None
    if same["partition"].equals(keys):
        return same["recorded_version"]
    found = (
        keys.rename("partition")
        .to_frame()
        .join(
            same.select("partition", "recorded_version"),
            on="partition",
            how="left",
            maintain_order="left",
        )
    )
    return found["recorded_version"] if found.height == len(keys) else None


def _label(up: str) -> pl.Expr:
    label = pl.when(pl.col("up_partition") == UNPARTITIONED).then(pl.lit(f"upstream {up}"))
    return label.otherwise(pl.format(f"upstream {up} {{}}", "up_partition"))


_NOT_DUE = pl.col("up_status").is_null()
_ABSENT = (pl.col("up_status") == "missing") | (
    (pl.col("up_status") == "failed") & pl.col("up_version").is_null()
)
_PROBLEM = (
    pl.when(_NOT_DUE)
    .then(pl.lit("is not due yet"))
    .when(pl.col("up_status") == "missing")
    .then(pl.lit("is missing"))
    .when(pl.col("up_status") == "failed")
    .then(pl.lit("failed"))
    .when(pl.col("up_status") == "stale")
    .then(pl.lit("is stale"))
    .when(pl.col("recorded_version").is_null())
    .then(pl.lit("was added"))
    .when(pl.col("recorded_version") != pl.col("up_version"))
    .then(pl.lit("changed"))
)


def _same_edges(edges: pl.DataFrame, recorded: pl.DataFrame) -> pl.Series | None:
    """The recorded versions in ``edges``' row order if the recorded inputs are exactly those
    edges, else None. Time mappings list edges in key order, as the catalog lists recorded
    inputs (``read_state``); otherwise sorting the recorded rows (~1 ms for 25,000) usually
    lines them up, where joining on two string keys costs ~5 ms."""
    if recorded.height != edges.height:
        return None
    if not _lined_up(recorded, edges):
        recorded = recorded.sort("partition", "up_partition")
        if not _lined_up(recorded, edges):
            return None
    return recorded["recorded_version"]


def _lined_up(recorded: pl.DataFrame, edges: pl.DataFrame) -> bool:
    return recorded["partition"].equals(edges["partition"]) and recorded["up_partition"].equals(
        edges["up_partition"]
    )


def _problem_rows(
    graph: AssetGraph,
    name: str,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    memo: EdgeMemo | None = None,
) -> pl.DataFrame:
    """One row per problem: every mapped upstream partition that is not fresh or not read at
    its current version, and every recorded input the mapping no longer reads."""
    committed = LazyKeys(lambda: committed_keys(up_status).to_list())
    memo = memo or EdgeMemo()
    edges = memo.edges(graph, name, up, keys, committed)
    at = None
    if type(graph.mappings[(name, up)]) is Window and up_status["partition"].equals(keys):
        at = memo.up_rows(edges, keys)  # lines up by position, before columns are added
    removed = None
    if recorded is None:
        edges = edges.hstack([NULL_STRING.new_from_index(0, edges.height)])
    else:
        recorded = recorded[["partition", "up_partition", "recorded_version"]]
        in_order = _same_edges(edges, recorded)
        if in_order is not None:
            edges = edges.hstack([in_order])
        else:
            matched = edges.join(recorded, on=["partition", "up_partition"], how="left")
            if matched.height - matched["recorded_version"].null_count() < recorded.height:
                removed = recorded.join(edges, on=["partition", "up_partition"], how="anti")
            edges, at = matched, None  # rows in the join's order: positions no longer hold
    if at is not None:
        expected = edges.hstack([up_status[c].gather(at).rename(a) for c, a in _UP_NAMES.items()])
    else:
        expected = edges.join(
            up_status.select(pl.col("partition").alias("up_partition"), *_UP_COLUMNS),
            on="up_partition",
            how="left",
        )
    found = expected.filter(_PROBLEM.is_not_null()).select(
        "partition",
        pl.col("up_partition").alias("_up"),
        pl.format("{} {}", _label(up), _PROBLEM).alias("reason"),
        (_NOT_DUE | _ABSENT).alias("_absent"),
        (_NOT_DUE | pl.col("up_waiting").fill_null(False)).alias("_waiting"),
    )
    if removed is None or not removed.height:
        return found
    gone = removed.select(
        "partition",
        pl.col("up_partition").alias("_up"),
        pl.format("{} was removed", _label(up)).alias("reason"),
        pl.lit(False).alias("_absent"),
        pl.lit(False).alias("_waiting"),
    )
    return pl.concat([found, gone])
