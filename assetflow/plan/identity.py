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

from assetflow.plan.problems import (
    ABSENT,
    NEVER_PREFIX,
    NOT_DUE,
    NULL_STRING,
    PROBLEM,
    UP_NAMES,
    spelling,
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


ROW_PATH = object()
"""What :func:`identity_check` answers when the keys recorded other inputs too ("was removed"
rows): the row path's job."""


def identity_check(
    keys: pl.Series,
    up: str,
    up_status: pl.DataFrame,
    recorded: pl.DataFrame | None,
    committed: bool | None,
) -> IdentityCheck | object | None:
    """The check of identity upstream ``up`` for ``keys``: None if every key read its own
    fresh upstream key at today's version, :data:`ROW_PATH` if other inputs were recorded."""
    same = up_status["partition"].equals(keys)
    if same and _reads_fresh_as_recorded(keys, up_status, recorded):
        return None
    versions = _recorded_in_place(keys, recorded)
    if versions is None:
        return ROW_PATH
    up_columns = up_status if same else _lined_up_status(keys, up_status)
    columns = [
        keys.rename("up_partition"),
        versions.rename("recorded_version"),
        *(up_columns[column].rename(alias) for column, alias in UP_NAMES.items()),
    ]
    return IdentityCheck(pl.DataFrame(columns), up, committed is not False, committed is not True)


def identity_reasons(checks: Sequence[IdentityCheck]) -> list[pl.DataFrame | None]:
    """The aligned reasons of each check (None where it finds nothing), in one query. Each
    reason is spelled only if a check reads it (``keep_reason``, ``keep_absent``): a level of
    assets with no data spells only the "never materialized; ..." ones, a level with data only
    the others."""
    if not checks:
        return []
    heights = np.array([c.expected.height for c in checks])
    # The per-check constants as columns of the stacked frame, spread by numpy (a column per
    # check built in Python cost ~0.1 ms each).
    which = np.repeat(np.arange(len(checks)), heights)
    keep_reason = np.array([c.keep_reason for c in checks])
    keep_absent = np.array([c.keep_absent for c in checks])
    constants = [
        pl.Series("_up", [f"upstream {c.up}" for c in checks], dtype=pl.String).gather(which),
        pl.Series("_keep_reason", keep_reason[which]),
        pl.Series("_keep_absent", keep_absent[which]),
    ]
    stacked = pl.concat([c.expected for c in checks], rechunk=False).hstack(constants)
    spell = spelling(stacked["up_partition"])
    label, key, what = pl.col("_up"), pl.col("up_partition"), pl.col("_p")
    reason = _kept(spell(label, key, what), keep_reason, "_keep_reason")
    absent_what = pl.when(NOT_DUE | ABSENT).then(what)
    absent = _kept(spell(label, key, absent_what, NEVER_PREFIX), keep_absent, "_keep_absent")
    problem = what.is_not_null()
    found = (
        stacked.lazy()
        .with_columns(_p=PROBLEM)
        .select(
            reason.alias("reason"),
            problem.cast(pl.UInt32).alias("_n"),
            absent.alias("_absent_reason"),
            (problem & (NOT_DUE | pl.col("up_waiting").fill_null(False))).alias("_waiting"),
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


def _kept(spelled: pl.Expr, keep: np.ndarray, column: str) -> pl.Expr:
    """``spelled`` where the check keeps it, null elsewhere; not spelled at all if no check
    of the level keeps it."""
    if keep.all():
        return spelled
    if not keep.any():
        return pl.lit(None, pl.String)
    return pl.when(pl.col(column)).then(spelled)


def _lined_up_status(keys: pl.Series, up_status: pl.DataFrame) -> pl.DataFrame:
    """The upstream's status columns of each of ``keys`` (nulls where it lists none: not due)."""
    return (
        keys.rename("partition")
        .to_frame()
        .join(
            up_status.select("partition", *UP_NAMES),
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
