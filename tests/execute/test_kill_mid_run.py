"""kill -9 in the middle of a run: readers see old or new versions, never a mix; reruns converge."""

from __future__ import annotations

import signal

import duckdb
import pytest

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from tests.conftest import invoke_cli, resource, run_cli, start_cli

LINEAR = str(resource("linear"))
KEY = "2026-04-02"


def snapshot(warehouse) -> dict[str, tuple]:
    """Per asset: (row count, sorted values, data version) as a reader sees them."""
    con = duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True)
    try:
        out = {}
        for name in ("raw", "clean", "report"):
            values = tuple(sorted(con.sql(f"select * from {name}").fetchall()))
            version = con.execute(
                "select data_version from assetflow.partitions where asset = ? and partition = ?",
                [name, KEY],
            ).fetchall()
            out[name] = (len(values), values, version[0][0])
        return out
    finally:
        con.close()


def materialize(warehouse, *extra, env=None):
    out = invoke_cli(
        "-p", LINEAR, "-w", str(warehouse), "materialize", "--partition", KEY, *extra, env=env
    )
    assert out.returncode == 0, out.stderr
    return out


@pytest.mark.slow  # kill -9 of a real run
def test_sigkill_while_a_task_runs_leaves_old_or_new_and_rerun_converges(tmp_path):
    old_wh, new_wh, crashed = tmp_path / "old", tmp_path / "new", tmp_path / "crashed"
    materialize(old_wh)
    materialize(new_wh, env={"LINEAR_FACTOR": "2"})
    old, new = snapshot(old_wh), snapshot(new_wh)
    assert old["raw"] != new["raw"]

    materialize(crashed)
    proc = start_cli(
        "-p",
        LINEAR,
        "-w",
        str(crashed),
        "materialize",
        "--partition",
        KEY,
        "--force",
        env={"LINEAR_FACTOR": "2", "LINEAR_SLOW_SECONDS": "30", "PYTHONUNBUFFERED": "1"},
    )
    for line in proc.stdout:  # kill once clean has committed and report is sleeping
        if "succeeded" in line and " clean " in line:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    seen = snapshot(crashed)
    for name in ("raw", "clean", "report"):
        assert seen[name] in (old[name], new[name]), name
    assert seen["report"] == old["report"]  # report never committed its new version

    materialize(crashed, env={"LINEAR_FACTOR": "2"})
    assert snapshot(crashed) == new
    status = invoke_cli(
        "-p", LINEAR, "-w", str(crashed), "status", "--json", env={"LINEAR_FACTOR": "2"}
    )
    assert '"stale": 0' in status.stdout and "interrupted" not in status.stderr
    con = duckdb.connect(str(crashed / PUBLISHED_CATALOG), read_only=True)
    runs = dict(con.sql("select status, count(*) from assetflow.runs group by 1").fetchall())
    con.close()
    assert runs.get("interrupted") == 1  # the killed run is recognisable afterwards


@pytest.mark.slow  # the injected fault SIGKILLs the process it runs in
@pytest.mark.parametrize(
    "point", ["after_rename", "before_catalog_commit", "after_catalog_commit", "during_publish"]
)
def test_injected_crash_in_the_commit_protocol_is_survivable(tmp_path, point):
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    materialize(reference, env={"LINEAR_FACTOR": "2"})
    materialize(crashed)
    before = snapshot(crashed)
    out = run_cli(
        "-p",
        LINEAR,
        "-w",
        str(crashed),
        "materialize",
        "--partition",
        KEY,
        "--force",
        # Threads, so that a point reached while staging (in a worker) kills the whole run, as
        # a power cut would; with processes only the worker dies and the task is retried.
        "--executor",
        "threads",
        env={"LINEAR_FACTOR": "2", "ASSETFLOW_FAULT": point},
    )
    assert out.returncode == -signal.SIGKILL
    after = snapshot(crashed)
    assert after["raw"] in (before["raw"], snapshot(reference)["raw"])
    assert after["report"] == before["report"]
    materialize(crashed, "--force", env={"LINEAR_FACTOR": "2"})  # the same command, again
    assert snapshot(crashed) == snapshot(reference)
