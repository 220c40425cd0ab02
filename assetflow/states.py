"""The states of tasks and runs: one vocabulary for the engine, the catalog, the CLI and the UI.

Both are :class:`~enum.StrEnum`: a member *is* its string (``TaskStatus.FAILED == "failed"``), so
it is stored in the catalog, printed and serialised to JSON as the plain word, and a status read
back from the catalog compares equal to the member.

::

    queued ──> running ──> succeeded | failed
      │          └──> retrying ──> running ...
      └──> skipped (early cutoff) | upstream_failed | cancelled | interrupted (its process died)

    running ──> succeeded | failed | cancelled | interrupted
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Where one (asset, partition) of a run stands (see ``docs/execution.md``)."""

    QUEUED = "queued"
    """Waiting for its upstream tasks or for a worker."""
    RUNNING = "running"
    RETRYING = "retrying"
    """An attempt failed with a retryable error; the next one waits for its backoff delay."""
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"
    """Fresh after all: its upstream was rebuilt with identical data (early cutoff)."""
    FAILED = "failed"
    UPSTREAM_FAILED = "upstream_failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    """The run's process died while the task was unfinished (set by the next writer)."""

    @property
    def final(self) -> bool:
        """Whether the task ended in this state (nothing happens to it afterwards)."""
        return self in FINAL_TASK_STATUSES

    @property
    def ok(self) -> bool:
        """Whether its downstream may use it: committed, or fresh after all."""
        return self in (TaskStatus.SUCCEEDED, TaskStatus.SKIPPED)


FINAL_TASK_STATUSES: tuple[TaskStatus, ...] = (
    TaskStatus.SUCCEEDED,
    TaskStatus.SKIPPED,
    TaskStatus.FAILED,
    TaskStatus.UPSTREAM_FAILED,
    TaskStatus.CANCELLED,
    TaskStatus.INTERRUPTED,
)
"""Every final task state, in the order summaries list them."""


class RunStatus(StrEnum):
    """Where a run (one execution of a plan) stands."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """Some task failed or could not run; independent branches still ran to the end."""
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    """Its process died (set by the next writer, which finds it still ``running``)."""
