"""Where the warehouse is: relative to the project file, wherever a command runs from; and a
one-line note whenever a command is about to start a new one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import assetflow as af
from tests.conftest import invoke_cli

PIPELINE = """
import assetflow as af
import polars as pl

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1")
def numbers(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"n": [1, 2, 3]})
"""


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pipeline.py"
    path.write_text(text)
    return path


@pytest.fixture
def places(tmp_path):
    project_dir, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    elsewhere.mkdir()
    return project_dir, elsewhere


def test_a_projects_relative_warehouse_is_next_to_its_file_from_any_directory(places):
    project_dir, elsewhere = places
    path = write(project_dir, PIPELINE + "\nproject = af.Project([numbers], warehouse='wh')\n")
    first = invoke_cli("-p", str(path), "materialize", "--partition", "2026-04-03", cwd=elsewhere)
    assert first.returncode == 0, first.stderr
    assert (project_dir / "wh" / "warehouse.duckdb").exists()
    assert not (elsewhere / "wh").exists()
    notes = [line for line in first.stderr.splitlines() if "new warehouse" in line]
    assert notes == [f"note: creating a new warehouse at {(project_dir / 'wh').resolve()}"]

    # From the project's own folder, the same warehouse: no note, the partition is fresh.
    again = invoke_cli(
        "-p", "pipeline.py", "status", "--partition", "2026-04-03", "--json", cwd=project_dir
    )
    assert again.returncode == 0, again.stderr
    assert "new warehouse" not in again.stderr and "no warehouse" not in again.stderr
    assert json.loads(again.stdout)["assets"][0]["fresh"] == 1


def test_without_a_project_object_the_default_warehouse_is_next_to_the_file(places):
    project_dir, elsewhere = places
    path = write(project_dir, PIPELINE)
    out = invoke_cli("-p", str(path), "materialize", "--partition", "2026-04-03", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    assert (project_dir / "warehouse" / "warehouse.duckdb").exists()
    assert not (elsewhere / "warehouse").exists()


def test_status_of_a_warehouse_that_does_not_exist_says_so(places):
    project_dir, elsewhere = places
    path = write(project_dir, PIPELINE)
    out = invoke_cli("-p", str(path), "-w", "nowhere", "status", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    expected = f"note: no warehouse at {(elsewhere / 'nowhere').resolve()} yet"
    assert out.stderr.startswith(expected)
    assert not (elsewhere / "nowhere").exists()


def test_project_constructed_in_a_file_resolves_against_that_file(places, monkeypatch):
    project_dir, elsewhere = places
    path = write(project_dir, PIPELINE + "\nproject = af.Project([numbers], warehouse='wh')\n")
    monkeypatch.chdir(elsewhere)
    loaded = af.Project.load(path)
    assert loaded.warehouse.root == project_dir.resolve() / "wh"
    given = af.Project.load(path, warehouse="explicit")
    assert given.warehouse.root == Path("explicit")  # an explicit path is the caller's, as given


@pytest.mark.parametrize("value", ["nan", "-5", "0", "inf"])
def test_lock_timeout_must_be_positive_and_finite(value, places):
    project_dir, _ = places
    path = write(project_dir, PIPELINE)
    out = invoke_cli("-p", str(path), "--lock-timeout", value, "status")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"error: lock timeout {float(value)!r} is not a positive number of seconds; use e.g. 60"
    ]


def test_lock_timeout_of_a_project_and_in_pyproject_is_checked_too(tmp_path):
    with pytest.raises(af.ConfigError, match="not a positive number of seconds"):
        af.Project([], tmp_path, lock_timeout=float("nan"))
    (tmp_path / "pyproject.toml").write_text("[tool.assetflow]\nlock_timeout = -1\n")
    write(tmp_path, PIPELINE)
    out = invoke_cli("-p", "pipeline.py", "status", cwd=tmp_path)
    assert out.returncode == 2
    assert "[tool.assetflow] lock_timeout: must be a positive number of seconds" in out.stderr
