"""Staleness rules (DESIGN section 2) on a real warehouse, through the Project API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import assetflow as af
from tests.conftest import AS_OF

daily = af.DailyPartitions(start="2026-04-01")


def chain(clean_version: str = "1", clean_fn=None, raw_factor: int = 1):
    """raw -> clean -> report, with knobs to change code version and data."""

    @af.asset(partitions=daily, code_version="1")
    def raw(context: af.Context) -> pl.DataFrame:
        day = int(context.partition_key[-2:])
        return pl.DataFrame({"id": [1, 2, 3], "v": [day * raw_factor, 2, 3]})

    @af.asset(partitions=daily, code_version=clean_version)
    def clean(raw: pl.DataFrame) -> pl.DataFrame:
        return clean_fn(raw) if clean_fn else raw.filter(pl.col("id") > 1)

    @af.asset(partitions=daily, code_version="1")
    def report(clean: pl.DataFrame) -> pl.DataFrame:
        return clean.select(pl.col("v").sum())

    return [raw, clean, report]


def project(warehouse, **kw) -> af.Project:
    return af.Project(chain(**kw), warehouse=warehouse, clock=lambda: AS_OF)


def statuses(p: af.Project, key: str = "2026-04-03") -> dict[str, tuple[str, str]]:
    frame = p.status().frame.filter(pl.col("partition") == key)
    return {a: (s, r) for a, s, r in frame.select("asset", "status", "reason").iter_rows()}


def test_everything_due_is_missing_before_the_first_run(warehouse):
    report = project(warehouse).status()
    # 2026-04-01 .. 2026-04-09 are due at AS_OF; 2026-04-10 is not (future, not listed).
    assert report.summary()["missing"].to_list() == [9, 9, 9]
    assert report.status_of("raw", "2026-04-10") is None
    assert report.status_of("raw", "2026-04-09") == "missing"


def test_fresh_after_materialize(warehouse):
    p = project(warehouse)
    assert p.materialize(partition="2026-04-03").ok
    assert statuses(p) == {a: ("fresh", "") for a in ("raw", "clean", "report")}


def test_code_version_change_makes_asset_and_downstream_stale(warehouse):
    project(warehouse).materialize(partition="2026-04-03")
    p2 = project(warehouse, clean_version="2")
    assert statuses(p2) == {
        "raw": ("fresh", ""),
        "clean": ("stale", "code version 1 -> 2"),
        "report": ("stale", "upstream clean 2026-04-03 is stale"),
    }
    result = p2.materialize(partition="2026-04-03")
    # clean reran with identical output, so report is cut off: skipped, and fresh afterwards.
    assert {(t.asset, t.status) for t in result.tasks} == {
        ("clean", "succeeded"),
        ("report", "skipped"),
    }
    assert statuses(p2)["report"] == ("fresh", "")


def test_early_cutoff_keeps_downstream_fresh_when_data_is_identical(warehouse):
    p = project(warehouse)
    p.materialize(partition="2026-04-03")
    before = p.status().frame
    p.materialize("clean", partition="2026-04-03", force=True, only=True)
    after = p.status().frame
    assert statuses(p)["report"] == ("fresh", "")
    assert before["data_version"].to_list() == after["data_version"].to_list()


def test_changed_upstream_data_makes_downstream_stale_with_reason(warehouse):
    project(warehouse).materialize(partition="2026-04-03")
    changed = project(warehouse, clean_fn=lambda raw: raw)  # same version, different data
    changed.materialize("clean", partition="2026-04-03", force=True, only=True)
    assert statuses(changed)["report"] == ("stale", "upstream clean 2026-04-03 changed")
    # Other partitions are untouched by a change to 04-03.
    assert changed.status().status_of("report", "2026-04-04") == "missing"


def test_missing_upstream_makes_committed_downstream_stale(warehouse):
    """Staleness is transitive: an upstream that is not fresh taints what read it."""
    p = project(warehouse, raw_factor=1)
    p.materialize(partition="2026-04-03")
    p2 = project(warehouse, raw_factor=5)  # raw's code version is pinned, so still fresh...
    assert statuses(p2)["raw"] == ("fresh", "")
    p2.materialize("raw", partition="2026-04-03", force=True, only=True)  # ...until forced
    assert statuses(p2) == {
        "raw": ("fresh", ""),
        "clean": ("stale", "upstream raw 2026-04-03 changed"),
        "report": ("stale", "upstream clean 2026-04-03 is stale"),
    }


def test_unpartitioned_downstream_tracks_added_partitions(warehouse):
    @af.asset(partitions=daily, code_version="1")
    def events(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"day": [context.partition_key], "n": [1]})

    @af.asset(code_version="1")
    def totals(events: pl.DataFrame) -> pl.DataFrame:
        return events.select(pl.col("n").sum(), days=pl.col("day").n_unique())

    p = af.Project([events, totals], warehouse=warehouse, clock=lambda: AS_OF)
    p.materialize(partitions=["2026-04-01", "2026-04-02"])
    assert p.read("totals").to_dicts() == [{"n": 2, "days": 2}]
    p.materialize("events", partition="2026-04-05")
    report = p.status()
    assert report.status_of("totals", af.UNPARTITIONED) == "stale"
    reason = report.frame.filter(pl.col("asset") == "totals")["reason"][0]
    assert reason == "upstream events 2026-04-05 was added"
    p.materialize("totals")
    assert p.read("totals").to_dicts() == [{"n": 3, "days": 3}]


@pytest.mark.parametrize("timezone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_future_partitions_are_not_due_in_their_timezone(warehouse, timezone):
    tz_daily = af.DailyPartitions(start="2026-04-01", timezone=timezone)

    @af.asset(partitions=tz_daily)
    def local() -> pl.DataFrame:
        return pl.DataFrame({"x": [1]})

    p = af.Project([local], warehouse=warehouse)
    as_of = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
    keys = p.status(as_of=as_of).frame["partition"].to_list()
    local_today = as_of.astimezone(ZoneInfo(timezone)).date().isoformat()
    assert keys[-1] < local_today
    assert len(keys) == (date.fromisoformat(local_today) - date(2026, 4, 1)).days
