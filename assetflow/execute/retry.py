"""Retry decisions (may a failed attempt run again, after how long), and the errors the
coordinator itself assigns to an attempt (a timeout, a lost worker, a refused schema)."""

from __future__ import annotations

import random

from assetflow.define.policy import TaskPolicy
from assetflow.errors import SchemaMismatchError, TaskTimeoutError
from assetflow.execute.messages import AttemptError
from assetflow.execute.worker import qualified


def should_retry(policy: TaskPolicy, attempt: int, error: AttemptError) -> bool:
    """True if attempt number ``attempt`` failed with ``error`` and another one is allowed.

    ``retries=3`` allows attempts 2, 3 and 4. Errors marked non-retryable never retry; with
    ``retry_on`` set, only errors of those types (or subclasses) do.
    """
    if not error.retryable or attempt > (policy.retries or 0):
        return False
    if policy.retry_on is None:
        return True
    return any(qualified(t) in error.lineage for t in policy.retry_on)


def retry_delay(policy: TaskPolicy, attempt: int, rng: random.Random) -> float:
    """Seconds to wait after failed attempt ``attempt``: exponential backoff with jitter.

    ``retry_delay * backoff ** (attempt - 1)``, then scaled by a random factor in
    ``[1 - jitter, 1 + jitter]``.
    """
    base = (policy.retry_delay or 0.0) * (policy.backoff or 1.0) ** (attempt - 1)
    jitter = policy.jitter or 0.0
    return max(0.0, base * (1 + rng.uniform(-jitter, jitter)))


def timeout_error(asset: str, partition: str, timeout: float) -> AttemptError:
    """The attempt ran past ``timeout`` seconds and was stopped (retryable)."""
    return AttemptError(
        type=TaskTimeoutError.__name__,
        message=f"asset {asset!r} partition {partition} ran past its timeout of {timeout:g}s "
        "and was stopped",
        traceback=None,
        retryable=True,
        lineage=tuple(qualified(c) for c in TaskTimeoutError.__mro__),
        summary=f"timed out after {timeout:g}s",
    )


def worker_lost_error(asset: str, partition: str, detail: str) -> AttemptError:
    """What ran the attempt is gone (a crash, the OOM killer, a lost cluster worker): a failed,
    retryable attempt. ``detail`` comes from the executor, e.g. ``its worker process died (exit
    code -9)``."""
    return AttemptError(
        type="WorkerDied",
        message=f"asset {asset!r} partition {partition}: {detail}",
        traceback=None,
        retryable=True,
        summary=detail.removeprefix("its "),
    )


def schema_error(exc: SchemaMismatchError) -> AttemptError:
    """The catalog refused the output: its columns conflict with the asset's other partitions."""
    return AttemptError(
        type=SchemaMismatchError.__name__,
        message=str(exc),
        traceback=None,
        retryable=False,
        lineage=tuple(qualified(c) for c in SchemaMismatchError.__mro__),
        summary=str(exc),
    )
