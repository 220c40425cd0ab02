"""Asset views over their current files: bound from one footer when every file has the same
columns, unified by name otherwise, and refused (the previous view kept) when a file is gone."""

from __future__ import annotations

import duckdb
import pytest

import assetflow as af
from assetflow.commit import views
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.views import mark_views

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


# -- parts: an asset with more than PART_FILES files (commit/views.py) --------------------------

NINE = [f"2026-04-0{d}" for d in range(1, 10)]


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of two files, so nine days make five parts."""
    monkeypatch.setattr(views, "PART_FILES", 2)
    for key in NINE:
        OUTPUT[key] = frame(day=key, amount=int(key[-2:]))


def part_sql(warehouse) -> dict[str, str]:
    with duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True) as con:
        rows = con.execute(
            "select view_name, sql from duckdb_views() where schema_name = ?",
            [views.PARTS_SCHEMA],
        ).fetchall()
    return dict(rows)


def view_files(warehouse) -> list[str]:
    with af.Warehouse(warehouse).reader() as reader:
        return reader.view_files()["orders"]


def test_an_asset_with_many_files_is_viewed_through_parts_in_partition_order(
    warehouse, small_parts
):
    p = project(warehouse)
    assert p.materialize(partitions=NINE).ok
    assert sorted(part_sql(warehouse)) == [f"orders/{k}" for k in range(5)]
    # No ORDER BY: the parts, and the files in each, come in partition order.
    assert p.query("select day, amount from orders").rows() == [(k, int(k[-2:])) for k in NINE]
    files = view_files(warehouse)
    assert [f.split("/orders/")[1][:10] for f in files] == NINE
    assert p.verify().ok


def test_a_new_version_of_one_partition_rebuilds_only_its_part(warehouse, small_parts):
    p = project(warehouse)
    assert p.materialize(partitions=NINE).ok
    before = part_sql(warehouse)
    OUTPUT["2026-04-04"] = frame(day="2026-04-04", amount=40)
    assert p.materialize(partition="2026-04-04", force=True).ok
    after = part_sql(warehouse)
    assert {name for name in before if before[name] != after[name]} == {"orders/1"}
    assert p.query("select amount from orders where day = '2026-04-04'").rows() == [(40,)]
    assert count(p) == 9
    assert p.verify().ok


def test_a_day_appended_adds_a_part_and_a_column_added_later_reaches_every_part(
    warehouse, small_parts
):
    p = project(warehouse)
    assert p.materialize(partitions=NINE[:8]).ok  # four full parts
    assert len(part_sql(warehouse)) == 4
    OUTPUT[NINE[8]] = frame(day=NINE[8], amount=9, note="late")
    evolving = project(warehouse, schema="evolve")
    assert evolving.materialize(partition=NINE[8]).ok
    assert len(part_sql(warehouse)) == 5
    rows = evolving.query("select day, note from orders").rows()
    assert rows == [(k, None) for k in NINE[:8]] + [(NINE[8], "late")]


def test_a_damaged_file_fails_its_part_and_the_previous_view_stays(warehouse, small_parts):
    p = project(warehouse)
    assert p.materialize(partitions=NINE).ok
    before = view_files(warehouse)
    (damaged,) = (warehouse / "orders" / "2026-04-04").glob("*.parquet")
    damaged.unlink()
    with pytest.raises(af.StorageError, match="view of orders could not be rebuilt"):
        p.materialize(partition="2026-04-03", force=True)  # the same part as 2026-04-04
    assert view_files(warehouse) == before  # not the new version of 2026-04-03
    assert str(damaged) in before


def test_parts_follow_a_moved_warehouse_and_go_when_few_files_are_left(
    tmp_path, warehouse, small_parts
):
    p = project(warehouse)
    assert p.materialize(partitions=NINE).ok
    moved = tmp_path / "moved"
    warehouse.rename(moved)
    with af.Warehouse(moved).writer():
        pass  # a writer rebuilds every view, parts included, for where the files are now
    files = view_files(moved)
    assert len(files) == 9 and all(f.startswith(str(moved)) for f in files)
    assert project(moved).verify().ok
    for key in NINE[1:]:  # eight files lost: repair forgets their partitions
        for path in (moved / "orders" / key).glob("*.parquet"):
            path.unlink()
    assert project(moved).verify(repair=True)
    assert part_sql(moved) == {}
    assert len(view_files(moved)) == 1
    assert count(project(moved)) == 1


def test_an_asset_view_replaced_by_another_writer_is_rebuilt_over_its_parts(warehouse, small_parts):
    """An older assetflow writes one view over every file; the parts' signatures still match,
    but the asset's view must read its parts again once the asset changes."""
    p = project(warehouse)
    assert p.materialize(partitions=NINE).ok
    narrow_the_live_view(warehouse)
    assert p.materialize(partition=NINE[8], force=True).ok  # rebuilds the last part only
    assert count(p) == 9
    assert len(view_files(warehouse)) == 9
