"""`--executor dask` / `--scheduler` at the CLI boundary, without starting a cluster."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO, cli_env, invoke_cli, resource


def test_the_cli_does_not_import_dask_until_it_is_chosen():
    code = (
        "import sys, assetflow.cli, assetflow.cli.materialize, assetflow.cli.backfill; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), cwd=REPO
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_without_the_extra_dask_says_what_to_install(warehouse, monkeypatch):
    monkeypatch.delitem(sys.modules, "assetflow.execute.dask_executor", raising=False)
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed: import fails
    out = invoke_cli(
        "-p", str(resource("linear")), "-w", str(warehouse), "materialize", "--executor", "dask"
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: --executor dask needs Dask distributed: pip install 'assetflow[dask]'"
    ]
    assert not (warehouse / "warehouse.duckdb").exists()


@pytest.mark.parametrize("command", [["materialize"], ["backfill", "--from", "2026-04-01"]])
def test_a_scheduler_with_another_executor_is_a_usage_error(warehouse, command):
    out = invoke_cli(
        "-p", str(resource("linear")), "-w", str(warehouse), *command,
        "--executor", "threads", "--scheduler", "tcp://127.0.0.1:8786",
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "error: --scheduler runs tasks on Dask; drop it or use --executor dask, not threads"
    )
