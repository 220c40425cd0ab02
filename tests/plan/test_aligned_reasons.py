"""An identity upstream's reasons come from whole columns; they must match the row path's."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.plan.reasons import (
    ALIGNED,
    IdentityCheck,
    _problem_rows,
    align,
    identity_reasons,
    upstream_check,
)

AS_OF = datetime(2026, 4, 20, tzinfo=UTC)
daily = af.DailyPartitions(start="2026-04-01")
GRAPH = af.AssetGraph.build(
    [
        af.asset(name="u", partitions=daily)(lambda: None),
        af.asset(name="d", partitions=daily, deps=["u"])(lambda: None),
    ]
)
KEYS = daily.due_series(AS_OF).rename("partition")
STATUSES = ["fresh", "fresh", "stale", "missing", "failed"]


def upstream_reasons(graph, name, up, keys, up_status, recorded, committed=None):
    """One upstream's reasons, an identity upstream's check answered on its own."""
    found = upstream_check(graph, name, up, keys, up_status, recorded, committed)
    return identity_reasons([found])[0] if isinstance(found, IdentityCheck) else found


@st.composite
def cases(draw):
    """The upstream's status per key and what the downstream recorded reading it: any subset
    of keys, the current or another version, in any order, sometimes an input it no longer reads."""
    n = draw(st.integers(1, len(KEYS)))
    keys = KEYS.head(n)
    statuses = draw(st.lists(st.sampled_from(STATUSES), min_size=n, max_size=n))
    versions = [
        None if s == "missing" or (s == "failed" and draw(st.booleans())) else f"v{i}"
        for i, s in enumerate(statuses)
    ]
    up_status = pl.DataFrame(
        {
            "partition": keys,
            "status": statuses,
            "data_version": pl.Series(versions, dtype=pl.String),
            "_waiting": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        }
    )
    recorded = None
    if draw(st.integers(0, 4)):
        rows = []
        for key, version in zip(keys, versions, strict=True):
            seen = draw(st.sampled_from(["same", "same", "other", "absent"]))
            if seen != "absent":
                rows.append((key, key, version if seen == "same" else "old"))
        if draw(st.integers(0, 5)) == 0:
            rows.append((keys[0], "2026-03-31", "gone"))  # an input the mapping no longer reads
        order = draw(st.permutations(range(len(rows))))
        recorded = pl.DataFrame(
            [rows[i] for i in order],
            schema={
                "partition": pl.String,
                "up_partition": pl.String,
                "recorded_version": pl.String,
            },
            orient="row",
        )
    return keys, up_status, recorded


def _normal(found: pl.DataFrame | None, height: int) -> list[dict]:
    if found is None:
        found = pl.DataFrame(
            {"reason": [None] * height, "_n": [0] * height, "_absent_reason": [None] * height},
            schema={"reason": pl.String, "_n": pl.UInt32, "_absent_reason": pl.String},
        ).with_columns(_waiting=False)
    return found.select(
        "reason",
        pl.col("_n").fill_null(0).cast(pl.UInt32),
        "_absent_reason",
        pl.col("_waiting").fill_null(False),
    ).to_dicts()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from([None, True, False]))
def test_identity_columns_equal_the_problem_rows(case, committed):
    """``committed`` True/False: the column the status does not read then may be left null."""
    keys, up_status, recorded = case
    columns = upstream_reasons(GRAPH, "d", "u", keys, up_status, recorded, committed)
    rows = align(_problem_rows(GRAPH, "d", "u", keys, up_status, recorded), keys)
    if columns is not None:
        assert columns.columns == list(ALIGNED)
    unread = {True: "_absent_reason", False: "reason", None: None}[committed]

    def read(found: pl.DataFrame | None) -> list[dict]:
        return [{k: v for k, v in r.items() if k != unread} for r in _normal(found, len(keys))]

    assert read(columns) == read(rows)


def test_a_fresh_upstream_read_at_its_versions_has_nothing_to_say():
    up_status = pl.DataFrame(
        {
            "partition": KEYS,
            "status": "fresh",
            "data_version": KEYS.str.replace("^", "v"),
            "_waiting": False,
        }
    )
    recorded = pl.DataFrame(
        {"partition": KEYS, "up_partition": KEYS, "recorded_version": up_status["data_version"]}
    )
    assert upstream_reasons(GRAPH, "d", "u", KEYS, up_status, recorded) is None
    changed = recorded.with_columns(
        recorded_version=pl.when(pl.col("partition") == "2026-04-05")
        .then(pl.lit("old"))
        .otherwise("recorded_version")
    )
    found = upstream_reasons(GRAPH, "d", "u", KEYS, up_status, changed)
    assert found is not None
    assert found["reason"].drop_nulls().to_list() == ["upstream u 2026-04-05 changed"]
