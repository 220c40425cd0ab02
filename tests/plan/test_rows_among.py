"""``rows_among`` locates keys by a dict in Python when there are few and by polars (a binary
search of sorted keys, else a join) when there are many: both must give the same rows; a
request's rows and an identity check's upstream rows are found by it."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from assetflow.plan import edges
from assetflow.plan.edges import rows_among
from assetflow.plan.identity import IdentityCheck, identity_check
from assetflow.plan.planner import _rows_of
from assetflow.plan.problems import UP_NAMES

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


@given(
    up_keys=_KEYS,
    keys=st.lists(st.sampled_from([f"2024-01-{d:02d}" for d in range(1, 40)]), unique=True),
    data=st.data(),
)
def test_an_identity_check_lines_the_upstream_up_by_position_nulls_where_unlisted(
    up_keys, keys, data
) -> None:
    """With no known rows (the upstream's partitions are another definition, or not-due keys
    were committed), the upstream's status is lined up with the keys as a left join would."""
    statuses = st.sampled_from(["fresh", "stale", "missing", "failed"])
    up_status = pl.DataFrame(
        {
            "partition": up_keys,
            "status": data.draw(st.lists(statuses, min_size=len(up_keys), max_size=len(up_keys))),
            "data_version": [f"v{i}" if i % 3 else None for i in range(len(up_keys))],
            "_waiting": [i % 2 == 0 for i in range(len(up_keys))],
        },
        schema={
            "partition": pl.String,
            "status": pl.String,
            "data_version": pl.String,
            "_waiting": pl.Boolean,
        },
    )
    ks = pl.Series("partition", keys, dtype=pl.String)
    found = identity_check(ks, "up", up_status, None, None)
    if up_status["partition"].equals(ks):
        return  # the same keys in the same order: no lining up
    expected = (
        ks.to_frame()
        .join(up_status, on="partition", how="left", maintain_order="left")
        .select(
            pl.col("partition").alias("up_partition"),
            pl.lit(None, pl.String).alias("recorded_version"),
            *(pl.col(column).alias(alias) for column, alias in UP_NAMES.items()),
        )
    )
    assert isinstance(found, IdentityCheck)
    assert found.expected.equals(expected)
