"""`asset --help` and `asset --version` start without the data stack (a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import invoke_cli

HEAVY = ("polars", "pyarrow", "numpy", "duckdb", "pydantic")
PROBE = """
import contextlib, io, json, sys
from assetflow.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main({args!r})
    except SystemExit:
        pass
print(json.dumps({{"loaded": sorted(m for m in {heavy!r} if m in sys.modules),
                   "out": out.getvalue()}}))
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_none_of_the_data_stack(args):
    code = PROBE.format(args=args, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["loaded"] == []
    assert "Usage" in result["out"] or "version" in result["out"]


def test_the_group_help_still_lists_every_command():
    code = PROBE.format(args=["--help"], heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    text = json.loads(done.stdout.splitlines()[-1])["out"]
    for command in ("materialize", "status", "backfill", "runs", "verify", "query"):
        assert f"  {command} " in text


def test_backfill_help_names_the_default_batch_the_engine_uses():
    from assetflow.automation.backfill import DEFAULT_BATCH

    text = invoke_cli("backfill", "--help").stdout
    assert f"[default: {DEFAULT_BATCH}]" in " ".join(text.split())


def test_version_is_the_installed_package_version():
    from importlib.metadata import version

    import assetflow

    assert version("assetflow") == assetflow.__version__
    assert invoke_cli("--version").stdout.strip().endswith(f"version {assetflow.__version__}")


def test_a_run_with_nothing_to_version_imports_neither_arrow_compute_nor_parquet(tmp_path):
    """``pyarrow.compute`` (~0.1 s) is for data versions and ``pyarrow.parquet`` (~40 ms) for
    non-polars outputs: a no-op rerun, whose coordinator stages nothing, imports neither."""
    from tests.conftest import RESOURCES

    args = ["-p", str(RESOURCES / "linear.py"), "-w", str(tmp_path / "wh"), "materialize"]
    span = ["--from", "2026-04-01", "--to", "2026-04-03", "--plain"]
    assert invoke_cli(*args, *span).returncode == 0
    code = PROBE.format(
        args=[*args, *span], heavy=("pyarrow", "pyarrow.compute", "pyarrow.parquet")
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["loaded"] == ["pyarrow"]  # Arrow itself, for the catalog's inserts and reads
    assert "plan: 0 to run, 9 fresh" in result["out"]


RUN_SIDE_ONLY = (
    "pydantic",
    "pyarrow.compute",  # ~0.1 s of wrappers; versions call Arrow's kernels by name
    "assetflow.observe.model",
    "assetflow.commit.verify",
)


def test_a_cron_call_and_a_no_op_rerun_import_neither_pydantic_nor_the_read_side(tmp_path):
    """Every run stores its request and settles its settings, but pydantic (~0.1 s to import)
    validates only what is read back (a stored request, reader rows); a run loads none of the
    read model's reports either, and versions its outputs without ``pyarrow.compute``. The
    project folder has a ``[tool.assetflow]`` table."""
    from tests.conftest import RESOURCES

    (tmp_path / "pyproject.toml").write_text(
        f'[tool.assetflow]\nproject = "{(RESOURCES / "linear.py").as_posix()}"\n'
        'warehouse = "wh"\nlock_timeout = 30\n'
    )
    cron = ["materialize", "--partition", "2026-04-02", "--plain"]
    for expected in ("3 to run", "0 to run, 3 fresh"):  # computes, then finds all fresh
        code = PROBE.format(args=cron, heavy=RUN_SIDE_ONLY)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
        )
        result = json.loads(done.stdout.splitlines()[-1])
        assert f"plan: {expected}" in result["out"]
        assert result["loaded"] == []


def test_a_cron_tick_imports_no_pydantic_either(tmp_path):
    """``asset tick`` is what a cron job runs: it reads the last ticks back (a frozen record,
    ``commit/records.py``) and runs what is due, without pydantic."""
    from tests.conftest import RESOURCES

    args = ["-p", str(RESOURCES / "scheduled.py"), "-w", str(tmp_path / "wh"), "tick"]
    for now in ("2026-04-02T01:00", "2026-04-03T01:00"):
        code = PROBE.format(args=[*args, "--now", now], heavy=RUN_SIDE_ONLY)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout.splitlines()[-1])
        assert result["loaded"] == [], now
        day = now[:10]
        assert f"nightly: tick {day}T00:00:00+00:00, 2 partition(s) to run" in result["out"]
