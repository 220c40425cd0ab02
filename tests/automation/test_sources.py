"""Source assets: observations, staleness from a changed source, eager ticks (examples/landing)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assetflow as af
from tests.automation.helpers import committed, materialization_counts
from tests.conftest import REPO, cli_env, invoke_cli

PIPELINE = REPO / "examples" / "landing" / "pipeline.py"
NOW = "2026-04-06T01:00"
ROWS = {
    "2026-04-01": [("a1", "berlin", 2, 10.0), ("a2", "munich", 1, 5.5), ("a3", "berlin", -1, 3.0)],
    "2026-04-02": [("b1", "berlin", 1, 7.0), ("b2", "hamburg", 3, 2.0), ("b3", "munich", -2, 4.0)],
    "2026-04-03": [("c1", "munich", 4, 1.25)],
}


def write_day(folder: Path, day: str, rows) -> None:
    lines = ["order_id,store,quantity,unit_price"]
    lines += [f"{o},{s},{q},{p}" for o, s, q, p in rows]
    (folder / f"sales_{day}.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    for day, rows in ROWS.items():
        write_day(folder, day, rows)
    return folder


def cli(warehouse: Path, landing: Path, *args: str):
    return invoke_cli(
        "-p", str(PIPELINE), "-w", str(warehouse), *args, env={"LANDING_DIR": str(landing)}
    )


def test_tick_ingests_landed_days_and_holds_back_the_rest(warehouse, landing):
    result = cli(warehouse, landing, "tick", "--now", NOW, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {c["partition"] for c in out["observed_changes"]} == set(ROWS)
    assert out["held_back"]["landing"] == ["2026-04-04", "2026-04-05"]
    assert out["held_back"]["daily_report"] == ["2026-04-04", "2026-04-05"]
    assert set(committed(warehouse)) == {
        (a, d) for a in ("landing", "sales_clean", "daily_report") for d in ROWS
    }
    again = json.loads(cli(warehouse, landing, "tick", "--now", NOW, "--json").stdout)
    assert again["runs"] == [] and again["observed_changes"] == []


def test_a_corrected_file_reruns_exactly_that_day_downstream(warehouse, landing):
    assert cli(warehouse, landing, "tick", "--now", NOW).returncode == 0
    before = materialization_counts(warehouse)
    versions = committed(warehouse)
    write_day(landing, "2026-04-01", ROWS["2026-04-01"])  # rewritten, same bytes: no change
    fixed = [*ROWS["2026-04-02"][:1], ("b2", "hamburg", 4, 2.0), ROWS["2026-04-02"][2]]
    write_day(landing, "2026-04-02", fixed)

    observed = cli(warehouse, landing, "observe", "--now", NOW)
    assert observed.returncode == 0, observed.stderr
    assert "changed  landing 2026-04-02" in observed.stdout
    assert "1 change(s)" in observed.stdout
    status = cli(warehouse, landing, "status", "--details")
    assert "source landing 2026-04-02 changed" in status.stdout
    assert "upstream landing 2026-04-02 is stale" in status.stdout

    ticked = json.loads(cli(warehouse, landing, "tick", "--now", NOW, "--json").stdout)
    assert ticked["materialized"] == {
        "landing": ["2026-04-02"],
        "sales_clean": ["2026-04-02"],
        "daily_report": ["2026-04-02"],
    }
    after = materialization_counts(warehouse)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {(a, "2026-04-02") for a in ("landing", "sales_clean", "daily_report")}
    now_versions = committed(warehouse)
    assert {k for k in versions if now_versions[k] != versions[k]} == changed
    assert "source landing" not in cli(warehouse, landing, "status", "--details").stdout


def test_a_change_that_cleaning_drops_stops_at_the_cleaned_table(warehouse, landing):
    assert cli(warehouse, landing, "tick", "--now", NOW).returncode == 0
    before = materialization_counts(warehouse)
    # only the price of a negative-quantity row changes: sales_clean comes out identical
    edited = [*ROWS["2026-04-01"][:2], ("a3", "berlin", -1, 99.0)]
    write_day(landing, "2026-04-01", edited)
    ticked = json.loads(cli(warehouse, landing, "tick", "--now", NOW, "--json").stdout)
    assert ticked["runs"][0]["succeeded"] == 2  # landing and sales_clean; report early-cut
    after = materialization_counts(warehouse)
    assert {k for k in after if after[k] != before[k]} == {
        ("landing", "2026-04-01"),
        ("sales_clean", "2026-04-01"),
    }


def test_a_source_materialized_by_hand_gets_its_version_adopted(warehouse, landing):
    done = cli(warehouse, landing, "materialize", "landing", "--partition", "2026-04-03")
    assert done.returncode == 0, done.stderr
    first = cli(warehouse, landing, "observe", "landing", "--now", NOW)
    assert "arrived  landing 2026-04-03" in first.stdout
    write_day(landing, "2026-04-03", [("c1", "munich", 5, 1.25)])
    second = cli(warehouse, landing, "observe", "--now", NOW, "--json")
    [change] = json.loads(second.stdout)["changes"]
    assert change["partition"] == "2026-04-03" and change["kind"] == "changed"
    assert change["before"] and change["after"] and change["before"] != change["after"]
    status = cli(warehouse, landing, "status", "landing", "--details")
    assert "source landing 2026-04-03 changed" in status.stdout


def test_a_source_takes_no_upstreams():
    with pytest.raises(af.DefinitionError, match="a source has no upstream"):

        @af.source(observe=lambda context: "v")
        def feed(other): ...


@pytest.mark.slow  # the scheduler loop as a process, stopped by SIGTERM
def test_scheduler_survives_a_failing_task_and_stops_on_sigterm(warehouse, landing):
    (landing / "sales_2026-04-04.csv").write_text("order_id,store,quantity,unit_price\nx,y,z,w\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assetflow",
            "-p",
            str(PIPELINE),
            "-w",
            str(warehouse),
            "scheduler",
            "--executor",
            "threads",
            "--poll",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env({"LANDING_DIR": str(landing)}),
    )
    deadline = time.monotonic() + 60
    lines: list[str] = []
    assert proc.stderr is not None
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        lines.append(line)
        if sum("next tick at" in x for x in lines) >= 2:
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    text = "".join(lines) + err
    assert "failed" in text and "landing 2026-04-04" in text  # the bad file's task failed
    assert sum("next tick at" in x for x in lines) >= 2  # ...and the loop went on
    assert "scheduler stopped" in err
    assert ("daily_report", "2026-04-03") in committed(warehouse)
