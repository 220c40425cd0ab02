"""Time partitions: key forms, DST, offsets, cron, due windows and error messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import assetflow as af
from assetflow.errors import DefinitionError, PartitionKeyError

BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def hours_on(definition: af.HourlyPartitions, day: str) -> list[str]:
    late = utc(2030, 1, 1)
    return [k for k in definition.due_keys(late) if k.startswith(day)]


def test_berlin_hourly_has_23_hours_in_spring_and_25_in_autumn():
    hourly = af.HourlyPartitions(start="2026-03-01", timezone=BERLIN)
    spring = hours_on(hourly, "2026-03-29")
    assert len(spring) == 23
    assert "2026-03-29T02:00" not in spring
    assert spring[:3] == ["2026-03-29T00:00", "2026-03-29T01:00", "2026-03-29T03:00"]
    assert hourly.window("2026-03-29T01:00") == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 1))
    assert hourly.window("2026-03-29T03:00") == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))

    autumn = hours_on(hourly, "2026-10-25")
    assert len(autumn) == 25
    assert autumn[2:5] == ["2026-10-25T02:00", "2026-10-25T02:00+01:00", "2026-10-25T03:00"]
    assert hourly.window("2026-10-25T02:00") == (utc(2026, 10, 25, 0), utc(2026, 10, 25, 1))
    assert hourly.window("2026-10-25T02:00+01:00") == (utc(2026, 10, 25, 1), utc(2026, 10, 25, 2))
    assert hourly.window("2026-10-25T03:00") == (utc(2026, 10, 25, 2), utc(2026, 10, 25, 3))


def test_repeated_hour_keys_parse_by_offset_and_round_trip():
    hourly = af.HourlyPartitions(start="2026-01-01", timezone=BERLIN)
    assert hourly.parse_key("2026-10-25T02:00+02:00") == "2026-10-25T02:00"
    assert hourly.parse_key("2026-10-25T02:00+01:00") == "2026-10-25T02:00+01:00"
    assert hourly.parse_key("2026-04-08T02:00+02:00") == "2026-04-08T02:00"
    with pytest.raises(PartitionKeyError, match="next partition is 2026-03-29T03:00"):
        hourly.parse_key("2026-03-29T02:00")
    with pytest.raises(PartitionKeyError, match="does not start an hourly window"):
        hourly.parse_key("2026-10-25T02:00+05:00")


def test_range_over_the_autumn_day_selects_all_25_hours():
    hourly = af.HourlyPartitions(start="2026-10-01", timezone=BERLIN)
    keys = hourly.keys_between("2026-10-25T00:00", "2026-10-25T23:00", utc(2026, 11, 1))
    assert len(keys) == 25 and len(set(keys)) == 25


def test_daily_windows_are_23_and_25_hours_long_on_dst_days():
    daily = af.DailyPartitions(start="2026-01-01", timezone=BERLIN)
    lengths = {}
    for day in ("2026-03-28", "2026-03-29", "2026-10-25"):
        start, end = daily.window(day)
        lengths[day] = (end - start) / timedelta(hours=1)
    assert lengths == {"2026-03-28": 24, "2026-03-29": 23, "2026-10-25": 25}
    assert daily.window("2026-03-29")[0] == utc(2026, 3, 28, 23)


def test_day_that_a_zone_skipped_does_not_exist():
    # Samoa moved across the date line: 2011-12-30 never happened in Pacific/Apia.
    daily = af.DailyPartitions(start="2011-12-28", timezone="Pacific/Apia")
    keys = daily.keys_between("2011-12-28", "2012-01-01", utc(2012, 2, 1))
    assert keys == ["2011-12-28", "2011-12-29", "2011-12-31", "2012-01-01"]
    assert daily.window("2011-12-29")[1] == daily.window("2011-12-31")[0]


def test_due_only_after_the_window_closes_in_its_timezone():
    daily = af.DailyPartitions(start="2026-04-01", timezone="America/New_York")
    # 2026-04-09 ends at 04:00 UTC on the 10th (EDT = UTC-4).
    assert daily.due_keys(utc(2026, 4, 10, 3, 59))[-1] == "2026-04-08"
    assert daily.due_keys(utc(2026, 4, 10, 4, 0))[-1] == "2026-04-09"
    with pytest.raises(PartitionKeyError, match="becomes due at 2026-04-11 00:00"):
        daily.check_key("2026-04-10", utc(2026, 4, 10, 12))


def test_end_offset_makes_the_open_window_due():
    as_of = utc(2026, 4, 10, 12)
    assert af.DailyPartitions(start="2026-04-01").due_keys(as_of)[-1] == "2026-04-09"
    assert af.DailyPartitions(start="2026-04-01", end_offset=1).due_keys(as_of)[-1] == "2026-04-10"
    monthly = af.MonthlyPartitions(start="2026-01", end_offset=1)
    assert monthly.due_keys(as_of) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert af.MonthlyPartitions(start="2026-01").due_keys(as_of) == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]


def test_end_is_inclusive_and_keys_outside_are_rejected():
    daily = af.DailyPartitions(start="2026-01-01", end="2026-01-31")
    keys = daily.due_keys(utc(2027, 1, 1))
    assert keys[0] == "2026-01-01" and keys[-1] == "2026-01-31" and len(keys) == 31
    with pytest.raises(PartitionKeyError, match="after the last partition 2026-01-31"):
        daily.check_key("2026-02-01", utc(2027, 1, 1))
    with pytest.raises(PartitionKeyError, match="before the first partition 2026-01-01"):
        daily.check_key("2025-12-31", utc(2027, 1, 1))
    with pytest.raises(DefinitionError, match="before start"):
        af.DailyPartitions(start="2026-02-01", end="2026-01-01")


def test_offsets_and_cron_spell_the_same_windows():
    by_offset = af.DailyPartitions(start="2026-01-01", hour_offset=6, timezone=BERLIN)
    by_cron = af.DailyPartitions(start="2026-01-01", cron="0 6 * * *", timezone=BERLIN)
    assert by_offset == by_cron and hash(by_offset) == hash(by_cron)
    assert by_cron.window("2026-04-08")[0] == utc(2026, 4, 8, 4)  # 06:00 CEST
    sundays = af.WeeklyPartitions(start="2026-01-01", cron="0 0 * * sun")
    assert sundays == af.WeeklyPartitions(start="2026-01-01", day_offset=6)
    assert sundays.start == "2026-01-04"  # the first Sunday on or after the start date
    assert sundays.parse_key("2026-04-05") == "2026-04-05"
    fifth = af.MonthlyPartitions(start="2026-01", cron="0 0 5 * *")
    assert fifth == af.MonthlyPartitions(start="2026-01", day_offset=4)
    assert fifth.window("2026-04") == (utc(2026, 4, 5), utc(2026, 5, 5))
    half = af.HourlyPartitions(start="2026-01-01", cron="30 * * * *")
    assert half.window("2026-04-08T02:30") == (utc(2026, 4, 8, 2, 30), utc(2026, 4, 8, 3, 30))


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"cron": "0 0 * * 1-5"}, "expected 'M H * * *'"),
        ({"cron": "*/5 * * * *"}, "expected 'M H * * *'"),
        ({"hour_offset": 24}, "hour_offset must be an integer 0..23"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"end_offset": 1.5}, "end_offset must be an integer"),
    ],
)
def test_bad_definitions_say_what_to_write(kwargs, needle):
    with pytest.raises(DefinitionError, match=needle.replace("*", r"\*")):
        af.DailyPartitions(start="2026-01-01", **kwargs)


@pytest.mark.parametrize(
    ("definition", "key", "needle"),
    [
        (
            af.DailyPartitions(start="2026-01-01"),
            "2026-4-8",
            "expected YYYY-MM-DD, e.g. 2026-04-08",
        ),
        (af.DailyPartitions(start="2026-01-01"), "2026-02-30", "not a valid date"),
        (af.HourlyPartitions(start="2026-01-01"), "2026-04-08", "expected YYYY-MM-DDTHH:MM"),
        (af.WeeklyPartitions(start="2026-01-01"), "2026-04-06", "expected YYYY-Www"),
        (af.WeeklyPartitions(start="2026-01-01"), "2025-W53", "not a valid ISO week"),
        (af.WeeklyPartitions(start="2026-01-01", day_offset=6), "2026-04-06", "is a Monday"),
        (af.MonthlyPartitions(start="2026-01"), "2026-13", "not a valid month"),
        (af.MonthlyPartitions(start="2026-01"), "2026-04-01", "expected YYYY-MM, e.g. 2026-04"),
    ],
)
def test_bad_keys_show_the_expected_form(definition, key, needle):
    with pytest.raises(PartitionKeyError, match=needle):
        definition.parse_key(key)


def test_weekly_iso_keys_cross_the_year():
    weekly = af.WeeklyPartitions(start=date(2025, 12, 1))
    keys = weekly.keys_between("2025-W52", "2026-W02", utc(2026, 2, 1))
    assert keys == ["2025-W52", "2026-W01", "2026-W02"]
    assert weekly.window("2026-W01")[0] == utc(2025, 12, 29)
    assert weekly.parse_key("2026-W53") == "2026-W53"  # 2026 has 53 ISO weeks


def test_partition_at_finds_the_window_containing_an_instant():
    hourly = af.HourlyPartitions(start="2026-01-01", timezone=BERLIN)
    assert hourly.partition_at(utc(2026, 10, 25, 1, 30)) == "2026-10-25T02:00+01:00"
    assert hourly.partition_at(utc(2025, 1, 1)) is None
    monthly = af.MonthlyPartitions(start="2026-01", timezone=BERLIN)
    assert monthly.partition_at(utc(2026, 3, 31, 22, 30)) == "2026-04"  # already April in Berlin


def test_describe_is_short_and_specific():
    assert af.DailyPartitions(start="2026-01-01").describe() == "daily from 2026-01-01 (UTC)"
    weekly = af.WeeklyPartitions(start="2026-01-01", day_offset=6, timezone=BERLIN, end_offset=1)
    assert (
        weekly.describe() == "weekly starting Sunday from 2026-01-04 (Europe/Berlin, end_offset=1)"
    )
