"""Assembling statuses: one status and reason per key from an asset's checks, many assets at once.

The staleness module prepares each asset of a topological level (its base frame and its checks,
``plan/reasons.py``) and assembles the level here in a few polars queries over the stacked
frames, instead of a few per asset: at 3,650 keys an asset's queries cost more in fixed overhead
(~0.1-0.3 ms each) than in work, and a 1,000-asset graph paid it 1,000 times over. The identity
checks of the level are answered in one query, the statuses in another (over the rows a check
says something about); each asset's frame is made of zero-copy slices of the results.

Rules (DESIGN section 2, as ``plan/staleness.py`` states them): a key without data is
``missing`` (its reason names the first absent upstream partition, if any); a key with data and
a problem is ``stale`` (the first problem in rank order, and how many more); otherwise
``fresh``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from assetflow.define.mapping.rows import take
from assetflow.plan.identity import Before, IdentityCheck, identity_reasons
from assetflow.plan.problems import ALIGNED, NEVER

_ALIGNED_TYPES = dict(
    zip(ALIGNED, (pl.String, pl.UInt32, pl.String, pl.Boolean), strict=True)
)  # the dtypes of a check's aligned columns (``plan/reasons.py``)
_NULLS = {name: pl.Series(name, [None], dtype=dtype) for name, dtype in _ALIGNED_TYPES.items()}


@dataclass(frozen=True)
class Pending:
    """One asset prepared for assembly."""

    name: str
    code_version: str
    base: pl.DataFrame
    """``partition``, ``data_version`` (null: never materialized), ``recorded_code``."""
    checks: list[pl.DataFrame | IdentityCheck]
    """Aligned with ``base``, in rank order (code version, source, upstreams)."""


def assemble(pending: list[Pending]) -> dict[str, pl.DataFrame]:
    """Each pending asset's status frame (asset, partition, status, reason, data_version,
    code_version, _waiting), rows in its base's order."""
    if not pending:
        return {}
    checks = _answered(pending)
    width = max(len(c) for c in checks)
    frames = [_stackable(p, found, width) for p, found in zip(pending, checks, strict=True)]
    statuses = _statuses(pl.concat(frames, rechunk=False), width)
    heights = np.array([p.base.height for p in pending])
    starts = np.cumsum(heights) - heights
    names = _spread("asset", [p.name for p in pending], heights)
    codes = _spread("code_version", [p.code_version for p in pending], heights)
    by_name = {}
    for p, start, height in zip(pending, starts, heights, strict=True):
        at, h = int(start), int(height)
        found = statuses.slice(at, h)
        columns = [names.slice(at, h), p.base["partition"], found["status"], found["reason"]]
        columns += [p.base["data_version"], codes.slice(at, h), found["_waiting"]]
        by_name[p.name] = pl.DataFrame(columns)  # columns, not a query
    return by_name


def _spread(name: str, values: list[str], heights: np.ndarray) -> pl.Series:
    """Each asset's value repeated over its rows, for the whole level at once: a gather, where
    a literal column per asset took a query each (~0.08 ms)."""
    which = np.repeat(np.arange(len(values), dtype=np.uint32), heights)
    return take(pl.Series(name, values, dtype=pl.String), which)


def _answered(pending: list[Pending]) -> list[list[pl.DataFrame]]:
    """The checks of each asset in aligned form, the identity ones answered in one query (and
    spelled only where no check ranked before them has a reason); checks that find nothing
    are dropped."""
    asked: list[IdentityCheck] = []
    before: list[Before] = []
    for p in pending:
        previous, between = None, []
        for c in p.checks:
            if not isinstance(c, IdentityCheck):
                between.append(c)
                continue
            reason = _any([f["reason"] for f in between])
            absent = _any([f["_absent_reason"] for f in between])
            before.append(Before(previous, reason, absent))
            asked.append(c)
            previous, between = len(asked) - 1, []
    answers = iter(identity_reasons(asked, before))
    found: list[list[pl.DataFrame]] = []
    for p in pending:
        aligned = [next(answers) if isinstance(c, IdentityCheck) else c for c in p.checks]
        found.append([c for c in aligned if c is not None])
    return found


def _any(reasons: list[pl.Series]) -> np.ndarray | None:
    """Rows where one of ``reasons`` is not null (None if none is given or none has one)."""
    found = [r.is_not_null().to_numpy() for r in reasons if r.null_count() < len(r)]
    return np.logical_or.reduce(found) if found else None


def _stackable(p: Pending, checks: list[pl.DataFrame], width: int) -> pl.DataFrame:
    """The asset's base with its ``width`` checks (null-padded)."""
    height = p.base.height
    columns = [p.base["partition"], p.base["data_version"]]
    for i in range(width):
        for name in _ALIGNED_TYPES:
            column = checks[i][name] if i < len(checks) else _NULLS[name].new_from_index(0, height)
            columns.append(column.rename(f"{name}{i}"))
    return pl.DataFrame(columns)


def _statuses(stacked: pl.DataFrame, width: int) -> pl.DataFrame:
    """``status``, ``reason`` and ``_waiting`` of each stacked row. Spelled only for the rows
    a check says something about or without data: the others are ``fresh`` with no reason
    (most rows of a large warehouse with a few stale partitions; spelling every row of a
    level cost more than finding those rows)."""
    n = stacked.height
    if not width or stacked["data_version"].null_count() == n:
        return stacked.select(_status_columns(width))
    told = stacked.select(_told(width)).to_series()
    rows = np.flatnonzero(told.to_numpy())
    if rows.size == n:
        return stacked.select(_status_columns(width))
    found = stacked.filter(told).select(_status_columns(width))
    fresh = [_FRESH, _NO_REASON, _NOT_WAITING]
    return pl.DataFrame([c.new_from_index(0, n).scatter(rows, found[c.name]) for c in fresh])


_FRESH = pl.Series("status", ["fresh"], dtype=pl.String)
_NO_REASON = pl.Series("reason", [""], dtype=pl.String)
_NOT_WAITING = pl.Series("_waiting", [False], dtype=pl.Boolean)


def _told(width: int) -> pl.Expr:
    """Rows without data or with something in a check's columns: where a row's status can be
    other than ``fresh`` with no reason."""
    said = [pl.col("data_version").is_null()]
    for i in range(width):
        said += [
            pl.col(f"reason{i}").is_not_null(),
            pl.col(f"_n{i}").fill_null(0) > 0,
            pl.col(f"_absent_reason{i}").is_not_null(),
            pl.col(f"_waiting{i}").fill_null(False),
        ]
    return pl.any_horizontal(said)


def _status_columns(width: int) -> list[pl.Expr]:
    never = pl.col("data_version").is_null()
    if not width:  # nothing to explain (the common case in a healthy warehouse)
        return [
            pl.when(never).then(pl.lit("missing")).otherwise(pl.lit("fresh")).alias("status"),
            pl.when(never).then(pl.lit(NEVER)).otherwise(pl.lit("")).alias("reason"),
            pl.lit(False).alias("_waiting"),
        ]
    first = _first([pl.col(f"reason{i}") for i in range(width)])
    absent = _first([pl.col(f"_absent_reason{i}") for i in range(width)])  # "never ...; ..."
    count = pl.sum_horizontal(pl.col(f"_n{i}").fill_null(0) for i in range(width))
    # Spelled only where it is read (a branch of when/then is computed for every row: its
    # inputs are nulled elsewhere, which concat_str passes through without spelling).
    several = pl.when(count > 1)
    others = several.then(count - 1).cast(pl.String)
    more = pl.concat_str(several.then(first), pl.lit(" (+"), others, pl.lit(" more)"))
    return [
        pl.when(never)
        .then(pl.lit("missing"))
        .when(first.is_not_null())
        .then(pl.lit("stale"))
        .otherwise(pl.lit("fresh"))
        .alias("status"),
        pl.when(never)
        .then(absent.fill_null(pl.lit(NEVER)))
        .when(count > 1)
        .then(more)
        .otherwise(first.fill_null(""))
        .alias("reason"),
        pl.any_horizontal(pl.col(f"_waiting{i}").fill_null(False) for i in range(width)).alias(
            "_waiting"
        ),
    ]


def _first(found: list[pl.Expr]) -> pl.Expr:
    return found[0] if len(found) == 1 else pl.coalesce(found)
