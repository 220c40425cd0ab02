"""Every attempt at one partition, and the log lines they captured: pure snapshot queries.

``asset history`` lists the versions and the attempts that failed; the UI's partition page shows
every attempt (succeeded ones too, with their duration) and each attempt's captured log lines.
"""

from __future__ import annotations

import polars as pl

from assetflow.observe.snapshot import Snapshot

ATTEMPT_SCHEMA = {
    "run_id": pl.String,
    "attempt": pl.Int32,
    "status": pl.String,
    "started_at": pl.Datetime("us", "UTC"),
    "finished_at": pl.Datetime("us", "UTC"),
    "seconds": pl.Float64,
    "error_type": pl.String,
    "error": pl.String,
}
"""One ended attempt of a partition (:func:`partition_attempts`), newest first."""

LOG_SCHEMA = {
    "run_id": pl.String,
    "attempt": pl.Int32,
    "seq": pl.Int64,
    "logged_at": pl.Datetime("us", "UTC"),
    "stream": pl.String,
    "message": pl.String,
}
"""One captured log line of an attempt (:func:`partition_logs`)."""


def partition_attempts(snap: Snapshot, asset: str, partition: str) -> pl.DataFrame:
    """Every ended attempt of one partition over all runs (:data:`ATTEMPT_SCHEMA`)."""
    if not snap.has("attempts"):
        return pl.DataFrame(schema=ATTEMPT_SCHEMA)
    frame = snap.sql(
        """select run_id, attempt, status, started_at, finished_at,
                  epoch(finished_at - started_at) as seconds, error_type,
                  split_part(error_message, chr(10), 1) as error
           from assetflow.attempts where asset = ? and partition = ?
           order by finished_at desc, attempt desc""",
        [asset, partition],
    )
    return frame.cast(ATTEMPT_SCHEMA) if frame.height else pl.DataFrame(schema=ATTEMPT_SCHEMA)


def partition_logs(snap: Snapshot, asset: str, partition: str, limit: int) -> pl.DataFrame:
    """The newest ``limit`` log lines of one partition's attempts, oldest first
    (:data:`LOG_SCHEMA`)."""
    if not snap.has("logs"):
        return pl.DataFrame(schema=LOG_SCHEMA)
    frame = snap.sql(
        """select * from (
               select run_id, attempt, seq, logged_at, stream, message from assetflow.logs
               where asset = ? and partition = ? order by logged_at desc, seq desc limit ?)
           order by logged_at, seq""",
        [asset, partition, limit],
    )
    return frame.cast(LOG_SCHEMA) if frame.height else pl.DataFrame(schema=LOG_SCHEMA)
