"""An identity upstream's check: each key reads its own key upstream, answered as columns.

Between equal definitions a key's upstream partition is the key itself, so the check lines the
upstream's status and the versions the key recorded up with the asset's keys (by comparison
when both list the same keys, by a join when the upstream lists more: statuses computed for
what a request reads, ``plan/reads.py``) and answers without grouping problem rows. When the
upstream is fresh and was read at today's versions (a large healthy warehouse) it answers
nothing without building anything. The checks of a topological level are answered together
(:func:`identity_reasons`): per asset, a query cost ~1 ms of polars overhead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from assetflow.define.mapping.rows import positions, take
from assetflow.plan.edges import rows_among
from assetflow.plan.problems import (
    ABSENT,
    NEVER_PREFIX,
    NOT_DUE,
    NULL_STRING,
    PROBLEM_CODE,
    ROW_PATH,
    UP_NAMES,
    WHAT,
    placed,
)


@dataclass(frozen=True)
class IdentityCheck:
    """An identity upstream's check, still to be answered: one row per key with what the key
    recorded and the upstream's state."""

    expected: pl.DataFrame
    """``up_partition``, ``recorded_version``, ``up_status``, ``up_version``, ``up_waiting``."""
    up: str
    keep_reason: bool
    """False when no key has data: the status reads only ``_absent_reason``."""
    keep_absent: bool
    """False when every key has data: the status reads only ``reason``."""


def identity_check(
    keys: pl.Series,
    up: str,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    committed: bool | None,
    rows: np.ndarray | None = None,
) -> IdentityCheck | object | None:
    """The check of identity upstream ``up`` for ``keys``: None if every key read its own
    fresh upstream key at today's version, :data:`ROW_PATH` if other inputs were recorded.
    The upstream's status is lined up with ``keys`` by position: ``rows``, the row of each key
    among ``up_status``'s (-1 where it lists none) if known, else found by ``rows_among``."""
    same = up_status["partition"].equals(keys)
    versions, each_own = _recorded_in_place(keys, recorded)
    if same and each_own and _fresh_as_recorded(versions, up_status):  # type: ignore[arg-type]
        return None
    if versions is None:
        return ROW_PATH
    if same:
        up_columns = up_status
    else:
        if rows is None:
            rows = rows_among(up_status["partition"], keys)
        at = positions(rows)  # null where the upstream lists no such key (not due)
        up_columns = {column: take(up_status[column], at) for column in UP_NAMES}
    columns = [
        keys.rename("up_partition"),
        versions.rename("recorded_version"),
        *(up_columns[column].rename(alias) for column, alias in UP_NAMES.items()),
    ]
    return IdentityCheck(pl.DataFrame(columns), up, committed is not False, committed is not True)


@dataclass(frozen=True)
class Before:
    """What the checks of the same asset ranked before an identity check say: a status shows
    the first reason by rank, so where one of them has a reason this check's is not spelled."""

    previous: int | None
    """The index of the asset's previous identity check among those answered together."""
    reason: np.ndarray | None
    """Rows where a check between the two (not an identity one) has a reason."""
    absent: np.ndarray | None
    """Rows where such a check has an absent reason."""


def identity_reasons(
    checks: Sequence[IdentityCheck], before: Sequence[Before] | None = None
) -> list[pl.DataFrame | None]:
    """The aligned reasons of each check (None where it finds nothing), in one query. Reasons
    are spelled for the rows with a problem only, and only where a check reads them
    (``keep_reason``, ``keep_absent``): a level of assets with no data spells only the "never
    materialized; ..." ones, a level with data only the others. With ``before`` (per check),
    not where a check of its asset ranked before it has one (left null: the status shows
    the first; an asset's two missing upstreams spelled every key twice)."""
    if not checks:
        return []
    heights = np.array([c.expected.height for c in checks])
    stacked = pl.concat([c.expected for c in checks], rechunk=False)
    found = stacked.select(
        PROBLEM_CODE.alias("_code"),
        (NOT_DUE | ABSENT).alias("_absent"),
        (NOT_DUE | pl.col("up_waiting").fill_null(False)).alias("_blocked"),
    )
    code = found["_code"].to_numpy()
    problem = code >= 0
    # The per-check constants spread over the rows by numpy (a column per check built in
    # Python cost ~0.1 ms each).
    which = np.repeat(np.arange(len(checks)), heights)
    labels = pl.Series("_label", [f"upstream {c.up}" for c in checks], dtype=pl.String)
    n = stacked.height

    def spelled(name: str, shown: np.ndarray, prefix: str = "") -> pl.Series:
        if not shown.any():
            return NULL_STRING.new_from_index(0, n).rename(name)
        rows = np.flatnonzero(shown)
        key = stacked["up_partition"].alias("_key")
        if rows.size < n:  # a Series filter: a fraction of a gather, or of a frame's query
            key = key.filter(pl.Series(shown))
        parts = pl.DataFrame([take(labels, which[rows]), key, take(WHAT, code[rows])])
        return placed(name, parts, rows, n, prefix)

    keep_reason = np.array([c.keep_reason for c in checks])[which]
    keep_absent = np.array([c.keep_absent for c in checks])[which]
    absent = found["_absent"].to_numpy()
    ends = np.cumsum(heights)
    reason, absent_reason = keep_reason & problem, keep_absent & absent & problem
    if before is not None:
        _unshadowed(reason, absent_reason, before, ends - heights, ends)
    answered = pl.DataFrame(
        [
            spelled("reason", reason),
            pl.Series("_n", problem.astype(np.uint32)),
            spelled("_absent_reason", absent_reason, NEVER_PREFIX),
            pl.Series("_waiting", problem & found["_blocked"].to_numpy()),
        ]
    )
    answers: list[pl.DataFrame | None] = []
    for start, end in zip(ends - heights, ends, strict=True):
        has = problem[start:end].any()  # a slice's any: a cumulative sum cost ~10x more
        answers.append(answered.slice(int(start), int(end - start)) if has else None)
    return answers


def _unshadowed(
    reason: np.ndarray,
    absent: np.ndarray,
    before: Sequence[Before],
    starts: np.ndarray,
    ends: np.ndarray,
) -> None:
    """Clear (in place) the rows of each check where a check ranked before it has a reason
    (or an absent reason): what it would spell is never shown."""
    taken: list[tuple[np.ndarray | None, np.ndarray | None]] = []
    for i, b in enumerate(before):
        here = slice(int(starts[i]), int(ends[i]))
        took_reason, took_absent = b.reason, b.absent
        if b.previous is not None:  # that check's rows, and what was taken before it
            prev = slice(int(starts[b.previous]), int(ends[b.previous]))
            prev_reason, prev_absent = taken[b.previous]
            took_reason = _union(took_reason, prev_reason, reason[prev])
            took_absent = _union(took_absent, prev_absent, absent[prev])
        taken.append((took_reason, took_absent))
        if took_reason is not None:
            reason[here] &= ~took_reason
        if took_absent is not None:
            absent[here] &= ~took_absent


def _union(*masks: np.ndarray | None) -> np.ndarray | None:
    found = [m for m in masks if m is not None]
    return np.logical_or.reduce(found) if found else None


def _fresh_as_recorded(versions: pl.Series, up_status: pl.DataFrame) -> bool:
    """True if the upstream (listing the same keys) is fresh and was read at today's
    versions: compared column to column, no join."""
    return versions.equals(up_status["data_version"], null_equal=False) and bool(
        (up_status["status"] == "fresh").all()
    )


def _recorded_in_place(
    keys: pl.Series, recorded: pl.DataFrame | None
) -> tuple[pl.Series | None, bool]:
    """The version each key recorded of its own upstream key, aligned with ``keys`` (null where
    none), None if other inputs were recorded too ("was removed" rows: the row path's job);
    and whether every key recorded exactly its own key, nothing else."""
    if recorded is None:
        return NULL_STRING.new_from_index(0, len(keys)), False
    if recorded["partition"].equals(keys) and recorded["up_partition"].equals(keys):
        return recorded["recorded_version"], True  # each key read its own key: no query
    same = recorded.filter(pl.col("partition") == pl.col("up_partition"))
    if same.height < recorded.height:
        return None, False
    if same["partition"].equals(keys):
        return same["recorded_version"], False
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
    return (found["recorded_version"] if found.height == len(keys) else None), False
