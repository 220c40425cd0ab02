"""Group commit: finished partitions wait briefly to share one catalog transaction.

A DuckDB statement costs about the same for one row as for sixteen, so partitions that finish
close together are committed together (each still flips all-or-nothing). One batch is in flight
at a time; partitions that finish meanwhile form the next one, so batches grow exactly as much
as the catalog is slow. Batches are taken first in, first out: a partition is queued only after
everything it read was queued (its dependents start before its commit lands), so an upstream
commits before, or together with, any partition that read it. This module holds only the
queue; the runner builds and concludes the batches (it owns the schema check, the state rows
and what becomes runnable).
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from assetflow.commit.files import StagedFile
from assetflow.execute.book import TaskState

MAX_BATCH = 1000
"""Partitions per commit at most."""
BATCH_WINDOW_SECONDS = 0.1
"""Finished partitions wait up to this long for others to share their commit (group commit),
but not at all when nothing else could run meanwhile (their dependents may be waiting)."""


@dataclass(frozen=True)
class Finished:
    """A partition whose attempt staged its file, waiting for its commit."""

    task: TaskState
    staged: StagedFile
    at: datetime


class GroupCommit:
    """The finished partitions not yet committed, and the batch being committed."""

    def __init__(self) -> None:
        self._pending: list[Finished] = []
        self._since = 0.0
        self._flight: tuple[Future, list[Finished]] | None = None

    @property
    def empty(self) -> bool:
        """Nothing waits for a commit and none is in flight."""
        return not self._pending and self._flight is None

    def add(self, item: Finished) -> None:
        if not self._pending:
            self._since = time.monotonic()
        self._pending.append(item)

    def next_due(self) -> float | None:
        """When the waiting partitions' window closes (monotonic), if any wait for it."""
        if self._pending and self._flight is None:
            return self._since + BATCH_WINDOW_SECONDS
        return None

    def take(self, *, hurry: bool) -> list[Finished]:
        """The next batch, or nothing while one is in flight or the window is still open.

        ``hurry``: do not wait for company (no other task could finish meanwhile, or the run is
        being cancelled).
        """
        if not self._pending or self._flight is not None:
            return []
        if not hurry and time.monotonic() - self._since < BATCH_WINDOW_SECONDS:
            return []
        batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        return batch

    def sent(self, future: Future, batch: list[Finished]) -> None:
        """``batch`` is being committed by ``future``."""
        self._flight = (future, batch)

    def landed(self) -> list[Finished]:
        """The batch whose commit completed (re-raising its error), or nothing yet."""
        if self._flight is None or not self._flight[0].done():
            return []
        (future, batch), self._flight = self._flight, None
        future.result()  # a failed commit stops the run (the coordinator cannot go on)
        return batch

    def rolled_back(self) -> list[Finished]:
        """After the coordinator failed: the batch whose commit raised, if one did."""
        if self._flight is not None and self._flight[0].exception() is not None:
            return self._flight[1]
        return []
