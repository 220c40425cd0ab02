"""Recorded backfills and their progress, read from the published snapshot.

``asset backfill`` records each backfill (selection, range, total, done, failed, its runs) in
``assetflow.backfills`` and updates it after every batch; the snapshot carries that table.
"""

from __future__ import annotations

import polars as pl

from assetflow.observe.snapshot import Snapshot

BACKFILL_SCHEMA = {
    "id": pl.Int64,
    "state": pl.String,
    "selection": pl.List(pl.String),
    "from_key": pl.String,
    "to_key": pl.String,
    "force": pl.Boolean,
    "total": pl.Int64,
    "done": pl.Int64,
    "failed": pl.Int64,
    "run_ids": pl.List(pl.String),
    "pid": pl.Int64,
    "created_by": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
    "updated_at": pl.Datetime("us", "UTC"),
}
"""One backfill (``selection`` empty: every partitioned asset), newest first."""


def backfills(snap: Snapshot, limit: int = 100) -> pl.DataFrame:
    """The newest ``limit`` backfills (:data:`BACKFILL_SCHEMA`).

    ``state`` is as recorded: a backfill whose process died mid-way still reads ``running``
    (its ``pid`` tells whether the process is still there).
    """
    if not snap.has("backfills"):
        return pl.DataFrame(schema=BACKFILL_SCHEMA)
    frame = snap.sql(
        """select id, state, selection, from_key, to_key, force, total, done, failed, run_ids,
                  pid, created_by, created_at, updated_at
           from assetflow.backfills order by id desc limit ?""",
        [limit],
    )
    if not frame.height:
        return pl.DataFrame(schema=BACKFILL_SCHEMA)
    lists = pl.List(pl.String)
    decoded = frame.with_columns(
        pl.col("selection").str.json_decode(lists).fill_null([]),
        pl.col("run_ids").str.json_decode(lists),
    )
    return decoded.cast(BACKFILL_SCHEMA)
