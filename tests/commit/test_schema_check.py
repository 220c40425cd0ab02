"""Schema compatibility between partitions of one asset, checked when a partition commits."""

from __future__ import annotations

import polars as pl
import pyarrow as pa
import pytest

import assetflow as af
from assetflow.commit.schema_check import (
    check_schema,
    describe_schema,
    diff_schemas,
    logical_type,
    parse_schema,
)
from tests.conftest import AS_OF

DAYS = af.DailyPartitions(start="2026-04-01")
# What the asset returns per day; tests change it between runs.
OUTPUT: dict[str, pl.DataFrame] = {}


def frame(**columns) -> pl.DataFrame:
    return pl.DataFrame({k: [v] for k, v in columns.items()})


def project(warehouse, schema="strict", code_version="1") -> af.Project:
    @af.asset(name="orders", partitions=DAYS, code_version=code_version, schema=schema)
    def orders(context: af.Context) -> pl.DataFrame:
        return OUTPUT.get(context.partition_key, frame(id=1, amount=10))

    return af.Project([orders], warehouse=warehouse, clock=lambda: AS_OF, executor="threads")


@pytest.fixture(autouse=True)
def _reset_output():
    OUTPUT.clear()
    yield
    OUTPUT.clear()


def test_physical_variants_of_one_type_are_the_same_logical_type():
    assert logical_type(pa.large_string()) == logical_type(pa.string()) == "string"
    assert logical_type(pa.dictionary(pa.uint32(), pa.large_string())) == "string"
    assert logical_type(pa.large_list(pa.int64())) == logical_type(pa.list_(pa.int64()))
    assert logical_type(pa.int32()) != logical_type(pa.int64())
    polars_side = describe_schema(pl.DataFrame({"s": ["x"], "l": [[1]]}).to_arrow().schema)
    duckdb_side = describe_schema(pa.schema([("s", pa.string()), ("l", pa.list_(pa.int64()))]))
    assert polars_side == duckdb_side


def test_diff_names_added_removed_and_retyped_columns():
    old = [("id", "int64"), ("amount", "int64"), ("note", "string")]
    new = [("amount", "string"), ("id", "int64"), ("extra", "double")]
    diff = diff_schemas(old, new)
    assert diff.added == (("extra", "double"),)
    assert diff.removed == (("note", "string"),)
    assert diff.changed == (("amount", "int64", "string"),)
    assert diff.describe() == (
        "added extra (double); removed note (string); changed amount int64 -> string"
    )
    assert diff_schemas(old, list(reversed(old))).allowed_by("strict")  # order is irrelevant


def test_policies():
    base = describe_schema(pa.schema([("id", pa.int64())]))
    wider = describe_schema(pa.schema([("id", pa.int64()), ("x", pa.int8())]))
    check_schema("a", "k", wider, [(base, "k0")], "evolve")
    with pytest.raises(af.SchemaMismatchError, match=r'schema="evolve"'):
        check_schema("a", "k", wider, [(base, "k0")], "strict")
    with pytest.raises(af.SchemaMismatchError, match=r"removed x \(int8\)"):
        check_schema("a", "k", base, [(wider, "k0")], "evolve")
    check_schema("a", "k", base, [("id: int64 (a legacy text schema)", "k0")], "strict")
    assert parse_schema("not json") is None


def test_retyped_column_fails_the_task_and_commits_nothing(warehouse):
    p = project(warehouse)
    assert p.materialize(partitions=["2026-04-01", "2026-04-02"]).ok
    OUTPUT["2026-04-03"] = frame(id=1, amount="ten")
    result = p.materialize(partition="2026-04-03")
    assert result.status == "failed"
    (task,) = result.failed
    assert "changed amount int64 -> string" in task.detail
    assert "partition 2026-04-01" in task.detail  # names a partition it conflicts with
    assert "\n" not in task.detail
    assert not (warehouse / "orders" / "2026-04-03").exists()  # the refused file is gone
    assert p.status().status_of("orders", "2026-04-03") == "failed"  # nothing committed
    assert p.verify().ok and p.verify().orphans == []


def test_added_column_needs_evolve(warehouse):
    strict = project(warehouse)
    assert strict.materialize(partition="2026-04-01").ok
    OUTPUT["2026-04-02"] = frame(id=1, amount=10, extra=1.5)
    failed = strict.materialize(partition="2026-04-02")
    assert 'schema="evolve"' in failed.failed[0].detail
    evolving = project(warehouse, schema="evolve")
    assert evolving.materialize(partition="2026-04-02").ok
    assert evolving.query("select count(extra) as n from orders")["n"][0] == 1
    OUTPUT["2026-04-03"] = frame(id=1)  # evolve still refuses a removed column
    refused = evolving.materialize(partition="2026-04-03")
    assert "removed amount (int64)" in refused.failed[0].detail


def test_replacing_the_only_partition_or_bumping_the_code_version_is_allowed(warehouse):
    assert project(warehouse).materialize(partition="2026-04-01").ok
    OUTPUT["2026-04-01"] = frame(id="a")
    assert project(warehouse).materialize(partition="2026-04-01", force=True).ok  # no others
    assert project(warehouse).materialize(partition="2026-04-02").ok is False
    bumped = project(warehouse, code_version="2")
    OUTPUT["2026-04-02"] = frame(id=1.5)
    # The other partition was built by code version 1: it is stale, not a conflict.
    assert bumped.materialize(partition="2026-04-02").ok


def test_schema_option_is_validated():
    with pytest.raises(af.DefinitionError, match=r'"strict" or "evolve"'):
        af.asset(schema="loose")(lambda: None)
