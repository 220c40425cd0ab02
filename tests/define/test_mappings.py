"""Partition mappings: windows, grain changes, dimensions, inference, and build-time errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.define.mapping import infer_mapping, resolve_mapping
from assetflow.errors import DefinitionError

LATE = datetime(2027, 6, 1, tzinfo=UTC)
daily = af.DailyPartitions(start="2026-01-01")
regions = af.StaticPartitions(["eu", "us", "apac"])


def ups(mapping: af.PartitionMapping, key: str, upstream=None, committed=()) -> list[str]:
    return mapping.upstream_keys(key, upstream, list(committed))


def test_rolling_window_reads_the_last_seven_days_clipped_at_the_start():
    window = af.Window(lookback=6).bind(daily, daily)
    assert ups(window, "2026-04-08", daily) == [f"2026-04-0{d}" for d in range(2, 9)]
    assert ups(window, "2026-01-03", daily) == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert af.Window(lookback=6) == af.Window(start_offset=-6, end_offset=0)
    later = af.DailyPartitions(start="2026-02-01")  # the downstream starts after its upstream
    bound = af.Window(lookback=6).bind(later, daily)
    assert ups(bound, "2026-02-01", daily)[0] == "2026-01-26"


def test_grain_changes_map_by_overlapping_windows():
    monthly = af.MonthlyPartitions(start="2026-01")
    weekly = af.WeeklyPartitions(start="2026-01-01")
    hourly = af.HourlyPartitions(start="2026-01-01", timezone="Europe/Berlin")
    berlin = af.DailyPartitions(start="2026-01-01", timezone="Europe/Berlin")
    month_days = ups(af.Window().bind(monthly, daily), "2026-02", daily)
    assert (
        month_days[0] == "2026-02-01" and month_days[-1] == "2026-02-28" and len(month_days) == 28
    )
    assert ups(af.Window().bind(daily, monthly), "2026-02-14", monthly) == ["2026-02"]
    week = ups(af.Window().bind(weekly, daily), "2026-W15", daily)
    assert week == [(date(2026, 4, 6) + timedelta(days=i)).isoformat() for i in range(7)]
    assert len(ups(af.Window().bind(berlin, hourly), "2026-10-25", hourly)) == 25
    assert len(ups(af.Window().bind(berlin, hourly), "2026-03-29", hourly)) == 23
    assert ups(af.Window().bind(hourly, berlin), "2026-10-25T02:00+01:00", berlin) == ["2026-10-25"]
    # A UTC day seen from Berlin overlaps two Berlin days.
    assert ups(af.Window().bind(daily, berlin), "2026-04-08", berlin) == [
        "2026-04-08",
        "2026-04-09",
    ]


def test_inference_picks_identity_grain_dimension_or_all():
    monthly = af.MonthlyPartitions(start="2026-01")
    multi = af.MultiPartitions(date=daily, region=regions)
    assert infer_mapping("d", daily, "u", af.DailyPartitions(start="2026-01-01")) == af.Identity()
    assert infer_mapping("d", monthly, "u", daily) == af.Window()
    assert infer_mapping("d", None, "u", daily) == af.AllPartitions()
    assert infer_mapping("d", multi, "u", daily) == af.DimensionMapping("date")
    assert infer_mapping("d", regions, "u", af.StaticPartitions(["us", "eu", "apac", "x"])) == (
        af.Identity()
    )


def test_dimension_mappings_in_both_directions():
    multi = af.MultiPartitions(date=daily, region=regions)
    down = resolve_mapping("by_region", multi, "sales", daily, None)
    assert ups(down, "2026-04-08|us", daily) == ["2026-04-08"]
    total = resolve_mapping("total", daily, "by_region", multi, None)
    assert ups(total, "2026-04-08", multi) == ["2026-04-08|eu", "2026-04-08|us", "2026-04-08|apac"]
    rolling = resolve_mapping("rolling", multi, "by_region", multi, af.Window(lookback=2))
    assert ups(rolling, "2026-04-08|eu", multi) == [
        "2026-04-06|eu",
        "2026-04-07|eu",
        "2026-04-08|eu",
    ]
    per_region = resolve_mapping("per_region", regions, "by_region", multi, None)
    committed = ["2026-04-07|eu", "2026-04-08|eu", "2026-04-08|us"]
    assert ups(per_region, "eu", multi, committed) == ["2026-04-07|eu", "2026-04-08|eu"]


def asset(name: str, partitions, deps=(), mappings=None):
    return af.asset(name=name, partitions=partitions, deps=list(deps), mappings=mappings)(
        lambda: None
    )


@pytest.mark.parametrize(
    ("down", "up", "declared", "needles"),
    [
        (daily, regions, None, ["'report'", "'sales'", "af.AllPartitions()"]),
        (regions, daily, None, ["'report'", "'sales'", "af.AllPartitions()"]),
        (daily, regions, af.Window(), ["af.Window()", "time partitions", "af.AllPartitions()"]),
        (
            af.MonthlyPartitions(start="2026-01"),
            daily,
            af.Identity(),
            ["identity needs the same grain", "af.Window()"],
        ),
        (
            af.StaticPartitions(["eu", "mars"]),
            regions,
            None,
            ["'report'", "'sales'", "af.AllPartitions()"],
        ),
    ],
)
def test_invalid_combinations_fail_at_build_naming_both_assets_and_a_fix(
    down, up, declared, needles
):
    mappings = {"sales": declared} if declared else None
    with pytest.raises(DefinitionError) as err:
        af.Project([asset("sales", up), asset("report", down, ["sales"], mappings)], "unused")
    message = str(err.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


def test_window_arguments_are_checked():
    with pytest.raises(DefinitionError, match="after end_offset"):
        af.Window(start_offset=1, end_offset=0)
    with pytest.raises(DefinitionError, match="lookback must be an integer >= 0"):
        af.Window(lookback=-1)


GRIDS = [
    af.DailyPartitions(start="2026-01-01"),
    af.DailyPartitions(start="2026-02-01", timezone="Europe/Berlin", hour_offset=6),
    af.HourlyPartitions(start="2026-03-20", timezone="Europe/Berlin"),
    af.WeeklyPartitions(start="2026-01-01", timezone="America/New_York"),
    af.MonthlyPartitions(start="2026-01", timezone="Australia/Lord_Howe"),
]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(GRIDS),
    st.sampled_from(GRIDS),
    st.integers(-8, 0),
    st.integers(0, 3),
    st.integers(0, 40),
)
def test_window_edges_agree_with_their_inverse_and_overlap(down, up, so, eo, offset):
    mapping = af.Window(start_offset=so, end_offset=eo).bind(down, up)
    down_keys = down.due_keys(LATE)[offset : offset + 12]
    if not down_keys:
        return
    edges = mapping.edges(down_keys, up, [])
    # Each edge's windows overlap once the downstream window is stretched by the offsets, and
    # every upstream window overlapping it (inside the upstream's range) is an edge.
    first, last = down.window(down_keys[0])[0], down.window(down_keys[-1])[1]
    wide = down.grid.table(
        first.replace(tzinfo=None) - timedelta(days=400),
        last.replace(tzinfo=None) + timedelta(days=400),
    )
    row = {k: i for i, k in enumerate(wide.keys.to_list())}
    uwide = up.table_between(int(wide.starts[0]), int(wide.ends[-1]))
    got = _pairs(edges)
    for d in down_keys:
        lo, hi = wide.starts[row[d] + so], wide.ends[row[d] + eo]
        overlapping = (uwide.starts < hi) & (uwide.ends > lo) & up.in_range(uwide.starts)
        want = {(d, u) for u in uwide.keys.filter(pl.Series(overlapping)).to_list()}
        assert {p for p in got if p[0] == d} == want, d
    # The inverse, computed from the upstream side, finds exactly the same pairs.
    upstream_keys = edges["up_partition"].unique().to_list()
    inverse = mapping.inverse_edges(upstream_keys, down_keys, up, [])
    assert _pairs(inverse) == got


def _pairs(frame: pl.DataFrame) -> set[tuple[str, str]]:
    return set(frame.select("partition", "up_partition").iter_rows())


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 6), st.integers(0, 90))
def test_changing_upstream_day_affects_exactly_the_windows_containing_it(lookback, day):
    window = af.Window(lookback=lookback).bind(daily, daily)
    universe = daily.due_keys(datetime(2026, 4, 10, tzinfo=UTC))
    changed = universe[day]
    affected = window.inverse_edges([changed], universe, daily, [])["partition"].to_list()
    expected = universe[day : day + lookback + 1]
    assert affected == expected
