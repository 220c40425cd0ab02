"""Concurrent processes on one warehouse: writers take turns and say so, readers never wait.

The model (docs/reliability.md, "Concurrency model"): one writer at a time holds the live
catalog for its whole run; another writer waits for it up to the lock timeout, printing a note
naming the holder, and then either runs (seeing everything the first committed) or fails with a
one-line error. Readers open the published snapshot, which no writer ever locks.
"""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from tests.conftest import REPO, RESOURCES, cli_env, load_project, resource, start_cli
from tests.warehouse_checks import snapshot_problems, versions

GEN = str(resource("gen"))


def gen_cli(warehouse, *args, **env):
    return start_cli("-p", GEN, "-w", str(warehouse), *args, env={"PYTHONUNBUFFERED": "1", **env})


def wait_for_lock(proc) -> None:
    """Return once ``proc`` holds the catalog: it prints its plan right after taking it."""
    line = proc.stdout.readline()
    assert line.startswith("plan:"), line


def materializations(warehouse) -> dict[tuple[str, str], int]:
    con = duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True)
    try:
        rows = con.sql(
            "select asset, partition, count(*) from assetflow.materializations group by all"
        ).fetchall()
    finally:
        con.close()
    return {(a, p): n for a, p, n in rows}


@pytest.mark.slow  # two writer processes
def test_a_second_writer_on_an_overlapping_partition_waits_says_so_and_redoes_nothing(tmp_path):
    warehouse = tmp_path / "wh"
    first = gen_cli(warehouse, "materialize", GEN_SLOW="0.05")
    wait_for_lock(first)
    second = gen_cli(warehouse, "materialize", "events", "--partition", "2026-03-05")
    out2, err2 = second.communicate(timeout=120)
    _, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert f"note: waiting for process {first.pid}, which holds catalog.duckdb" in err2
    assert "plan: 0 to run, 1 fresh" in out2 and "nothing to do" in out2
    assert "waiting" not in err1
    counts = materializations(warehouse)
    assert len(counts) == 61 and set(counts.values()) == {1}  # nothing committed twice
    assert snapshot_problems(warehouse) == []
    assert af.Project.load(GEN, warehouse=warehouse).verify().ok


@pytest.mark.slow  # two writer processes
def test_two_identical_backfills_started_together_take_turns(tmp_path):
    warehouse = tmp_path / "wh"
    procs = [gen_cli(warehouse, "materialize", GEN_SLOW="0.03") for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    waited = [i for i, (_, err) in enumerate(outs) if "note: waiting for process" in err]
    assert len(waited) == 1, outs
    other = procs[1 - waited[0]]
    assert f"waiting for process {other.pid}" in outs[waited[0]][1]
    assert "nothing to do" in outs[waited[0]][0]  # it saw every partition the first committed
    assert set(materializations(warehouse).values()) == {1}
    assert snapshot_problems(warehouse) == []


@pytest.mark.slow  # two writer processes
def test_a_writer_that_cannot_wait_any_longer_fails_clearly_and_harms_nothing(tmp_path):
    warehouse = tmp_path / "wh"
    first = gen_cli(warehouse, "materialize", GEN_SLOW="0.1")
    wait_for_lock(first)
    impatient = gen_cli(
        warehouse, "--lock-timeout", "0.5", "materialize", "events", "--partition", "2026-03-05"
    )
    out, err = impatient.communicate(timeout=60)
    assert impatient.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"note: waiting for process {first.pid}")
    assert lines[1] == (
        f"error: catalog.duckdb is locked by process {first.pid} (still busy after 0.5s); "
        "wait for it to finish or raise lock_timeout / --lock-timeout"
    )
    assert len(lines) == 2
    status = gen_cli(warehouse, "status")  # a reader does not wait for the writer
    assert status.wait(timeout=60) == 0, status.stderr.read()
    assert first.wait(timeout=120) == 0
    assert set(materializations(warehouse).values()) == {1}
    assert af.Project.load(GEN, warehouse=warehouse).verify().ok


def start_probe(warehouse, mode, stop) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RESOURCES / "reader_probe.py"), str(warehouse), mode, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=REPO,
    )


@pytest.mark.slow  # reader processes during a backfill process
def test_readers_polling_during_a_backfill_always_see_consistent_data(tmp_path):
    warehouse, stop = tmp_path / "wh", tmp_path / "stop"
    assert load_project(GEN, warehouse).materialize().ok  # generation 1
    probes = {mode: start_probe(warehouse, mode, stop) for mode in ("duckdb", "project")}
    for probe in probes.values():
        assert probe.stdout.readline().strip() == "polling", probe.stderr.read()

    # Slow enough for a reader to poll ~20 times (a project-mode poll loads the project).
    writer = gen_cli(warehouse, "materialize", GEN="2", GEN_SLOW="0.25")
    _, err = writer.communicate(timeout=180)
    assert writer.returncode == 0, err
    stop.touch()
    for mode, probe in probes.items():
        report = json.loads(probe.communicate(timeout=60)[0])
        assert report["problems"] == [], mode
        assert report["failures"] == [], mode  # never blocked, never an error
        assert report["polls"] >= 10, mode  # polls slow down under load; the run does not
        assert report["slowest_poll_seconds"] < 5, mode  # one open + a few queries, no waiting
        print(mode, "polls", report["polls"], "slowest", report["slowest_poll_seconds"])
        days = report["gen2_days"]
        assert days == sorted(days), f"{mode}: a snapshot went backwards: {days}"
        assert days[0] < 30 and days[-1] == 30, (mode, days)
        assert len(set(days)) >= 2, (mode, days)  # it watched the backfill progress
    assert versions(warehouse)[("events", "2026-03-30")] is not None
