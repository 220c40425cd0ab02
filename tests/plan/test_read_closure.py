"""A plan of some partitions computes statuses only for what they read (``plan/reads.py``): each
of those partitions must get exactly the status a computation over every key gives it."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetflow.commit.state import CatalogState
from assetflow.plan import staleness
from assetflow.plan.reads import read_closure
from tests.plan.test_level_assembly import AS_OF, daily, graphs

KEYS = daily.due_series(AS_OF).to_list()


@st.composite
def requests(draw):
    """A graph and catalog, and a request: some assets, each with a few of its keys."""
    graph, state = draw(graphs())
    names = draw(st.sets(st.sampled_from(list(graph.order)), min_size=1))
    targets = {}
    for name in sorted(names):
        first = draw(st.integers(0, len(KEYS) - 1))
        last = draw(st.integers(first, min(first + 3, len(KEYS) - 1)))
        targets[name] = pl.Series("partition", KEYS[first : last + 1], dtype=pl.String)
    return graph, state, targets


def committed(state):
    return lambda asset: state.current.filter(pl.col("asset") == asset)["partition"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_statuses_of_what_a_request_reads_equal_those_of_a_full_computation(case):
    graph, state, targets = case
    reads = read_closure(graph, targets, committed(state))
    full = staleness.status_by_asset(graph, state, AS_OF)
    part = staleness.status_by_asset(graph, state, AS_OF, reads)
    assert set(part) == set(reads)
    for name, keys in reads.items():
        expected = full[name].filter(pl.col("partition").is_in(keys.implode()))
        assert part[name].equals(expected), name
    for name, keys in targets.items():  # the request itself is read
        assert set(keys) <= set(reads[name])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_what_a_request_reads_is_closed_upstream(case):
    graph, state, targets = case
    reads = read_closure(graph, targets, committed(state))
    for name, keys in reads.items():
        for up in graph[name].upstreams:
            assert up in reads
            edges = graph.mappings[(name, up)].edges(
                keys.to_list(), graph[up].partitions, committed(state)(up).to_list()
            )
            assert set(edges["up_partition"]) <= set(reads[up])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.randoms(use_true_random=False))
def test_what_a_request_reads_is_cut_from_the_catalog_in_any_row_order(case, rng):
    """``read_state`` lists rows by asset, and the cut finds the asked assets' rows by binary
    search; rows in another order are cut by a scan, to the same statuses."""
    graph, state, targets = case
    reads = read_closure(graph, targets, committed(state))
    shuffled = CatalogState(
        state.current.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 2**16)),
        state.inputs.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 2**16)),
    )
    expected = staleness.status_by_asset(graph, state, AS_OF, reads)
    found = staleness.status_by_asset(graph, shuffled, AS_OF, reads)
    assert found.keys() == expected.keys()
    for name, frame in expected.items():
        assert found[name].equals(frame), name
