"""Throughput of the sales example on Dask (a local cluster of 1, 2, 4 worker processes) against
the ``processes`` executor with as many workers.

Usage (from the repository root)::

    python benchmarks/dask_throughput.py [--days 30] [--workers 1 2 4] [--json out.json]

Each configuration materializes ``--days`` days of the example (every asset; the rolling window
pulls in six more days of its upstreams) into a fresh warehouse and reports the wall time of the
whole run (start-up included: a local Dask cluster starts once per run, a process pool its
workers) and of its tasks alone (first attempt start to last attempt end), as tasks per second.
The example's tasks are small (tens of ms of work each), so this measures per-task overhead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

import assetflow as af

SALES = Path(__file__).resolve().parents[1] / "examples" / "sales" / "pipeline.py"


def run(executor: str, workers: int, days: list[str]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="assetflow-dask-bench-"))
    try:
        project = af.Project.load(str(SALES), warehouse=folder / "warehouse")
        started = time.perf_counter()
        result = project.materialize(
            partition_range=(days[0], days[-1]), executor=executor, workers=workers
        )
        wall = time.perf_counter() - started
        assert result.status == "succeeded", result.summary()
        con = duckdb.connect(str(folder / "warehouse" / "warehouse.duckdb"), read_only=True)
        try:
            [(tasks, span)] = con.execute(
                "select count(*), epoch(max(finished_at) - min(started_at)) "
                "from assetflow.attempts where status = 'succeeded'"
            ).fetchall()
        finally:
            con.close()
        return {
            "executor": executor,
            "workers": workers,
            "tasks": tasks,
            "wall_s": round(wall, 2),
            "tasks_s": round(span, 2),
            "tasks_per_s_wall": round(tasks / wall, 1),
            "tasks_per_s_running": round(tasks / span, 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    first = date(2026, 3, 1)
    days = [(first + timedelta(days=i)).isoformat() for i in range(args.days)]
    print(f"load before: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    results = []
    for workers in args.workers:
        for executor in ("processes", "dask"):
            row = run(executor, workers, days)
            results.append(row)
            print(
                f"{executor:<10} {workers} worker(s): {row['tasks']} tasks, "
                f"{row['wall_s']:>6.2f} s wall ({row['tasks_per_s_wall']:>5.1f}/s), "
                f"{row['tasks_s']:>6.2f} s running ({row['tasks_per_s_running']:>5.1f}/s)"
            )
    print(f"load after: {os.getloadavg()[0]:.1f} (1 min)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
