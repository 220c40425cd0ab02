"""`asset materialize --stale-only / --missing-only`, and long plans printed as a summary."""

from __future__ import annotations

import polars as pl

import assetflow as af
from tests.conftest import AS_OF, invoke_cli, resource

LINEAR = str(resource("linear"))
daily = af.DailyPartitions(start="2026-04-01")


def chain(version: str) -> list[af.AssetDef]:
    @af.asset(partitions=daily, code_version="1")
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"v": [int(context.partition_key[-2:])]})

    @af.asset(partitions=daily, code_version=version)
    def clean(raw: pl.DataFrame) -> pl.DataFrame:
        return raw

    return [raw, clean]


def test_stale_only_rebuilds_what_has_data_and_missing_only_the_rest(warehouse):
    def project(version: str) -> af.Project:
        return af.Project(chain(version), warehouse, clock=lambda: AS_OF, executor="threads")

    assert project("1").materialize(partitions=["2026-04-01", "2026-04-02"]).ok
    bumped = project("2")  # both committed clean partitions are stale now; 04-03.. are missing
    stale = bumped.plan(which="stale")
    assert [(s.asset, s.partition, s.status) for s in stale.to_run] == [
        ("clean", "2026-04-01", "stale"),
        ("clean", "2026-04-02", "stale"),
    ]
    missing = bumped.plan(which="missing")
    assert {s.status for s in missing.to_run} == {"missing"}
    assert len(missing.to_run) == 2 * 7  # days 04-03 .. 04-09 of both assets
    result = bumped.materialize(which="stale")
    assert result.ok and result.count("succeeded") == 2
    assert bumped.status().summary()["missing"].to_list() == [7, 7]


def test_selectors_exclude_each_other_and_force(warehouse):
    both = invoke_cli(
        "-p", LINEAR, "-w", str(warehouse), "materialize", "--stale-only", "--missing-only"
    )
    assert both.returncode == 2
    assert both.stderr.strip() == (
        "error: --stale-only and --missing-only exclude each other; pick one"
    )
    forced = invoke_cli(
        "-p", LINEAR, "-w", str(warehouse), "materialize", "--stale-only", "--force"
    )
    assert forced.returncode == 2 and forced.stderr.count("error:") == 1
    assert "force (--force) reruns fresh ones" in forced.stderr


def test_a_plan_longer_than_a_screen_prints_a_summary_per_asset(warehouse):
    out = invoke_cli(
        "-p", LINEAR, "-w", str(warehouse), "materialize", "--from", "2026-04-01",
        "--to", "2026-05-31", "--dry-run",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "plan: 183 to run, 0 fresh (per asset; --json lists steps)"
    assert lines[1].split() == [
        "asset", "missing", "stale", "failed", "fresh", "will", "run", "skip", "+upstream",
        "partitions",
    ]  # fmt: skip
    assert lines[2].split() == ["raw", "61", "0", "0", "0", "61", "0", "0", "2026-04-01", "..",
                                "2026-05-31"]  # fmt: skip
    assert len(lines) == 5
    short = invoke_cli(
        "-p", LINEAR, "-w", str(warehouse), "materialize", "--partition", "2026-04-01",
        "--dry-run",
    )  # fmt: skip
    assert short.stdout.splitlines()[1] == "  missing  raw 2026-04-01  (never materialized)"
