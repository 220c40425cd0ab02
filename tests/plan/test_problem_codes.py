"""A window check codes its edges in two steps by numpy (``state_codes`` per upstream row,
``version_codes`` per edge to a fresh one); together they must say what the one rule,
``PROBLEM_CODE``, says of the same pairs."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from assetflow.plan.problems import NOT_DUE_CODE, PROBLEM_CODE, state_codes, version_codes

_PAIRS = st.lists(
    st.tuples(
        st.sampled_from(["fresh", "fresh", "missing", "failed", "stale"]),
        st.sampled_from([None, "v1", "v2"]),
        st.sampled_from(["v1", "v2"]),
    ),
    min_size=1,
)


@given(_PAIRS)
def test_codes_in_two_steps_equal_the_rule(pairs) -> None:
    status, recorded, now = (list(column) for column in zip(*pairs, strict=True))
    frame = pl.DataFrame(
        {"up_status": status, "recorded_version": recorded, "up_version": now},
        schema={"up_status": pl.String, "recorded_version": pl.String, "up_version": pl.String},
    )
    rule = frame.select(PROBLEM_CODE).to_series().to_numpy()
    code = state_codes(frame["up_status"])
    fresh = code < 0
    if fresh.any():
        picked = pl.Series(fresh)
        code[fresh] = version_codes(
            frame["recorded_version"].filter(picked), frame["up_version"].filter(picked)
        )
    assert code.tolist() == rule.tolist()
    assert NOT_DUE_CODE not in code.tolist()
    assert code.dtype == np.int8
