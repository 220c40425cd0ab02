"""Every partition's status from the published snapshot, computed once per snapshot.

The status of 365,000 partitions is the planner's work (about a second on a loaded 2-core
machine, ``docs/benchmarks.md``), and a notebook or the web UI asks for it again and again
while nothing changed. So the result is kept per (warehouse, snapshot, as-of minute, graph):
asking again before a writer publishes costs nothing. A run's tasks that are running right
now come from one small query (:func:`running_tasks`), not from the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from pathlib import Path

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.observe.snapshot import Snapshot
from assetflow.plan.staleness import compute_status

KEEP = 2
"""Status frames kept (the current snapshot's and the one before, for a reader mid-switch)."""

_cache: OrderedDict[tuple, pl.DataFrame] = OrderedDict()
_lock = threading.Lock()

# Latest task of every (asset, partition) of the runs that are running now.
_RUNNING_SQL = """
select asset, partition from assetflow.task_states
where run_id in (select run_id from assetflow.runs where status = 'running')
  and status in ('running', 'retrying')
"""


def graph_key(graph: AssetGraph) -> tuple:
    """What of the graph statuses depend on: names, code versions, partitions, mappings."""
    return tuple(
        (
            a.name,
            a.code_versions,
            a.partitions.describe() if a.partitions else "",
            tuple((up, graph.mappings[(a.name, up)].describe()) for up in a.upstreams),
        )
        for a in graph
    )


def all_statuses(graph: AssetGraph, snap: Snapshot, root: Path, as_of: datetime) -> pl.DataFrame:
    """``asset, partition, status, reason, data_version, code_version`` for every due or
    committed partition (see :func:`assetflow.plan.staleness.compute_status`)."""
    key = (str(root.resolve()), snap.tag, as_of.replace(second=0, microsecond=0), graph_key(graph))
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    frame = compute_status(graph, snap.state(), as_of)
    with _lock:
        _cache[key] = frame
        while len(_cache) > KEEP:
            _cache.popitem(last=False)
    return frame


def running_tasks(snap: Snapshot) -> pl.DataFrame:
    """``asset, partition`` of every task a running run is working on (or retrying) now."""
    empty = pl.DataFrame(schema={"asset": pl.String, "partition": pl.String})
    if not snap.has("task_events"):
        return empty
    found = snap.sql(_RUNNING_SQL)
    return found if found.height else empty
