"""The process pool sends a busy worker its next task ahead: the worker starts it without a
round trip, yet a queued task is only ever started once, moves to a worker that falls idle,
survives its worker's death without costing an attempt, and times out from its real start."""

from __future__ import annotations

import itertools
import socket
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection

import pytest

import assetflow as af
from assetflow.commit.storage import StorageSpec
from assetflow.execute.messages import AttemptFinished, AttemptOutcome, AttemptStarted, TaskSpec
from assetflow.execute.worker import Recall, Recalled, _Inbox
from tests.execute.conftest import load, rows, statuses

DAYS = ["2026-04-02", "2026-04-03", "2026-04-04"]


def _spec(task_id: int) -> TaskSpec:
    return TaskSpec(task_id, "a", "2026-04-02", {}, StorageSpec("local", "/wh"), "r", 1, "1")


def _until(check, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_queued_spec_either_starts_or_is_recalled_never_both():
    ours, theirs = socket.socketpair()
    pool, worker = Connection(ours.detach()), Connection(theirs.detach())
    said: list[object] = []
    inbox = _Inbox(worker, said.append)
    for task_id in (1, 2, 3):
        pool.send(_spec(task_id))
    pool.send(Recall(2))
    pool.send(Recall(9))  # not queued (never sent): nothing to say
    assert inbox.next().task_id == 1
    _until(lambda: Recalled(2) in said)
    assert inbox.next().task_id == 3  # 2 was given back, so it is skipped
    pool.send(Recall(3))  # too late: it started
    pool.close()
    assert inbox.next() is None  # the pool closed the connection
    assert said.count(Recalled(2)) == 1
    assert [m for m in said if isinstance(m, AttemptStarted)] == [
        AttemptStarted(1, 1),
        AttemptStarted(3, 1),
    ]
    assert Recalled(3) not in said and Recalled(9) not in said


def test_an_attempt_s_end_and_the_queued_next_one_s_start_go_in_one_message():
    ours, theirs = socket.socketpair()
    pool, worker = Connection(ours.detach()), Connection(theirs.detach())
    said: list[object] = []
    inbox = _Inbox(worker, said.append)
    pool.send(_spec(1))
    pool.send(_spec(2))
    assert inbox.next().task_id == 1
    _until(lambda: len(inbox._queue) == 1)
    one = AttemptFinished(AttemptOutcome(1, 1, None, None, (), 0.1))
    assert inbox.next(one).task_id == 2  # queued: one message for both
    two = AttemptFinished(AttemptOutcome(2, 1, None, None, (), 0.1))
    pool.close()
    assert inbox.next(two) is None  # nothing queued: the end goes alone
    assert said == [AttemptStarted(1, 1), (one, AttemptStarted(2, 1)), two]


@pytest.mark.slow  # worker processes
def test_a_task_queued_behind_a_long_one_moves_to_a_worker_that_falls_idle(
    warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("NAPS_DIR", str(tmp_path))
    monkeypatch.setenv("LONG_NAP", "5")
    result = load("queued", warehouse).materialize(
        ["naps"], partitions=DAYS, workers=2, executor="processes"
    )
    assert result.ok and {t.attempts for t in result.tasks} == {1}
    spans = {d: [float(x) for x in (tmp_path / f"naps-{d}").read_text().split()] for d in DAYS}
    long_end = spans["2026-04-02"][1]
    # The first worker got the long nap and the next task queued behind it; the second worker,
    # idle after its own task, took that one back instead of letting it wait 5 s.
    assert all(spans[d][1] < long_end for d in DAYS[1:]), spans


@pytest.mark.slow  # a worker process runs two tasks of one second back to back
def test_a_queued_task_s_timeout_and_start_count_from_when_it_began(
    warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv("NAPS_DIR", str(tmp_path))
    project = load("queued", warehouse, clock=lambda: datetime.now(UTC))
    result = project.materialize(["capped"], partitions=DAYS, workers=1, executor="processes")
    # Each nap (1.2 s) fits the 2 s timeout; counted from submission the queued ones would not.
    assert result.ok and {t.attempts for t in result.tasks} == {1}, result.tasks
    spans = rows(
        warehouse,
        "select started_at, finished_at from assetflow.attempts where asset = 'capped' "
        "order by started_at",
    )
    for (_, finished), (started, _) in itertools.pairwise(spans):
        assert (started - finished).total_seconds() > -0.2, spans  # one worker: one at a time


@pytest.mark.slow  # a worker process dies with a task queued on it
def test_a_task_queued_on_a_worker_that_dies_runs_elsewhere_without_losing_an_attempt(
    warehouse,
):
    result = load("queued", warehouse).materialize(
        ["doomed"], partitions=DAYS[:2], workers=1, executor="processes"
    )
    assert result.ok, result.tasks
    assert {t.partition: t.attempts for t in result.tasks} == {DAYS[0]: 2, DAYS[1]: 1}
    assert rows(
        warehouse, "select partition, attempt, status from assetflow.attempts order by all"
    ) == [(DAYS[0], 1, "failed"), (DAYS[0], 2, "succeeded"), (DAYS[1], 1, "succeeded")]


@pytest.mark.slow  # a worker process with a task queued behind a running one
def test_cancelling_drops_a_queued_task_before_it_begins(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("NAPS_DIR", str(tmp_path))
    monkeypatch.setenv("LONG_NAP", "2")
    token = af.CancelToken()

    def on_event(event: af.TaskEvent) -> None:
        if event.kind == "started" and event.partition == DAYS[0]:
            token.cancel("test")

    result = load("queued", warehouse).materialize(
        ["naps"], partitions=DAYS[:2], workers=1, executor="processes", cancel=token,
        grace_period=30, callbacks=af.RunCallbacks(on_event=on_event),
    )  # fmt: skip
    # The running one finishes within the grace period; the one queued behind it never began.
    assert statuses(result) == {("naps", DAYS[0]): "succeeded", ("naps", DAYS[1]): "cancelled"}
    assert not (tmp_path / f"naps-{DAYS[1]}").exists()
    assert rows(warehouse, "select partition from assetflow.attempts") == [(DAYS[0],)]
