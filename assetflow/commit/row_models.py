"""Bookkeeping rows that readers (CLI, UI, observability) get back: pydantic models, decoded
(JSON columns parsed). Imported where rows are read, not by a run (see ``records.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


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
