"""Ticks: one run per tick, a max_catchup guard, a dry run, pending catch-up in `asset
schedules`, and no acting in the future unless asked."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

import assetflow as af
from assetflow.automation.tick import tick
from tests.automation.helpers import committed, days
from tests.conftest import invoke_cli

PIPELINE = """
import assetflow as af
import polars as pl

daily = af.DailyPartitions(start="2026-03-01")


@af.asset(partitions=daily, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key]})


@af.asset(partitions=daily, code_version="1")
def report(raw: pl.DataFrame) -> pl.DataFrame:
    return raw


nightly = af.Schedule("nightly", "@daily", assets=["raw", "report"], max_catchup=5)
project = af.Project([raw, report], schedules=[nightly], executor="threads")
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def two_schedules(warehouse) -> af.Project:
    daily = af.DailyPartitions(start="2026-04-01")

    @af.asset(partitions=daily, schedule="@daily")
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"day": [context.partition_key]})

    @af.asset(partitions=daily)
    def report(raw: pl.DataFrame) -> pl.DataFrame:
        return raw

    latest = af.Schedule("latest", "@daily", assets=["report"], catchup=False)
    return af.Project([raw, report], warehouse, schedules=[latest], executor="threads")


def test_a_tick_is_one_run_whatever_partition_sets_its_schedules_ask_for(warehouse):
    result = tick(two_schedules(warehouse), at("2026-04-08T03:00"))
    assert result.runnable == {"raw": days(1, 7), "report": ["2026-04-07"]}
    assert len(result.runs) == 1 and result.runs[0].ok
    assert set(committed(warehouse)) == {("raw", d) for d in days(1, 7)} | {
        ("report", "2026-04-07")
    }


@pytest.fixture
def pipeline(tmp_path):
    path = tmp_path / "pipeline.py"
    path.write_text(PIPELINE)
    return str(path)


def test_max_catchup_runs_the_newest_ticks_and_reports_the_rest(pipeline, warehouse):
    out = invoke_cli("-p", pipeline, "-w", str(warehouse), "tick", "--now", "2026-04-08T03:00")
    assert out.returncode == 0, out.stderr
    assert (
        "warning: schedule nightly: skipped 66 missing or stale partition(s) older than "
        "max_catchup=5 ticks (2026-03-01 .. 2026-04-02); fill them with "
        "`asset backfill --from 2026-03-01 --to 2026-04-02`"
    ) in out.stderr
    assert set(committed(warehouse)) == {(a, d) for a in ("raw", "report") for d in days(3, 7)}

    again = invoke_cli(
        "-p", pipeline, "-w", str(warehouse), "tick", "--now", "2026-04-09T03:00", "--json"
    )
    doc = json.loads(again.stdout)
    assert doc["materialized"] == {"raw": ["2026-04-08"], "report": ["2026-04-08"]}
    skipped = doc["schedules"][0]["skipped_beyond_max_catchup"]
    assert skipped["raw"][0] == "2026-03-01" and len(skipped["raw"]) == 33


def test_schedules_show_the_pending_catch_up_before_a_tick_runs_it(pipeline, warehouse):
    out = invoke_cli("-p", pipeline, "-w", str(warehouse), "schedules", "--now", "2026-04-08T03:00")
    assert out.returncode == 0, out.stderr
    assert (
        "    due now: cron time 2026-04-08T00:00:00+00:00 not ticked yet; 10 partition(s) "
        "pending (missing, stale or failed); 66 older than max_catchup=5 ticks are skipped "
        "(asset backfill fills them)"
    ) in out.stdout.splitlines()
    doc = json.loads(
        invoke_cli(
            "-p", pipeline, "-w", str(warehouse), "schedules", "--json",
            "--now", "2026-04-08T03:00",
        ).stdout
    )  # fmt: skip
    row = doc["schedules"][0]
    assert (row["due_tick"], row["pending_partitions"], row["beyond_max_catchup"]) == (
        "2026-04-08T00:00:00+00:00",
        10,
        66,
    )


def test_tick_dry_run_says_what_it_would_run_and_changes_nothing(pipeline, warehouse):
    out = invoke_cli(
        "-p", pipeline, "-w", str(warehouse), "tick", "--now", "2026-04-08T03:00", "--dry-run"
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "schedule nightly: tick 2026-04-08T00:00:00+00:00, 10 partition(s) to run" in lines
    assert "dry run: sources not observed, nothing run or recorded" in lines
    assert "plan: 10 to run, 0 fresh" in lines
    assert not warehouse.exists()
    doc = json.loads(
        invoke_cli(
            "-p", pipeline, "-w", str(warehouse), "tick", "--now", "2026-04-08T03:00",
            "--dry-run", "--json",
        ).stdout
    )  # fmt: skip
    assert doc["dry_run"] is True and doc["materialized"] == {} and doc["to_run"] == 10
    assert doc["would_materialize"]["raw"] == days(3, 7) and doc["runs"] == []


@pytest.mark.parametrize(
    "command", [["tick"], ["backfill", "--from", "2026-03-01", "--to", "2026-03-02"]]
)
def test_a_now_later_than_the_clock_is_refused_unless_allowed(pipeline, warehouse, command):
    future = f"{datetime.now(UTC) + timedelta(days=30):%Y-%m-%dT%H:%M}"
    out = invoke_cli("-p", pipeline, "-w", str(warehouse), *command, "--now", future)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(f"error: --now {future} is later than this machine's clock (")
    assert line.endswith("); pass --allow-future to act as if it were then")
    assert not warehouse.exists()
    allowed = invoke_cli(
        "-p", pipeline, "-w", str(warehouse), *command, "--now", future, "--allow-future",
        "--dry-run",
    )  # fmt: skip
    assert allowed.returncode == 0, allowed.stderr
