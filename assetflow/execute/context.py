"""The ``context`` argument an asset function may take."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime

MAX_METADATA_KEYS = 50
MAX_METADATA_TEXT = 2000
"""Characters of one text value: metadata describes a partition, it does not hold data."""


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
    metadata: dict[str, int | float | bool | str] = field(
        default_factory=dict, repr=False, compare=False
    )
    """What :meth:`add_metadata` collected; committed with the partition's new version."""

    def add_metadata(self, values: dict[str, object] | None = None, /, **more: object) -> None:
        """Attach facts about this partition's new version: numbers, text, URLs.

        ``context.add_metadata(rows_dropped=3, source="https://api.example.com/orders")``.
        They are stored with the version when it commits (a failed attempt's are dropped) and
        show in ``asset history`` (text, JSON) and the notebook and web UI. A key given again
        replaces its value.

        Raises:
            TypeError: a value is not a number, a bool or text (the attempt fails).
            ValueError: an empty key, a non-finite number, or too many or too long values.
        """
        for key, value in {**(values or {}), **more}.items():
            if not isinstance(key, str) or not key.strip():
                raise ValueError(f"metadata keys are non-empty text, not {key!r}")
            if not isinstance(value, int | float | str):  # bool is an int
                raise TypeError(
                    f"metadata {key!r} is a {type(value).__name__}; use a number, a bool or "
                    "text (a URL is text)"
                )
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"metadata {key!r} is {value}; use a finite number")
            if isinstance(value, str) and len(value) > MAX_METADATA_TEXT:
                raise ValueError(
                    f"metadata {key!r} has {len(value):,} characters (at most "
                    f"{MAX_METADATA_TEXT:,}); write large values to the asset's data instead"
                )
            self.metadata[key] = value
        if len(self.metadata) > MAX_METADATA_KEYS:
            raise ValueError(f"more than {MAX_METADATA_KEYS} metadata keys for one partition")

    def metadata_json(self) -> str | None:
        """The collected metadata as a JSON object (None when there is none)."""
        return json.dumps(self.metadata, sort_keys=False) if self.metadata else None
