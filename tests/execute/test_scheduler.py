"""The scheduler's bookkeeping: dependency counts, plan order, limits, retry timers."""

from __future__ import annotations

from assetflow.execute.scheduler import Scheduler

A1, A2, B1, B2, C = ("a", "1"), ("a", "2"), ("b", "1"), ("b", "2"), ("c", "__all__")


def test_tasks_resolve_when_all_their_upstream_tasks_finish():
    deps = {B1: [A1], B2: [A2], C: [B1, B2]}
    s = Scheduler([A1, A2, B1, B2, C], deps)
    assert s.initial() == [A1, A2]
    assert s.finish(A1, ok=True) == [B1]
    assert s.finish(B1, ok=True) == []  # C still waits for B2
    assert s.finish(A2, ok=True) == [B2]
    assert s.finish(B2, ok=False) == [C]
    assert s.failed_upstream(C) == B2 and s.failed_upstream(B1) is None
    assert not s.done
    s.finish(C, ok=False)
    assert s.done


def test_ready_tasks_start_in_plan_order_within_per_asset_limits():
    s = Scheduler([A1, A2, B1, B2], {}, limits={"a": 1})
    for key in (B2, A2, B1, A1):
        s.enqueue(key)
    assert s.take(0) == A1
    assert s.take(0) == B1  # A2 is held back: asset a is at its limit
    assert s.take(0) == B2
    assert s.take(0) is None and s.running == 3
    s.finish(A1, ok=True)
    assert s.take(0) == A2


def test_a_partition_chain_runs_before_the_next_root():
    """Deepest ready task first: b1 follows a1 before a2 starts (its frame is still in memory)."""
    s = Scheduler([A1, A2, B1, B2, C], {B1: [A1], B2: [A2], C: [B1, B2]})
    for key in s.initial():
        s.enqueue(key)
    assert s.take(0) == A1
    for key in s.finish(A1, ok=True):
        s.enqueue(key)
    assert s.take(0) == B1
    assert s.take(0) == A2


def test_a_deferred_retry_waits_for_its_due_time_and_frees_its_slot():
    s = Scheduler([A1, A2], {}, limits={"a": 1})
    s.enqueue(A1)
    s.enqueue(A2)
    assert s.take(0) == A1
    s.defer(A1, due=10.0)
    assert s.next_due() == 10.0
    assert s.take(5.0) == A2  # the slot A1 held is free while it waits
    assert s.take(9.0) is None
    s.finish(A2, ok=True)
    assert s.ready_count(11.0) == 1
    assert s.take(11.0) == A1


def test_drain_returns_everything_not_running_for_cancellation():
    s = Scheduler([A1, A2, B1], {B1: [A1]})
    s.enqueue(A1)
    s.enqueue(A2)
    assert s.take(0) == A1
    assert s.drain() == [A2, B1]
    assert s.take(0) is None
