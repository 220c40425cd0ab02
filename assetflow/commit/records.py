"""Typed rows that cross the catalog's boundary (the bulk state stays in polars frames).

Frozen dataclasses for what the engine hands the writer on its hot path; pydantic models for
bookkeeping rows that readers (CLI, UI, observability) get back, decoded (JSON columns parsed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict

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


class RunRecord(BaseModel):
    """One row of ``assetflow.runs``."""

    model_config = ConfigDict(frozen=True)
    run_id: str
    status: str
    command: str | None
    started_at: datetime
    finished_at: datetime | None
    pid: int | None


class TickRecord(BaseModel):
    """The latest tick of one schedule (``assetflow.ticks``)."""

    model_config = ConfigDict(frozen=True)
    schedule: str
    tick_time: datetime
    """The cron time handled."""
    ticked_at: datetime
    partitions: dict[str, list[str]]
    """What the schedule asked for, per asset."""
    run_ids: list[str]
    status: str
    pid: int | None


class BackfillRecord(BaseModel):
    """One backfill (``assetflow.backfills``): its range, state and progress."""

    model_config = ConfigDict(frozen=True)
    id: int
    selection: list[str] | None
    from_key: str
    to_key: str
    force: bool
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    state: str
    total: int
    done: int
    failed: int
    run_ids: list[str]
    pid: int | None
