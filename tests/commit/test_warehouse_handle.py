"""The warehouse handle: the one way in to a warehouse's catalog, usable without a project."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG
from tests.conftest import AS_OF, load_project, resource

PACKAGE = Path(af.__file__).parent
HANDLE_MODULES = {"commit/warehouse.py", "commit/writer.py", "commit/sandbox.py"}
"""The only modules that may open a catalog file (the handle and what it runs)."""
OPENERS = {"connect", "open_snapshot", "open_writer"}


def test_only_the_handle_opens_a_catalog_file():
    """Every other module gets a reader or writer from a Warehouse (issue 10: 14 call sites of
    ``open_reader`` and 8 of ``Catalog.open`` across the facade, automation and the CLI)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        where = path.relative_to(PACKAGE).as_posix()
        if where in HANDLE_MODULES or where == "commit/connect.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assetflow"):
                names = {a.name for a in node.names}
                if names & (OPENERS | {"open_reader", "Catalog"}):
                    offenders.append(f"{where} imports {sorted(names & OPENERS)}")
            if isinstance(node, ast.Attribute) and node.attr in ("open_reader", "open_writer"):
                offenders.append(f"{where} uses {node.attr}")
    assert offenders == []


def test_a_warehouse_is_read_and_queried_without_a_project(warehouse):
    assert (
        load_project(resource("linear"), warehouse, clock=lambda: AS_OF)
        .materialize(partitions=["2026-04-02", "2026-04-03"])
        .ok
    )
    wh = af.Warehouse(warehouse)
    assert wh.exists
    assert wh.query("select count(*) as n from raw")["n"].to_list() == [20]
    assert wh.read("raw", "2026-04-03").height == 10
    with wh.reader() as reader:
        assert reader.state().current.height == 6
        assert [r.status for r in reader.runs.recent(5)] == ["succeeded"]
    assert wh.verify().ok


def test_an_empty_warehouse_reads_as_empty_and_maintenance_refuses_to_create_one(tmp_path):
    wh = af.Warehouse(tmp_path / "nothing", lock_timeout=5)
    with wh.reader() as reader:
        assert not reader.exists
        assert reader.state().current.height == 0
        assert reader.runs.recent(5) == [] and reader.automation.backfills() == []
    with pytest.raises(af.StorageError, match="no catalog yet; run `asset materialize` first"):
        wh.query("select 1")
    with pytest.raises(af.StorageError, match="no catalog yet"):
        wh.vacuum(now=datetime.now(UTC), older_than=datetime.now(UTC) - datetime.now(UTC))
    assert not (tmp_path / "nothing").exists()


def test_lock_timeouts_are_checked_by_the_handle():
    with pytest.raises(af.ConfigError, match="lock timeout 0 is not a positive number"):
        af.Warehouse("wh", lock_timeout=0)
    wh = af.Warehouse("wh", lock_timeout=3)
    assert wh.with_lock_timeout(7).lock_timeout == 7 and wh.lock_timeout == 3
    assert af.Project([], af.Warehouse("wh", lock_timeout=3)).warehouse == wh


def test_an_error_inside_a_writer_wins_and_the_lock_is_released(tmp_path):
    wh = af.Warehouse(tmp_path / "wh", lock_timeout=1)
    with pytest.raises(RuntimeError, match="inside"), wh.writer():
        raise RuntimeError("inside")
    with wh.writer():  # the lock was released: no wait, no CatalogLockedError
        pass
    assert (tmp_path / "wh" / LIVE_CATALOG).exists()


def test_a_failed_task_record_rolls_back_and_leaves_the_catalog_writable(tmp_path):
    """``record_task`` deleted the old row and inserted the new one with no rollback: a failed
    insert left the delete pending in an open transaction that the next write tripped over."""
    wh = af.Warehouse(tmp_path / "wh", lock_timeout=5)
    with wh.writer() as catalog:
        catalog.start_run("r1", "test", AS_OF, 1)
        catalog.record_task("r1", "raw", "2026-04-02", "succeeded", finished_at=AS_OF)
        with pytest.raises(af.StorageError, match="could not commit the task raw 2026-04-02"):
            catalog.record_task("r1", "raw", "2026-04-02", "failed", attempts="many")
        catalog.finish_run("r1", "succeeded", AS_OF)  # no transaction was left open
    rows = wh.query("select status from assetflow.tasks where run_id = 'r1'")
    assert rows["status"].to_list() == ["succeeded"]  # the refused replacement changed nothing
    with wh.reader() as reader:
        assert reader.runs.get("r1").status == "succeeded"
