"""Retries: attempts recorded, upstream not rerun, terminal errors; a worker process that dies.

On threads except the dying worker (processes retry in test_logs.py too)."""

from __future__ import annotations

import pytest

import assetflow as af
from tests.execute.conftest import load, rows, statuses


def test_fails_twice_then_succeeds_with_three_attempts_recorded(warehouse, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "2")
    project = load("flaky", warehouse)
    events = []
    result = project.materialize(
        partition="2026-04-03", callbacks=af.RunCallbacks(on_event=events.append), workers=2
    )

    assert result.status == "succeeded", result.tasks
    flaky = next(t for t in result.tasks if t.asset == "flaky")
    assert flaky.attempts == 3 and flaky.status == "succeeded"
    assert [e.attempt for e in events if e.kind == "retrying"] == [1, 2]
    attempts = rows(
        warehouse,
        "select asset, attempt, status, error_type from assetflow.attempts order by asset, attempt",
    )
    assert attempts == [
        ("flaky", 1, "failed", "ConnectionError"),
        ("flaky", 2, "failed", "ConnectionError"),
        ("flaky", 3, "succeeded", None),
        ("source", 1, "succeeded", None),
    ]
    # The upstream ran once: retrying flaky did not rerun source.
    assert rows(warehouse, "select asset, count(*) from assetflow.materializations group by 1 "
                "order by 1") == [("flaky", 1), ("source", 1)]  # fmt: skip
    assert rows(warehouse, "select attempt from flaky") == [(3,)]
    transitions = rows(
        warehouse,
        "select status from assetflow.task_events where asset = 'flaky' order by seq",
    )
    assert [t[0] for t in transitions] == [
        "queued", "running", "retrying", "running", "retrying", "running", "succeeded",
    ]  # fmt: skip


def test_error_outside_retry_on_fails_at_once(warehouse, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "9")
    monkeypatch.setenv("FLAKY_ERROR", "value")
    result = load("flaky", warehouse).materialize(partition="2026-04-03", executor="threads")
    flaky = next(t for t in result.tasks if t.asset == "flaky")
    assert result.status == "failed"
    assert flaky.status == "failed" and flaky.attempts == 1 and flaky.error_type == "ValueError"
    assert "retrying will not help" in flaky.detail
    assert "ValueError" in (flaky.traceback or "")


def test_retries_exhausted_fail_the_task_after_all_attempts(warehouse, monkeypatch):
    monkeypatch.setenv("FLAKY_FAILS", "9")
    result = load("flaky", warehouse).materialize(
        partitions=["2026-04-02", "2026-04-03"], executor="threads"
    )
    assert statuses(result) == {
        ("source", "2026-04-02"): "succeeded",
        ("source", "2026-04-03"): "succeeded",
        ("flaky", "2026-04-02"): "failed",
        ("flaky", "2026-04-03"): "failed",
    }
    assert {t.attempts for t in result.failed} == {4}
    assert rows(warehouse, "select count(*) from assetflow.attempts where asset = 'flaky'") == [
        (8,)
    ]


@pytest.mark.slow  # a worker process that dies
def test_a_worker_process_that_dies_fails_only_that_attempt(warehouse):
    result = load("crashy", warehouse).materialize(executor="processes")
    assert result.ok, result.tasks
    assert rows(
        warehouse, "select attempt, status, error_type from assetflow.attempts order by attempt"
    ) == [(1, "failed", "WorkerDied"), (2, "succeeded", None)]
    assert rows(warehouse, "select attempt from crashy") == [(2,)]
