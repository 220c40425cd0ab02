"""`vacuum` removes orphans and expired superseded versions, and never a current file."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

import assetflow as af
from tests.conftest import AS_OF, copy_warehouse, load_project, resource
from tests.warehouse_checks import versions

KEY = "2026-04-02"


class Clock:
    def __init__(self) -> None:
        self.now = AS_OF

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Two versions of every partition of 2026-04-02: factor 1 (day 0), factor 2 (day 1)."""
    warehouse = tmp_path_factory.mktemp("template") / "warehouse"
    clock = Clock()
    p = load_project(resource("linear"), warehouse, clock=clock)
    assert p.materialize(partition=KEY).ok
    clock.now += timedelta(days=1)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LINEAR_FACTOR", "2")
        assert p.materialize(partition=KEY, force=True).ok
    return warehouse


@pytest.fixture
def project(template, warehouse, clock, monkeypatch):
    """A copy of the template, on day 1 with factor 2 as after its second run."""
    clock.now += timedelta(days=1)
    monkeypatch.setenv("LINEAR_FACTOR", "2")
    return load_project(resource("linear"), copy_warehouse(template, warehouse), clock=clock)


def parquet_files(warehouse):
    return sorted(p.relative_to(warehouse).as_posix() for p in warehouse.rglob("*.parquet"))


def old_orphan(warehouse, clock, name, age_days):
    path = warehouse / "raw" / KEY / name
    path.write_bytes(b"left by a crash")
    stamp = (clock.now - timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_superseded_versions_are_kept_within_the_retention(project, clock, warehouse):
    clock.now += timedelta(days=3)
    report = project.vacuum(older_than=timedelta(days=7))
    assert report.removed == [] and report.retained == 3
    assert len(parquet_files(warehouse)) == 6


def test_expired_superseded_versions_and_old_orphans_go_current_files_stay(
    project, clock, warehouse
):
    before = versions(warehouse)
    temp = old_orphan(warehouse, clock, ".tmp-" + "a" * 32 + ".parquet", age_days=1)
    stray = old_orphan(warehouse, clock, "b" * 32 + ".parquet", age_days=10)
    clock.now += timedelta(days=8)
    fresh = old_orphan(warehouse, clock, "c" * 32 + ".parquet", age_days=0)

    dry = project.vacuum(older_than=timedelta(days=7), dry_run=True)
    assert sorted(f.kind for f in dry.removed) == ["superseded"] * 3 + ["temp", "unreferenced"]
    assert dry.retained == 1 and temp.exists() and stray.exists()  # a dry run removes nothing
    assert "would remove 5 file(s)" in dry.render()

    report = project.vacuum(older_than=timedelta(days=7))
    assert [f.path for f in report.removed] == [f.path for f in dry.removed]
    assert not temp.exists() and not stray.exists()
    assert fresh.exists()  # younger than the retention by its mtime: kept
    assert report.bytes > 0
    assert versions(warehouse) == before
    check = project.verify()
    assert check.ok and [o.path for o in check.orphans] == [f"raw/{KEY}/{fresh.name}"]
    assert project.query("select count(*) as n from raw")["n"][0] == 10


def test_older_than_zero_keeps_exactly_the_current_files(project, warehouse):
    report = project.vacuum(older_than=timedelta(0))
    assert {f.kind for f in report.removed} == {"superseded"}
    kept = parquet_files(warehouse)
    assert len(kept) == 3
    files = project.query("select file_path from assetflow.partitions")["file_path"].to_list()
    assert sorted(files) == kept
    assert project.verify().ok


def test_empty_partition_folders_are_removed(warehouse, clock, monkeypatch):
    p = load_project(resource("linear"), warehouse, clock=clock)
    assert p.materialize(partition=KEY).ok
    folder = warehouse / "raw" / "2026-04-05"
    folder.mkdir()
    (folder / ("d" * 32 + ".parquet")).write_bytes(b"orphan")
    clock.now += timedelta(days=400)
    p.vacuum(older_than=timedelta(days=1))
    assert not folder.exists() and (warehouse / "raw" / KEY).exists()


def test_a_rollback_target_removed_by_vacuum_cannot_be_restored(project, clock):
    first = project.versions("clean", KEY)["id"].to_list()[-1]
    clock.now += timedelta(days=30)
    project.vacuum(older_than=timedelta(days=7))
    table = project.versions("clean", KEY)
    assert table.filter(~table["current"])["retained"].to_list() == [False]
    with pytest.raises(af.StorageError, match="removed by vacuum"):
        project.rollback("clean", KEY, to=first)
    with pytest.raises(af.PartitionKeyError, match="no earlier retained version"):
        project.rollback("clean", KEY)


def test_vacuum_needs_an_existing_warehouse(tmp_path):
    p = af.Project.load(resource("linear"), warehouse=tmp_path / "none")
    with pytest.raises(af.StorageError, match="no catalog yet"):
        p.vacuum()
    assert not (tmp_path / "none").exists()


def test_vacuum_refuses_while_a_view_cannot_be_rebuilt(project, clock, warehouse):
    (damaged,) = [
        p
        for p in (warehouse / "clean" / KEY).glob("*.parquet")
        if p.relative_to(warehouse).as_posix() in versions_files(project)
    ]
    damaged.write_bytes(b"not parquet")
    clock.now += timedelta(days=30)
    before = parquet_files(warehouse)
    with pytest.raises(af.StorageError, match="not vacuuming: the view of clean"):
        project.vacuum(older_than=timedelta(0))
    assert parquet_files(warehouse) == before
    project.verify(repair=True)
    assert project.vacuum(older_than=timedelta(0)).removed


def versions_files(project) -> set[str]:
    return set(project.query("select file_path from assetflow.partitions")["file_path"].to_list())
