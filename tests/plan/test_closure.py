"""The columnar run closure (backfill summaries) agrees with the step-wise planner."""

from __future__ import annotations

import pytest

import assetflow as af
from assetflow.commit.state import CatalogState
from assetflow.plan.closure import run_closure, summarize
from assetflow.plan.planner import build_plan
from assetflow.plan.staleness import compute_status
from tests.conftest import AS_OF, resource


@pytest.mark.parametrize(
    ("selection", "keys", "force"),
    [
        (["joined"], ["2026-04-02", "2026-04-03"], False),
        (["left", "right"], ["2026-04-01"], True),
        (["source", "joined"], ["2026-04-05", "2026-04-06", "2026-04-07"], False),
    ],
)
def test_closure_runs_exactly_what_the_planner_runs(selection, keys, force):
    graph = af.Project.load(resource("diamond")).graph
    state = CatalogState.empty()
    plan = build_plan(graph, state, AS_OF, selection=selection, partitions=keys, force=force)
    statuses = compute_status(graph, state, AS_OF)
    closure = run_closure(graph, statuses, {a: keys for a in selection}, force=force)
    ran = {(a, p) for a, p in closure.filter("run").select("asset", "partition").iter_rows()}
    assert ran == {(s.asset, s.partition) for s in plan.to_run}
    summary = summarize(closure, graph.order)
    assert summary["will_run"].sum() + summary["upstream"].sum() == len(plan.to_run)
