"""Asset views over their current files: bound from one footer when every file has the same
columns, unified by name otherwise, and refused (the previous view kept) when a file is gone."""

from __future__ import annotations

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.publish import mark_views

# The one-asset project of the schema tests; importing its autouse fixture makes it apply here.
from tests.commit.test_schema_check import OUTPUT, _reset_output, frame, project  # noqa: F401

KEYS = ["2026-04-01", "2026-04-02", "2026-04-03"]


def each_day() -> None:
    for key in KEYS:
        OUTPUT[key] = frame(day=key, amount=int(key[-2:]))


def view_sql(warehouse) -> str:
    with duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True) as con:
        (sql,) = con.execute("select sql from duckdb_views() where view_name = 'orders'").fetchone()
    return sql


def test_files_with_one_schema_bind_the_view_from_one_footer(warehouse):
    each_day()
    p = project(warehouse)
    assert p.materialize(partitions=KEYS).ok
    assert "union_by_name = false" in view_sql(warehouse)
    rows = p.query("select day, amount from orders order by day").rows()
    assert rows == [("2026-04-01", 1), ("2026-04-02", 2), ("2026-04-03", 3)]


def test_files_whose_columns_differ_are_unified_by_name(warehouse):
    each_day()
    assert project(warehouse).materialize(partitions=KEYS[:2]).ok
    # The same columns in another order (strict allows it), then an added one (evolve).
    OUTPUT[KEYS[1]] = frame(amount=20, day=KEYS[1])
    assert project(warehouse).materialize(partition=KEYS[1], force=True).ok
    assert "union_by_name = true" in view_sql(warehouse)
    OUTPUT[KEYS[2]] = frame(day=KEYS[2], amount=30, note="late")
    evolving = project(warehouse, schema="evolve")
    assert evolving.materialize(partition=KEYS[2]).ok
    rows = evolving.query("select day, amount, note from orders order by day").rows()
    assert rows == [("2026-04-01", 1, None), ("2026-04-02", 20, None), ("2026-04-03", 30, "late")]


@pytest.mark.parametrize("damage", ["remove", "truncate"])
def test_a_missing_or_resized_file_fails_its_view_though_the_schemas_agree(warehouse, damage):
    each_day()
    p = project(warehouse)
    assert p.materialize(partitions=KEYS[:2]).ok
    (middle,) = (warehouse / "orders" / KEYS[1]).glob("*.parquet")
    if damage == "remove":
        middle.unlink()
    else:
        middle.write_bytes(middle.read_bytes()[:-9])  # the footer's tail cut off
    with pytest.raises(af.StorageError, match="view of orders could not be rebuilt"):
        p.materialize(partition=KEYS[2])
    # The previous view stays (over the two partitions committed before), and is reported.
    assert f"/orders/{KEYS[1]}/" in view_sql(warehouse)
    assert f"/orders/{KEYS[2]}/" not in view_sql(warehouse)


def narrow_the_live_view(warehouse) -> None:
    """Point the live catalog's view of orders at the first day's file only (no writer open):
    a view that no commit explains, so only a rebuild of that view changes it back."""
    (first,) = (warehouse / "orders" / KEYS[0]).glob("*.parquet")
    with duckdb.connect(str(warehouse / LIVE_CATALOG)) as con:
        con.execute(f"create or replace view main.orders as select * from read_parquet('{first}')")


def count(p: af.Project) -> int:
    return p.query("select count(*) as n from orders")["n"][0]


def test_a_writer_rebuilds_only_the_views_of_what_was_committed_since_the_last_publish(warehouse):
    each_day()
    p = project(warehouse)
    assert p.materialize(partitions=KEYS[:2]).ok
    narrow_the_live_view(warehouse)
    with af.Warehouse(warehouse).writer():
        pass  # a session that commits nothing (a cron call with nothing to do) rebuilds no view
    assert count(p) == 1
    assert p.materialize(partition=KEYS[2]).ok
    assert count(p) == 3


def test_a_commit_that_never_got_published_has_its_view_rebuilt_by_the_next_writer(warehouse):
    each_day()
    p = project(warehouse)
    assert p.materialize(partitions=KEYS[:2]).ok
    # What a crash after a commit and before its publication leaves: a view older than the
    # commit (here: views marked as built only before the first materialization).
    with duckdb.connect(str(warehouse / LIVE_CATALOG)) as con:
        mark_views(con, 0)
    narrow_the_live_view(warehouse)
    with af.Warehouse(warehouse).writer():
        pass
    assert count(p) == 2
