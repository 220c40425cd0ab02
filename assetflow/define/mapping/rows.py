"""Rows of a column by position, without a query.

In polars 2.1 ``Series.gather`` is dispatched to an expression and runs as a one-column query
(~0.1-0.2 ms a call, whatever the size); indexing a Series by an unsigned integer Series is a
direct gather (~3-20 µs). The planner takes rows by position thousands of times a plan (window
edges, upstream statuses lined up, spelled reasons placed), so the difference was a tenth of a
range plan's time.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def take(column: pl.Series, rows: np.ndarray | pl.Series) -> pl.Series:
    """The values of ``column`` at ``rows`` (non-negative positions, or :func:`positions`),
    in that order; a null position gathers null."""
    if not isinstance(rows, pl.Series):
        rows = pl.Series(np.asarray(rows, dtype=np.uint32))
    elif rows.dtype != pl.UInt32:
        rows = rows.cast(pl.UInt32)
    return column[rows]


def positions(rows: np.ndarray) -> pl.Series:
    """``rows`` (-1 where there is no row) as positions for :func:`take`: null where -1."""
    if (rows >= 0).all():
        return pl.Series(rows.astype(np.uint32))
    return pl.Series(rows, dtype=pl.Int64).cast(pl.UInt32, strict=False)
