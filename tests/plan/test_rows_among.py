"""``rows_among`` locates keys by a dict in Python when there are few and by polars (a binary
search of sorted keys, else a join) when there are many: both must give the same rows."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from assetflow.plan import edges
from assetflow.plan.edges import rows_among
from assetflow.plan.planner import _rows_of

_KEYS = st.lists(st.sampled_from([f"2024-01-{d:02d}" for d in range(1, 29)]), unique=True)


def _by_rule(keys: list[str], wanted: list[str]) -> list[int]:
    return [keys.index(w) if w in keys else -1 for w in wanted]


@given(keys=_KEYS, wanted=st.lists(st.sampled_from([f"2024-01-{d:02d}" for d in range(40)])))
def test_rows_among_is_the_same_on_either_path(keys, wanted) -> None:
    for order in (sorted(keys), keys):  # sorted: a binary search; else a join
        ks, ws = pl.Series(order, dtype=pl.String), pl.Series(wanted, dtype=pl.String)
        few = rows_among(ks, ws)
        saved, edges._FEW = edges._FEW, -1  # the polars path
        try:
            many = rows_among(ks, ws)
        finally:
            edges._FEW = saved
        assert few.tolist() == many.tolist() == _by_rule(order, wanted)
        assert few.dtype == many.dtype == np.int64


@given(keys=_KEYS, wanted=_KEYS)
def test_a_requests_rows_are_its_keys_rows_in_key_order(keys, wanted) -> None:
    keys = sorted(keys)
    status = pl.DataFrame(
        {"partition": keys, "_order": range(len(keys))},
        schema={"partition": pl.String, "_order": pl.UInt32},
    )
    found = _rows_of(status, pl.Series(wanted, dtype=pl.String))
    expected = status.join(
        pl.DataFrame({"partition": wanted}, schema={"partition": pl.String}),
        on="partition",
        how="semi",
        maintain_order="left",
    )
    assert found.equals(expected)
