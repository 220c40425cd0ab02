"""Daily keys: canonical form, validation of hostile input, due-ness, windows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import assetflow as af

daily = af.DailyPartitions(start="2026-01-01")
AS_OF = datetime(2026, 4, 10, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "key",
    ["2026-13-45", "../x", "'; drop table x; --", "2026-4-8", "20260408", "", "2026-04-08\n"],
)
def test_malformed_keys_are_rejected_with_the_expected_form(key):
    with pytest.raises(af.PartitionKeyError, match="YYYY-MM-DD"):
        daily.check_key(key, AS_OF)


def test_due_keys_end_with_the_last_closed_day():
    keys = daily.due_keys(AS_OF)
    assert keys[0] == "2026-01-01" and keys[-1] == "2026-04-09"
    assert len(keys) == 99
    early = af.DailyPartitions(start="2026-01-01", end_offset=1)
    assert early.due_keys(AS_OF)[-1] == "2026-04-10"
    bounded = af.DailyPartitions(start="2026-01-01", end="2026-01-31")
    assert len(bounded.due_keys(AS_OF)) == 31


def test_windows_follow_the_timezone():
    berlin = af.DailyPartitions(start="2026-01-01", timezone="Europe/Berlin")
    start, end = berlin.window("2026-03-29")  # DST starts: a 23-hour day
    assert start == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert end - start == timedelta(hours=23)


def test_static_keys_must_be_safe():
    for bad in (["eu", "eu"], ["a/b"], ["x\x00"], ["..", "ok"], ["x" * 200]):
        with pytest.raises((af.DefinitionError, af.PartitionKeyError)):
            af.StaticPartitions(bad)
    regions = af.StaticPartitions(["eu", "us"])
    assert regions.due_keys(AS_OF) == ["eu", "us"]
    with pytest.raises(af.PartitionKeyError, match="not one of"):
        regions.check_key("apac", AS_OF)


@settings(deadline=None)  # no timing assertions: a loaded machine is not a failure
@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
)
def test_key_window_round_trip_and_tiling(day, tz):
    d = af.DailyPartitions(start="2026-01-01", timezone=tz)
    key = day.isoformat()
    start, end = d.window(key)
    assert d.parse_key(key) == key
    assert start.astimezone(ZoneInfo(tz)).date() == day
    assert d.window((day + timedelta(days=1)).isoformat())[0] == end  # no gap, no overlap
