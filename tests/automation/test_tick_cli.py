"""`asset tick` and `asset schedules` on a real warehouse (two real processes for the race)."""

from __future__ import annotations

import json

import pytest

from tests.automation.helpers import committed, days, materialization_counts
from tests.conftest import invoke_cli, resource, start_cli


def tick(warehouse, now, env=None):
    return invoke_cli(
        "-p",
        str(resource("scheduled")),
        "-w",
        str(warehouse),
        "tick",
        "--now",
        now,
        "--json",
        env=env,
    )


def test_catchup_materializes_every_missed_day_then_only_the_new_one(warehouse):
    first = tick(warehouse, "2026-04-08T03:00")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    assert out["materialized"] == {"raw": days(1, 7), "report": days(1, 7)}
    assert set(committed(warehouse)) == {(a, d) for a in ("raw", "report") for d in days(1, 7)}

    same = json.loads(tick(warehouse, "2026-04-08T05:00").stdout)
    assert same["runs"] == [] and same["schedules"][0]["tick_time"] is None
    assert same["schedules"][0]["already_ticked_at"].startswith("2026-04-08T00:00")

    nxt = json.loads(tick(warehouse, "2026-04-09T03:00").stdout)
    assert nxt["materialized"] == {"raw": ["2026-04-08"], "report": ["2026-04-08"]}
    assert nxt["runs"][0]["succeeded"] == 2
    assert set(materialization_counts(warehouse).values()) == {1}

    listing = invoke_cli(
        "-p",
        str(resource("scheduled")),
        "-w",
        str(warehouse),
        "schedules",
        "--json",
        "--now",
        "2026-04-09T03:00",
    )
    row = json.loads(listing.stdout)["schedules"][0]
    assert row["next_tick"] == "2026-04-10T00:00:00+00:00"
    assert row["last_tick"].startswith("2026-04-09T00:00")
    assert row["last_partitions"] == {"raw": ["2026-04-08"], "report": ["2026-04-08"]}
    assert row["last_runs"] == [nxt["runs"][0]["run_id"]]


def test_without_catchup_only_the_latest_day(warehouse):
    result = tick(warehouse, "2026-04-08T03:00", env={"SCHED_CATCHUP": "0"})
    assert result.returncode == 0, result.stderr
    assert set(committed(warehouse)) == {("raw", "2026-04-07"), ("report", "2026-04-07")}


def test_human_output_names_the_tick_and_the_run(warehouse):
    result = invoke_cli(
        "-p", str(resource("scheduled")), "-w", str(warehouse), "tick", "--now", "2026-04-03T01:00"
    )
    assert result.returncode == 0, result.stderr
    expected = "schedule nightly: tick 2026-04-03T00:00:00+00:00, 4 partition(s) to run"
    assert expected in result.stdout
    assert "succeeded: 4 succeeded" in result.stdout
    again = invoke_cli(
        "-p", str(resource("scheduled")), "-w", str(warehouse), "tick", "--now", "2026-04-03T01:00"
    )
    assert "nothing due; cron time 2026-04-03T00:00:00+00:00 already ticked" in again.stdout


@pytest.mark.slow  # two tick processes race for the catalog
def test_concurrent_ticks_commit_each_partition_once_and_the_loser_says_so(warehouse):
    args = [
        "-p",
        str(resource("scheduled")),
        "-w",
        str(warehouse),
        "tick",
        "--now",
        "2026-04-08T03:00",
        "--json",
    ]
    env = {"SCHED_SLOW_SECONDS": "0.3"}
    procs = [start_cli(*args, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reports = [json.loads(o[0]) for o in outs]
    ran = [r for r in reports if r["runs"]]
    lost = [(r, err) for r, (_, err) in zip(reports, outs, strict=True) if not r["runs"]]
    assert len(ran) == 1 and len(lost) == 1
    report, stderr = lost[0]
    assert report["waited_for_another_tick"] is True
    assert "waiting for another tick" in stderr
    assert report["schedules"][0]["by_runs"] == [ran[0]["runs"][0]["run_id"]]
    counts = materialization_counts(warehouse)
    assert len(counts) == 14 and set(counts.values()) == {1}
