"""Typed rows the engine hands the writer on its hot path (frozen dataclasses).

The bookkeeping rows readers get back are pydantic models in ``row_models.py``, which a run
does not import (pydantic costs ~0.1 s of a cron-style call).
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
