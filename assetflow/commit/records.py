"""Typed rows of the engine's hot paths (frozen dataclasses): what a run hands the writer, and
the last tick of each schedule that ``asset tick`` (a cron job) reads back.

The bookkeeping rows readers get back and serialize are pydantic models in ``row_models.py``,
which neither a run nor a tick imports (pydantic costs ~0.1 s of a cron-style call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assetflow.commit.files import StagedFile


@dataclass(frozen=True)
class InputRead:
    """One upstream partition a materialization read, with the data version it had."""

    upstream: str
    partition: str
    data_version: str


@dataclass(frozen=True)
class PendingCommit:
    """A staged partition waiting for its catalog transaction (``CatalogWriter.commit_many``)."""

    asset: str
    partition: str
    staged: StagedFile
    code_version: str
    inputs: tuple[InputRead, ...]
    run_id: str
    started_at: datetime
    finished_at: datetime


@dataclass(frozen=True)
class TickRecord:
    """The latest tick of one schedule (``assetflow.ticks``)."""

    schedule: str
    tick_time: datetime
    """The cron time handled."""
    ticked_at: datetime
    partitions: dict[str, list[str]]
    """What the schedule asked for, per asset."""
    run_ids: list[str]
    status: str
    pid: int | None
