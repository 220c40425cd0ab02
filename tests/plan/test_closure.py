"""One upstream closure: the backfill summary counts the plan a materialization would run, and
an upstream partition that is not due yet stops both the same way."""

from __future__ import annotations

import pytest

import assetflow as af
from assetflow.automation.backfill import plan_backfill
from assetflow.commit.state import CatalogState
from assetflow.plan.planner import build_plan
from tests.conftest import AS_OF, resource


@pytest.mark.parametrize(
    ("selection", "keys", "force"),
    [
        (["joined"], ["2026-04-02", "2026-04-03"], False),
        (["left", "right"], ["2026-04-01"], True),
        (["source", "joined"], ["2026-04-05", "2026-04-06", "2026-04-07"], False),
    ],
)
def test_backfill_summary_counts_exactly_what_the_planner_runs(tmp_path, selection, keys, force):
    project = af.Project.load(resource("diamond"), warehouse=tmp_path / "wh")
    plan = build_plan(
        project.graph, CatalogState.empty(), AS_OF, selection=selection, partitions=keys,
        force=force,
    )  # fmt: skip
    total, summary = plan_backfill(project, {a: keys for a in selection}, AS_OF, force=force)
    assert total == len(plan.to_run)
    assert sum(s.will_run + s.upstream for s in summary) == len(plan.to_run)
    assert {s.asset for s in summary} == {s.asset for s in plan.steps}
    requested = {s.asset: s.requested for s in summary}
    assert all(requested[a] == len(keys) for a in selection)


def test_an_upstream_that_is_not_due_stops_a_plan_and_a_backfill_alike(tmp_path):
    """At 12:00 on April 10 the hours of April 10 so far are due, but the day they read is not:
    nothing can build them yet. The backfill summary used to count that day as "will run"
    (and its runs then failed); it refuses up front, with the planner's words."""
    project = af.Project.load(resource("hours"), warehouse=tmp_path / "wh")
    hours = [f"2026-04-10T0{h}:00" for h in range(3)]
    expected = "cannot materialize hourly 2026-04-10T00:00: upstream sales 2026-04-10 is not due"
    with pytest.raises(af.PlanError, match=expected) as planned:
        build_plan(project.graph, CatalogState.empty(), AS_OF, selection=["hourly"],
                   partitions=hours)  # fmt: skip
    with pytest.raises(af.PlanError, match=expected) as summarized:
        plan_backfill(project, {"hourly": hours}, AS_OF, force=False)
    assert (planned.value.asset, planned.value.partition) == ("hourly", "2026-04-10T00:00")
    assert (summarized.value.asset, summarized.value.partition) == ("hourly", hours[0])
    # The hours of a day that has closed plan fine, with that day pulled in.
    total, summary = plan_backfill(project, {"hourly": ["2026-04-09T23:00"]}, AS_OF, force=False)
    assert total == 2 and {s.asset: s.upstream for s in summary}["sales"] == 1
