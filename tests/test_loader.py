"""Project.load: from a file path, from a module path, and from a module defining a Project."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

import assetflow as af
from assetflow.loader import assets_of
from tests.conftest import invoke_cli, resource


def test_load_from_file_collects_assets_in_declaration_order(warehouse):
    p = af.Project.load(resource("linear"), warehouse=warehouse)
    assert list(p.graph.order) == ["raw", "clean", "report"]
    assert p.warehouse.root == warehouse


def test_load_from_module_path():
    p = af.Project.load("tests.resources.diamond")
    assert "joined" in p.graph.assets


def test_module_level_project_is_used_and_warehouse_can_be_overridden(tmp_path):
    module = tmp_path / "with_project.py"
    module.write_text(
        "import assetflow as af\nimport polars as pl\n\n"
        "@af.asset\ndef one() -> pl.DataFrame:\n    return pl.DataFrame({'x': [1]})\n\n"
        "@af.asset\ndef unused() -> pl.DataFrame:\n    return pl.DataFrame({'x': [1]})\n\n"
        "project = af.Project([one], warehouse='somewhere')\n"
    )
    p = af.Project.load(module, warehouse=tmp_path / "wh")
    assert [a.name for a in assets_of(str(module))] == ["one"]  # as a worker loads them
    assert list(p.graph.assets) == ["one"]
    assert p.warehouse.root == tmp_path / "wh"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("does/not/exist.py", "not found"),
        ("no_such_module_xyz", "cannot import project"),
    ],
)
def test_load_errors_are_config_errors(target, message):
    with pytest.raises(af.ConfigError, match=message):
        af.Project.load(target)


def test_module_that_raises_is_reported_in_one_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom at import')\n")
    with pytest.raises(af.ConfigError, match="RuntimeError: boom at import"):
        af.Project.load(broken)


def test_module_without_assets_is_rejected(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(af.ConfigError, match="defines no assets"):
        af.Project.load(empty)


SCHEDULED = """
import assetflow as af
import polars as pl

daily = af.DailyPartitions(start="2026-04-01")


@af.asset(partitions=daily, code_version="1", schedule="0 3 * * *")
def raw(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"n": [1]})


@af.asset(partitions=daily, code_version="1")
def report(raw: pl.DataFrame) -> pl.DataFrame:
    return raw


nightly = af.Schedule("nightly", "@daily", assets=["report"])
weekly = af.Schedule("weekly", "@weekly", assets=["report"])
project = af.Project([raw, report], warehouse="wh", schedules=[weekly])
"""


def test_module_level_schedules_are_added_to_a_module_level_project(tmp_path):
    path = tmp_path / "scheduled_project.py"
    path.write_text(SCHEDULED)
    p = af.Project.load(path)
    assert sorted(s.name for s in p.schedules) == ["nightly", "raw", "weekly"]

    out = invoke_cli("-p", str(path), "schedules", "--json", "--now", "2026-04-08T12:00")
    assert out.returncode == 0, out.stderr
    listed = {r["schedule"]: r["next_tick"] for r in json.loads(out.stdout)["schedules"]}
    assert listed == {
        "weekly": "2026-04-12T00:00:00+00:00",
        "raw": "2026-04-09T03:00:00+00:00",
        "nightly": "2026-04-09T00:00:00+00:00",
    }


def test_a_module_level_schedule_naming_an_asset_outside_the_project_is_an_error(tmp_path):
    path = tmp_path / "stray_schedule.py"
    path.write_text(SCHEDULED.replace('assets=["report"])\nweekly', 'assets=["other"])\nweekly'))
    with pytest.raises(af.SelectionError, match="other"):
        af.Project.load(path)


def test_a_worker_loads_the_assets_without_the_planner_the_catalog_or_duckdb():
    """A fresh interpreter (as a worker process is) unpickles the run's WorkerSetup and loads
    the assets: it imports no more of assetflow than the project does."""
    setup = af.Project.load(str(resource("linear")))._worker_setup()
    probe = (
        "import pickle, sys; setup = pickle.loads(sys.stdin.buffer.read()); "
        "names = list(setup.assets()); "
        "heavy = [m for m in ('duckdb', 'assetflow.project', 'assetflow.plan.planner', "
        "'assetflow.commit.warehouse') if m in sys.modules]; "
        "print(names, heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], input=pickle.dumps(setup), capture_output=True, check=True
    )
    assert out.stdout.decode().strip() == "['raw', 'clean', 'report'] []"
