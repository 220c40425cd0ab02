"""The make-like closure pulls upstream partitions by row positions in their status frames
(``plan/closure.py``): it must plan exactly what the rule says, checked here against the rule
applied one partition at a time with Python sets, on random graphs, catalogs and requests."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings

from assetflow.plan import planner, staleness
from assetflow.plan.closure import COLUMNS, upstream_closure
from assetflow.plan.reads import read_closure
from tests.plan.test_level_assembly import AS_OF
from tests.plan.test_read_closure import committed, requests


def _by_rule(graph, by_asset, wanted):
    """(asset, key) -> (run, requested) of every planned step: the requested rows, then every
    upstream partition a running step maps to that is not fresh and does not run already."""
    status = {
        (name, key): st
        for name, frame in by_asset.items()
        for key, st in frame.select("partition", "status").iter_rows()
    }
    steps = {
        (name, key): (run, True)
        for name, frame in wanted.items()
        for key, run in frame.select("partition", "run").iter_rows()
    }
    todo = [step for step, (run, _) in steps.items() if run]
    while todo:
        name, key = todo.pop()
        for up in graph[name].upstreams:
            done = by_asset[up].filter(pl.col("data_version").is_not_null())["partition"]
            edges = graph.mappings[(name, up)].edges([key], graph[up].partitions, done.to_list())
            for read in edges["up_partition"].to_list():
                if status[(up, read)] == "fresh" or steps.get((up, read), (False,))[0]:
                    continue
                steps[(up, read)] = (True, False)
                todo.append((up, read))
    return steps


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_the_closure_plans_what_the_rule_says_partition_by_partition(case):
    graph, state, targets = case
    reads = read_closure(graph, targets, committed(state))
    by_asset = planner._numbered(staleness.status_by_asset(graph, state, AS_OF, reads))
    wanted = {
        name: planner._flagged(keys.to_frame().join(by_asset[name], on="partition"), False)
        for name, keys in targets.items()
    }
    planned = upstream_closure(graph, by_asset, wanted)
    found = {
        (name, key): (run, requested)
        for name, frame in planned.items()
        for key, run, requested in frame.select("partition", "run", "requested").iter_rows()
    }
    assert found == _by_rule(graph, by_asset, wanted)
    for name, frame in planned.items():
        assert frame.columns == COLUMNS
        if name in wanted and frame.height > wanted[name].height:  # requested and pulled
            assert frame["_order"].is_sorted()  # key order
