"""The multi-machine recipe of docs/scale-out.md, on loopback: `dask scheduler`, `dask worker
--nworkers 2` and `asset materialize --executor dask --scheduler ...`, each its own process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest

distributed = pytest.importorskip("distributed")

from tests.conftest import REPO, cli_env, run_cli  # noqa: E402
from tests.execute.conftest import rows  # noqa: E402

pytestmark = pytest.mark.slow
SALES = REPO / "examples" / "sales" / "pipeline.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def started(*args: str, cwd) -> Iterator[subprocess.Popen]:
    """``python -m dask ARGS`` in a session of its own, killed with all its children after."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        cwd=cwd,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def test_the_recipe_runs_on_loopback(tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    with (
        started("scheduler", "--host", host, "--port", port, "--no-dashboard", cwd=tmp_path),
        started(
            "worker",
            address,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
            cwd=tmp_path,
        ),  # fmt: skip
    ):
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
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
