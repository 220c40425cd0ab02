"""``ASSETFLOW_EXECUTOR`` picks the executor of every command that runs tasks."""

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
