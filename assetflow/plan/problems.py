"""What a check says about one upstream partition, and how its reason string is spelled.

Shared by the identity checks (``plan/identity.py``) and the row checks (``plan/reasons.py``):
the problem of a (partition, upstream partition) pair as a code and its short text (``is
missing``, ``changed``, ...; one set of rules, :data:`PROBLEM_CODE`), and the rule that
spells a reason from it, ``upstream <name> <key> <problem>`` (no key for an unpartitioned
upstream). A missing partition's reason is the first absent
upstream partition's, prefixed ``never materialized; `` once, by the check that finds it.

Strings are spelled with ``concat_str`` over columns that already hold the pieces, once per
row that is shown: at 3.65M partitions each pass over every row costs ~0.3 s, and ``pl.format``
twice that.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from assetflow.define.partitions import UNPARTITIONED

ALIGNED = ("reason", "_n", "_absent_reason", "_waiting")
"""A check's answer, one row per key: the first problem's reason (null if none), how many
problems, the first absent or not-due problem's reason prefixed :data:`NEVER` (what a partition
without data shows), and whether one of them cannot be built yet."""
NEVER = "never materialized"
NEVER_PREFIX = f"{NEVER}; "

ROW_PATH = object()
"""What a check that answers by columns says when it cannot (other inputs were recorded, the
keys are not lined up): the row path's job (``plan/reasons.py``)."""
NULL_STRING = pl.Series("recorded_version", [None], dtype=pl.String)
"""One null string: ``.new_from_index(0, n)`` makes a column of n nulls without a query."""
UP_NAMES = {"status": "up_status", "data_version": "up_version", "_waiting": "up_waiting"}
"""An upstream status frame's columns, as a check names them."""

NOT_DUE = pl.col("up_status").is_null()
ABSENT = (pl.col("up_status") == "missing") | (
    (pl.col("up_status") == "failed") & pl.col("up_version").is_null()
)

WHAT = pl.Series(
    "_what", ["is not due yet", "is missing", "failed", "is stale", "was added", "changed"]
)
"""The problems by code, in the order they are looked for (the first that holds is the pair's
problem); -1 is none. A small integer per row is a fraction of the cost of a string per row:
the text is gathered for the rows shown."""
NOT_DUE_CODE, MISSING_CODE, FAILED_CODE, STALE_CODE, ADDED_CODE, CHANGED_CODE = range(6)


def _by_state(status: pl.Expr) -> list[tuple[pl.Expr, int]]:
    return [
        (status == "missing", MISSING_CODE),
        (status == "failed", FAILED_CODE),
        (status == "stale", STALE_CODE),
    ]


def _by_version(recorded: pl.Expr, now: pl.Expr) -> list[tuple[pl.Expr, int]]:
    return [(recorded.is_null(), ADDED_CODE), (recorded != now, CHANGED_CODE)]


def _first(rules: list[tuple[pl.Expr, int]]) -> pl.Expr:
    (condition, code), *rest = rules
    chain = pl.when(condition).then(pl.lit(code))
    for condition, code in rest:
        chain = chain.when(condition).then(pl.lit(code))
    return chain.otherwise(pl.lit(-1)).cast(pl.Int8)


def _first_of(rules: list[tuple[pl.Series, int]]) -> np.ndarray:
    """:func:`_first` applied to Series by numpy: Series comparisons and ``np.select`` cost
    a fraction of a query (~0.3 ms each, a window check at a time)."""
    held = [
        (c.to_numpy() if not c.null_count() else c.fill_null(False).to_numpy()) for c, _ in rules
    ]
    return np.select(held, [code for _, code in rules], -1).astype(np.int8)


def state_codes(status: pl.Series) -> np.ndarray:
    """The problem each upstream partition's status is (missing, failed, stale), -1 if none."""
    return _first_of(_by_state(status))  # type: ignore[arg-type]


def version_codes(recorded: pl.Series, now: pl.Series) -> np.ndarray:
    """The problem of each edge to a fresh upstream partition: added (nothing recorded),
    changed (another version recorded than ``now``), -1 if none."""
    rules = _by_version(recorded, now)  # type: ignore[arg-type]
    if not recorded.null_count():  # nothing added: no null test to run (a query)
        rules = rules[1:]
    return _first_of(rules)


PROBLEM_CODE = _first(
    [
        (NOT_DUE, NOT_DUE_CODE),
        *_by_state(pl.col("up_status")),
        *_by_version(pl.col("recorded_version"), pl.col("up_version")),
    ]
)
"""The problem of one (partition, upstream partition) pair as a code into :data:`WHAT`; reads
``up_status``, ``up_version``, ``recorded_version``. The positional window check
(``plan/window_reasons.py``) applies the same rules in two steps, :func:`state_codes` per
upstream row and :func:`version_codes` per edge."""


def spelled(label: pl.Expr, key: pl.Expr, what: pl.Expr, prefix: str = "") -> pl.Expr:
    """``<prefix><label> <key> <what>``, without the key where it is :data:`UNPARTITIONED`;
    null where ``what`` is null. One ``concat_str`` pass when no key is unpartitioned."""
    keyed = pl.concat_str(pl.lit(prefix), label, pl.lit(" "), key, pl.lit(" "), what)
    bare = pl.concat_str(pl.lit(prefix), label, pl.lit(" "), what)
    return pl.when(key == UNPARTITIONED).then(bare).otherwise(keyed)


def spelled_keyed(label: pl.Expr, key: pl.Expr, what: pl.Expr, prefix: str = "") -> pl.Expr:
    """:func:`spelled` for keys known not to be :data:`UNPARTITIONED` (one pass, not two)."""
    return pl.concat_str(pl.lit(prefix), label, pl.lit(" "), key, pl.lit(" "), what)


def placed(
    name: str,
    parts: pl.DataFrame,
    rows: np.ndarray,
    n: int,
    prefix: str = "",
) -> pl.Series:
    """Reasons spelled from ``parts`` (``_label``, ``_key``, ``_what``: one row per shown
    problem) placed at ``rows`` (ascending) of an n-row column, null elsewhere: spelling every
    row of a column and nulling most of them cost as much as spelling all (concat_str spells
    null rows too), and a scatter costs a fraction of a gather of strings."""
    spell = spelling(parts["_key"])
    found = parts.select(spell(pl.col("_label"), pl.col("_key"), pl.col("_what"), prefix))
    column = found.to_series().rename(name)
    if rows.size == n:  # every row
        return column
    return NULL_STRING.new_from_index(0, n).rename(name).scatter(rows, column)


def spelling(keys: pl.Series) -> Callable[..., pl.Expr]:
    """The spelling for problems of ``keys``: :func:`spelled_keyed` unless one of them is
    :data:`UNPARTITIONED`."""
    return spelled if (keys == UNPARTITIONED).any() else spelled_keyed
