"""Bookkeeping rows that readers (CLI, UI, observability) get back and serialize: pydantic
models, decoded (JSON columns parsed). Imported where rows are read, not by a run or a tick
(see ``records.py``)."""

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
