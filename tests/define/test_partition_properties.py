"""Property tests for every partitions definition: round trips, tiling, ranges, order.

Time zones are chosen for their daylight-saving rules: none (UTC, Kolkata +05:30), northern and
southern hemisphere DST (Berlin, New York, Auckland), DST at midnight (Sao Paulo until 2019), a
half-hour zone with a one-hour shift (St John's), and a half-hour shift (Lord Howe). Python's
``zoneinfo`` serves as an independent oracle for window starts.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

import assetflow as af
from assetflow.errors import DefinitionError, PartitionKeyError

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
]
# Zones whose clocks always jump by a whole hour at a whole hour. Not Lord Howe (half-hour
# shifts), nor St John's: until 2011 its clocks changed at 00:01 (pinned in the test below).
WHOLE_HOUR_SHIFTS = [z for z in ZONES if z not in ("Australia/Lord_Howe", "America/St_Johns")]
LATE = datetime(2040, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
EPS = timedelta(microseconds=1)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))
zones = st.sampled_from(ZONES)
PROPERTY = settings(max_examples=40, deadline=None)


@st.composite
def time_definitions(draw) -> af.TimeWindowPartitions:
    kind = draw(st.sampled_from(["hourly", "daily", "weekly", "monthly"]))
    tz = draw(zones)
    start = draw(days)
    if kind == "hourly":
        return af.HourlyPartitions(start=start.isoformat(), timezone=tz)
    hour = draw(st.sampled_from([0, 0, 2, 6]))
    if kind == "daily":
        return af.DailyPartitions(start=start, timezone=tz, hour_offset=hour)
    day = draw(st.integers(0, 6 if kind == "weekly" else 27))
    cls = af.WeeklyPartitions if kind == "weekly" else af.MonthlyPartitions
    return cls(start=start.isoformat(), timezone=tz, day_offset=day, hour_offset=hour)


def span(definition: af.TimeWindowPartitions, count: int) -> list[str]:
    """The first ``count`` keys of a definition."""
    step = {"hour": HOUR, "day": timedelta(days=1)}.get(definition.unit, timedelta(days=32))
    first = definition.window(definition.start)[0]
    return definition.due_keys(first + step * (count + 2))[:count]


@PROPERTY
@given(time_definitions(), st.integers(1, 120))
def test_windows_tile_time_without_gap_or_overlap(definition, count):
    keys = span(definition, count)
    windows = [definition.window(k) for k in keys]
    assert all(start < end for start, end in windows)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    assert keys == sorted(keys), "canonical keys sort in time order"
    assert len(set(keys)) == len(keys)


@PROPERTY
@given(time_definitions(), st.integers(0, 80))
def test_key_window_key_round_trips(definition, index):
    keys = span(definition, index + 1)
    key = keys[-1]
    assert definition.parse_key(key) == key
    start, end = definition.window(key)
    assert definition.partition_at(start) == key
    assert definition.partition_at(end - EPS) == key
    assert definition.check_key(key, end) == key  # due the moment it closes


@PROPERTY
@given(time_definitions(), st.integers(0, 60), st.integers(0, 60))
def test_range_counts_match_positions(definition, a, b):
    keys = span(definition, max(a, b) + 1)
    lo, hi = sorted((a, b))
    got = definition.keys_between(keys[lo], keys[hi], definition.window(keys[-1])[1])
    assert got == keys[lo : hi + 1]


@PROPERTY
@given(zones, days, st.integers(0, 23))
def test_daily_windows_match_zoneinfo(tz, day, hour):
    definition = af.DailyPartitions(start=day, timezone=tz, hour_offset=hour)
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(hour), tzinfo=zone).astimezone(UTC)
    if start.astimezone(zone).replace(tzinfo=None) != datetime.combine(day, time(hour)):
        return  # a skipped wall time: zoneinfo has no single answer to compare with
    assert definition.window(day.isoformat()) == (start, end)


@PROPERTY
@given(st.sampled_from(WHOLE_HOUR_SHIFTS), days)
def test_hourly_count_per_local_day_is_the_day_length(tz, day):
    definition = af.HourlyPartitions(start=(day - timedelta(days=1)).isoformat(), timezone=tz)
    daily = af.DailyPartitions(start=day - timedelta(days=1), timezone=tz)
    start, end = daily.window(day.isoformat())
    hours = [k for k in definition.due_keys(end + timedelta(days=2)) if k.startswith(str(day))]
    assert len(hours) == round((end - start) / HOUR)
    assert definition.window(hours[0])[0] == start
    assert definition.window(hours[-1])[1] == end


def test_a_jump_off_the_hour_starts_a_window_at_the_jump():
    # St John's, 2008-03-09: 00:01 NST became 01:01 NDT. The wall clock showed 00:00 for one
    # minute, then never 01:00: the window after the jump starts at it (docs/partitions.md).
    definition = af.HourlyPartitions(start="2008-03-08T00:00", timezone="America/St_Johns")
    due = definition.due_keys(datetime(2008, 3, 12, tzinfo=UTC))
    hours = [k for k in due if k.startswith("2008-03-09")]
    assert hours[:3] == ["2008-03-09T00:00", "2008-03-09T01:01", "2008-03-09T02:00"]
    assert len(hours) == 24  # 23 hours long: one window of a minute, one of 59
    jump = datetime(2008, 3, 9, 3, 31, tzinfo=UTC)
    assert definition.window("2008-03-09T00:00") == (jump - timedelta(minutes=1), jump)
    assert definition.window("2008-03-09T01:01") == (jump, jump + timedelta(minutes=59))


@PROPERTY
@given(time_definitions(), st.integers(0, 60), st.integers(-2, 2))
def test_due_keys_are_exactly_the_closed_windows(definition, index, end_offset):
    keys = span(definition, index + 3)
    as_of = definition.window(keys[index])[1] - EPS  # just before window `index` closes
    shifted = dataclasses.replace(definition, end_offset=end_offset)
    due = shifted.due_keys(as_of)
    assert due == keys[: max(index + end_offset, 0)]


safe_keys = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_."),
    min_size=1,
    max_size=20,
).filter(lambda k: k not in {".", ".."})


@PROPERTY
@given(st.lists(safe_keys, min_size=1, max_size=12, unique=True))
def test_static_keys_round_trip_in_declared_order(keys):
    static = af.StaticPartitions(keys)
    assert static.due_keys(LATE) == keys
    assert [static.parse_key(k) for k in keys] == keys
    assert static.keys_between(keys[0], keys[-1], LATE) == keys


@given(st.sampled_from(["a/b", "a\\b", "a|b", "tab\there", "", " pad", "x" * 129, ".."]))
def test_static_rejects_unsafe_keys(key):
    try:
        af.StaticPartitions([key])
    except DefinitionError:
        return
    raise AssertionError(f"accepted unsafe key {key!r}")


@PROPERTY
@given(days, st.integers(1, 20), st.lists(safe_keys, min_size=1, max_size=4, unique=True))
def test_multi_keys_round_trip_and_cover_the_product(start, n_days, regions):
    daily = af.DailyPartitions(start=start)
    multi = af.MultiPartitions(date=daily, region=af.StaticPartitions(regions))
    as_of = daily.window(start.isoformat())[0] + timedelta(days=n_days)
    keys = multi.due_keys(as_of)
    assert len(keys) == n_days * len(regions)
    assert keys[: len(regions)] == [f"{start.isoformat()}|{r}" for r in regions]  # time-major
    for key in keys[:: max(len(keys) // 5, 1)]:
        assert multi.parse_key(key) == key
        assert multi.join(multi.split(key)) == key
    first_day = multi.select(as_of, keys=[start.isoformat()])
    assert first_day == keys[: len(regions)]


def test_multi_rejects_partial_and_foreign_keys():
    multi = af.MultiPartitions(
        date=af.DailyPartitions(start="2026-01-01"), region=af.StaticPartitions(["eu", "us"])
    )
    for bad in ("2026-04-08", "2026-04-08|mars", "eu|2026-04-08", "2026-04-08|eu|x"):
        try:
            multi.parse_key(bad)
        except PartitionKeyError:
            continue
        raise AssertionError(f"accepted {bad!r}")
