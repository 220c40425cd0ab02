"""`tick` in-process on a real warehouse: catch-up, idempotence, sources and eager assets."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import assetflow as af
from assetflow.automation.sources import observe_sources
from assetflow.automation.tick import tick
from tests.automation.helpers import committed, days, materialization_counts


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def chain(warehouse: Path, *, catchup: bool = True) -> af.Project:
    daily = af.DailyPartitions(start="2026-04-01")

    @af.asset(partitions=daily, schedule=af.Cron("@daily", catchup=catchup))
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"day": [context.partition_key]})

    @af.asset(partitions=daily)
    def report(raw: pl.DataFrame) -> pl.DataFrame:
        return raw.select(pl.len())

    return af.Project([raw, report], warehouse)


def test_catchup_then_only_the_new_day_and_upstreams_pulled_in(warehouse):
    project = chain(warehouse)
    first = tick(project, at("2026-04-08T03:00"))
    assert first.ok and first.runnable == {"raw": days(1, 7)}
    assert set(committed(warehouse)) == {("raw", d) for d in days(1, 7)}
    assert tick(project, at("2026-04-08T09:00")).runs == []
    second = tick(project, at("2026-04-09T03:00"))
    assert second.runnable == {"raw": ["2026-04-08"]}
    assert set(materialization_counts(warehouse).values()) == {1}


def test_no_catchup_runs_only_the_latest(warehouse):
    report = tick(chain(warehouse, catchup=False), at("2026-04-08T03:00"))
    assert report.runnable == {"raw": ["2026-04-07"]}
    assert set(committed(warehouse)) == {("raw", "2026-04-07")}


def test_source_change_reruns_exactly_the_affected_partitions(tmp_path, warehouse):
    folder = tmp_path / "drop"
    folder.mkdir()

    def version(context: af.Context) -> str | None:
        path = folder / f"{context.partition_key}.csv"
        return hashlib.md5(path.read_bytes()).hexdigest() if path.exists() else None

    daily = af.DailyPartitions(start="2026-04-01")

    @af.source(partitions=daily, observe=version)
    def feed(context: af.Context) -> pl.DataFrame:
        return pl.read_csv(folder / f"{context.partition_key}.csv")

    @af.asset(partitions=daily, automation="eager")
    def total(feed: pl.DataFrame) -> pl.DataFrame:
        return feed.select(pl.col("n").sum())

    for d in days(1, 3):
        (folder / f"{d}.csv").write_text(f"n\n{d[-1]}\n")
    project = af.Project([feed, total], warehouse)
    now = at("2026-04-05T00:00")
    first = tick(project, now)
    assert first.runnable == {"total": days(1, 3)}
    assert first.held == {"total": ["2026-04-04"]}
    before = materialization_counts(warehouse)

    (folder / "2026-04-02.csv").write_text("n\n20\n")
    assert set(project.status(as_of=now).frame["status"]) == {"fresh", "missing"}  # not observed
    observed = observe_sources(project, now)
    assert [(c.partition, c.kind) for c in observed.changes] == [("2026-04-02", "changed")]
    status = project.status(as_of=now).frame
    stale = status.filter(pl.col("status") == "stale").select("asset", "partition", "reason")
    assert stale.rows() == [
        ("feed", "2026-04-02", "source feed 2026-04-02 changed"),
        ("total", "2026-04-02", "upstream feed 2026-04-02 is stale"),
    ]
    second = tick(project, now)
    assert second.observed.changes == ()
    after = materialization_counts(warehouse)
    assert {k for k in after if after[k] != before[k]} == {
        ("feed", "2026-04-02"),
        ("total", "2026-04-02"),
    }
    assert tick(project, now).runs == []
