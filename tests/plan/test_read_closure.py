"""A plan of some partitions computes statuses only for what they read (``plan/reads.py``): each
of those partitions must get exactly the status a computation over every key gives it."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
