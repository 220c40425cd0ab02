"""Errors and exit codes at the edges: a full disk, a worker killed while starting, signals at
awkward moments, a malformed test hook. Each says what happened in one line and exits with
the documented code (0 ok, 1 a task or the run failed, 2 usage/storage, 130 interrupted)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from tests.conftest import AS_OF, RESOURCES, cli_env, invoke_cli, resource, run_cli
from tests.warehouse_checks import fingerprint


def runs(warehouse: Path) -> list[tuple[str, str]]:
    con = duckdb.connect()
    con.execute(f"attach '{warehouse / PUBLISHED_CATALOG}' as w (read_only)")
    try:
        return con.sql(
            "select command, status from w.assetflow.runs order by started_at"
        ).fetchall()
    finally:
        con.close()


MALFORMED_FAULTS = ["after_rename:abc", "after_renmae", "after_rename:1.5", "after_rename:0"]


def _fault_message(value: str) -> str:
    return (
        f"ASSETFLOW_FAULT={value!r} is not <point>[:N] with N >= 1 and a point among "
        "after_temp_write, after_rename, after_persist, before_catalog_commit, "
        "after_catalog_commit, during_publish; it is a test hook for crash tests: unset it"
    )


@pytest.mark.parametrize("value", MALFORMED_FAULTS)
def test_a_malformed_fault_hook_is_a_configuration_error_when_the_catalog_opens(
    tmp_path, monkeypatch, value
):
    monkeypatch.setenv("ASSETFLOW_FAULT", value)
    with pytest.raises(af.ConfigError) as caught, af.Warehouse(tmp_path / "wh").writer():
        pass
    assert str(caught.value) == _fault_message(value)
    assert not (tmp_path / "wh" / LIVE_CATALOG).exists()  # refused before anything was written


@pytest.mark.slow  # the environment of a real process (a fault point would SIGKILL pytest)
def test_a_malformed_fault_hook_is_one_line_and_exit_2_from_the_cli(tmp_path):
    warehouse = tmp_path / "wh"
    out = run_cli(
        "-p", str(resource("linear")), "-w", str(warehouse), "materialize",
        "--partition", "2026-04-02", env={"ASSETFLOW_FAULT": "after_rename:abc"},
    )  # fmt: skip
    assert out.returncode == 2
    errors = [line for line in out.stderr.splitlines() if not line.startswith("note:")]
    assert errors == [f"error: {_fault_message('after_rename:abc')}"]
    assert not list(warehouse.rglob("*.parquet"))


@pytest.mark.slow
def test_a_worker_killed_while_starting_is_replaced_and_the_run_succeeds(tmp_path):
    warehouse, marker = tmp_path / "wh", tmp_path / "killed-once"
    out = invoke_cli(
        "-p", str(resource("boot_kill")), "-w", str(warehouse), "materialize", "--workers", "1",
        env={"ASSETFLOW_EXECUTOR": "processes", "BOOT_KILL": str(marker)},
    )  # fmt: skip
    assert marker.exists()  # a worker really died while starting
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4 succeeded" in out.stdout


@pytest.mark.slow
def test_workers_that_keep_dying_while_starting_fail_the_run_not_the_usage(tmp_path):
    warehouse = tmp_path / "wh"
    out = invoke_cli(
        "-p", str(resource("boot_kill")), "-w", str(warehouse), "materialize", "--workers", "1",
        env={"ASSETFLOW_EXECUTOR": "processes", "BOOT_KILL": "always"},
    )  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: worker processes died while starting, 4 times in a row (last exit code -9); "
        "check memory limits, or run with --executor threads to see why"
    ]
    assert [status for _, status in runs(warehouse)] == ["failed"]


@pytest.mark.slow
def test_sigterm_after_the_last_task_records_the_run_cancelled_and_exits_130(tmp_path):
    warehouse = tmp_path / "wh"
    out = run_cli(
        "-p", str(resource("late_term")), "-w", str(warehouse), "materialize",
        env={"LATE_TERM": "1", "ASSETFLOW_EXECUTOR": "threads"},
    )  # fmt: skip
    assert out.returncode == 130, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert [status for _, status in runs(warehouse)] == ["cancelled"]
    project = af.Project.load(resource("late_term"), warehouse=warehouse)
    assert project.status(as_of=AS_OF).frame["status"].to_list() == ["fresh"]  # committed


def _imports_polars(pid: int) -> bool:
    try:
        return "polars" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc to see imports")
def test_ctrl_c_while_the_command_is_still_importing_prints_one_line(tmp_path):
    """SIGINT once the process is inside assetflow's own imports (polars' library is mapped)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "assetflow", "-p", str(resource("gen")), "-w",
         str(tmp_path / "wh"), "status"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=RESOURCES,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not _imports_polars(process.pid) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    # Inside a command (the engine is imported lazily there) click first ends the line.
    assert (process.returncode, err.strip()) == (130, "interrupted"), err


@pytest.mark.slow
def test_a_disk_too_small_for_the_catalog_names_the_cause_not_damage(tmp_path):
    """RLIMIT_FSIZE below the live catalog's size: every write to it fails with EFBIG, as on a
    full disk. DuckDB then only says the database was invalidated; the error must say why."""
    import resource as rlimit

    warehouse = tmp_path / "wh"
    gen = af.Project.load(resource("gen"), warehouse=warehouse)
    gen.clock = lambda: AS_OF
    assert gen.materialize(executor="threads").ok
    before = fingerprint(warehouse)
    limit = (warehouse / LIVE_CATALOG).stat().st_size // 2

    def small_disk() -> None:
        rlimit.setrlimit(rlimit.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run(
        [sys.executable, "-m", "assetflow", "-p", str(resource("gen")), "-w", str(warehouse),
         "materialize", "--force", "--partition", "2026-03-02"],
        capture_output=True, text=True, env=cli_env(), cwd=RESOURCES, preexec_fn=small_disk,
    )  # fmt: skip
    assert out.returncode == 2, out.stdout + out.stderr
    [line] = [x for x in out.stderr.splitlines() if x.startswith("error:")]
    assert "file too large" in line and f"at most {limit:,} bytes (ulimit -f)" in line
    assert "free space" in line
    assert "restore" not in line and "invalidated" not in line and "Traceback" not in out.stderr
    # An attempt already running when the catalog failed may leave its staged file behind (an
    # orphan no version references, as after a kill); vacuum removes exactly such files.
    gen.warehouse.vacuum(now=datetime.now(UTC) + timedelta(hours=1), older_than=timedelta(0))
    assert fingerprint(warehouse) == before
    assert gen.verify().ok
    assert gen.materialize(force=True, partition="2026-03-02", executor="threads").ok
