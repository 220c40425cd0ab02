"""Status of an unpartitioned asset over unpartitioned upstreams, by plain Python.

The columnar rules in :mod:`.staleness` cost ~15 polars queries per asset whatever its size; for
an asset with one key, over upstreams with one key each, that is all the time there is (a
1,000-asset graph of unpartitioned assets took ~7 s). This module applies the same rules to that
one row with scalars and answers None whenever the asset is not of that simple shape (a source,
other committed keys, other recorded inputs, a mapping other than identity or all-partitions),
leaving it to the columnar path. ``tests/plan/test_single_key_status.py`` checks both paths give
the same rows.
"""

from __future__ import annotations

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import AllPartitions, Identity
from assetflow.define.partitions import UNPARTITIONED

_FRAME_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "status": pl.String,
    "reason": pl.String,
    "data_version": pl.String,
    "code_version": pl.String,
    "_waiting": pl.Boolean,
}
_ONE_KEY_MAPPINGS = (Identity, AllPartitions)


def single_key_status(
    graph: AssetGraph,
    name: str,
    committed: pl.DataFrame | None,
    inputs: dict[tuple[str, ...], pl.DataFrame],
    done: dict[str, pl.DataFrame],
) -> pl.DataFrame | None:
    """The status frame of ``name`` (one row), or None if it is not of the simple shape."""
    asset = graph[name]
    if asset.partitions is not None or asset.is_source:
        return None
    data_version = recorded_code = None
    if committed is not None:
        if committed.height != 1 or committed["partition"][0] != UNPARTITIONED:
            return None
        data_version = committed["data_version"][0]
        recorded_code = committed["code_version"][0]
    problems: list[tuple[str, bool, bool]] = []  # (reason, absent, waiting) in rank order
    if recorded_code is not None and recorded_code not in asset.code_versions:
        problems.append((f"code version {recorded_code} -> {asset.code_version}", False, False))
    for up in asset.upstreams:
        found = _upstream_problem(graph, name, up, done[up], inputs.get((name, up)))
        if found is False:
            return None
        if found is not None:
            problems.append(found)
    never = data_version is None
    status, reason, waiting = ("missing", "never materialized", False)
    if not never:
        status, reason = "fresh", ""
    if problems:
        first, n = problems[0][0], len(problems)
        absent = next((p[0] for p in problems if p[1]), None)
        waiting = any(p[2] for p in problems)
        if never:
            reason = f"never materialized; {absent}" if absent is not None else reason
        else:
            status, reason = "stale", f"{first} (+{n - 1} more)" if n > 1 else first
    row = {
        "asset": [name],
        "partition": [UNPARTITIONED],
        "status": [status],
        "reason": [reason],
        "data_version": [data_version],
        "code_version": [asset.code_version],
        "_waiting": [waiting],
    }
    return pl.DataFrame(row, schema=_FRAME_SCHEMA)


def _upstream_problem(
    graph: AssetGraph,
    name: str,
    up: str,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
) -> tuple[str, bool, bool] | bool | None:
    """``(reason, absent, waiting)`` for upstream ``up``, None if it is fine, False if this is
    not the one-key shape (the columnar path decides then)."""
    if graph[up].partitions is not None:
        return False
    if type(graph.mappings[(name, up)]) not in _ONE_KEY_MAPPINGS:
        return False
    if up_status.height != 1 or up_status["partition"][0] != UNPARTITIONED:
        return False
    recorded_version = None
    if recorded is not None and recorded.height:
        if recorded.height != 1 or (recorded["partition"][0], recorded["up_partition"][0]) != (
            UNPARTITIONED,
            UNPARTITIONED,
        ):
            return False  # other recorded inputs: "was removed" rows, the columnar path's job
        recorded_version = recorded["recorded_version"][0]
    up_state = up_status["status"][0]
    up_version = up_status["data_version"][0]
    up_waiting = bool(up_status["_waiting"][0])
    if up_state == "missing":
        problem = "is missing"
    elif up_state == "failed":
        problem = "failed"
    elif up_state == "stale":
        problem = "is stale"
    elif recorded_version is None:
        problem = "was added"
    elif up_version is not None and recorded_version != up_version:
        problem = "changed"
    else:
        return None
    absent = up_state == "missing" or (up_state == "failed" and up_version is None)
    return f"upstream {up} {problem}", absent, up_waiting
