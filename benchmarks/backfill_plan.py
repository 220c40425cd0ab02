"""How fast a backfill plans and a tick decides, on an empty warehouse (nothing committed).

Run: python benchmarks/backfill_plan.py [ASSETS] [YEARS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime

import polars as pl

import assetflow as af
from assetflow.automation.backfill import BackfillSpec, plan_backfill, requested_keys
from assetflow.commit.state import CatalogState
from assetflow.plan.staleness import compute_status
from assetflow.plan.ticks import eager_targets, schedule_due, unavailable


def chain(n: int, start: str) -> list[af.AssetDef]:
    daily = af.DailyPartitions(start=start)
    assets = []
    for i in range(n):

        def fn() -> pl.DataFrame:  # never run here; upstreams via deps=
            return pl.DataFrame()

        fn.__name__ = f"a{i}"
        deps = [f"a{i - 1}"] if i else []
        assets.append(
            af.asset(
                name=f"a{i}", partitions=daily, deps=deps, code_version="1", automation="eager"
            )(fn)
        )
    return assets


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    as_of = datetime(2026, 1, 1, tzinfo=UTC)
    start = f"{2026 - years}-01-01"
    with tempfile.TemporaryDirectory() as tmp:
        project = af.Project(chain(n, start), tmp)
        spec = BackfillSpec(None, start, "2025-12-31")
        t0 = time.perf_counter()
        targets = requested_keys(project, spec, as_of)
        steps, _ = plan_backfill(project, targets, as_of, force=False)
        t1 = time.perf_counter()
        print(f"backfill plan: {n} assets x {years}y daily = {steps:,} steps in {t1 - t0:.2f}s")

        state = CatalogState.empty()
        schedule = af.Schedule("s", "0 2 * * *", [a.name for a in project.graph])
        t0 = time.perf_counter()
        statuses = compute_status(project.graph, state, as_of)
        due = schedule_due(schedule, project.graph, None, as_of)
        eager = eager_targets(project.graph, statuses)
        unavailable(project.graph, state, statuses)
        t1 = time.perf_counter()
        keys = sum(len(k) for k in due.targets.values())
        print(
            f"tick decision: {statuses.height:,} statuses, {keys:,} scheduled + "
            f"{sum(len(k) for k in eager.values()):,} eager targets in {t1 - t0:.2f}s"
        )


if __name__ == "__main__":
    main()
