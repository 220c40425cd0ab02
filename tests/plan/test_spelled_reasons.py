"""A window upstream checked by position (``plan/window_reasons.py``) says what the row path
says (its edges joined with the upstream's status, grouped per key), whether the upstream lists
the reader's keys or others; reasons are spelled only where the status reads them, so when every
key has data (or none has) the column it will not read may be left null."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetflow.plan.reasons import EdgeMemo, _problem_rows, align, upstream_check
from tests.plan.test_window_positions import KEYS, cases, graph

LISTED = ["same", "reversed", "fewer", "none"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cases(), st.sampled_from([None, True, False]), st.sampled_from(["same", "reversed", "fewer"])
)
def test_a_window_by_position_says_what_the_rows_say(case, committed, listed):
    g, keys, up_status, recorded = case
    if listed == "reversed":
        up_status = up_status.reverse()
    elif listed == "fewer":  # a request's statuses: the upstream lists other keys
        up_status = up_status.head(max(len(keys) - 2, 1))
    elif listed == "none":
        up_status = up_status.clear()
    by_position = upstream_check(g, "d", "u", keys, up_status, recorded, committed, EdgeMemo())
    by_rows = align(_problem_rows(g, "d", "u", keys, up_status, recorded), keys)
    if by_position is None or by_rows is None:
        assert by_position is None and by_rows is None
        return
    unread = {True: "_absent_reason", False: "reason", None: None}[committed]
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
