"""Unpartitioned assets get their status by scalar rules; they must match the columnar rules."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.commit.state import CURRENT_SCHEMA, FAILURE_SCHEMA, INPUTS_SCHEMA, CatalogState
from assetflow.define.partitions import UNPARTITIONED
from assetflow.plan import staleness
from assetflow.plan.staleness import compute_status

AS_OF = datetime(2026, 4, 10, tzinfo=UTC)
K = UNPARTITIONED
daily = af.DailyPartitions(start="2026-04-01")


@st.composite
def cases(draw):
    """A small graph of mostly unpartitioned assets and a catalog state that exercises every
    rule: missing, code changes, changed / added / matching inputs, failures, a daily asset."""
    n = draw(st.integers(2, 7))
    assets, current, inputs, failures = [], [], [], []
    versions: dict[str, str | None] = {}
    for i in range(n):
        name = f"a{i}"
        earlier = [f"a{j}" for j in range(i)]
        ups = sorted(draw(st.sets(st.sampled_from(earlier), max_size=3))) if earlier else []
        daily_asset = i == 0 and draw(st.booleans())
        if daily_asset:
            ups = []
        is_daily = {a.name: a.partitions is not None for a in assets}
        mappings = {u: af.Identity() for u in ups if not is_daily[u] and draw(st.booleans())}
        assets.append(
            af.asset(
                name=name,
                partitions=daily if daily_asset else None,
                deps=ups,
                code_version="2",
                mappings=mappings,
            )(lambda: None)
        )
        committed = draw(st.booleans())
        version = draw(st.sampled_from(["v1", "v2"])) if committed else None
        versions[name] = version
        key = "2026-04-03" if daily_asset else K
        if committed:
            code = draw(st.sampled_from(["1", "2", "2"]))
            current.append((name, key, i, version, code, "x.parquet", 1, AS_OF))
            for up in ups:
                recorded = draw(st.sampled_from(["same", "other", "absent"]))
                if recorded != "absent":
                    seen = versions[up] if recorded == "same" else "v0"
                    up_key = "2026-04-03" if up == "a0" and assets[0].partitions else K
                    inputs.append((name, key, up, up_key, seen))
        if draw(st.integers(0, 4)) == 0:
            failures.append((name, key, "run-1", AS_OF, "boom"))
    state = CatalogState(
        current=pl.DataFrame(current, schema=CURRENT_SCHEMA, orient="row"),
        inputs=pl.DataFrame(inputs, schema=INPUTS_SCHEMA, orient="row"),
        failures=pl.DataFrame(failures, schema=FAILURE_SCHEMA, orient="row"),
    )
    return af.AssetGraph.build(assets), state


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_scalar_rules_equal_the_columnar_rules(case):
    graph, state = case
    scalar = compute_status(graph, state, AS_OF)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(staleness, "single_key_status", lambda *args: None)
        columnar = compute_status(graph, state, AS_OF)
    assert scalar.to_dicts() == columnar.to_dicts()


def test_a_chain_of_unpartitioned_assets_uses_the_scalar_rules():
    assets = [af.asset(name="a0", code_version="1")(lambda: None)]
    assets.append(af.asset(name="a1", deps=["a0"], code_version="1")(lambda: None))
    graph = af.AssetGraph.build(assets)
    from assetflow.plan.single_key import single_key_status

    done = {"a0": single_key_status(graph, "a0", None, {}, {})}
    assert done["a0"] is not None and done["a0"]["status"].to_list() == ["missing"]
    a1 = single_key_status(graph, "a1", None, {}, done)
    assert a1 is not None
    assert a1.row(0, named=True)["reason"] == "never materialized; upstream a0 is missing"
