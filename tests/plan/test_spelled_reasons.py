"""Reasons are spelled only where the status reads them (``plan/problems.py``): a window upstream
checked by position may leave out the column a status will not read when every key has data (or
none has), and says in the other what the row path says."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetflow.plan.reasons import EdgeMemo, upstream_check
from tests.plan.test_window_positions import KEYS, cases, graph


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([True, False]))
def test_a_window_by_position_spells_what_is_read_as_the_rows_do(case, committed):
    g, keys, up_status, recorded = case
    by_position = upstream_check(g, "d", "u", keys, up_status, recorded, committed, EdgeMemo())
    # Listed in another order, the upstream is lined up by a join: the row path, both columns.
    by_rows = upstream_check(g, "d", "u", keys, up_status.reverse(), recorded, None, EdgeMemo())
    if by_position is None or by_rows is None:
        assert by_position is None and by_rows is None
        return
    unread = "_absent_reason" if committed else "reason"  # may be left null
    read = [c for c in by_position.columns if c != unread]
    assert by_position.select(read).equals(by_rows.select(read))


def test_a_missing_window_names_the_first_absent_key_of_each_window():
    g = graph(2, 0)
    keys = KEYS.head(5)
    up_status = pl.DataFrame(
        {
            "partition": keys,
            "status": ["missing"] * 5,
            "data_version": pl.Series([None] * 5, dtype=pl.String),
            "_waiting": [False] * 5,
        }
    )
    found = upstream_check(g, "d", "u", keys, up_status, None, False, EdgeMemo())
    assert found is not None
    first = [keys[0], keys[0], keys[0], keys[1], keys[2]]
    assert found["_absent_reason"].to_list() == [
        f"never materialized; upstream u {key} is missing" for key in first
    ]
    assert found["_n"].to_list() == [1, 2, 3, 3, 3]
    assert found["reason"].null_count() == 5  # no key has data: not read, not spelled
