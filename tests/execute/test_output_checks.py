"""Outputs the warehouse cannot store faithfully are refused before anything is written; a
warehouse an older assetflow left stuck with one is recovered by ``asset verify --repair``."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

import assetflow as af
from assetflow.commit.files import stage_table
from tests.conftest import invoke_cli, resource
from tests.warehouse_checks import versions

BAD = str(resource("bad_output"))


def materialize(warehouse, key: str, kind: str = ""):
    return invoke_cli(
        "-p", BAD, "-w", str(warehouse), "materialize", "--partition", key,
        env={"BAD_OUTPUT": kind},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("no_columns", "returned a table without columns"),
        ("object", "column 'o' holds Python objects"),
        ("case_dup", "columns 'n' and 'N', which differ only in case"),
        ("empty_name", "a column with an empty name"),
        ("union", "column 'u' has type sparse_union"),
        ("interval", "column 'i' has type month_day_nano_interval"),
        ("wide_decimal", "column 'd' has type decimal256(50, 2): DuckDB reads"),
        ("empty_struct", "column 's' is a struct without fields"),
        ("nested_union", "column 's' has type sparse_union"),
    ],
)
def test_an_unstorable_output_is_refused_in_one_line_and_nothing_is_written(tmp_path, kind, needle):
    warehouse = tmp_path / "wh"
    out = materialize(warehouse, "2026-03-03", kind)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
    failed = [line for line in out.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1
    assert "asset 'spoiled' partition 2026-03-03" in failed[0] and needle in failed[0]
    assert not list(warehouse.rglob("*.parquet"))
    assert versions(warehouse) == {}


def test_after_a_refused_output_the_asset_keeps_working(tmp_path):
    """The issue's case: a column-less first partition used to commit, and then every good
    partition was refused as "removing columns" from it."""
    warehouse = tmp_path / "wh"
    assert materialize(warehouse, "2026-03-01", "no_columns").returncode == 1
    assert materialize(warehouse, "2026-03-01").returncode == 0
    assert materialize(warehouse, "2026-03-02").returncode == 0
    out = invoke_cli("-p", BAD, "-w", str(warehouse), "query", "select count(*) from spoiled")
    assert out.returncode == 0 and "2" in out.stdout


def test_a_column_named_like_a_duckdb_virtual_column_keeps_its_data(tmp_path):
    """The warehouse adds no column: DuckDB's virtual ``filename`` gives way to the data's."""
    warehouse = tmp_path / "wh"
    assert materialize(warehouse, "2026-03-01", "filename").returncode == 0
    out = invoke_cli(
        "-p", BAD, "-w", str(warehouse), "query", "select filename from spoiled", "--format", "csv"
    )
    assert out.stdout.splitlines() == ["filename", "mine"]


def test_a_warehouse_stuck_with_a_column_less_partition_is_recovered_by_verify_repair(tmp_path):
    """What an older assetflow committed for ``pl.DataFrame()``: no view could be built, every
    later partition was refused, and repair looped. Now one command recovers it."""
    warehouse = tmp_path / "wh"
    assert materialize(warehouse, "2026-03-01").returncode == 0
    now = datetime(2026, 4, 10, tzinfo=UTC)
    with (
        pytest.raises(Exception, match="view of spoiled could not be rebuilt"),
        af.Warehouse(warehouse, lock_timeout=5).writer() as catalog,  # publishes on close
    ):
        staged = stage_table(pa.table({}), catalog.storage, "spoiled", "2026-03-02")
        catalog.commit(
            asset="spoiled", partition="2026-03-02", staged=staged, code_version="1",
            inputs=[], run_id="old", started_at=now, finished_at=now, schema_policy=None,
        )  # fmt: skip

    args = ("-p", BAD, "-w", str(warehouse))
    report = invoke_cli(*args, "verify")
    assert report.returncode == 1
    assert "no_columns" in report.stdout and "spoiled 2026-03-02" in report.stdout

    repaired = invoke_cli(*args, "verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "forgot spoiled 2026-03-02 (its file has no columns" in repaired.stdout

    assert materialize(warehouse, "2026-03-02").returncode == 0
    assert materialize(warehouse, "2026-03-03").returncode == 0
    out = invoke_cli(*args, "query", "select count(*) as n from spoiled", "--format", "csv")
    assert out.stdout.splitlines() == ["n", "3"]
    assert invoke_cli(*args, "verify").returncode == 0
