"""A request's statuses list, per asset, the keys asked that are due, each once, in key order,
with their positions among the due keys of its partitions definition (``_due_among``: every
asset of one definition located at once, made distinct by numpy)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

import assetflow as af
from assetflow.plan.staleness import _due_among, asset_key_series

AS_OF = datetime(2024, 1, 20, tzinfo=UTC)
_DAILY = af.DailyPartitions(start="2024-01-03")
_STATIC = af.StaticPartitions(["b", "a", "c", "e"])  # due keys not sorted: the join path
_ASKED = [f"2024-01-{d:02d}" for d in range(1, 25)] + ["a", "b", "c", "d", "e"]
GRAPH = af.AssetGraph.build(
    [
        af.asset(name="d0", partitions=_DAILY)(lambda: None),
        af.asset(name="d1", partitions=_DAILY, deps=["d0"])(lambda: None),
        af.asset(name="s0", partitions=_STATIC)(lambda: None),
        af.asset(name="s1", partitions=_STATIC, deps=["s0"])(lambda: None),
    ]
)


@given(st.fixed_dictionaries({n: st.lists(st.sampled_from(_ASKED)) for n in GRAPH.order}))
def test_due_keys_asked_each_once_in_key_order_with_their_positions(asked) -> None:
    only = {n: pl.Series(keys, dtype=pl.String) for n, keys in asked.items()}
    found = _due_among(GRAPH, list(GRAPH.order), AS_OF, only)
    for name in GRAPH.order:
        due = asset_key_series(GRAPH, name, AS_OF).to_list()
        rows = sorted({due.index(k) for k in asked[name] if k in due})
        keys, positions = found[name]
        assert keys.to_list() == [due[i] for i in rows]
        assert positions.tolist() == rows
