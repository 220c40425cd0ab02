"""Backfills in-process on a real warehouse: batches, recording, force + resume bookkeeping."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl

import assetflow as af
from assetflow.automation.backfill import (
    BackfillSpec,
    list_backfills,
    plan_backfill,
    requested_keys,
    run_backfill,
    start_backfill,
)
from tests.automation.helpers import committed, days, materialization_counts

AS_OF = datetime(2026, 5, 1, tzinfo=UTC)


def project(warehouse: Path) -> af.Project:
    daily = af.DailyPartitions(start="2026-04-01")

    @af.asset(partitions=daily)
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"day": [context.partition_key]})

    @af.asset(partitions=daily)
    def report(raw: pl.DataFrame) -> pl.DataFrame:
        return raw.select(pl.len())

    @af.asset
    def totals(report: pl.DataFrame) -> pl.DataFrame:
        return report

    return af.Project([raw, report, totals], warehouse)


def backfill(p: af.Project, spec: BackfillSpec, **kwargs):
    targets = requested_keys(p, spec, AS_OF)
    total, summary = plan_backfill(p, targets, AS_OF, force=spec.force)
    bid = start_backfill(p, spec, AS_OF, total)
    return bid, summary, run_backfill(p, bid, spec, AS_OF, **kwargs)


def test_range_in_batches_leaves_unpartitioned_assets_alone(warehouse):
    p = project(warehouse)
    bid, summary, outcome = backfill(p, BackfillSpec(None, "2026-04-01", "2026-04-10"), batch=4)
    assert [(s.asset, s.missing, s.will_run) for s in summary] == [
        ("raw", 10, 10),
        ("report", 10, 10),
    ]
    assert outcome.state == "succeeded" and len(outcome.runs) == 3 and outcome.done == 20
    assert set(committed(warehouse)) == {(a, d) for a in ("raw", "report") for d in days(1, 10)}
    [row] = list_backfills(p)
    assert (row.id, row.state, row.total, row.done) == (bid, "succeeded", 20, 20)


def test_forced_resume_skips_what_the_backfill_already_committed(warehouse):
    p = project(warehouse)
    spec = BackfillSpec(("report",), "2026-04-01", "2026-04-04", force=True)
    bid, _, first = backfill(p, spec, batch=2)
    assert first.done == 8  # raw pulled in as missing upstream, report forced
    versions = committed(warehouse)
    resumed = run_backfill(p, bid, spec, AS_OF, resume=True)
    assert resumed.runs == [] and committed(warehouse) == versions
    assert set(materialization_counts(warehouse).values()) == {1}
