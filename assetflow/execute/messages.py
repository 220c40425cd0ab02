"""What crosses between the coordinator and wherever attempts run: frozen, picklable records.

The coordinator sends a :class:`TaskSpec` (paths, keys, versions: never data) to an executor.
An executor answers with :data:`Message` values, which the coordinator handles with ``match``:

- :class:`AttemptStarted`: the attempt began (optional; see below),
- :class:`LogRecord`: lines the attempt captured so far (streamed while it runs),
- :class:`AttemptFinished`: its :class:`AttemptOutcome` (a staged file or an error),
- :class:`WorkerLost`: whatever ran it is gone (a killed process, a lost cluster worker); a
  failed, retryable attempt.

Every message names the task and the attempt, so the coordinator drops a late answer from an
attempt it already gave up on (timed out, cancelled): a task may run twice, and only the
coordinator decides which execution it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assetflow.commit.files import StagedFile
from assetflow.commit.storage import StorageSpec
from assetflow.execute.capture import LogEntry


@dataclass(frozen=True)
class TaskSpec:
    """Everything a worker needs for one attempt (small and picklable: paths, not data).

    Attributes:
        task_id: the task's number in its run (messages about it carry it back).
        input_keys: per upstream parameter, the storage keys of the committed files it reads.
        storage: how to open the warehouse's storage (a worker on any machine builds its own).
        code_version: the asset's code version when the run planned it; a worker whose copy of
            the asset differs refuses the attempt.
    """

    task_id: int
    asset: str
    partition: str
    input_keys: Mapping[str, tuple[str, ...]]
    storage: StorageSpec
    run_id: str
    attempt: int
    code_version: str


@dataclass(frozen=True)
class AttemptError:
    """Why an attempt failed.

    Attributes:
        type: the exception's class name, e.g. ``HTTPError``.
        message: one line naming the asset, partition and error.
        retryable: False for errors another attempt cannot fix (bad return value, schema).
        lineage: qualified names of the exception's classes, to match ``retry_on``.
        summary: ``Type: message`` of the error itself, without the asset and partition.
    """

    type: str
    message: str
    traceback: str | None
    retryable: bool
    lineage: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class AttemptOutcome:
    """The result of one attempt: exactly one of ``staged`` and ``error`` is set."""

    task_id: int
    attempt: int
    staged: StagedFile | None
    error: AttemptError | None
    logs: tuple[LogEntry, ...]
    seconds: float


@dataclass(frozen=True)
class AttemptStarted:
    """The attempt began running. Sent by executors whose submitted attempts may wait in a
    queue first (a cluster scheduler) and that declare ``reports_starts``: the attempt's
    ``timeout`` then counts from here instead of from submission."""

    task_id: int
    attempt: int


@dataclass(frozen=True)
class LogRecord:
    """Lines the running attempt captured since its last record."""

    task_id: int
    attempt: int
    entries: tuple[LogEntry, ...]


@dataclass(frozen=True)
class AttemptFinished:
    outcome: AttemptOutcome


@dataclass(frozen=True)
class WorkerLost:
    """What ran the attempt is gone; ``detail`` says how, e.g. ``its worker process died (exit
    code -9)``. The coordinator counts it as a failed, retryable attempt."""

    task_id: int
    attempt: int
    detail: str


Message = AttemptStarted | LogRecord | AttemptFinished | WorkerLost
"""What an executor reports to the coordinator."""
