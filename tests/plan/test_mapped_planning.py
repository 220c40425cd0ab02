"""Status and plans follow partition mappings, on a real warehouse (DuckDB catalog + Parquet)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

import assetflow as af
from assetflow.errors import PlanError
from tests.conftest import AS_OF

daily = af.DailyPartitions(start="2026-03-01")
SCALE: dict[str, int] = {}
"""Per-day multiplier for ``sales``: tests change one day's data through it."""


@af.asset(partitions=daily, code_version="1")
def sales(context: af.Context) -> pl.DataFrame:
    day = int(context.partition_key[-2:])
    factor = SCALE.get(context.partition_key, 1)
    return pl.DataFrame({"day": [context.partition_key] * 3, "amount": [day * factor, 1, 2]})


@af.asset(partitions=daily, code_version="1", mappings={"sales": af.Window(lookback=6)})
def rolling(sales: pl.DataFrame) -> pl.DataFrame:
    return sales.select(pl.col("amount").sum(), pl.col("day").n_unique().alias("days"))


@af.asset(partitions=af.MonthlyPartitions(start="2026-03"), code_version="1")
def monthly(sales: pl.DataFrame) -> pl.DataFrame:
    return sales.select(pl.col("amount").sum(), pl.col("day").n_unique().alias("days"))


@af.asset(partitions=af.HourlyPartitions(start="2026-04-09"), code_version="1")
def hourly(sales: pl.DataFrame) -> pl.DataFrame:
    return sales.select(pl.len().alias("rows"))


@pytest.fixture
def project(warehouse):
    SCALE.clear()
    return af.Project(
        [sales, rolling, monthly, hourly], warehouse, clock=lambda: AS_OF, executor="threads"
    )


def statuses(project: af.Project, asset: str) -> dict[str, tuple[str, str]]:
    frame = project.status(asset).frame
    return {p: (s, r) for p, s, r in frame.select("partition", "status", "reason").iter_rows()}


def test_changing_one_upstream_day_stales_exactly_the_windows_that_read_it(project):
    result = project.materialize("rolling", partition_range=("2026-03-01", "2026-03-31"))
    assert result.ok, result.summary()
    assert project.materialize("monthly", partition="2026-03").count("succeeded") == 1
    assert [s for s, _ in statuses(project, "rolling").values()].count("fresh") == 31

    SCALE["2026-03-10"] = 5
    rerun = project.materialize("sales", partition="2026-03-10", force=True, only=True)
    assert rerun.ok and rerun.count("succeeded") == 1

    rolling_status = statuses(project, "rolling")
    stale = sorted(p for p, (s, _) in rolling_status.items() if s == "stale")
    assert stale == [f"2026-03-{d}" for d in range(10, 17)]
    assert rolling_status["2026-03-12"][1] == "upstream sales 2026-03-10 changed"
    month = statuses(project, "monthly")
    assert month == {"2026-03": ("stale", "upstream sales 2026-03-10 changed")}

    again = project.materialize("rolling", partition_range=("2026-03-01", "2026-03-31"))
    assert again.count("succeeded") == 7  # the 7 windows that read the day, nothing else
    assert project.materialize("monthly", partition="2026-03").count("succeeded") == 1
    assert not [p for p, (s, _) in statuses(project, "rolling").items() if s == "stale"]


def test_rebuilding_with_identical_data_keeps_the_windows_fresh(project):
    assert project.materialize("rolling", partition="2026-03-20").ok
    assert project.materialize("sales", partition="2026-03-18", force=True, only=True).ok
    assert statuses(project, "rolling")["2026-03-20"] == ("fresh", "")


def test_missing_partition_names_the_first_absent_upstream_and_plans_it_first(project):
    project.materialize("sales", partition="2026-04-05")
    status = statuses(project, "rolling")["2026-04-08"]
    assert status == ("missing", "never materialized; upstream sales 2026-04-02 is missing")

    plan = project.plan("rolling", partition="2026-04-08")
    order = [(s.asset, s.partition, s.requested) for s in plan.to_run]
    assert order == [
        *(("sales", f"2026-04-0{d}", False) for d in (2, 3, 4, 6, 7, 8)),
        ("rolling", "2026-04-08", True),
    ]
    needs = "--only: rolling 2026-04-08 needs upstream sales 2026-04-02"
    with pytest.raises(PlanError, match=needs):
        project.plan("rolling", partition="2026-04-08", only=True)


def test_partitions_waiting_for_an_upstream_that_is_not_due(project):
    # At 12:00 on April 10 the hours of April 10 are due, but the day they read is not.
    status = statuses(project, "hourly")
    assert status["2026-04-10T05:00"] == (
        "missing",
        "never materialized; upstream sales 2026-04-10 is not due yet",
    )
    plan = project.plan("hourly")  # everything that can be built now
    hours = {s.partition for s in plan.to_run if s.asset == "hourly"}
    assert len(hours) == 24 and all(h.startswith("2026-04-09") for h in hours)
    with pytest.raises(PlanError, match="upstream sales 2026-04-10 is not due yet"):
        project.plan("hourly", partition="2026-04-10T05:00")


def test_monthly_asset_is_left_out_of_a_daily_key_and_not_due_before_month_end(project):
    plan = project.plan(partition="2026-04-08")
    assert {s.asset for s in plan.steps} == {"sales", "rolling"}
    assert "2026-04" not in statuses(project, "monthly")
    may = datetime(2026, 5, 1, 0, 1, tzinfo=UTC)
    assert "2026-04" in {s.partition for s in project.plan("monthly", as_of=may).to_run}


def test_partition_list_and_range_select_the_same_keys(project):
    keys = [f"2026-03-0{d}" for d in range(1, 8)]
    by_range = project.plan("sales", partition_range=("2026-03-01", "2026-03-07"))
    by_list = project.plan("sales", partitions=keys)
    assert [s.partition for s in by_range.steps] == keys == [s.partition for s in by_list.steps]
    report = project.status("sales", partition_range=("2026-03-05", "2026-03-06"))
    assert report.frame["partition"].to_list() == ["2026-03-05", "2026-03-06"]
