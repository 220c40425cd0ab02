"""The ``context`` argument an asset function may take."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Context:
    """What one materialization knows about itself.

    Attributes:
        asset: the asset's name.
        partition_key: the partition being built, or None for an unpartitioned asset.
        start: UTC start of the partition's time window (None for non-time partitions).
        end: UTC end of the window, exclusive.
        run_id: the run this task belongs to.
        log: a logger whose records are attributed to this task (stored per attempt,
            shown by ``asset logs``).
        attempt: 1 for the first attempt, 2 for the first retry, ...
    """

    asset: str
    partition_key: str | None
    start: datetime | None
    end: datetime | None
    run_id: str
    log: logging.Logger
    attempt: int = 1
