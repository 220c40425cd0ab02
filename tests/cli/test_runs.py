"""`asset materialize` failure/exit codes, `asset runs`, `asset runs resume`, `asset logs`."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env, invoke_cli, resource, start_cli

DAY = "2026-04-03"


def branches(warehouse: Path, *args: str, **kw):
    return invoke_cli("-p", str(resource("branches")), "-w", str(warehouse), *args, **kw)


def test_failed_branch_exits_1_names_the_task_and_the_resume_command(warehouse):
    out = branches(
        warehouse, "materialize", "--partition", DAY, "--executor", "threads",
        env={"BRANCH_FAIL": "1"},
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    assert "3 succeeded, 1 failed, 1 upstream_failed" in out.stdout
    assert f"failed: bad {DAY}: asset 'bad' partition {DAY} raised RuntimeError" in out.stderr
    assert f"upstream_failed bad_report {DAY}  upstream bad {DAY} did not succeed" in out.stderr
    run_id = out.stdout.split("run ", 1)[1].split()[0]
    assert f"runs resume {run_id}" in out.stderr and "-w" in out.stderr
    assert "Traceback" not in out.stderr

    listing = json.loads(branches(warehouse, "runs", "--json").stdout)
    assert listing[0]["run_id"] == run_id and listing[0]["status"] == "failed"
    assert listing[0]["tasks"] == {"succeeded": 3, "failed": 1, "upstream_failed": 1}
    show = branches(warehouse, "runs", "show", run_id)
    (failed,) = [
        line for line in show.stdout.splitlines() if line.split()[:3] == ["failed", "bad", DAY]
    ]
    assert "bad was told to fail" in failed

    resumed = branches(warehouse, "runs", "resume", run_id, "--executor", "threads")
    assert resumed.returncode == 0, resumed.stderr
    assert "plan: 2 to run, 3 fresh" in resumed.stdout
    assert "2 succeeded" in resumed.stdout


def test_run_options_are_validated(warehouse):
    bad = branches(warehouse, "materialize", "--workers", "0")
    assert bad.returncode == 2 and "--workers" in bad.stderr
    assert branches(warehouse, "runs").stdout.strip() == "no runs yet"
    unknown = branches(warehouse, "runs", "resume", "nope")
    assert unknown.returncode == 2 and "unknown run 'nope'" in unknown.stderr


@pytest.mark.slow  # a real terminal: the CLI's stdout must be a pty
def test_live_progress_on_a_terminal(warehouse):
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assetflow", "-p", str(resource("branches")), "-w",
         str(warehouse), "materialize", "--partition", DAY, "--executor", "threads"],
        stdout=follower, stderr=follower, env=cli_env({"BRANCH_SLOW": "0.6"}),
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    screen = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0, screen
    assert "plan: 5 to run" in screen and "5 succeeded" in screen
    assert "tasks" in screen and "elapsed" in screen  # the live display was drawn


@pytest.mark.slow  # the run is a process that ends between two of the follower's reads
def test_logs_follow_reads_once_more_when_the_run_process_is_gone(warehouse, monkeypatch):
    """The run publishes its last lines and its end, then exits, between the follower's read
    of a snapshot (still running) and its check that the process lives: the follower reads
    once more instead of stopping at the stale snapshot."""
    from assetflow.cli import runs as runs_cli

    args = ("-p", str(resource("chatty")), "-w", str(warehouse))
    run = start_cli(
        *args, "materialize", "--executor", "threads",
        env={"CHATTY_LINES": "3", "CHATTY_PAUSE": "0.3"},
    )  # fmt: skip
    run_id, deadline = None, time.monotonic() + 30
    while run_id is None and time.monotonic() < deadline:
        found = json.loads(invoke_cli(*args, "runs", "--json").stdout or "[]")
        run_id = found[0]["run_id"] if found and found[0]["status"] == "running" else None
        time.sleep(0.05)
    assert run_id, "the running run never showed up in the published snapshot"

    def ends_unseen(pid: int | None) -> bool:
        run.wait(timeout=60)  # it publishes its end and exits right after the snapshot read
        return False

    monkeypatch.setattr(runs_cli, "_alive", ends_unseen)
    follow = invoke_cli(*args, "logs", run_id, "--follow")
    assert run.returncode == 0
    assert follow.returncode == 0, follow.stderr
    progress = [line.split()[-1] for line in follow.stdout.splitlines() if "progress" in line]
    assert progress == ["0", "1", "2", "0", "1", "2"]  # both attempts, every line
    assert f"run {run_id} succeeded" in follow.stderr


@pytest.mark.slow  # a follower process tails the run's process
def test_logs_follow_tails_a_running_task_until_the_run_ends(warehouse):
    chatty = str(resource("chatty"))
    args = ("-p", chatty, "-w", str(warehouse))
    run = start_cli(
        *args, "materialize", "--executor", "threads",
        env={"CHATTY_LINES": "8", "CHATTY_PAUSE": "0.5"},
    )  # fmt: skip
    run_id = None
    deadline = time.monotonic() + 30
    while run_id is None and time.monotonic() < deadline:
        found = json.loads(invoke_cli(*args, "runs", "--json").stdout or "[]")
        run_id = found[0]["run_id"] if found else None
        time.sleep(0.2)
    assert run_id, "the running run never showed up in the published snapshot"
    follow = start_cli(*args, "logs", run_id, "--follow")
    lines, seen_while_running = [], False
    for line in follow.stdout:  # type: ignore[union-attr]
        lines.append(line)
        if "progress" in line and run.poll() is None:
            seen_while_running = True
    follow.wait(timeout=60)
    run.wait(timeout=60)
    assert run.returncode == 0
    assert follow.returncode == 0, follow.stderr.read()  # type: ignore[union-attr]
    assert seen_while_running  # lines arrived while the task was still running
    progress = [line for line in lines if "progress" in line]
    assert len(progress) == 16  # 8 lines in each of the two attempts
    assert all(line.startswith("chatty (unpartitioned) #") for line in progress)
    assert f"run {run_id} succeeded" in follow.stderr.read()  # type: ignore[union-attr]
