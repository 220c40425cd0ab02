"""Cron instants in a timezone: aliases, validation, and daylight-saving changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

import assetflow as af

BERLIN = ZoneInfo("Europe/Berlin")


def local_dates(instants):
    return [i.astimezone(BERLIN).date().isoformat() for i in instants]


@pytest.mark.parametrize("start", ["2026-03-26T00:00", "2026-10-22T00:00"])
def test_two_am_berlin_fires_once_per_local_day_across_dst(start):
    schedule = af.Schedule("b", "0 2 * * *", ["x"], timezone="Europe/Berlin")
    after = datetime.fromisoformat(start).replace(tzinfo=UTC)
    instants = list(islice(schedule.times_after(after), 6))
    days = local_dates(instants)
    assert len(set(days)) == 6 and Counter(days).most_common(1)[0][1] == 1
    assert instants == sorted(instants)
    # 2026-03-29 has no 02:00 (clocks jump to 03:00); 2026-10-25 has two (fires at the first)
    hours = {d: i.astimezone(BERLIN).hour for d, i in zip(days, instants, strict=True)}
    if "2026-03-29" in hours:
        assert hours["2026-03-29"] == 3 and hours["2026-03-28"] == 2
    if "2026-10-25" in hours:
        assert instants[days.index("2026-10-25")] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)


def test_latest_at_or_before_includes_the_exact_instant():
    schedule = af.Schedule("d", "@daily", ["x"])
    assert schedule.latest_at_or_before(datetime(2026, 4, 8, 0, 0, tzinfo=UTC)) == datetime(
        2026, 4, 8, tzinfo=UTC
    )
    assert schedule.latest_at_or_before(datetime(2026, 4, 8, 3, 0, tzinfo=UTC)) == datetime(
        2026, 4, 8, tzinfo=UTC
    )
    assert schedule.previous_before(datetime(2026, 4, 8, tzinfo=UTC)) == datetime(
        2026, 4, 7, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("cron", "message"),
    [("every day", "not a valid cron"), ("", "cron expression"), ("61 * * * *", "not a valid")],
)
def test_bad_cron_is_a_one_line_definition_error(cron, message):
    with pytest.raises(af.DefinitionError, match=message):
        af.Schedule("s", cron, ["x"])


def test_asset_level_schedule_takes_the_partitions_timezone():
    daily = af.DailyPartitions(start="2026-04-01", timezone="Europe/Berlin")

    @af.asset(partitions=daily, schedule=af.Cron("0 2 * * *", catchup=False))
    def nightly() -> None: ...

    assert nightly.schedule == af.Schedule(
        "nightly", "0 2 * * *", ("nightly",), timezone="Europe/Berlin", catchup=False
    )
    with pytest.raises(af.DefinitionError, match="automation"):
        af.asset(automation="lazy")(lambda: None)


def test_unknown_timezone_and_unknown_schedule_asset_are_rejected():
    with pytest.raises(af.DefinitionError, match="unknown timezone"):
        af.Schedule("s", "@daily", ["x"], timezone="Mars/Olympus")

    @af.asset
    def a() -> None: ...

    with pytest.raises(af.SelectionError):
        af.Project([a], schedules=[af.Schedule("s", "@daily", ["nope"])])
    with pytest.raises(af.ConfigError, match="unique"):
        af.Project([a], schedules=[af.Schedule("s", "@daily", ["a"])] * 2)
