"""Key rules: compact where they reproduce the real keys exactly, the explicit list otherwise."""

from __future__ import annotations

import pytest

import assetflow as af
from assetflow.ui.keyrule import rule_for
from tests.conftest import AS_OF


@pytest.mark.parametrize(
    ("definition", "kind"),
    [
        (af.DailyPartitions(start="2016-01-01"), "daily"),
        (
            af.DailyPartitions(start="2016-01-01", timezone="America/New_York", hour_offset=6),
            "daily",
        ),
        (af.WeeklyPartitions(start="2020-01-06"), "weekly"),
        (af.WeeklyPartitions(start="2020-01-05", day_offset=6), "weekly"),
        (af.MonthlyPartitions(start="2010-01", day_offset=4, timezone="Asia/Tokyo"), "monthly"),
        (af.HourlyPartitions(start="2025-06-01T00:00"), "hourly"),
        (af.HourlyPartitions(start="2025-06-01T00:00", timezone="Europe/Berlin"), "hourly"),
        (
            af.HourlyPartitions(
                start="2025-06-01T00:15", timezone="Asia/Kolkata", minute_offset=15
            ),
            "hourly",
        ),
    ],
)
def test_time_partitions_get_a_rule_that_expands_to_exactly_their_keys(definition, kind):
    keys = definition.due_series(AS_OF)
    rule = rule_for(definition, keys)
    assert rule.kind == kind and rule.keys == ()
    assert rule.expand().to_list() == keys.to_list()
    assert "keys" not in rule.to_dict()


def test_hourly_keys_across_a_clock_change_carry_the_offset():
    berlin = af.HourlyPartitions(start="2025-10-25T22:00", timezone="Europe/Berlin")
    keys = rule_for(berlin, berlin.due_series(AS_OF)).expand().to_list()
    assert keys[3:7] == [
        "2025-10-26T01:00",
        "2025-10-26T02:00",
        "2025-10-26T02:00+01:00",
        "2025-10-26T03:00",
    ]


def test_a_zone_whose_clock_moves_by_half_an_hour_falls_back_to_the_key_list():
    # Lord Howe Island shifts by 30 minutes: consecutive UTC hours are not its hourly windows.
    lord_howe = af.HourlyPartitions(start="2025-01-01T00:00", timezone="Australia/Lord_Howe")
    keys = lord_howe.due_series(AS_OF)
    rule = rule_for(lord_howe, keys)
    assert rule.kind == "keys" and list(rule.keys) == keys.to_list()


def test_static_and_multi_partitions_send_their_keys():
    static = af.StaticPartitions(["eu", "us"])
    assert rule_for(static, static.due_series(AS_OF)).to_dict() == {
        "kind": "keys", "count": 2, "keys": ["eu", "us"],
    }  # fmt: skip
    multi = af.MultiPartitions(
        day=af.DailyPartitions(start="2026-04-01"), region=af.StaticPartitions(["eu"])
    )
    keys = multi.due_series(AS_OF)
    assert rule_for(multi, keys).expand().to_list() == keys.to_list()
    assert rule_for(multi, keys).kind == "keys"


def test_no_keys_is_an_empty_rule():
    empty = af.DailyPartitions(start="2030-01-01")
    assert rule_for(empty, empty.due_series(AS_OF)).count == 0
