"""Why partitions of one asset are not fresh, one upstream (or the source check) at a time.

Each check answers in *aligned* form: a frame with one row per row of the asset's base frame
(its keys, in order) and four columns, ``reason`` (the first problem by upstream key, null if
none), ``_n`` (how many problems), ``_absent_reason`` (the first problem that is a missing or
not-due upstream partition, as a partition without data shows it: ``never materialized; ...``)
and ``_waiting`` (one of them cannot be built yet). The staleness
module coalesces these columns in rank order, which is the first problem by (rank, upstream
key) over all of them, without sorting or grouping the asset's problems as rows.

An identity upstream answers with whole columns (``plan/identity.py``). Other mappings list
their problems as rows (the mapping's edge frame joined with the upstream's status and the
recorded versions) and group them per partition; reasons are spelled after grouping, for the
first problem of each partition only (``plan/problems.py``).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity, LazyKeys, Window
from assetflow.define.mapping.rows import take
from assetflow.plan.edges import EdgeMemo, same_edges
from assetflow.plan.identity import IdentityCheck, identity_check, identity_reasons
from assetflow.plan.problems import (
    ABSENT,
    ALIGNED,
    NEVER_PREFIX,
    NOT_DUE,
    NULL_STRING,
    PROBLEM_CODE,
    ROW_PATH,
    UP_NAMES,
    WHAT,
    spelled,
)
from assetflow.plan.window_reasons import window_by_position

__all__ = [  # the identity check's names are re-exported: callers ask this module for checks
    "ALIGNED",
    "PROBLEM_SCHEMA",
    "EdgeMemo",
    "IdentityCheck",
    "align",
    "committed_keys",
    "identity_reasons",
    "upstream_check",
]

PROBLEM_SCHEMA = {
    "partition": pl.String,
    "_up": pl.String,
    "_label": pl.String,
    "_what": pl.String,
    "_absent": pl.Boolean,
    "_waiting": pl.Boolean,
}
"""Problem rows: the partition, the upstream key (``_up``, the order problems are told in), the
upstream's label (``upstream u``) and the problem (``is missing``). The reason string is spelled
by :func:`align` for the first problem of each partition only (a rolling window lists ~7 per
partition). A source's rows carry a ready ``reason`` instead of ``_label`` and ``_what``."""


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
    absent = pl.col("_absent")
    if "reason" in problems.columns:  # spelled already (a source's few rows)
        firsts = [
            pl.col("reason").first(),
            pl.col("reason").filter(absent).first().alias("_absent_what"),
        ]
        reason = pl.col("reason")
        absent_reason = pl.concat_str(pl.lit(NEVER_PREFIX), "_absent_what")
    else:
        firsts = [
            pl.col("_up", "_label", "_what").first(),
            pl.col("_up").filter(absent).first().alias("_absent_up"),
            pl.col("_label").filter(absent).first().alias("_absent_label"),
            pl.col("_what").filter(absent).first().alias("_absent_what"),
        ]
        reason = spelled(pl.col("_label"), pl.col("_up"), pl.col("_what"))
        absent_reason = spelled(
            pl.col("_absent_label"), pl.col("_absent_up"), pl.col("_absent_what"), NEVER_PREFIX
        )
    first = (
        problems.lazy()
        .sort("partition", "_up")
        .group_by("partition", maintain_order=True)
        .agg(*firsts, pl.len().alias("_n"), pl.col("_waiting").any())
        .select(
            "partition",
            reason.alias("reason"),
            "_n",
            absent_reason.alias("_absent_reason"),
            "_waiting",
        )
    )
    found = (
        keys.rename("partition")
        .to_frame()
        .lazy()
        .join(first, on="partition", how="left", maintain_order="left")
        .select(ALIGNED)
        .collect()
    )
    return found


def upstream_check(
    graph: AssetGraph,
    name: str,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    committed: bool | None = None,
    memo: EdgeMemo | None = None,
    rows: np.ndarray | None = None,
) -> pl.DataFrame | IdentityCheck | None:
    """Why partitions of ``name`` (``keys``) are not fresh because of upstream ``up``, aligned
    with ``keys``; None if no partition has a problem there. An identity upstream's answer is
    left to :func:`identity_reasons` (an :class:`IdentityCheck`), which answers many at once.

    ``committed`` True (every key has data) or False (none has) lets the identity path leave
    out the column the status will not read (``_absent_reason`` or ``reason``, left null);
    ``memo`` shares window edges between the assets of one status computation; ``rows``
    (if known) is the row of each key among ``up_status``'s, for an identity upstream."""
    if type(graph.mappings[(name, up)]) is Identity:
        found = identity_check(keys, up, up_status, recorded, committed, rows)
        if found is not ROW_PATH:
            return found  # type: ignore[return-value]
    memo = memo or EdgeMemo()
    if _window_reads_fresh(graph, name, up, keys, up_status, recorded, memo):
        return None
    if type(graph.mappings[(name, up)]) is Window:
        edges = memo.edges(graph, name, up, keys, LazyKeys(lambda: []))
        found = window_by_position(edges, up, keys, up_status, recorded, memo, committed)
        if found is not ROW_PATH:
            return found  # type: ignore[return-value]
    return align(_problem_rows(graph, name, up, keys, up_status, recorded, memo), keys)


_UP_COLUMNS = [pl.col(column).alias(alias) for column, alias in UP_NAMES.items()]


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
    in_order = same_edges(edges, recorded)
    if in_order is None:
        return False
    at = memo.up_rows(edges, keys)
    if at.null_count():
        return False
    return in_order.equals(take(up_status["data_version"], at), null_equal=False)


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
        in_order = same_edges(edges, recorded)
        if in_order is not None:
            edges = edges.hstack([in_order])
        else:
            matched = edges.join(recorded, on=["partition", "up_partition"], how="left")
            if matched.height - matched["recorded_version"].null_count() < recorded.height:
                removed = recorded.join(edges, on=["partition", "up_partition"], how="anti")
            edges, at = matched, None  # rows in the join's order: positions no longer hold
    if at is not None:
        expected = edges.hstack([take(up_status[c], at).rename(a) for c, a in UP_NAMES.items()])
    else:
        expected = edges.join(
            up_status.select(pl.col("partition").alias("up_partition"), *_UP_COLUMNS),
            on="up_partition",
            how="left",
        )
    label = pl.lit(f"upstream {up}")
    coded = expected.with_columns(PROBLEM_CODE.alias("_code")).filter(pl.col("_code") >= 0)
    found = coded.select(
        "partition",
        pl.col("up_partition").alias("_up"),
        label.alias("_label"),
        take(WHAT, coded["_code"]).alias("_what"),
        (NOT_DUE | ABSENT).alias("_absent"),
        (NOT_DUE | pl.col("up_waiting").fill_null(False)).alias("_waiting"),
    )
    if removed is None or not removed.height:
        return found
    gone = removed.select(
        "partition",
        pl.col("up_partition").alias("_up"),
        label.alias("_label"),
        pl.lit("was removed").alias("_what"),
        pl.lit(False).alias("_absent"),
        pl.lit(False).alias("_waiting"),
    )
    return pl.concat([found, gone])
