"""A window upstream that lists the reader's keys is lined up by position (and, when fresh and
read at today's versions, answered by comparing columns); it must say what the join on keys
says."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.plan.reasons import EdgeMemo, upstream_check

AS_OF = datetime(2026, 4, 20, tzinfo=UTC)
daily = af.DailyPartitions(start="2026-04-01")
KEYS = daily.due_series(AS_OF).rename("partition")
STATUSES = ["fresh", "fresh", "fresh", "stale", "missing", "failed"]


def graph(lookback: int, end: int) -> af.AssetGraph:
    window = af.Window(start_offset=-lookback, end_offset=end)
    return af.AssetGraph.build(
        [
            af.asset(name="u", partitions=daily)(lambda: None),
            af.asset(name="d", partitions=daily, deps=["u"], mappings={"u": window})(lambda: None),
        ]
    )


@st.composite
def cases(draw):
    """A window, the upstream's status per key (often all fresh) and what each key recorded
    reading its window: the current version, another, nothing, sometimes an input no longer
    read; in the catalog's order or shuffled."""
    g = graph(draw(st.integers(0, 3)), draw(st.integers(0, 1)))
    n = draw(st.integers(1, len(KEYS)))
    keys = KEYS.head(n)
    healthy = draw(st.booleans())
    statuses = (
        ["fresh"] * n
        if healthy
        else draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
    )
    versions = [None if s == "missing" else f"v{i}" for i, s in enumerate(statuses)]
    up_status = pl.DataFrame(
        {
            "partition": keys,
            "status": statuses,
            "data_version": pl.Series(versions, dtype=pl.String),
            "_waiting": [False] * n,
        }
    )
    recorded = None
    if healthy or draw(st.integers(0, 3)):
        edges = g.mappings[("d", "u")].edges(keys.to_list(), daily, [])
        current = dict(zip(keys.to_list(), versions, strict=True))
        rows = []
        for key, up_key in edges.iter_rows():
            seen = "same" if healthy else draw(st.sampled_from(["same", "same", "other", "absent"]))
            if seen != "absent":
                rows.append((key, up_key, current.get(up_key) if seen == "same" else "old"))
        if not healthy and draw(st.integers(0, 5)) == 0:
            rows.append((keys[0], "2026-03-31", "gone"))
        if draw(st.booleans()):
            rows = [rows[i] for i in draw(st.permutations(range(len(rows))))]
        schema = {"partition": pl.String, "up_partition": pl.String, "recorded_version": pl.String}
        recorded = pl.DataFrame(rows, schema=schema, orient="row")
    return g, keys, up_status, recorded


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_positions_say_what_the_join_says(case):
    g, keys, up_status, recorded = case
    by_position = upstream_check(g, "d", "u", keys, up_status, recorded, memo=EdgeMemo())
    # The same rows in another order list other keys: lined up by a join on them.
    by_join = upstream_check(g, "d", "u", keys, up_status.reverse(), recorded, memo=EdgeMemo())
    if len(keys) > 1:
        assert not up_status.reverse()["partition"].equals(keys)
    if by_position is None or by_join is None:
        assert by_position is None and by_join is None
    else:
        assert by_position.equals(by_join)


def test_a_fresh_window_read_at_its_versions_has_nothing_to_say():
    g = graph(6, 0)
    keys = KEYS
    versions = [f"v{i}" for i in range(len(keys))]
    up_status = pl.DataFrame(
        {"partition": keys, "status": "fresh", "data_version": versions, "_waiting": False}
    )
    edges = g.mappings[("d", "u")].edges(keys.to_list(), daily, [])
    current = dict(zip(keys.to_list(), versions, strict=True))
    recorded = edges.with_columns(recorded_version=pl.col("up_partition").replace_strict(current))
    assert upstream_check(g, "d", "u", keys, up_status, recorded, memo=EdgeMemo()) is None
    changed = recorded.with_columns(
        recorded_version=pl.when(
            (pl.col("partition") == keys[9]) & (pl.col("up_partition") == keys[9])
        )
        .then(pl.lit("old"))
        .otherwise("recorded_version")
    )
    found = upstream_check(g, "d", "u", keys, up_status, changed, memo=EdgeMemo())
    assert found is not None
    assert found["_n"].to_list()[9] == 1
    assert found["reason"][9] == f"upstream u {keys[9]} changed"
    assert found["reason"].null_count() == len(keys) - 1
