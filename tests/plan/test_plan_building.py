"""Plans: make-like closure, --only, --force, ordering, and keys that cannot be planned."""

from __future__ import annotations

import pytest

import assetflow as af
from tests.conftest import AS_OF, load_project, resource


@pytest.fixture
def diamond(warehouse) -> af.Project:
    return load_project(resource("diamond"), warehouse, clock=lambda: AS_OF)


def steps(plan: af.Plan) -> list[tuple[str, str, bool]]:
    return [(s.asset, s.partition, s.run) for s in plan.steps]


def test_make_like_plan_pulls_in_missing_upstreams_in_dependency_order(diamond):
    plan = diamond.plan("joined", partition="2026-04-02")
    assert steps(plan) == [
        ("stores", af.UNPARTITIONED, True),
        ("source", "2026-04-02", True),
        ("left", "2026-04-02", True),
        ("right", "2026-04-02", True),
        ("joined", "2026-04-02", True),
    ]
    assert [s.requested for s in plan.steps] == [False, False, False, False, True]


def test_plan_is_pure(diamond, warehouse):
    diamond.plan("joined", partition="2026-04-02")
    assert not warehouse.exists()


def test_fresh_partitions_are_skipped_unless_forced(diamond):
    assert diamond.materialize("joined", partition="2026-04-02").ok
    assert diamond.plan("joined", partition="2026-04-02").to_run == ()
    forced = diamond.plan("joined", partition="2026-04-02", force=True)
    assert [(s.asset, s.status) for s in forced.to_run] == [("joined", "fresh")]


def test_only_refuses_a_stale_upstream_and_names_it(diamond):
    with pytest.raises(af.PlanError, match=r"upstream (left|right) 2026-04-02, which is missing"):
        diamond.plan("joined", partition="2026-04-02", only=True)


def test_only_accepts_upstreams_planned_in_the_same_selection(diamond):
    diamond.materialize("source", partition="2026-04-02")
    plan = diamond.plan(["left", "right", "joined"], partition="2026-04-02", only=True)
    assert [s.asset for s in plan.to_run] == ["left", "right", "joined"]


def test_unknown_asset_and_bad_keys_raise_typed_errors(diamond):
    with pytest.raises(af.SelectionError, match="unknown asset 'nope'"):
        diamond.plan("nope")
    with pytest.raises(af.PartitionKeyError, match="not due yet"):
        diamond.plan("source", partition="2026-04-10")
    with pytest.raises(af.PartitionKeyError, match="before the first partition"):
        diamond.plan("source", partition="2026-03-31")


def test_plan_explain_and_to_dict_describe_every_step(diamond):
    plan = diamond.plan("left", partition="2026-04-02")
    text = plan.explain()
    assert text.splitlines()[0] == "plan: 3 to run, 0 fresh"
    assert "[upstream]" in text and "stores (unpartitioned)" in text
    doc = plan.to_dict()
    assert [s["asset"] for s in doc["steps"]] == ["stores", "source", "left"]


def test_backfill_without_partition_runs_every_due_partition(diamond):
    result = diamond.materialize(["source"])
    assert result.ok
    assert result.count("succeeded") == 1 + 9  # stores + 2026-04-01..09
    assert diamond.plan(["source"]).to_run == ()
