"""`verify` finds every kind of damage on real files, and `--repair` brings the warehouse back."""

from __future__ import annotations

import os

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.files import stage_table
from tests.conftest import AS_OF, copy_warehouse, load_project, resource
from tests.warehouse_checks import versions

KEYS = ["2026-04-02", "2026-04-03"]


def linear(warehouse) -> af.Project:
    return load_project(resource("linear"), warehouse, clock=lambda: AS_OF)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("template") / "warehouse"
    assert linear(warehouse).materialize(partitions=KEYS).ok
    return warehouse


@pytest.fixture
def built(template, warehouse):
    """raw/clean/report of KEYS, committed (a copy of the module's template)."""
    return linear(copy_warehouse(template, warehouse))


def file_of(warehouse, asset, key):
    (path,) = (warehouse / asset / key).glob("*.parquet")
    return path


def kinds(report):
    return [p.kind for p in report.problems]


def test_a_clean_warehouse_verifies(built):
    report = built.verify()
    assert report.ok and report.problems == [] and report.orphans == [] and report.notes == []
    assert report.partitions == 6 and report.files_checked == 6
    assert report.render().endswith("ok")


def test_no_catalog_is_an_error_not_damage(warehouse):
    with pytest.raises(af.StorageError, match="no catalog yet"):
        linear(warehouse).verify()


def test_corrupt_and_missing_files_are_damage(built, warehouse):
    corrupt = file_of(warehouse, "clean", "2026-04-02")
    data = bytearray(corrupt.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    file_of(warehouse, "report", "2026-04-03").unlink()
    report = built.verify()
    assert not report.ok
    by_kind = {p.kind: p for p in report.problems}
    assert set(by_kind) == {"checksum_mismatch", "missing_file"}
    assert (by_kind["checksum_mismatch"].asset, by_kind["checksum_mismatch"].partition) == (
        "clean",
        "2026-04-02",
    )
    assert by_kind["missing_file"].path.startswith("report/2026-04-03/")
    assert "--repair" in by_kind["missing_file"].detail
    assert "DAMAGED: 2 problem(s)" in report.render()


def test_orphans_are_listed_but_are_not_damage(built, warehouse):
    folder = warehouse / "raw" / "2026-04-02"
    (folder / ".tmp-0123456789abcdef0123456789abcdef.parquet").write_bytes(b"half a file")
    (folder / "fedcba9876543210fedcba9876543210.parquet").write_bytes(b"never committed")
    (warehouse / ".warehouse.duckdb.4242.tmp").write_bytes(b"half a snapshot")
    (folder / "notes.txt").write_text("a user's file is none of our business")
    (warehouse / "README.md").write_text("neither is this")
    report = built.verify()
    assert report.ok
    assert sorted((o.kind, o.path) for o in report.orphans) == [
        ("publish_temp", ".warehouse.duckdb.4242.tmp"),
        ("temp", "raw/2026-04-02/.tmp-0123456789abcdef0123456789abcdef.parquet"),
        ("unreferenced", "raw/2026-04-02/fedcba9876543210fedcba9876543210.parquet"),
    ]


def test_a_snapshot_behind_the_live_catalog_is_a_note(built, warehouse):
    with af.Warehouse(warehouse, lock_timeout=5).writer() as catalog:
        table = duckdb.sql("select 1::bigint as id, 7::bigint as value").to_arrow_table()
        staged = stage_table(table, catalog.storage, "raw", "2026-04-04")
        catalog.commit(
            asset="raw",
            partition="2026-04-04",
            staged=staged,
            code_version="1",
            inputs=[],
            run_id="test",
            started_at=AS_OF,
            finished_at=AS_OF,
        )
        catalog.abandon()  # release the lock without publishing, like a crash would
    report = built.verify()
    assert report.ok
    assert any("differs from the live catalog in 1 partition" in n for n in report.notes)
    repaired = built.verify(repair=True)
    assert repaired.ok and repaired.notes == []
    assert ("raw", "2026-04-04") in versions(warehouse)


def test_a_view_that_disagrees_with_the_catalog_is_damage_and_repair_republishes(built, warehouse):
    con = duckdb.connect(str(warehouse / PUBLISHED_CATALOG))
    only_one = file_of(warehouse, "raw", "2026-04-02").resolve()
    con.execute(f"create or replace view raw as select * from read_parquet(['{only_one}'])")
    con.close()
    report = built.verify()
    assert kinds(report) == ["view_mismatch"] and report.problems[0].asset == "raw"
    assert built.verify(repair=True).ok
    assert built.query("select count(*) as n from raw")["n"][0] == 20


@pytest.mark.parametrize("damage", ["truncate", "garbage_header", "missing"])
def test_a_damaged_live_catalog_is_restored_from_the_snapshot(built, warehouse, damage):
    live = warehouse / LIVE_CATALOG
    before = versions(warehouse)
    if damage == "truncate":
        os.truncate(live, 16384)  # the header survives, every table block is gone
    elif damage == "garbage_header":
        with open(live, "r+b") as f:
            f.write(b"\xff" * 4096)
    else:
        live.unlink()
    report = built.verify()
    assert kinds(report) == ["catalog_missing" if damage == "missing" else "catalog_unreadable"]
    with pytest.raises(af.StorageError, match=r"verify --repair"):
        built.materialize(partitions=KEYS)
    repaired = built.verify(repair=True)
    assert repaired.ok, repaired.render()
    assert any("restored .assetflow/catalog.duckdb" in a for a in repaired.repaired)
    assert versions(warehouse) == before
    assert built.materialize(partitions=KEYS).count("succeeded") == 0  # nothing was lost


def test_a_damaged_snapshot_is_reported_and_republished(built, warehouse):
    snapshot = warehouse / PUBLISHED_CATALOG
    os.truncate(snapshot, 16384)
    with pytest.raises(af.StorageError, match=r"warehouse.duckdb.*publishes it again"):
        built.status()
    report = built.verify()
    assert kinds(report) == ["catalog_unreadable"] and report.problems[0].path == "warehouse.duckdb"
    assert built.verify(repair=True).ok
    assert built.status().status_of("report", "2026-04-02") == "fresh"


def test_repair_forgets_damaged_partitions_and_the_next_run_rebuilds_them(built, warehouse):
    before = versions(warehouse)
    file_of(warehouse, "clean", "2026-04-03").write_bytes(b"not parquet at all")
    events = []
    # The task reading the damaged file fails, and says to run `asset verify`. (Publishing
    # rebuilds only the views of what was committed since the last complete publish, so the
    # run does not read every current file to find damage elsewhere: verify does.)
    result = built.materialize(
        "report",
        partition="2026-04-03",
        force=True,
        only=True,
        callbacks=af.RunCallbacks(on_event=events.append),
    )
    assert not result.ok
    (failed,) = [e for e in events if e.kind == "failed"]
    assert "cannot read its input clean" in failed.detail and "asset verify" in failed.detail
    assert built.query("select count(*) as n from raw")["n"][0] == 20  # others still published
    with pytest.raises(af.StorageError, match="asset verify"):
        built.read("clean", "2026-04-03")

    repaired = built.verify(repair=True)
    assert repaired.ok
    assert any(a.startswith("forgot clean 2026-04-03") for a in repaired.repaired)
    assert built.status().status_of("clean", "2026-04-03") == "missing"
    assert built.materialize(partitions=KEYS).ok
    assert versions(warehouse) == before  # rebuilt to the same data
    assert built.verify().ok
