"""The multi-machine recipe of docs/scale-out.md, on loopback: `dask scheduler`, `dask worker
--nworkers 2` and `asset materialize --executor dask --scheduler ...`, each its own process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from tests.conftest import REPO, cli_env, run_cli  # noqa: E402
from tests.execute.conftest import rows  # noqa: E402

pytestmark = pytest.mark.slow
SALES = REPO / "examples" / "sales" / "pipeline.py"
READY_SECONDS = 300
"""How long the recipe waits for the scheduler's address and for both workers (a loaded 2-core
machine may take minutes to start three Python processes)."""


@contextmanager
def started(*args: str, log: Path) -> Iterator[subprocess.Popen]:
    """``python -m dask ARGS`` in a session of its own, its output in ``log``, killed with all
    its children after."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dask", *args],
            cwd=log.parent,
            env=cli_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def tail(log: Path, lines: int = 25) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no output)"
    return f"--- {log.name} (last {lines} lines)\n" + "\n".join(text.splitlines()[-lines:])


def scheduler_address(file: Path, scheduler: subprocess.Popen, log: Path) -> str:
    """The address the scheduler chose (``--port 0``), once it has written its file."""
    deadline = time.monotonic() + READY_SECONDS
    while True:
        with suppress(OSError, ValueError):  # not written yet, or half written
            return json.loads(file.read_text())["address"]
        if scheduler.poll() is not None or time.monotonic() > deadline:
            state = f"exited {scheduler.returncode}" if scheduler.poll() is not None else "runs"
            pytest.fail(f"the scheduler ({state}) wrote no address\n{tail(log)}", pytrace=False)
        time.sleep(0.1)


def test_the_recipe_runs_on_loopback(tmp_path):
    logs = {name: tmp_path / f"{name}.log" for name in ("scheduler", "workers")}
    file = tmp_path / "scheduler.json"
    with started(
        "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(file),
        "--no-dashboard", "--dashboard-address", ":0",  # its HTTP endpoints: no fixed port
        log=logs["scheduler"],
    ) as scheduler:  # fmt: skip
        address = scheduler_address(file, scheduler, logs["scheduler"])
        with started(
            "worker", address, "--nworkers", "2", "--nthreads", "1", "--host", "127.0.0.1",
            "--no-dashboard",
            log=logs["workers"],
        ):  # fmt: skip
            with distributed.Client(address, timeout="60s") as client:
                try:
                    client.wait_for_workers(2, timeout=READY_SECONDS)
                except TimeoutError:
                    arrived = list(client.scheduler_info()["workers"])
                    pytest.fail(
                        f"workers {arrived} of 2 reached the scheduler at {address} after "
                        f"{READY_SECONDS} s\n{tail(logs['workers'])}\n{tail(logs['scheduler'])}",
                        pytrace=False,
                    )
            warehouse = tmp_path / "warehouse"
            out = run_cli(
                "-p", str(SALES), "-w", str(warehouse), "materialize", "--partition", "2026-04-08",
                "--executor", "dask", "--scheduler", address, "--plain",
                timeout=300,
            )  # fmt: skip
            assert out.returncode == 0, out.stdout + out.stderr
            assert "succeeded" in out.stdout.splitlines()[-1]
            check = run_cli("-w", str(warehouse), "-p", str(SALES), "verify")
            assert check.returncode == 0, check.stdout + check.stderr
    [(stores,)] = rows(warehouse, "select count(*) from daily_report where day = '2026-04-08'")
    assert stores > 0
