"""The snapshot queries behind the web UI's partition, asset and backfills pages: every attempt of
a partition and its log lines, the distinct schemas of an asset, recorded backfills; and that a
warehouse with nothing published yet answers with empty frames, not an error."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import assetflow as af
from assetflow.automation.backfill import (
    BackfillSpec,
    plan_backfill,
    requested_keys,
    run_backfill,
    start_backfill,
)
from assetflow.observe.attempts import (
    ATTEMPT_SCHEMA,
    LOG_SCHEMA,
    partition_attempts,
    partition_logs,
)
from assetflow.observe.backfills import BACKFILL_SCHEMA, backfills
from assetflow.observe.schemas import asset_schemas
from tests.conftest import AS_OF
from tests.resources.ui_shop import build


def test_attempts_logs_schemas_and_backfills_of_a_real_warehouse(tmp_path: Path):
    project = af.Project(build("1"), tmp_path / "warehouse", executor="threads")
    project.materialize(["flaky"], partition_range=("2026-04-02", "2026-04-03"), as_of=AS_OF)
    spec = BackfillSpec(("orders",), "2026-04-01", "2026-04-02")
    total, _ = plan_backfill(project, requested_keys(project, spec, AS_OF), AS_OF, force=False)
    run_backfill(project, start_backfill(project, spec, AS_OF, total), spec, AS_OF)
    with project.read_model.snapshot() as snap:
        failed = partition_attempts(snap, "flaky", "2026-04-03")
        assert failed.schema == pl.Schema(ATTEMPT_SCHEMA)
        assert failed.select("attempt", "status").rows() == [(2, "failed"), (1, "failed")]
        assert failed["error"][0].endswith("flaky was told to fail on 2026-04-03")
        ok = partition_attempts(snap, "flaky", "2026-04-02")
        assert ok.select("attempt", "status", "error").rows() == [(1, "succeeded", None)]

        logs = partition_logs(snap, "flaky", "2026-04-03", limit=100)
        assert logs.schema == pl.Schema(LOG_SCHEMA)
        checking = logs.filter(pl.col("message").str.starts_with("checking"))
        assert checking["attempt"].to_list() == [1, 2]  # oldest first
        newest = partition_logs(snap, "flaky", "2026-04-03", limit=1)
        assert newest.height == 1 and newest["seq"][0] == logs["seq"].max()

        (schema,) = asset_schemas(snap, "orders").to_dicts()
        assert schema["columns"] == [
            {"name": "id", "type": "int64"},
            {"name": "amount", "type": "int64"},
        ]
        assert (schema["partitions"], schema["code_versions"]) == (2, ["1"])

        (backfill,) = backfills(snap).to_dicts()
        assert (backfill["state"], backfill["selection"], backfill["done"]) == (
            "succeeded",
            ["orders"],
            2,
        )


def test_a_warehouse_with_nothing_published_answers_empty(tmp_path: Path):
    project = af.Project(build("1"), tmp_path / "warehouse", executor="threads")
    with project.read_model.snapshot() as snap:
        assert partition_attempts(snap, "flaky", "2026-04-03").schema == pl.Schema(ATTEMPT_SCHEMA)
        assert partition_logs(snap, "flaky", "2026-04-03", 10).height == 0
        assert asset_schemas(snap, "orders").height == 0
        assert backfills(snap).schema == pl.Schema(BACKFILL_SCHEMA)
