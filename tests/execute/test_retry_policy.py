"""Retry decisions and delays (pure functions)."""

from __future__ import annotations

import random

import pytest

import assetflow as af
from assetflow.execute.retry import retry_delay, should_retry
from assetflow.execute.worker import describe_error


def _error(exc: BaseException):
    wrapped = af.TaskError(f"asset 'x' partition p raised {type(exc).__name__}: {exc}")
    wrapped.__cause__ = exc
    return describe_error(wrapped)


def test_retries_count_extra_attempts():
    policy = af.TaskPolicy(retries=2)
    error = _error(ConnectionError("down"))
    assert [should_retry(policy, n, error) for n in (1, 2, 3)] == [True, True, False]


def test_retry_on_filters_by_type_including_subclasses():
    policy = af.TaskPolicy(retries=5, retry_on=(OSError,))
    assert should_retry(policy, 1, _error(ConnectionResetError("reset")))  # an OSError
    assert not should_retry(policy, 1, _error(ValueError("bad row")))


def test_terminal_errors_never_retry():
    policy = af.TaskPolicy(retries=5)
    assert not should_retry(policy, 1, describe_error(af.AssetOutputError("returned int")))

    class Permanent(Exception):
        retryable = False

    assert not should_retry(policy, 1, _error(Permanent("quota exhausted")))


def test_delay_grows_by_backoff_and_jitter_stays_within_its_fraction():
    policy = af.TaskPolicy(retry_delay=2.0, backoff=3.0, jitter=0.5)
    rng = random.Random(7)
    for attempt, base in ((1, 2.0), (2, 6.0), (3, 18.0)):
        delays = [retry_delay(policy, attempt, rng) for _ in range(200)]
        assert base * 0.5 <= min(delays) and max(delays) <= base * 1.5
        assert max(delays) - min(delays) > base * 0.5  # it really varies
    exact = af.TaskPolicy(retry_delay=1.0, backoff=2.0, jitter=0.0)
    assert retry_delay(exact, 4, rng) == pytest.approx(8.0)
