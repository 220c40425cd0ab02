"""ASSETFLOW_EXECUTOR and ASSETFLOW_WORKERS set the defaults of every command that runs tasks."""

from __future__ import annotations

import os

import pytest

from tests.conftest import invoke_cli, resource
from tests.execute.conftest import rows

WHOAMI = str(resource("whoami"))
DAY = "2026-04-02"
NOW = "2026-04-03T01:00"


def whoami(warehouse, *args: str, executor: str):
    return invoke_cli(
        "-p", WHOAMI, "-w", str(warehouse), *args, env={"ASSETFLOW_EXECUTOR": executor}
    )


def task_pids(warehouse) -> set[int]:
    return {pid for (pid,) in rows(warehouse, "select pid from ran_in")}


@pytest.mark.parametrize(
    "command",
    [
        ["materialize", "--partition", DAY],
        ["backfill", "--from", DAY, "--to", DAY, "--now", NOW],
        ["tick", "--now", NOW],
    ],
    ids=["materialize", "backfill", "tick"],
)
def test_threads_from_the_environment_run_every_command_in_this_process(warehouse, command):
    out = whoami(warehouse, *command, executor="threads")
    assert out.returncode == 0, out.stderr
    assert task_pids(warehouse) == {os.getpid()}


def test_the_executor_flag_wins_over_the_environment(warehouse):
    out = whoami(warehouse, "materialize", "--partition", DAY, "--executor", "threads",
                 executor="processes")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert task_pids(warehouse) == {os.getpid()}


def test_an_unknown_executor_is_a_one_line_usage_error(warehouse):
    out = whoami(warehouse, "backfill", "--from", DAY, "--to", DAY, "--now", NOW, executor="fast")
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "unknown executor 'fast'; use one of: processes, threads" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["materialize", "--partition", DAY],
        ["backfill", "--from", DAY, "--to", DAY, "--now", NOW],
        ["tick", "--now", NOW],
    ],
    ids=["materialize", "backfill", "tick"],
)
def test_every_command_that_runs_tasks_reads_the_workers_setting(warehouse, command):
    """Backfill and tick ignored ASSETFLOW_WORKERS once; a bad value now stops all three alike,
    before anything runs, and a good one runs them."""
    env = {"ASSETFLOW_EXECUTOR": "threads", "ASSETFLOW_WORKERS": "0"}
    out = invoke_cli("-p", WHOAMI, "-w", str(warehouse), *command, env=env)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "ASSETFLOW_WORKERS='0' must be a whole number of tasks, 1 or more" in out.stderr
    assert not (warehouse / "warehouse.duckdb").exists() or not rows(
        warehouse, "select * from information_schema.tables where table_name = 'ran_in'"
    )
    out = invoke_cli("-p", WHOAMI, "-w", str(warehouse), *command,
                     env={**env, "ASSETFLOW_WORKERS": "1"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert task_pids(warehouse) == {os.getpid()}


def test_the_scheduler_takes_the_executor_flag_too(warehouse):
    out = invoke_cli("-p", WHOAMI, "-w", str(warehouse), "scheduler", "--executor", "fast")
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Invalid value for '--executor': 'fast' is not one of" in out.stderr
    assert "scheduler started" not in out.stderr
