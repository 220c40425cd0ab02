"""Status of every (asset, partition): ``missing``, ``stale``, ``failed`` or ``fresh``, and why.

A pure function of (graph, catalog state, as_of). It walks assets in topological order and, per
asset, works on whole columns: the asset's partitions are joined against the mapping's edge frame,
the upstream statuses and the upstream data versions recorded at the last materialization. Python
loops run over assets and upstream edges only, never over partition keys.

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

from collections.abc import Collection, Iterator, Mapping
from datetime import datetime

import polars as pl

from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import Identity
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
_REASON_SCHEMA = {
    "partition": pl.String,
    "_rank": pl.Int32,
    "_up": pl.String,
    "reason": pl.String,
    "_absent": pl.Boolean,
    "_waiting": pl.Boolean,
}


def asset_keys(graph: AssetGraph, name: str, as_of: datetime) -> list[str]:
    """The due keys of an asset (the single implicit key when unpartitioned)."""
    return asset_key_series(graph, name, as_of).to_list()


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

    ``only`` (asset -> keys) computes just those partitions. It must be closed upstream: with
    every upstream of a listed asset listed, with every key the listed keys map to (what
    ``asset why`` asks for), each listed partition gets exactly the status of a full run.
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
) -> dict[str, pl.DataFrame]:
    """:func:`status_frame` per asset, in topological order (rows in key order)."""
    current = _split(state.current, ["asset"])
    inputs = _split(state.inputs, ["asset", "upstream"])
    observations = _split(state.observations, ["asset"])
    failures = _split(state.failures, ["asset"])
    per_asset: dict[str, pl.DataFrame] = {}
    for name in graph.order:
        if only is not None and name not in only:
            continue
        keys = asset_key_series(graph, name, as_of)
        if only is not None:
            keys = keys.filter(keys.is_in(only[name].implode()))
        frame = _asset_status(graph, current, inputs, observations, keys, name, per_asset)
        failed = failures.get((name,))
        per_asset[name] = frame if failed is None else _with_failures(frame, failed)
    return per_asset


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


def _split(frame: pl.DataFrame, by: list[str]) -> dict[tuple[str, ...], pl.DataFrame]:
    if not frame.height:
        return {}
    return frame.partition_by(by, as_dict=True, maintain_order=True)


def _asset_status(
    graph: AssetGraph,
    current: dict[tuple[str, ...], pl.DataFrame],
    inputs: dict[tuple[str, ...], pl.DataFrame],
    observations: dict[tuple[str, ...], pl.DataFrame],
    keys: pl.Series,
    name: str,
    done: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    asset = graph[name]
    committed = current.get((name,))
    base = pl.DataFrame({"partition": keys})
    if committed is None:
        base = base.with_columns(
            data_version=pl.lit(None, pl.String), recorded_code=pl.lit(None, pl.String)
        )
    else:
        committed = committed.select(
            "partition", "data_version", pl.col("code_version").alias("recorded_code")
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
    problems = [
        base.filter(
            pl.col("recorded_code").is_not_null()
            & ~pl.col("recorded_code").is_in(list(asset.code_versions))
        ).select(
            "partition",
            pl.lit(0, pl.Int32).alias("_rank"),
            pl.lit("", pl.String).alias("_up"),
            pl.format("code version {} -> {}", "recorded_code", pl.lit(asset.code_version)).alias(
                "reason"
            ),
            pl.lit(False).alias("_absent"),
            pl.lit(False).alias("_waiting"),
        )
    ]
    if asset.is_source:
        problems.append(source_reasons(name, observations.get((name,)), inputs.get((name, name))))
    for rank, up in enumerate(asset.upstreams, start=1):
        recorded = inputs.get((name, up))
        problems.append(_upstream_reasons(graph, name, up, keys, done[up], recorded, rank))
    problems = [p for p in problems if p.height]
    never = pl.col("data_version").is_null()
    columns = [
        pl.lit(name).alias("asset"),
        "partition",
        pl.when(never).then(pl.lit("missing")).otherwise(pl.lit("fresh")).alias("status"),
        pl.when(never).then(pl.lit("never materialized")).otherwise(pl.lit("")).alias("reason"),
        "data_version",
        pl.lit(asset.code_version).alias("code_version"),
        pl.lit(False).alias("_waiting"),
    ]
    if not problems:  # the common case: nothing to explain
        return base.select(columns)
    first = (
        pl.concat(problems)
        .sort("partition", "_rank", "_up")
        .group_by("partition", maintain_order=True)
        .agg(
            pl.col("reason").first(),
            pl.len().alias("_n"),
            pl.col("reason").filter(pl.col("_absent")).first().alias("_absent_reason"),
            pl.col("_waiting").any(),
        )
    )
    return (
        base.join(first, on="partition", how="left", maintain_order="left")
        .with_columns(
            status=pl.when(never)
            .then(pl.lit("missing"))
            .when(pl.col("reason").is_not_null())
            .then(pl.lit("stale"))
            .otherwise(pl.lit("fresh")),
            reason=pl.when(never & pl.col("_absent_reason").is_not_null())
            .then(pl.format("never materialized; {}", "_absent_reason"))
            .when(never)
            .then(pl.lit("never materialized"))
            .when(pl.col("_n") > 1)
            .then(pl.format("{} (+{} more)", "reason", pl.col("_n") - 1))
            .otherwise(pl.col("reason").fill_null("")),
            _waiting=pl.col("_waiting").fill_null(False),
        )
        .select(columns[0], "partition", "status", "reason", *columns[4:6], "_waiting")
    )


def committed_keys(status: pl.DataFrame) -> pl.Series:
    """The partitions of one asset's status frame that have committed data."""
    return status.filter(pl.col("data_version").is_not_null())["partition"]


class _CommittedKeys(Collection[str]):
    """An upstream's committed keys, listed only if a mapping asks (all-partitions ones do)."""

    def __init__(self, status: pl.DataFrame) -> None:
        self._status = status
        self._keys: list[str] | None = None

    def _list(self) -> list[str]:
        if self._keys is None:
            self._keys = committed_keys(self._status).to_list()
        return self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._list())

    def __len__(self) -> int:
        return len(self._list())

    def __contains__(self, key: object) -> bool:
        return key in self._list()


def _upstream_reasons(
    graph: AssetGraph,
    name: str,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    rank: int,
) -> pl.DataFrame:
    """Why partitions of ``name`` are not fresh because of upstream ``up`` (one row a problem)."""
    mapping = graph.mappings[(name, up)]
    up_columns = [
        pl.col("status").alias("up_status"),
        pl.col("data_version").alias("up_version"),
        pl.col("_waiting").alias("up_waiting"),
    ]
    # Identity between equal definitions: both sides list the same keys in the same order, so
    # the edge frame is the upstream status itself and the recorded inputs join on one key.
    aligned = type(mapping) is Identity and up_status["partition"].equals(keys)
    if aligned:
        edges = pl.DataFrame({"partition": keys, "up_partition": keys})
        expected = edges.hstack(up_status.select(up_columns))
    else:
        edges = mapping.edges(keys.to_list(), graph[up].partitions, _CommittedKeys(up_status))
        expected = edges.join(
            up_status.select(pl.col("partition").alias("up_partition"), *up_columns),
            on="up_partition",
            how="left",
        )
    removed = None
    if recorded is None:
        expected = expected.with_columns(recorded_version=pl.lit(None, pl.String))
    else:
        recorded = recorded.select("partition", "up_partition", "recorded_version")
        if aligned:
            same = recorded.filter(pl.col("partition") == pl.col("up_partition"))
            expected = expected.join(
                same.select("partition", "recorded_version"), on="partition", how="left"
            )
        else:
            expected = expected.join(recorded, on=["partition", "up_partition"], how="left")
        if expected.height - expected["recorded_version"].null_count() < recorded.height:
            removed = recorded.join(edges, on=["partition", "up_partition"], how="anti")
    label = pl.when(pl.col("up_partition") == UNPARTITIONED).then(pl.lit(f"upstream {up}"))
    label = label.otherwise(pl.format(f"upstream {up} {{}}", "up_partition"))
    not_due = pl.col("up_status").is_null()
    absent = (pl.col("up_status") == "missing") | (
        (pl.col("up_status") == "failed") & pl.col("up_version").is_null()
    )
    problem = (
        pl.when(not_due)
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
    found = expected.filter(problem.is_not_null()).select(
        "partition",
        pl.lit(rank, pl.Int32).alias("_rank"),
        pl.col("up_partition").alias("_up"),
        pl.format("{} {}", label, problem).alias("reason"),
        (not_due | absent).alias("_absent"),
        (not_due | pl.col("up_waiting").fill_null(False)).alias("_waiting"),
    )
    if removed is None or not removed.height:
        return found
    gone = removed.select(
        "partition",
        pl.lit(rank, pl.Int32).alias("_rank"),
        pl.col("up_partition").alias("_up"),
        pl.format("{} was removed", label).alias("reason"),
        pl.lit(False).alias("_absent"),
        pl.lit(False).alias("_waiting"),
    )
    return pl.concat([found, gone])
