"""A request's plan built from the catalog rows of just what it reads (``plan/needs.py``) equals
its plan built from the whole catalog."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.commit.state import CatalogState
from assetflow.plan.needs import plan_needs
from assetflow.plan.planner import build_plan
from tests.plan.test_level_assembly import AS_OF, daily
from tests.plan.test_read_closure import committed, requests


def cut(state: CatalogState, rows: dict[str, pl.Series]) -> CatalogState:
    """The rows ``read_state(only=rows)`` reads: current partitions and their recorded inputs."""
    wanted = pl.DataFrame(
        [(a, p) for a, keys in rows.items() for p in keys],
        schema={"asset": pl.String, "partition": pl.String},
        orient="row",
    )
    return CatalogState(
        state.current.join(wanted, on=["asset", "partition"], how="semi", maintain_order="left"),
        state.inputs.join(wanted, on=["asset", "partition"], how="semi", maintain_order="left"),
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests(),
    st.sampled_from([None, "stale", "missing"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_a_plan_from_the_rows_it_reads_equals_the_plan_from_the_whole_catalog(
    case, which, force, only, by_asset
):
    graph, state, targets = case
    if by_asset:
        request = dict(keys_by_asset={n: k.to_list() for n, k in targets.items()})
    else:  # the same keys asked of every requested asset, as --partition does
        keys = sorted({k for ks in targets.values() for k in ks})
        request = dict(selection=sorted(targets), partitions=keys)
    flags = dict(which=which, force=force, only=only)
    try:
        expected = build_plan(graph, state, AS_OF, **request, **flags).to_polars()
    except af.PlanError as exc:
        expected = str(exc)
    needs = plan_needs(graph, AS_OF, committed(state), **request)
    rows = needs.catalog_rows(graph)
    assert rows is not None  # identity, window and all-partitions edges
    try:
        found = build_plan(graph, cut(state, rows), AS_OF, **request, **flags, needs=needs)
    except af.PlanError as exc:
        assert str(exc) == expected
        return
    assert isinstance(expected, pl.DataFrame), expected
    assert found.to_polars().equals(expected)


def test_everything_due_reads_the_whole_catalog():
    graph = af.AssetGraph.build([af.asset(name="a", partitions=daily)(lambda: None)])
    needs = plan_needs(graph, AS_OF, lambda asset: pl.Series("partition", [], dtype=pl.String))
    assert needs.requested is None
    assert needs.catalog_rows(graph) is None


class _Latest(af.PartitionMapping):
    """A user's own mapping: reads the latest committed upstream key, whichever it is."""

    def edges(self, downstream_keys, upstream, upstream_committed):
        latest = max(upstream_committed, default=None)
        return pl.DataFrame(
            {"partition": list(downstream_keys), "up_partition": [latest] * len(downstream_keys)},
            schema={"partition": pl.String, "up_partition": pl.String},
        ).drop_nulls()


@pytest.mark.parametrize(
    ("mapping", "cut_down"),
    [
        (None, True),
        (af.Window(lookback=2), True),
        (af.AllPartitions(), True),
        (_Latest(), False),
    ],
)
def test_a_mapping_that_does_not_say_it_picks_keys_one_by_one_reads_the_whole_catalog(
    mapping, cut_down
):
    up = af.asset(name="up", partitions=daily)(lambda: None)
    mappings = {} if mapping is None else {"up": mapping}
    down = af.asset(name="down", partitions=daily, deps=["up"], mappings=mappings)(lambda: None)
    graph = af.AssetGraph.build([up, down])
    keys = daily.due_series(AS_OF)
    needs = plan_needs(
        graph, AS_OF, lambda asset: keys, selection=["down"], partitions=["2026-04-05"]
    )
    assert (needs.catalog_rows(graph) is not None) is cut_down
