"""Shared fixtures: a fixed clock, temp warehouses, projects on threads, and the CLI run
in-process or as a subprocess.

Use :func:`invoke_cli` (in-process, ~50x cheaper) for output and behaviour checks and
:func:`load_project` for in-process runs; keep :func:`run_cli` / :func:`start_cli` (and
``executor="processes"``) for what needs a real process boundary (kills, locks, signals,
interpreter start-up, worker processes) and mark those tests ``slow``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import assetflow as af

REPO = Path(__file__).resolve().parents[1]
RESOURCES = Path(__file__).parent / "resources"
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
"""Tests plan as of this instant: 2026-01-01 .. 2026-04-09 are due, 2026-04-10 is not."""
PROJECT_MODULE_PREFIX = "assetflow_project_"
"""How :meth:`assetflow.Project.load` names the module of a project file in ``sys.modules``."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (in addopts): plain ``pytest`` spreads the default suite over the cores.

    A run of chosen files or tests, or one that selects the slow or stress sets (real processes
    racing, killed and timed), stays in one process: 0 workers. None: xdist's own count.
    """
    chosen = config.args_source == pytest.Config.ArgsSource.ARGS
    marked = re.search(r"(?<!not )\b(slow|stress)\b", config.option.markexpr or "")
    return 0 if chosen or marked else None


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"


def resource(name: str) -> Path:
    return RESOURCES / f"{name}.py"


def load_project(
    target: str | os.PathLike[str], warehouse: Path | None = None, **settings: Any
) -> af.Project:
    """The project at ``target`` for an in-process test, its tasks on threads.

    Pass ``executor="processes"`` only where worker processes are what the test is about: each
    run then starts worker interpreters. Other keywords set attributes, e.g. ``clock=``.
    """
    project = af.Project.load(target, warehouse=warehouse)
    for key, value in {"executor": "threads", **settings}.items():
        setattr(project, key, value)
    return project


def copy_warehouse(template: Path, to: Path) -> Path:
    """A copy at ``to`` of a warehouse a module fixture built once, ready as if built there.

    Views name their files by absolute path, so one writer session rebuilds them for the new
    place, exactly as after moving a warehouse (~0.1 s against ~0.5 s for two small runs).
    """
    shutil.copytree(template, to)
    with af.Warehouse(to).writer():
        pass  # a writer rebuilds every view for where it is, and publishes on close
    return to


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
    ``env`` sets ``ASSETFLOW_EXECUTOR`` (worker processes would pay interpreter start-up). As
    in a new process, ``ASSETFLOW_*`` settings come only from ``env``, ``sys.argv`` is the
    command line and the project file is imported afresh (it may read ``env`` at import).
    """
    from assetflow.cli import main

    assert "ASSETFLOW_FAULT" not in (env or {}), "a fault point SIGKILLs pytest: use run_cli"
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("ASSETFLOW_")}
    merged = {**unset, "ASSETFLOW_EXECUTOR": "threads", **(env or {})}
    with (
        _like_a_new_process(["asset", *args], cwd or RESOURCES),
        CliRunner().isolation(input=input, env=merged) as (out, err, *_),
    ):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return subprocess.CompletedProcess(["asset", *args], code, stdout, stderr)


@contextlib.contextmanager
def _like_a_new_process(argv: list[str], cwd: Path) -> Iterator[None]:
    """Set ``sys.argv`` and the working directory, and hide the project modules
    :meth:`assetflow.Project.load` cached (``assetflow_project_*``); restore all afterwards."""
    saved_argv, saved_path, saved_cwd = sys.argv, list(sys.path), Path.cwd()
    cached = {k: m for k, m in sys.modules.items() if k.startswith(PROJECT_MODULE_PREFIX)}
    for key in cached:
        del sys.modules[key]
    sys.argv = argv
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for key in [k for k in sys.modules if k.startswith(PROJECT_MODULE_PREFIX)]:
            del sys.modules[key]
        sys.modules.update(cached)


def one_error_line(out) -> str:
    """The single `error:` line of a failed command (and no traceback)."""
    assert "Traceback" not in out.stderr, out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out.stderr
    return errors[0]
