"""One run converges: after any successful run of a selection, nothing in that selection that
the run could have built is stale (issue 15, item 4)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from tests.conftest import AS_OF, resource


def project(name: str, warehouse) -> af.Project:
    p = af.Project.load(resource(name), warehouse=warehouse)
    p.clock = lambda: AS_OF
    return p


def not_fresh(report: af.StatusReport) -> list[tuple[str, str, str]]:
    frame = report.frame.filter(pl.col("status") != "fresh")
    return frame.select("asset", "partition", "reason").rows()


def test_a_range_that_adds_days_rebuilds_the_summary_that_reads_all_of_them(warehouse):
    """The issue's case: ``summary`` reads every day of ``totals``; 03-01..03 exist, the run
    adds 03-04..10. One run must leave ``summary`` built from all ten days."""
    gen = project("gen", warehouse)
    assert gen.materialize(partition_range=("2026-03-01", "2026-03-03"), executor="threads").ok
    plan = gen.plan(partition_range=("2026-03-01", "2026-03-10"))
    summary = [s for s in plan.to_run if s.asset == "summary"]
    assert [(s.status, s.reason) for s in summary] == [
        ("stale", "upstream totals 2026-03-04 changes in this run (+6 more)")
    ]
    assert [s.asset for s in plan.to_run][-1] == "summary"  # after what it reads

    assert gen.materialize(partition_range=("2026-03-01", "2026-03-10"), executor="threads").ok
    assert not_fresh(gen.status(partition_range=("2026-03-01", "2026-03-10"))) == []
    assert gen.query("select days from summary")["days"].to_list() == [10]


def test_a_bare_materialize_that_adds_most_days_converges_in_one_run(warehouse):
    gen = project("gen", warehouse)
    assert gen.materialize(partition_range=("2026-03-01", "2026-03-03"), executor="threads").ok
    assert gen.materialize(executor="threads").ok
    assert not_fresh(gen.status()) == []
    assert gen.query("select days from summary")["days"].to_list() == [30]
    assert gen.plan().to_run == ()  # and nothing is added when nothing changed


def test_only_requested_partitions_are_pulled_forward(warehouse):
    """``asset materialize events`` adds days but does not rebuild what was not asked for."""
    gen = project("gen", warehouse)
    assert gen.materialize(partition_range=("2026-03-01", "2026-03-03"), executor="threads").ok
    plan = gen.plan(["events", "totals"], partition_range=("2026-03-01", "2026-03-05"))
    assert {s.asset for s in plan.to_run} == {"events", "totals"}


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {},
        {"partition_range": ("2026-02-27", "2026-03-02")},
        {"selection": ["rolling", "total"], "partition_range": ("2026-02-24", "2026-02-26")},
        {"selection": ["monthly", "grand"], "partition": "2026-02"},
        {"selection": ["total"], "force": True},
    ],
)
def test_every_mapping_kind_converges_from_a_partial_warehouse(warehouse, request_kwargs):
    cv = project("converge", warehouse)
    assert cv.materialize(partition_range=("2026-02-24", "2026-02-25"), executor="threads").ok
    assert cv.materialize(["grand"], executor="threads").ok
    result = cv.materialize(executor="threads", **request_kwargs)
    assert result.ok
    status_args = {k: v for k, v in request_kwargs.items() if k != "force"}
    assert not_fresh(cv.status(**status_args)) == []


def test_a_forced_range_with_changed_data_rebuilds_the_window_days_after_it(warehouse, monkeypatch):
    """Found by the random test below: ``--force`` over 02-24..25 with new source data changes
    ``rolling`` 02-26 and 02-27 (their 3-day windows read the rebuilt days), which the requested
    unpartitioned ``total`` reads, and the month ``grand`` reads. They run too, as upstream
    steps, before what reads them."""
    cv = project("converge", warehouse)
    assert cv.materialize(executor="threads").ok
    monkeypatch.setenv("CONVERGE_GEN", "2")
    plan = cv.plan(partition_range=("2026-02-24", "2026-02-25"), force=True)
    pulled = [(s.asset, s.partition, s.reason) for s in plan.to_run if not s.requested]
    assert pulled == [
        ("rolling", "2026-02-26", "upstream raw 2026-02-24 changes in this run (+1 more)"),
        ("rolling", "2026-02-27", "upstream raw 2026-02-25 changes in this run"),
        ("monthly", "2026-02", "upstream rolling 2026-02-24 changes in this run (+3 more)"),
    ]
    order = [(s.asset, s.partition) for s in plan.to_run]
    assert order.index(("rolling", "2026-02-27")) < order.index(("total", "__all__"))
    assert cv.materialize(
        partition_range=("2026-02-24", "2026-02-25"), force=True, executor="threads"
    ).ok
    assert not_fresh(cv.status(partition_range=("2026-02-24", "2026-02-25"))) == []


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    runs=st.lists(
        st.tuples(
            st.sampled_from([None, ["raw"], ["rolling"], ["total"], ["monthly", "grand"]]),
            st.sampled_from(
                [None, ("2026-02-24", "2026-02-25"), ("2026-02-27", "2026-03-03"), "2026-03-05"]
            ),
            st.booleans(),
            st.integers(1, 3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_sequence_of_runs_leaves_its_selection_converged(tmp_path_factory, runs):
    """Random requests (selections, ranges, single keys, --force, upstream data changes)
    against one warehouse: after each successful run, its selection shows nothing stale."""
    import os

    cv = project("converge", tmp_path_factory.mktemp("converge") / "wh")
    for selection, keys, force, gen in runs:
        os.environ["CONVERGE_GEN"] = str(gen)
        kwargs: dict = {"force": force}
        if isinstance(keys, tuple):
            kwargs["partition_range"] = keys
        elif keys is not None:
            kwargs["partition"] = keys
        try:
            result = cv.materialize(selection, executor="threads", **kwargs)
        except af.PartitionKeyError:
            continue  # e.g. a daily key for a selection of monthly assets only
        assert result.ok
        status_args = {k: v for k, v in kwargs.items() if k != "force"}
        assert not_fresh(cv.status(selection, **status_args)) == []
    os.environ.pop("CONVERGE_GEN", None)
