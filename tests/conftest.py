"""Shared fixtures: a fixed clock, temp warehouses, and the CLI run in-process or as a subprocess.

Use :func:`invoke_cli` (in-process, ~50x cheaper) for output and behaviour checks; keep
:func:`run_cli` / :func:`start_cli` for what needs a real process boundary (kills, locks,
signals, interpreter start-up).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
RESOURCES = Path(__file__).parent / "resources"
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
"""Tests plan as of this instant: 2026-01-01 .. 2026-04-09 are due, 2026-04-10 is not."""


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


def resource(name: str) -> Path:
    return RESOURCES / f"{name}.py"


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout first on the path, no stray config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETFLOW_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m assetflow ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "assetflow", *args],
        capture_output=True,
        text=True,
        env=cli_env(env),
        cwd=cwd or RESOURCES,
        timeout=timeout,
    )


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``python -m assetflow ARGS`` without waiting (for kill and concurrency tests)."""
    return subprocess.Popen(
        [sys.executable, "-m", "assetflow", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(env),
        cwd=RESOURCES,
    )


def invoke_cli(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``asset ARGS`` in this process through :func:`assetflow.cli.main`.

    Same exit code and separate stdout/stderr as :func:`run_cli`. Tasks run on threads unless
    ``env`` sets ``ASSETFLOW_EXECUTOR`` (worker processes would pay interpreter start-up).
    """
    from assetflow.cli import main

    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ASSETFLOW_")}
    merged = {**unset, "ASSETFLOW_EXECUTOR": "threads", **(env or {})}
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(cwd or RESOURCES)
    try:
        with runner.isolation(input=input, env=merged) as (out, err, *_):
            try:
                main(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(["asset", *args], code, stdout, stderr)
