"""Runs, their tasks and their logs, read from the published snapshot (never blocks a writer).

A running coordinator republishes the snapshot at least every second, so these views of a
running run lag by at most about a second.
"""

from __future__ import annotations

from assetflow.commit.reader import CatalogReader
from assetflow.commit.records import RunRecord

STATES = (
    "queued",
    "running",
    "retrying",
    "succeeded",
    "skipped",
    "failed",
    "upstream_failed",
    "cancelled",
    "interrupted",
)


class RunModel(RunRecord):
    """One run as ``asset runs --json`` prints it."""

    tasks: dict[str, int]
    """Number of tasks per state."""
    retried: int = 0
    """Tasks that needed more than one attempt."""


def _with_counts(reader: CatalogReader, runs: list[RunRecord]) -> list[RunModel]:
    counts = reader.runs.task_counts([r.run_id for r in runs])
    by_run: dict[str, dict[str, int]] = {}
    retried: dict[str, int] = {}
    for run_id, status, n, again in counts.iter_rows():
        by_run.setdefault(run_id, {})[status] = n
        retried[run_id] = retried.get(run_id, 0) + again
    return [
        RunModel(**r.model_dump(), tasks=by_run.get(r.run_id, {}), retried=retried.get(r.run_id, 0))
        for r in runs
    ]


def list_runs(reader: CatalogReader, limit: int = 20) -> list[RunModel]:
    """The most recent runs, newest first, with task counts by state."""
    return _with_counts(reader, reader.runs.recent(limit))


def run_info(reader: CatalogReader, run_id: str) -> RunModel | None:
    """One run, or None if the snapshot does not know it."""
    found = reader.runs.get(run_id)
    return _with_counts(reader, [found])[0] if found is not None else None
