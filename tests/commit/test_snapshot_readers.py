"""Readers of the published snapshot: always the latest one, in any process, and never poisoned
by a file some other program left beside it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from assetflow.commit.publish import SIDECARS
from tests.conftest import AS_OF, invoke_cli, resource


def linear(warehouse) -> af.Project:
    p = af.Project.load(resource("linear"), warehouse=warehouse)
    p.clock = lambda: AS_OF
    return p


def test_readers_in_this_process_see_the_latest_snapshot_while_an_old_connection_is_open(
    warehouse,
):
    """DuckDB hands out its cached database instance for a path already open in the process,
    so a plain reconnect would still read the replaced snapshot (a notebook with a leftover
    connection). Every assetflow reader opens the current file afresh."""
    project = linear(warehouse)
    assert project.materialize(partition="2026-04-01", executor="threads").ok
    path = str(warehouse / PUBLISHED_CATALOG)
    leftover = duckdb.connect(path, read_only=True)
    try:
        assert leftover.sql("select count(*) from raw").fetchall() == [(10,)]
        assert project.materialize(partition="2026-04-02", executor="threads").ok
        # What plain DuckDB does (documented: close old connections or ATTACH afresh):
        again = duckdb.connect(path, read_only=True)
        assert again.sql("select count(*) from raw").fetchall() == [(10,)]
        again.close()
        fresh = duckdb.connect()
        fresh.execute(f"attach '{path}' as wh (read_only)")
        assert fresh.sql("select count(*) from wh.raw").fetchall() == [(20,)]
        fresh.close()
        # assetflow's readers:
        assert project.query("select count(*) as n from raw")["n"].to_list() == [20]
        assert project.read("raw").height == 20
        assert project.status().frame.filter(af_status("fresh")).height == 6
        with af.Warehouse(warehouse).reader() as reader:
            assert reader.state().current.height == 6
    finally:
        leftover.close()


def af_status(status: str):
    import polars as pl

    return pl.col("status") == status


ROGUE = textwrap.dedent(
    """
    import os, signal, sys
    import duckdb
    con = duckdb.connect(sys.argv[1])  # read-write, DuckDB's default
    con.execute("create table scribble as select 1 as x")
    con.execute("insert into scribble values (2)")
    os.kill(os.getpid(), signal.SIGKILL)  # dies with its WAL beside the snapshot
    """
)


def _rogue_writer(path) -> None:
    out = subprocess.run([sys.executable, "-c", ROGUE, str(path)], capture_output=True)
    assert out.returncode == -signal.SIGKILL
    assert path.with_name(path.name + ".wal").exists()


def test_a_stray_wal_from_a_dead_read_write_client_never_poisons_the_next_snapshot(warehouse):
    project = linear(warehouse)
    assert project.materialize(partition="2026-04-01", executor="threads").ok
    snapshot = warehouse / PUBLISHED_CATALOG
    _rogue_writer(snapshot)
    assert project.materialize(partition="2026-04-02", executor="threads").ok  # publishes
    assert not any(snapshot.with_name(snapshot.name + s).exists() for s in SIDECARS)
    con = duckdb.connect(str(snapshot), read_only=True)
    assert con.sql("select count(*) from raw").fetchall() == [(20,)]
    con.close()
    assert project.query("select count(*) as n from raw")["n"].to_list() == [20]
    out = invoke_cli("-p", str(resource("linear")), "-w", str(warehouse), "verify")
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_stray_wal_after_the_last_publish_is_named_reported_and_repaired(warehouse, tmp_path):
    """A WAL that belongs to another file (written after the last publish by a client of an
    older snapshot) makes DuckDB refuse the snapshot: readers say why in one line, verify
    reports it, and verify --repair, as the message advises, fixes it."""
    project = linear(warehouse)
    assert project.materialize(partition="2026-04-01", executor="threads").ok
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("create table t as select 1 as x").close()
    _rogue_writer(other)
    snapshot = warehouse / PUBLISHED_CATALOG
    stray = snapshot.with_name(snapshot.name + ".wal")
    stray.write_bytes(other.with_name(other.name + ".wal").read_bytes())
    args = ("-p", str(resource("linear")), "-w", str(warehouse))

    status = invoke_cli(*args, "status")
    assert status.returncode == 2
    [line] = status.stderr.strip().splitlines()
    assert "stray warehouse.duckdb.wal" in line and "asset verify --repair" in line

    report = invoke_cli(*args, "verify", "--json")
    assert report.returncode == 1
    assert '"snapshot_sidecar"' in report.stdout

    repaired = invoke_cli(*args, "verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert not stray.exists()
    assert invoke_cli(*args, "status").returncode == 0
    assert project.query("select count(*) as n from raw")["n"].to_list() == [10]


@pytest.mark.parametrize("suffix", [".wal.checkpoint", ".wal.recovery"])
def test_other_sidecars_are_reported_and_removed_too(warehouse, suffix):
    project = linear(warehouse)
    assert project.materialize(partition="2026-04-01", executor="threads").ok
    sidecar = warehouse / (PUBLISHED_CATALOG.name + suffix)
    sidecar.write_bytes(b"\0" * 64)
    report = project.verify()
    assert [p.kind for p in report.problems] == ["snapshot_sidecar"]
    assert project.verify(repair=True).ok
    assert not sidecar.exists()
