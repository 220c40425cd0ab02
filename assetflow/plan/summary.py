"""Per-asset counts of a plan: the compact form of a long plan (``asset materialize`` of a
young project, ``asset backfill``). A backfill counts exactly the plan a materialization of its
range runs (one closure, ``plan/closure.py``), on the plan's step frame: no loop over keys.
"""

from __future__ import annotations

import polars as pl

from assetflow.plan.planner import Plan, StepFrame

COUNTS_SCHEMA = {
    "asset": pl.String,
    "requested": pl.UInt32,
    "missing": pl.UInt32,
    "stale": pl.UInt32,
    "failed": pl.UInt32,
    "fresh": pl.UInt32,
    "will_run": pl.UInt32,
    "skip": pl.UInt32,
    "upstream": pl.UInt32,
    "first": pl.String,
    "last": pl.String,
}


def count_by_asset(plan: Plan) -> pl.DataFrame:
    """Per asset, in plan (topological) order: requested partitions by status, how many of them
    run or are skipped, how many upstream partitions are pulled in, and the first/last key."""
    requested = pl.col("requested")
    counted = (
        _frame(plan)
        .group_by("asset", maintain_order=True)
        .agg(
            requested=requested.sum(),
            missing=(requested & (pl.col("status") == "missing")).sum(),
            stale=(requested & (pl.col("status") == "stale")).sum(),
            failed=(requested & (pl.col("status") == "failed")).sum(),
            fresh=(requested & (pl.col("status") == "fresh")).sum(),
            will_run=(requested & pl.col("run")).sum(),
            skip=(requested & ~pl.col("run")).sum(),
            upstream=(~requested & pl.col("run")).sum(),
            first=pl.col("partition").min(),
            last=pl.col("partition").max(),
        )
    )
    return counted.cast(COUNTS_SCHEMA)  # type: ignore[arg-type]


def _frame(plan: Plan) -> pl.DataFrame:
    if isinstance(plan.steps, StepFrame):
        return plan.steps.frame
    return pl.DataFrame(
        [(s.asset, s.partition, s.status, s.run, s.requested) for s in plan.steps],
        schema=["asset", "partition", "status", "run", "requested"],
        orient="row",
    )
