"""What an asset may return, and the clear error for what it may not."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import assetflow as af
from tests.conftest import AS_OF

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily)
def numbers(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"n": [1, 2, 3], "day": [context.partition_key] * 3})


def build(warehouse, fn) -> af.Project:
    return af.Project(
        [numbers, af.asset(partitions=daily, name="out")(fn)],
        warehouse=warehouse,
        clock=lambda: AS_OF,
        executor="threads",
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda numbers: numbers.select(total=pl.col("n").sum()),
        lambda numbers: numbers.lazy().select(total=pl.col("n").sum()),
        lambda numbers: pa.table({"total": [numbers["n"].sum()]}),
        lambda numbers: duckdb.sql("select 6::bigint as total"),
        lambda numbers: "select sum(n) as total from numbers",
    ],
    ids=["polars", "lazy", "arrow", "duckdb", "sql"],
)
def test_supported_return_types_are_stored(warehouse, fn):
    p = build(warehouse, fn)
    assert p.materialize(partition="2026-04-02").ok
    assert int(p.read("out", partition="2026-04-02")["total"][0]) == 6


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (pl.LazyFrame, pl.LazyFrame),
        (pa.Table, pa.Table),
        (duckdb.DuckDBPyRelation, duckdb.DuckDBPyRelation),
    ],
)
def test_inputs_arrive_as_the_annotated_type(warehouse, annotation, expected):
    seen = []

    def out(numbers):
        seen.append(type(numbers))
        return pl.DataFrame({"ok": [True]})

    out.__annotations__["numbers"] = annotation
    assert build(warehouse, out).materialize(partition="2026-04-02").ok
    assert issubclass(seen[0], expected)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda numbers: 42, "returned int"),
        (lambda numbers: pa.table([[1], [2]], names=["a", "a"]), "duplicate column names"),
        (lambda numbers: "select * from nowhere", "its SQL failed"),
    ],
)
def test_bad_returns_fail_the_task_and_commit_nothing(warehouse, fn, message):
    p = build(warehouse, fn)
    result = p.materialize(partition="2026-04-02")
    assert result.status == "failed"
    [failed] = result.failed
    assert failed.asset == "out" and message in failed.detail
    assert p.status().status_of("out", "2026-04-02") == "failed"  # nothing committed
    assert p.status().status_of("numbers", "2026-04-02") == "fresh"


def test_user_exception_is_wrapped_at_one_boundary_and_downstream_is_not_run(warehouse):
    def out(numbers):
        raise ValueError("bad day")

    @af.asset(partitions=daily)
    def after(out: pl.DataFrame) -> pl.DataFrame:
        return out

    p = af.Project(
        [numbers, af.asset(partitions=daily, name="out")(out), after],
        warehouse=warehouse,
        clock=lambda: AS_OF,
        executor="threads",
    )
    result = p.materialize(partition="2026-04-02")
    assert [(t.asset, t.status) for t in result.tasks] == [
        ("numbers", "succeeded"),
        ("out", "failed"),
        ("after", "upstream_failed"),
    ]
    assert "ValueError: bad day" in result.failed[0].detail
