"""Statuses are assembled a topological level at a time (``plan/assembly.py``): answering the
checks of many assets in one query must give each asset exactly what it gets alone."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.commit.state import CURRENT_SCHEMA, INPUTS_SCHEMA, CatalogState
from assetflow.plan import assembly, staleness
from assetflow.plan.assembly import assemble
from assetflow.plan.reasons import IdentityCheck, identity_reasons, upstream_check
from tests.plan.test_aligned_reasons import GRAPH, cases

AS_OF = datetime(2026, 4, 12, tzinfo=UTC)
daily = af.DailyPartitions(start="2026-04-01")
SHAPES = ["identity", "identity", "window", "all"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cases(), st.sampled_from([None, True, False])), min_size=1, max_size=5))
def test_identity_checks_answered_together_equal_each_alone(drawn):
    checks = []
    for (keys, up_status, recorded), committed in drawn:
        found = upstream_check(GRAPH, "d", "u", keys, up_status, recorded, committed)
        if isinstance(found, IdentityCheck):
            checks.append(found)
    together = identity_reasons(checks)
    alone = [identity_reasons([c])[0] for c in checks]
    assert len(together) == len(alone)
    for a, b in zip(together, alone, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.equals(b)


@st.composite
def graphs(draw):
    """A small daily graph (identity, window and all-partitions edges, up to three upstreams,
    sources) and a catalog where each asset has some keys committed, some with another code
    version, and recorded inputs that match, differ or are absent."""
    n = draw(st.integers(2, 7))
    assets, current, inputs = [], [], []
    keys = daily.due_series(AS_OF).to_list()
    for i in range(n):
        name = f"a{i}"
        earlier = [f"a{j}" for j in range(i)]
        ups = sorted(draw(st.sets(st.sampled_from(earlier), max_size=3))) if earlier else []
        mappings = {}
        for up in ups:
            shape = draw(st.sampled_from(SHAPES))
            if shape == "window":
                mappings[up] = af.Window(lookback=draw(st.integers(0, 2)))
            elif shape == "all":
                mappings[up] = af.AllPartitions()
        assets.append(
            af.asset(name=name, partitions=daily, deps=ups, code_version="2", mappings=mappings)(
                lambda: None
            )
        )
        for key in keys:
            if draw(st.integers(0, 3)) == 0:
                continue  # never materialized
            version = draw(st.sampled_from(["v1", "v2"]))
            code = draw(st.sampled_from(["1", "2", "2", "2"]))
            current.append((name, key, len(current), version, code, "x.parquet", 1, AS_OF))
            for up in ups:
                seen = draw(st.sampled_from(["v1", "v2", None]))
                if seen is not None:
                    inputs.append((name, key, up, key, seen))
    state = CatalogState(
        pl.DataFrame(current, schema=CURRENT_SCHEMA, orient="row").sort("asset", "partition"),
        pl.DataFrame(inputs, schema=INPUTS_SCHEMA, orient="row").sort(
            "asset", "upstream", "partition", "up_partition"
        ),
    )
    return af.AssetGraph.build(assets), state


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_a_level_assembled_together_equals_each_asset_alone(case):
    graph, state = case
    expected = staleness.status_by_asset(graph, state, AS_OF)
    current = staleness.split_groups(state.current, ["asset"])
    inputs = staleness.split_groups(state.inputs, ["asset", "upstream"])
    for level in staleness._levels(graph, None):
        prepared = [
            staleness._prepare(
                graph, current, inputs, {}, staleness.asset_key_series(graph, n, AS_OF), n, expected
            )
            for n in level
        ]
        together = assemble(prepared)
        for p in prepared:
            alone = assemble([p])[p.name]
            assert together[p.name].equals(alone)
            assert alone.equals(expected[p.name])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_reasons_left_unspelled_behind_an_earlier_check_change_no_status(case):
    """An identity check does not spell a reason where a check ranked before it (of the same
    asset) has one: every status equals the one with every reason spelled."""
    graph, state = case
    shadowed = staleness.status_by_asset(graph, state, AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            assembly, "identity_reasons", lambda checks, before=None: identity_reasons(checks)
        )
        spelled = staleness.status_by_asset(graph, state, AS_OF)
    assert shadowed.keys() == spelled.keys()
    for name, frame in spelled.items():
        assert shadowed[name].equals(frame)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_statuses_spelled_where_a_check_says_something_equal_every_row_spelled(case):
    """A level's statuses are spelled only for rows without data or with something in a
    check's columns (the rest are fresh, no reason): they equal the rule applied to every
    row."""
    graph, state = case
    told = staleness.status_by_asset(graph, state, AS_OF)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            assembly,
            "_statuses",
            lambda stacked, width: stacked.select(assembly._status_columns(width)),
        )
        every = staleness.status_by_asset(graph, state, AS_OF)
    assert told.keys() == every.keys()
    for name, frame in every.items():
        assert told[name].equals(frame)
