"""`asset status` / `Project.status`: only the selection, and `failed` as its own status."""

from __future__ import annotations

import json

import polars as pl
import pytest

import assetflow as af
from tests.conftest import AS_OF, invoke_cli, resource

daily = af.DailyPartitions(start="2026-04-01")


def chain(fail: set[str], clean_version: str = "1") -> list[af.AssetDef]:
    """raw -> clean -> report; assets named in ``fail`` raise (the set may change later)."""

    @af.asset(partitions=daily, code_version="1")
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"v": [int(context.partition_key[-2:])]})

    @af.asset(partitions=daily, code_version=clean_version)
    def clean(raw: pl.DataFrame) -> pl.DataFrame:
        if "clean" in fail:
            raise ValueError("bad rows\nsecond line")
        return raw

    @af.asset(partitions=daily, code_version="1")
    def report(clean: pl.DataFrame) -> pl.DataFrame:
        return clean

    return [raw, clean, report]


def project(warehouse, assets) -> af.Project:
    return af.Project(assets, warehouse=warehouse, clock=lambda: AS_OF, executor="threads")


def rows(report, key="2026-04-03") -> dict[str, tuple[str, str]]:
    frame = report.frame.filter(pl.col("partition") == key)
    return {a: (s, r) for a, s, r in frame.select("asset", "status", "reason").iter_rows()}


def test_status_of_named_assets_shows_only_them_and_says_how_many_are_hidden(warehouse):
    out = invoke_cli("-p", str(resource("linear")), "-w", str(warehouse), "status", "clean")
    assert out.returncode == 0, out.stderr
    table, hidden = out.stdout.strip().split("\n\n")
    assert [line.split()[0] for line in table.splitlines()] == ["asset", "clean"]
    assert hidden.startswith("(2 other asset(s) not shown")
    doc = json.loads(
        invoke_cli(
            "-p", str(resource("linear")), "-w", str(warehouse), "status", "clean", "--json"
        ).stdout
    )
    assert [a["asset"] for a in doc["assets"]] == ["clean"] and doc["not_shown"] == 2


def test_a_partition_whose_last_attempt_failed_is_failed_until_a_success(warehouse):
    fail = {"clean"}
    p = project(warehouse, chain(fail))
    result = p.materialize(partition="2026-04-03")
    assert result.status == "failed"
    report = p.status(partition="2026-04-03")
    status, reason = rows(report)["clean"]
    assert status == "failed"
    assert reason == (
        f"last attempt failed in run {result.run_id} at 2026-04-10 12:00:00: asset 'clean' "
        "partition 2026-04-03 raised ValueError: bad rows"
    )
    assert rows(report)["report"] == (
        "missing",
        "never materialized; upstream clean 2026-04-03 failed",
    )
    assert report.summary().filter(pl.col("asset") == "clean")["failed"].to_list() == [1]
    assert "failed" in repr(report).splitlines()[0]
    model = report.to_model()
    assert model.assets[1].failed == 1 and model.assets[1].partitions[0].status == "failed"
    plan = p.plan(partition="2026-04-03")
    assert [(s.asset, s.status) for s in plan.to_run] == [
        ("clean", "failed"),
        ("report", "missing"),
    ]

    fail.clear()
    assert p.materialize(partition="2026-04-03").ok
    assert {s for s, _ in rows(p.status(partition="2026-04-03")).values()} == {"fresh"}


def test_a_failed_rebuild_keeps_its_data_and_downstream_reads_it_as_stale(warehouse):
    assert project(warehouse, chain(set())).materialize(partition="2026-04-03").ok
    bumped = project(warehouse, chain({"clean"}, clean_version="2"))
    assert bumped.materialize(partition="2026-04-03").status == "failed"
    report = rows(bumped.status(partition="2026-04-03"))
    assert report["clean"][0] == "failed"
    assert report["report"] == ("stale", "upstream clean 2026-04-03 failed")
    assert bumped.read("clean", "2026-04-03").height == 1  # the old version is still current


@pytest.mark.parametrize("failing", [True, False])
def test_upstream_failed_tasks_are_not_failures_of_their_own(warehouse, failing):
    fail = {"clean"} if failing else set()
    p = project(warehouse, chain(fail))
    p.materialize(partition="2026-04-03")
    expected = "missing" if failing else "fresh"
    assert rows(p.status(partition="2026-04-03"))["report"][0] == expected
