"""A run's timeline: every attempt on a time axis, retries and failures marked, the critical path.

Queries the published snapshot for the attempts of one run (a running attempt has no end yet)
and works on them as columns: the text Gantt bins attempts into character columns with polars,
so a 365,000-task backfill folds into one line per asset without a Python object per task.

The **critical path** is the chain of tasks that decided when the run ended: start at the task
that finished last and repeatedly step to the upstream task (through the partition mappings)
that finished last before it; what remains between one task's start and its upstream's end is
time spent waiting for a worker.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import LazyKeys
from assetflow.observe.snapshot import Snapshot

SPAN_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "attempt": pl.Int32,
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "state": pl.String,
}
"""One row per attempt (``end`` null while it runs); ``state`` is how the attempt ended."""

PATH_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "seconds": pl.Float64,
    "waited": pl.Float64,
}
"""The critical path, first task first; ``waited``: seconds between its upstream's end and
its start (queued for a worker)."""

_SPANS_SQL = """
select asset, partition, attempt, started_at as start, finished_at as "end", status as state
from assetflow.attempts where run_id = $1
order by start
"""
# Of a running run, also the attempt each running task is in: a 'running' event and no
# attempts row yet.
_RUNNING_SQL = """
select e.asset, e.partition, e.attempt, e.event_at as start, null as "end", 'running' as state
from assetflow.task_events e
join (select * from assetflow.task_states where run_id = $1) s using (run_id, asset, partition)
where e.run_id = $1 and e.status = 'running' and s.status in ('running', 'retrying')
  and e.attempt = s.attempts
  and not exists (select 1 from assetflow.attempts a
                  where a.run_id = e.run_id and a.asset = e.asset
                    and a.partition = e.partition and a.attempt = e.attempt)
"""

MARKS = {
    "wait": ".",
    "succeeded": "=",
    "retried": "+",
    "cancelled": "c",
    "running": "~",
    "failed": "x",
}
"""Text Gantt characters, least to most important: a column shows the most important."""
LEGEND = (
    "= succeeded  + succeeded after a retry  x failed attempt  ~ running  "
    ". waiting to retry  c cancelled  * on the critical path"
)
_RANK = {name: i for i, name in enumerate(MARKS)}


def run_spans(snap: Snapshot, run_id: str, *, live: bool = False) -> pl.DataFrame:
    """Every attempt of a run (:data:`SPAN_SCHEMA`), by start time; ``live``: the run is
    still running (its running attempts have no end yet)."""
    frames = [
        snap.sql(q, [run_id]) for q in ((_SPANS_SQL, _RUNNING_SQL) if live else (_SPANS_SQL,))
    ]
    frames = [f.cast(SPAN_SCHEMA) for f in frames if f.height]
    return pl.concat(frames).sort("start") if frames else pl.DataFrame(schema=SPAN_SCHEMA)


def critical_path(graph: AssetGraph, spans: pl.DataFrame) -> pl.DataFrame:
    """The chain of tasks that ended the run last (:data:`PATH_SCHEMA`), first task first.

    ``spans`` are the run's attempts (:func:`run_spans`); a task runs from its first attempt's
    start to its last attempt's end. Tasks of assets the graph does not know are left out.
    """
    done = (
        spans.filter(pl.col("asset").is_in(list(graph.assets)))
        .group_by("asset", "partition")
        .agg(started_at=pl.col("start").min(), finished_at=pl.col("end").max())
        .filter(pl.col("finished_at").is_not_null())
    )
    if not done.height:
        return pl.DataFrame(schema=PATH_SCHEMA)
    row = done.sort("finished_at", "asset", "partition").row(-1, named=True)
    by_asset = done.partition_by("asset", as_dict=True)
    chain = [row]
    while len(chain) <= len(graph):
        previous = _gating_upstream(graph, by_asset, chain[-1])
        if previous is None:
            break
        chain.append(previous)
    chain.reverse()
    frame = pl.DataFrame(
        [(c["asset"], c["partition"], c["started_at"], c["finished_at"]) for c in chain],
        schema=list(PATH_SCHEMA)[:4],
        orient="row",
    ).cast({k: v for k, v in PATH_SCHEMA.items() if k in ("started_at", "finished_at")})
    return frame.with_columns(
        seconds=(pl.col("finished_at") - pl.col("started_at")).dt.total_microseconds() / 1e6,
        waited=(pl.col("started_at") - pl.col("finished_at").shift(1)).dt.total_microseconds()
        / 1e6,
    ).cast(PATH_SCHEMA)


def _gating_upstream(
    graph: AssetGraph, by_asset: dict[tuple, pl.DataFrame], task: dict
) -> dict | None:
    """Of the upstream tasks ``task`` read in this run, the one that finished last."""
    best = None
    for up in graph[task["asset"]].upstreams:
        ran = by_asset.get((up,))
        if ran is None:
            continue
        mapping = graph.mappings[(task["asset"], up)]
        ran_keys = LazyKeys(ran["partition"].to_list)  # what an all-partitions mapping reads
        keys = mapping.edges([task["partition"]], graph[up].partitions, ran_keys)
        found = ran.filter(
            pl.col("partition").is_in(keys["up_partition"].implode())
            & (pl.col("finished_at") <= task["started_at"])
        )
        if found.height:
            last = found.sort("finished_at").row(-1, named=True)
            if best is None or last["finished_at"] > best["finished_at"]:
                best = last
    return best


def gantt_rows(
    spans: pl.DataFrame, now: datetime, *, width: int, fold: bool
) -> tuple[pl.DataFrame, datetime, datetime]:
    """One Gantt line per task (or per asset when ``fold``): its label and its bar of
    ``width`` characters; and the time the axis starts and ends."""
    t0 = spans["start"].min()
    t1 = max(spans["end"].max() or t0, now if spans["end"].null_count() else t0)
    total = max((t1 - t0).total_seconds(), 1e-6)  # type: ignore[operator]
    key = ["asset"] if fold else ["asset", "partition"]

    def column(moment: pl.Expr) -> pl.Expr:
        offset = (moment - pl.lit(t0)).dt.total_microseconds() / 1e6
        return (offset / total * width).floor().clip(0, width - 1).cast(pl.Int64)

    retried = (pl.col("state") == "succeeded") & (pl.col("attempt") > 1)
    marks = spans.with_columns(
        mark=pl.when(retried).then(pl.lit("retried")).otherwise(pl.col("state")),
        end=pl.col("end").fill_null(pl.lit(now)),
    )
    # Between two attempts of one task it waited for its retry delay (few tasks have two).
    later = marks.filter(pl.col("attempt") > 1)
    waits = later.join(
        marks.select(
            "asset",
            "partition",
            (pl.col("attempt") + 1).alias("attempt"),
            pl.col("end").alias("wait_from"),
        ),
        on=["asset", "partition", "attempt"],
    ).select(
        *key,
        pl.col("wait_from").alias("start"),
        pl.col("start").alias("end"),
        pl.lit("wait").alias("mark"),
    )
    parts = pl.concat([marks.select(*key, "start", "end", "mark"), waits])
    cells = (
        parts.with_columns(
            rank=pl.col("mark").replace_strict(
                _RANK, default=_RANK["failed"], return_dtype=pl.Int8
            ),
            col=pl.int_ranges(column(pl.col("start")), column(pl.col("end")) + 1),
        )
        .explode("col")
        .group_by(*key, "col")
        .agg(pl.col("rank").max())
    )
    order = spans.group_by(key).agg(
        first=pl.col("start").min(),
        tasks=pl.col("partition").n_unique(),
        attempts=pl.len(),
        failed=(pl.col("state") == "failed").sum(),
    )
    chars = list(MARKS.values())
    bars = cells.group_by(key).agg(pl.col("col"), pl.col("rank"))
    lines = []
    for row in bars.iter_rows(named=True):
        line = [" "] * width
        for c, r in zip(row["col"], row["rank"], strict=True):
            line[c] = chars[r]
        lines.append((*(row[k] for k in key), "".join(line)))
    bar_frame = pl.DataFrame(lines, schema=[*key, "bar"], orient="row")
    rows = order.join(bar_frame, on=key, how="left").sort("first", *key)
    return rows, t0, t1  # type: ignore[return-value]
