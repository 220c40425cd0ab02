"""A window upstream checked by position instead of by rows.

A rolling window lists ~7 edges per partition (25,000 at 3,650 days); the row path
(``plan/reasons.py``) joins them with the upstream's status, spells a reason for every problem
edge, sorts and groups them, and joins the groups back to the keys: ~10 ms per asset, most of a
status over an empty catalog. Here the edges' positions among the reader's keys and among the
keys the upstream's status lists (``plan/edges.py``, once per edge frame) line the upstream's
status up with a gather; the problem of each edge is a small integer, the first
one per partition falls out of the edges' order (by reader key, then upstream key, which is the
order the row path sorts them in), and a reason is spelled for that edge only.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from assetflow.define.mapping.rows import positions, take
from assetflow.plan.edges import EdgeMemo, same_edges
from assetflow.plan.problems import (
    ADDED_CODE,
    FAILED_CODE,
    MISSING_CODE,
    NEVER_PREFIX,
    NOT_DUE_CODE,
    NULL_STRING,
    ROW_PATH,
    WHAT,
    placed,
    state_codes,
    version_codes,
)


def window_by_position(
    edges: pl.DataFrame,
    up: str,
    keys: pl.Series,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    memo: EdgeMemo,
    committed: bool | None = None,
) -> pl.DataFrame | object | None:
    """The aligned reasons of upstream ``up`` read through ``edges`` (None if no problem), or
    :data:`ROW_PATH` when positions do not apply: the edges are not in reader then upstream key
    order, or other inputs were recorded. ``committed`` as
    for :func:`~assetflow.plan.reasons.upstream_check`: True or False leaves the column the
    status will not read null."""
    layout = memo.layout(edges, keys, up_status["partition"])
    if layout is None:
        return ROW_PATH
    versions = None
    if recorded is not None:
        versions = same_edges(edges, recorded)
        if versions is None:
            return ROW_PATH
    not_due, rows = layout.unlisted, layout.up
    state, no_data, waiting = _states(up_status)
    code = np.where(not_due, NOT_DUE_CODE, state[rows]).astype(np.int8)
    fresh = code < 0
    if fresh.any():
        code[fresh] = _fresh_codes(versions, up_status["data_version"], rows, fresh)
    problem = np.flatnonzero(code >= 0)
    if not problem.size:
        return None
    absent = not_due | (code == MISSING_CODE) | ((code == FAILED_CODE) & no_data[rows])
    waiting = not_due | waiting[rows]
    down = layout.down
    n = len(keys)
    counts = np.bincount(down[problem], minlength=n)
    blocked = np.bincount(down[problem[waiting[problem]]], minlength=n) > 0
    # Spelled only for the first problem of each key, and only what the status reads:
    # ``committed`` False (no key has data) reads the absent reasons, True the others.
    first = _firsts(problem, down) if committed is not False else None
    first_absent = _firsts(problem[absent[problem]], down) if committed is not True else None
    label = f"upstream {up}"
    said = positions(np.where(counts > 0, np.arange(n), -1))  # null where nothing is said
    return pl.DataFrame(
        [
            _spelled("reason", label, edges, code, first, down, n),
            take(pl.Series("_n", counts.astype(np.uint32)), said),
            _spelled("_absent_reason", label, edges, code, first_absent, down, n, NEVER_PREFIX),
            take(pl.Series("_waiting", blocked), said),
        ]
    )


def _spelled(
    name: str,
    label: str,
    edges: pl.DataFrame,
    code: np.ndarray,
    shown: np.ndarray | None,
    down: np.ndarray,
    n: int,
    prefix: str = "",
) -> pl.Series:
    """The reason of each of ``shown`` edges at its reader key's row (null elsewhere, and
    everywhere if None)."""
    if shown is None or not shown.size:
        return NULL_STRING.new_from_index(0, n).rename(name)
    parts = pl.DataFrame(
        [
            pl.Series("_label", [label], dtype=pl.String).new_from_index(0, shown.size),
            take(edges["up_partition"], shown).alias("_key"),
            take(WHAT, code[shown]).alias("_what"),
        ]
    )
    return placed(name, parts, down[shown], n, prefix)


def _fresh_codes(
    versions: pl.Series | None, up_versions: pl.Series, rows: np.ndarray, fresh: np.ndarray
) -> np.ndarray:
    """Codes of edges to a fresh upstream partition: added (nothing recorded), changed
    (another version recorded), or none."""
    if versions is None:
        return np.full(int(fresh.sum()), ADDED_CODE, np.int8)
    recorded = versions if fresh.all() else versions.filter(pl.Series(fresh))
    return version_codes(recorded, take(up_versions, rows[fresh]))


def _states(up_status: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per upstream row: its problem code, whether it has no data, whether it waits; one
    row (none, no, no) if none is listed (every edge's key is then not due: rows must index)."""
    if not up_status.height:
        return np.full(1, -1, np.int8), np.zeros(1, bool), np.zeros(1, bool)
    versions, waiting = up_status["data_version"], up_status["_waiting"]
    no_data = versions.is_null().to_numpy() if versions.null_count() else None
    if waiting.null_count():
        waiting = waiting.fill_null(False)
    n = up_status.height
    return (
        state_codes(up_status["status"]),
        np.zeros(n, bool) if no_data is None else no_data,
        waiting.to_numpy(),
    )


def _firsts(edges: np.ndarray, down: np.ndarray) -> np.ndarray:
    """The first of ``edges`` (ascending edge rows) of each reader key: edges are listed by
    reader key, so the first of a run of equal ``down`` rows."""
    if not edges.size:
        return edges
    owner = down[edges]
    return edges[np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])]
