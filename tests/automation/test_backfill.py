"""`asset backfill`: plan summary, batches, resume after SIGKILL, idempotent reruns."""

from __future__ import annotations

import json
import signal
import time

import duckdb
import pytest

from tests.automation.helpers import committed, days, materialization_counts
from tests.conftest import invoke_cli, resource, start_cli

NOW = "2026-05-10T12:00"


def backfill(warehouse, *args, env=None):
    # Threads: what is tested is the backfill's bookkeeping, not worker processes (whose start
    # per batch made one test take 8 s).
    env = {"ASSETFLOW_EXECUTOR": "threads", **(env or {})}
    return invoke_cli(
        "-p",
        str(resource("linear")),
        "-w",
        str(warehouse),
        "backfill",
        *args,
        "--now",
        NOW,
        env=env,
    )


def test_dry_run_prints_the_plan_per_asset_and_runs_nothing(warehouse):
    backfill(warehouse, "raw", "--from", "2026-04-01", "--to", "2026-04-03")
    span = ["--from", "2026-04-01", "--to", "2026-04-05"]
    result = backfill(warehouse, "report", *span, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[2:5]}
    # columns: missing stale failed fresh will-run skip +upstream
    assert lines["raw"] == ["0", "0", "0", "0", "0", "0", "2"]
    assert lines["clean"] == ["0", "0", "0", "0", "0", "0", "5"]
    assert lines["report"] == ["5", "0", "0", "0", "5", "0", "0"]
    assert "plan: 12 partition(s) to run" in result.stdout
    assert len(committed(warehouse)) == 3
    as_json = json.loads(backfill(warehouse, *span, "--dry-run", "--json").stdout)
    assert as_json["to_run"] == 12 and as_json["assets"][0]["fresh"] == 3


def test_backfill_is_recorded_and_rerunning_changes_nothing(warehouse):
    first = backfill(warehouse, "--from", "2026-04-01", "--to", "2026-04-10", "--batch", "4")
    assert first.returncode == 0, first.stderr
    assert "backfill 1 succeeded: 30 done, 0 failed in 3 run(s)" in first.stdout
    before = committed(warehouse)
    assert len(before) == 30

    again = backfill(warehouse, "--from", "2026-04-01", "--to", "2026-04-10", "--json")
    out = json.loads(again.stdout)
    assert out["plan"]["to_run"] == 0 and out["done"] == 0
    overlapping = backfill(warehouse, "clean", "--from", "2026-04-05", "--to", "2026-04-12")
    assert overlapping.returncode == 0
    forced = backfill(warehouse, "--from", "2026-04-01", "--to", "2026-04-10", "--force")
    assert forced.returncode == 0, forced.stderr
    after = committed(warehouse)
    assert {k: after[k] for k in before} == before  # same data versions, re-materialized or not

    listing = json.loads(
        invoke_cli(
            "-p", str(resource("linear")), "-w", str(warehouse), "backfills", "--json"
        ).stdout
    )
    assert [b["id"] for b in listing] == [4, 3, 2, 1]
    assert listing[-1]["state"] == "succeeded" and listing[-1]["total"] == 30
    assert listing[-1]["done"] == 30 and len(listing[-1]["run_ids"]) == 3
    assert listing[-1]["from_key"] == "2026-04-01" and listing[-1]["created_by"]
    assert listing[0]["force"] is True


def test_errors_are_one_line(warehouse):
    missing = backfill(warehouse, "--from", "2026-04-01")
    assert missing.returncode == 2 and "needs --from KEY and --to KEY" in missing.stderr
    bad = backfill(warehouse, "--from", "2026-04-01", "--to", "2026-06-01")
    assert bad.returncode == 2 and "not due yet" in bad.stderr
    unknown = backfill(warehouse, "resume", "7")
    assert unknown.returncode == 2 and "no backfill 7" in unknown.stderr


def test_failed_partitions_fail_the_backfill_and_resume_finishes_it(warehouse):
    failing = backfill(
        warehouse, "--from", "2026-04-01", "--to", "2026-04-03", env={"LINEAR_FAIL": "report"}
    )
    assert failing.returncode == 1
    listing = json.loads(
        invoke_cli(
            "-p", str(resource("linear")), "-w", str(warehouse), "backfills", "--json"
        ).stdout
    )
    assert listing[0]["state"] == "failed" and listing[0]["failed"] == 3
    resumed = backfill(warehouse, "resume", "1", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["plan"]["to_run"] == 3
    assert set(materialization_counts(warehouse).values()) == {1}


@pytest.mark.slow  # SIGKILL of a real backfill process
def test_sigkill_midway_then_resume_completes_only_the_rest(warehouse):
    args = [
        "-p",
        str(resource("linear")),
        "-w",
        str(warehouse),
        "backfill",
        "--from",
        "2026-04-01",
        "--to",
        "2026-04-30",
        "--batch",
        "3",
        "--now",
        NOW,
    ]
    proc = start_cli(*args, env={"LINEAR_SLOW_SECONDS": "0.05"})
    snapshot = warehouse / "warehouse.duckdb"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and done < 30:
        time.sleep(0.1)
        if snapshot.exists():
            try:
                done = len(committed(warehouse))
            except duckdb.Error:
                continue
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    before = materialization_counts(warehouse)
    assert 30 <= len(before) < 90, "kill the backfill midway"

    listing = json.loads(
        invoke_cli(
            "-p", str(resource("linear")), "-w", str(warehouse), "backfills", "--json"
        ).stdout
    )
    assert listing[0]["state"] == "interrupted"

    resumed = invoke_cli(
        "-p", str(resource("linear")), "-w", str(warehouse), "backfill", "resume", "1", "--now", NOW
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"up to {90 - len(before)} to run" in resumed.stdout
    after = materialization_counts(warehouse)
    assert len(after) == 90 and set(after.values()) == {1}  # nothing committed twice
    assert {(a, d) for a in ("raw", "clean", "report") for d in days(1, 30)} == set(after)

    versions = committed(warehouse)
    rerun = invoke_cli(*args[:-2], "--now", NOW, "--force")
    assert rerun.returncode == 0, rerun.stderr
    assert committed(warehouse) == versions  # same data versions after a forced rerun
