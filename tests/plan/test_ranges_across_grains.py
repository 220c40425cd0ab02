"""A range given in one grain's keys selects, for every time-partitioned asset, the partitions
whose whole window lies inside it: status, materialize, backfill and the Python API agree."""

from __future__ import annotations

import json

import polars as pl
import pytest

import assetflow as af
from tests.conftest import AS_OF, invoke_cli, resource

GRAINS = str(resource("grains"))
WEEKS = [f"2026-W{w:02d}" for w in range(6, 14)]  # Mon 2026-02-02 .. Sun 2026-03-29
MONTHS = ["2026-02", "2026-03"]


def project(warehouse) -> af.Project:
    return af.Project.load(GRAINS, warehouse=warehouse)


def keys_by_asset(frame: pl.DataFrame) -> dict[str, list[str]]:
    return {
        a: sorted(g["partition"].to_list())
        for (a,), g in frame.group_by("asset", maintain_order=True)
    }


def test_python_api_status_and_plan_select_the_weeks_and_months_inside_a_day_range(warehouse):
    p = project(warehouse)
    p.clock = lambda: AS_OF
    status = keys_by_asset(p.status(partition_range=("2026-02-01", "2026-03-31")).frame)
    assert status["weekly"] == WEEKS and status["monthly"] == MONTHS
    assert len(status["daily"]) == 59
    plan = p.plan(partition_range=("2026-02-01", "2026-03-31"))
    requested = keys_by_asset(
        pl.DataFrame(
            [(s.asset, s.partition) for s in plan.steps if s.requested], orient="row"
        ).rename({"column_0": "asset", "column_1": "partition"})
    )
    assert requested == status
    # Weeks pull in the upstream days they read that the range does not cover: none here.
    assert all(s.requested for s in plan.steps)


def test_materialize_from_days_builds_every_grain_and_named_coarse_assets_work(warehouse):
    p = project(warehouse)
    p.clock = lambda: AS_OF
    result = p.materialize(partition_range=("2026-03-01", "2026-03-31"), executor="threads")
    assert result.ok
    built = {(t.asset, t.partition) for t in result.tasks if t.status == "succeeded"}
    assert ("monthly", "2026-03") in built and ("monthly", "2026-02") not in built
    assert {k for a, k in built if a == "weekly"} == {f"2026-W{w:02d}" for w in range(10, 14)}

    named = p.plan("monthly", partition_range=("2026-02-01", "2026-03-31"))
    assert [(s.asset, s.partition) for s in named.steps if s.requested] == [
        ("monthly", "2026-02"),
        ("monthly", "2026-03"),
    ]


def test_a_named_coarse_asset_with_no_whole_window_inside_the_range_is_a_one_line_error(
    warehouse,
):
    out = invoke_cli(
        "-p", GRAINS, "-w", str(warehouse), "status", "monthly",
        "--from", "2026-02-03", "--to", "2026-02-20",
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: no due partition of monthly (monthly from 2026-01 (UTC)) lies inside "
        "2026-02-03 .. 2026-02-20; a range selects the partitions whose whole window is inside "
        "it: widen --from/--to"
    ]


def test_cli_status_and_backfill_dry_run_count_every_grain(warehouse):
    out = invoke_cli(
        "-p", GRAINS, "-w", str(warehouse), "status", "--json",
        "--from", "2026-02-01", "--to", "2026-03-31",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    counts = {a["asset"]: a["missing"] for a in json.loads(out.stdout)["assets"]}
    assert counts == {"daily": 59, "weekly": len(WEEKS), "monthly": len(MONTHS)}

    dry = invoke_cli(
        "-p", GRAINS, "-w", str(warehouse), "backfill", "--from", "2026-02-01",
        "--to", "2026-03-31", "--dry-run", "--json", "--now", "2026-04-10T12:00",
    )  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert {a["asset"]: a["requested"] for a in plan["assets"]} == counts
    assert plan["to_run"] == 59 + len(WEEKS) + len(MONTHS)


@pytest.mark.parametrize(
    ("first", "last", "weeks", "months"),
    [
        ("2026-02", "2026-03", WEEKS, MONTHS),  # a month range selects days and weeks inside
        ("2026-W06", "2026-W09", WEEKS[:4], []),  # Feb 2 .. Mar 1: February is not inside
        ("2026-W05", "2026-W09", ["2026-W05", *WEEKS[:4]], ["2026-02"]),  # Jan 26 .. Mar 1
        ("2026-03-02T00:00", "2026-03-08T23:00", ["2026-W10"], []),  # hours of one week
    ],
)
def test_ranges_in_any_grain_select_the_windows_inside(warehouse, first, last, weeks, months):
    p = project(warehouse)
    frame = p.status(partition_range=(first, last), as_of=AS_OF).frame
    found = keys_by_asset(frame)
    assert found.get("weekly", []) == weeks and found.get("monthly", []) == months
