"""The catalog's two files: the live one a writer holds and the snapshot readers open."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.files import stage_table
from assetflow.commit.records import PendingCommit
from tests.conftest import AS_OF, load_project, resource
from tests.warehouse_checks import snapshot_problems, view_rows


def linear(warehouse) -> af.Project:
    return load_project(resource("linear"), warehouse, clock=lambda: AS_OF)


@pytest.mark.slow  # a plain duckdb process, elsewhere, reads the views
def test_views_work_from_any_directory_without_assetflow(warehouse, tmp_path):
    linear(warehouse).materialize(partitions=["2026-04-02", "2026-04-03"])
    script = textwrap.dedent(f"""
        import duckdb
        con = duckdb.connect({str(warehouse / PUBLISHED_CATALOG)!r}, read_only=True)
        print(con.sql("select count(*) from clean").fetchall()[0][0])
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "10"


@pytest.mark.slow  # the lock is between processes
def test_readers_are_not_blocked_while_a_writer_holds_the_catalog(warehouse):
    linear(warehouse).materialize(partition="2026-04-02")
    with af.Warehouse(warehouse, lock_timeout=1).writer():
        # The live file is locked against every other process...
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import duckdb; duckdb.connect({str(warehouse / LIVE_CATALOG)!r}, read_only=True)",
            ],
            capture_output=True,
            text=True,
        )
        assert probe.returncode != 0 and "lock" in probe.stderr.lower()
        # ...but the published snapshot is not.
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import duckdb; c = duckdb.connect("
                f"{str(warehouse / PUBLISHED_CATALOG)!r}, read_only=True);"
                "print(c.sql('select count(*) from report').fetchall()[0][0])",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "1"


@pytest.mark.slow  # the lock is between processes
def test_second_writer_waits_then_fails_with_a_clear_message(warehouse):
    linear(warehouse).materialize(partition="2026-04-02")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            import assetflow as af
            with af.Warehouse(Path({str(warehouse)!r})).writer():
                print("held", flush=True)
                time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        notes: list[str] = []
        waiting = af.Warehouse(warehouse, lock_timeout=0.5)
        with (
            pytest.raises(af.CatalogLockedError, match=r"locked by process \d+"),
            waiting.writer(notes.append),
        ):
            pass
        assert notes and "waiting for process" in notes[0]
    finally:
        holder.kill()
        holder.wait()


def test_snapshot_held_open_by_a_reader_stays_consistent_across_commits(warehouse):
    p = linear(warehouse)
    p.materialize(partition="2026-04-02")
    reader = duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True)
    try:
        before = reader.sql("select count(*) from raw").fetchall()[0][0]
        p.materialize(partition="2026-04-03")
        assert reader.sql("select count(*) from raw").fetchall()[0][0] == before
    finally:
        reader.close()
    assert p.query("select count(*) as n from raw")["n"][0] == before * 2


def test_moved_warehouse_gets_its_views_rebuilt_by_the_next_writer(warehouse, tmp_path):
    linear(warehouse).materialize(partition="2026-04-02")
    moved = tmp_path / "moved"
    shutil.move(warehouse, moved)
    p = linear(moved)
    p.materialize(partition="2026-04-03")
    assert p.query("select count(*) as n from raw")["n"][0] == 20


def test_rematerializing_replaces_never_appends(warehouse):
    p = linear(warehouse)
    for _ in range(3):
        p.materialize(partition="2026-04-02", force=True)
    assert p.query("select count(*) as n from raw")["n"][0] == 10
    with af.Warehouse(warehouse).reader() as reader:
        assert reader.history("raw", "2026-04-02").height == 3
        assert len(reader.current_keys("raw")) == 1


def test_read_returns_one_partition_or_all(warehouse):
    p = linear(warehouse)
    p.materialize(partitions=["2026-04-02", "2026-04-03"])
    one = p.read("raw", partition="2026-04-03")
    assert one["value"].to_list() == [i * 3 for i in range(10)]
    assert p.read("raw").height == 20
    with pytest.raises(af.PartitionKeyError, match="has not been materialized"):
        p.read("raw", partition="2026-04-05")
    assert isinstance(p.query("select 1 as x"), pl.DataFrame)


def test_status_of_an_empty_warehouse_needs_no_catalog(warehouse):
    report = linear(warehouse).status()
    assert set(report.frame["status"]) == {"missing"}
    assert not warehouse.exists()


def test_every_publish_after_a_commit_includes_its_view(warehouse):
    """A snapshot agrees with itself whoever publishes it: a run once published a state-only
    snapshot just after a commit it had not seen land, and readers saw the new catalog rows
    with the old view (found by the crash-point tests under load)."""
    linear(warehouse).materialize(partition="2026-04-02")
    before = view_rows(warehouse)["raw"]
    now = datetime(2026, 4, 10, tzinfo=UTC)
    with af.Warehouse(warehouse, lock_timeout=5).writer() as catalog:
        table = pa.table({"id": [1, 2, 3], "value": [1, 2, 3]})
        staged = stage_table(table, catalog.storage, "raw", "2026-04-09")
        catalog.commit_many([PendingCommit("raw", "2026-04-09", staged, "1", (), "r", now, now)])
        catalog.publish()
        assert snapshot_problems(warehouse) == []
        assert view_rows(warehouse)["raw"] == before + 3
