"""Engine overhead per task: a backfill of many tiny partitions, engine vs the raw work.

Usage (from the repository root)::

    python benchmarks/engine_overhead.py [--partitions 2000] [--json out.json]

It measures, in one process on this machine:

1. the raw work of one task, without the engine: call the asset function and stage its
   Parquet file (write, fsync, hash, rename) in a plain loop;
2. the same backfill through ``Project.materialize`` with processes and threads, 1 and 2
   workers, each on a fresh warehouse. Steady state is timed from the first task start to the
   last task end (worker start-up is reported apart), and the coordinator's own time is split
   into dispatch, collect, commit, state writes and publishing.

Engine overhead per task = steady-state seconds per task with 1 worker minus the raw work.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

import assetflow as af

START = date(2020, 1, 1)
daily = af.DailyPartitions(start=START.isoformat())


@af.asset(partitions=daily, code_version="1")
def tiny(context: af.Context) -> pl.DataFrame:
    """The smallest useful task: one row."""
    return pl.DataFrame({"day": [context.partition_key], "value": [1]})


def keys(n: int) -> list[str]:
    return [(START + timedelta(days=i)).isoformat() for i in range(n)]


def as_of(n: int) -> datetime:
    return datetime.combine(START + timedelta(days=n), datetime.min.time(), UTC)


def raw_work(n: int, scratch: Path) -> tuple[float, float]:
    """Seconds per task: (function only, function + staging the Parquet file)."""
    from assetflow.commit.files import stage_table
    from assetflow.commit.storage import LocalStorage
    from assetflow.execute.materializer import run_asset

    log = logging.getLogger("bench")
    started = time.perf_counter()
    for key in keys(n):
        tiny.fn(
            af.Context("tiny", key, None, None, "bench", log)  # type: ignore[arg-type]
        ).to_arrow()
    fn_only = (time.perf_counter() - started) / n
    storage = LocalStorage(scratch / "raw")
    started = time.perf_counter()
    for key in keys(n):
        run_asset(tiny, key, {}, storage=storage, run_id="bench", log=log)
    staged = (time.perf_counter() - started) / n
    assert stage_table  # the staging path measured above is the engine's own
    return fn_only, staged


def engine_run(n: int, scratch: Path, executor: str, workers: int) -> dict:
    warehouse = scratch / f"{executor}-{workers}"
    project = af.Project.load(__file__, warehouse=warehouse)
    project.clock = lambda: as_of(n)
    marks: list[float] = []

    def on_event(event: af.TaskEvent) -> None:
        if event.kind in ("started", "succeeded"):
            marks.append(time.monotonic())

    begun = time.monotonic()
    result = project.materialize(
        partitions=keys(n),
        workers=workers,
        executor=executor,
        callbacks=af.RunCallbacks(on_event=on_event),
    )
    ended = time.monotonic()
    assert result.ok and result.count("succeeded") == n, result.summary()
    steady = max(marks) - min(marks)
    timings = result.timings
    coordinator = sum(timings.get(k, 0.0) for k in ("dispatch", "collect", "commit", "state"))
    coordinator += timings.get("publish", 0.0) + timings.get("resolve", 0.0)
    return {
        "executor": executor,
        "workers": workers,
        "wall_s": ended - begun,
        "startup_s": min(marks) - begun,
        "steady_s": steady,
        "per_task_ms": steady / n * 1000,
        "tasks_per_commit": n / max(1, result.commit_batches),
        "coordinator_ms_per_task": coordinator / n * 1000,
        "commit_ms_per_task": timings.get("commit", 0.0) / n * 1000,
        "state_ms_per_task": timings.get("state", 0.0) / n * 1000,
        "publish_ms_per_task": timings.get("publish", 0.0) / n * 1000,
        "dispatch_collect_ms_per_task": (timings.get("dispatch", 0.0) + timings.get("collect", 0.0))
        / n
        * 1000,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--executors", nargs="+", default=["processes", "threads"])
    args = parser.parse_args(argv)
    n = args.partitions
    scratch = Path(tempfile.mkdtemp(prefix="assetflow-bench-"))
    try:
        fn_only, raw = raw_work(n, scratch)
        runs = [
            engine_run(n, scratch, executor, workers)
            for executor in args.executors
            for workers in args.workers
        ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    by = {(r["executor"], r["workers"]): r for r in runs}
    print(f"{n} tiny partitions, {os.cpu_count()} CPU cores, Python {sys.version.split()[0]}")
    print(f"raw work per task: {fn_only * 1000:.2f} ms function, {raw * 1000:.2f} ms with staging")
    print()
    print(
        "| executor | workers | wall s | start-up s | ms/task | overhead ms/task | coordinator "
        "ms/task (commit / state / publish / dispatch+collect) | tasks/commit |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        overhead = r["per_task_ms"] - raw * 1000 if r["workers"] == 1 else float("nan")
        print(
            f"| {r['executor']} | {r['workers']} | {r['wall_s']:.1f} | {r['startup_s']:.2f} | "
            f"{r['per_task_ms']:.2f} | {overhead:.2f} | {r['coordinator_ms_per_task']:.2f} "
            f"({r['commit_ms_per_task']:.2f} / {r['state_ms_per_task']:.2f} / "
            f"{r['publish_ms_per_task']:.2f} / {r['dispatch_collect_ms_per_task']:.2f}) | "
            f"{r['tasks_per_commit']:.1f} |"
        )
    print()
    for executor in ("processes", "threads"):
        one, two = by[(executor, 1)], by[(executor, 2)]
        print(
            f"{executor}: 1 worker / raw work = {one['per_task_ms'] / (raw * 1000):.2f}x; "
            f"2 workers speed-up = {one['steady_s'] / two['steady_s']:.2f}x"
        )
    ratio = by[("processes", 1)]["per_task_ms"] / by[("threads", 1)]["per_task_ms"]
    print(f"processes / threads per task (1 worker) = {ratio:.2f}x")
    if args.json:
        args.json.write_text(
            json.dumps({"partitions": n, "raw_ms": raw * 1000, "runs": runs}, indent=2)
        )


if __name__ == "__main__":
    main()
