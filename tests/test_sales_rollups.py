"""The example's rolling 7-day and monthly revenue equal a direct polars computation.

Runs the real example pipeline (examples/sales) into a real warehouse: DuckDB catalog, Parquet
files, views queried through DuckDB.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

import assetflow as af
from tests.conftest import AS_OF, REPO, load_project

SALES = REPO / "examples" / "sales" / "pipeline.py"


@pytest.fixture
def project(warehouse) -> af.Project:
    return load_project(SALES, warehouse, clock=lambda: AS_OF)


def direct(project: af.Project, first: date, last: date) -> pl.DataFrame:
    """Orders and revenue per store over ``first`` .. ``last``, straight from sales_clean."""
    clean = project.read("sales_clean")
    return (
        clean.filter(pl.col("ordered_at").dt.date().is_between(first, last))
        .group_by("store")
        .agg(orders=pl.len(), revenue=pl.col("revenue").sum())
        .sort("store")
    )


def assert_same(got: pl.DataFrame, want: pl.DataFrame, days: int) -> None:
    assert got["store"].to_list() == want["store"].to_list()
    assert got["orders"].to_list() == want["orders"].to_list()
    # The assets add up per-day totals rounded to cents: at most half a cent per day apart.
    for a, b in zip(got["revenue"], want["revenue"], strict=True):
        assert abs(a - b) <= 0.005 * days + 1e-9


def test_rolling_7_day_revenue_matches_polars_over_the_same_days(project):
    result = project.materialize("rolling_revenue_7d", partition="2026-04-08")
    assert result.ok and result.count("succeeded") == 22, result.summary()
    got = project.query("select * from rolling_revenue_7d order by store")
    assert got["days"].to_list() == [7, 7, 7, 7]
    assert_same(got, direct(project, date(2026, 4, 2), date(2026, 4, 8)), days=7)


@pytest.mark.slow  # a month of the example: 85 tasks
def test_monthly_revenue_matches_polars_over_the_month(project):
    result = project.materialize("monthly_revenue", partition="2026-02")
    assert result.ok and result.count("succeeded") == 28 * 3 + 1, result.summary()
    got = project.query("select * from monthly_revenue order by store")
    assert set(got["month"]) == {"2026-02"} and got["days"].to_list() == [28] * 4
    feb = direct(project, date(2026, 2, 1), date(2026, 2, 1) + timedelta(days=27))
    assert_same(got, feb, days=28)
    # A day rebuilt with identical data leaves the month fresh (early cutoff).
    again = project.materialize("sales_raw", partition="2026-02-14", force=True, only=True)
    assert again.ok
    assert project.status("monthly_revenue").status_of("monthly_revenue", "2026-02") == "fresh"
