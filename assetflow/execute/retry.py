"""Retry decisions: may a failed attempt run again, and after how long."""

from __future__ import annotations

import random

from assetflow.define.policy import TaskPolicy
from assetflow.execute.worker import AttemptError, qualified


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
