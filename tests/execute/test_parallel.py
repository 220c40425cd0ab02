"""Parallelism is real, per-asset limits hold, and timeouts stop tasks (processes and threads)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import assetflow as af
from tests.execute.conftest import load, rows, statuses


def _busy_span(warehouse: Path, workers: int, executor: str) -> float:
    """Seconds from the first task start to the last task end, seen by the coordinator."""
    marks: list[float] = []
    project = load("slow_pair", warehouse)
    result = project.materialize(
        workers=workers,
        executor=executor,
        force=True,
        callbacks=af.RunCallbacks(
            on_event=lambda e: marks.append(time.monotonic()) if e.kind != "notice" else None
        ),
    )
    assert result.ok, result.tasks
    return max(marks) - min(marks)


@pytest.mark.parametrize(
    ("executor", "nap"),
    [("threads", 0.6), pytest.param("processes", 2.0, marks=pytest.mark.slow)],
)
def test_two_slow_independent_assets_overlap_with_two_workers(tmp_path, monkeypatch, executor, nap):
    monkeypatch.setenv("SLOW_SECONDS", str(nap))
    one = _busy_span(tmp_path / "one", 1, executor)
    two = _busy_span(tmp_path / "two", 2, executor)
    assert one >= 2 * nap * 0.95  # serial: two naps back to back
    # Parallel: about one nap. Generous: worker start-up on a loaded machine adds skew.
    assert two / one < 0.85, (one, two)


def test_max_concurrency_bounds_one_asset_while_others_run_in_parallel(
    warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("LIMITS_DIR", str(tmp_path))
    monkeypatch.setenv("LIMITS_SLEEP", "0.3")
    days = ["2026-04-02", "2026-04-03", "2026-04-04"]
    result = load("limits", warehouse).materialize(partitions=days, workers=4, executor="threads")
    assert result.ok

    def most_at_once(name: str) -> int:
        spans = [tuple(map(float, (tmp_path / f"{name}-{d}").read_text().split())) for d in days]
        return max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)

    assert most_at_once("limited") == 1
    assert most_at_once("unlimited") >= 2  # the control: without a limit they do overlap


@pytest.mark.slow  # a worker process killed at its timeout
def test_timeout_kills_the_worker_process_and_counts_as_a_failed_attempt(warehouse):
    project = load("timeouts", warehouse)
    started = time.monotonic()
    result = project.materialize(["sleepy", "quick"], workers=2, executor="processes")
    took = time.monotonic() - started

    assert statuses(result) == {("sleepy", "__all__"): "failed", ("quick", "__all__"): "succeeded"}
    sleepy = result.failed[0]
    assert sleepy.attempts == 2 and sleepy.error_type == "TaskTimeoutError"
    assert "ran past its timeout of 0.5s" in sleepy.detail
    assert took < 30  # nowhere near the 60 s the asset would sleep
    assert rows(
        warehouse,
        "select attempt, status, error_type from assetflow.attempts where asset = 'sleepy' "
        "order by attempt",
    ) == [(1, "failed", "TaskTimeoutError"), (2, "failed", "TaskTimeoutError")]
    assert not rows(warehouse, "select * from assetflow.current where asset = 'sleepy'")


def test_timeout_interrupts_a_python_loop_in_a_worker_thread(warehouse):
    result = load("timeouts", warehouse).materialize(["spinner"], executor="threads")
    spinner = result.failed[0]
    assert spinner.attempts == 2 and spinner.error_type == "TaskTimeoutError"
