"""A copied or moved warehouse reads its own files, never the original's (docs/reliability.md,
"Backup and restore")."""

from __future__ import annotations

import shutil

import duckdb

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from tests.conftest import AS_OF, invoke_cli, resource

DAYS = ["2026-04-01", "2026-04-02"]


def linear(warehouse) -> af.Project:
    p = af.Project.load(resource("linear"), warehouse=warehouse)
    p.clock = lambda: AS_OF
    return p


def view_folders(warehouse) -> set[str]:
    """Which warehouse the snapshot's views read from, as plain DuckDB sees it."""
    con = duckdb.connect()
    con.execute(f"attach '{warehouse / PUBLISHED_CATALOG}' as w (read_only)")
    try:
        rows = con.sql(
            "select sql from duckdb_views() where database_name = 'w' and schema_name = 'main'"
        ).fetchall()
    finally:
        con.close()
    return {
        "original" if "/original/" in sql else "copy" if "/copy/" in sql else sql for (sql,) in rows
    }


def test_a_copy_answers_from_its_own_files_even_once_the_original_is_gone(tmp_path):
    original, copy = tmp_path / "original", tmp_path / "copy"
    assert linear(original).materialize(partitions=DAYS, executor="threads").ok
    shutil.copytree(original, copy, symlinks=True)  # cp -a
    assert view_folders(copy) == {"original"}  # what plain duckdb would read right now
    shutil.rmtree(original)

    project = linear(copy)
    assert project.query("select count(*) as n from raw")["n"].to_list() == [20]
    assert view_folders(copy) == {"copy"}  # republished for its location
    assert project.read("clean").height == 10
    assert project.status(partition_range=(DAYS[0], DAYS[-1])).frame[
        "status"
    ].unique().to_list() == ["fresh"]
    assert project.verify().ok


def test_verify_names_a_moved_warehouse_and_repair_republishes_it(tmp_path):
    original, moved = tmp_path / "original", tmp_path / "copy"
    assert linear(original).materialize(partitions=DAYS, executor="threads").ok
    original.rename(moved)
    args = ("-p", str(resource("linear")), "-w", str(moved))
    out = invoke_cli(*args, "verify")
    assert out.returncode == 1
    damage = [line for line in out.stdout.splitlines() if "damage" in line]
    assert len(damage) == 1 and "moved" in damage[0]
    assert f"copied or moved from {original}" in damage[0] and "--repair" in damage[0]
    assert invoke_cli(*args, "verify", "--repair").returncode == 0
    assert view_folders(moved) == {"copy"}
    assert invoke_cli(*args, "verify").returncode == 0


def test_the_documented_backup_while_a_run_holds_the_catalog_restores_completely(tmp_path):
    """Backup while a writer holds the live catalog: copy warehouse.duckdb first, then the
    asset folders (files are immutable); restore; ``asset verify --repair``."""
    original, restored = tmp_path / "original", tmp_path / "copy"
    assert linear(original).materialize(partitions=DAYS, executor="threads").ok
    with af.Warehouse(original, lock_timeout=5).writer():  # a run in progress
        restored.mkdir()
        shutil.copy2(original / PUBLISHED_CATALOG, restored / PUBLISHED_CATALOG)
        for folder in original.iterdir():
            if folder.is_dir() and not folder.name.startswith("."):
                shutil.copytree(folder, restored / folder.name)
    args = ("-p", str(resource("linear")), "-w", str(restored))
    out = invoke_cli(*args, "verify", "--repair")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "restored .assetflow/catalog.duckdb" in out.stdout
    assert (restored / LIVE_CATALOG).exists()
    project = linear(restored)
    assert project.status(partition_range=(DAYS[0], DAYS[-1])).frame[
        "status"
    ].unique().to_list() == ["fresh"]
    assert project.query("select count(*) as n from report")["n"].to_list() == [2]
    assert view_folders(restored) == {"copy"}
