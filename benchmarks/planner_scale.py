"""Planner at scale: status and plans for 100 assets x 3,650 daily partitions (365,000).

Not a test: run it and read the numbers (``docs/benchmarks.md`` records them)::

    python benchmarks/planner_scale.py            # 100 assets x 3,650 days
    python benchmarks/planner_scale.py --assets 20 --days 365
    python benchmarks/planner_scale.py --assets 1000 --unpartitioned   # the UI's graph page

The graph: 10 root assets; each other asset reads the asset 10 before it, every third also the
asset 7 before it, and every tenth reads its first upstream through a 7-day rolling window
(``Window(lookback=6)``). The catalog state is built in memory as the planner sees it
(``CatalogState``), with every input edge recorded, so the planner's own work is what is timed.

Scenarios:

- ``all fresh``: everything committed and consistent.
- ``one day changed``: a root's partition has a new data version; exactly the downstream
  partitions whose mapped upstream set contains it turn stale.
- ``empty catalog``: nothing committed; the plan is a full backfill.
- ``7-day range``: ``partition_range`` over one week on every asset, empty catalog, and the
  same over the all-fresh catalog (statuses of what it reads).
- ``every asset --partition D``: the last due day of every asset over the all-fresh catalog
  (what a daily cron call plans).

``--unpartitioned`` makes every asset unpartitioned (same wiring, no windows) and times only
``compute_status`` on an empty catalog: the shape the UI's graph page waits on.

"cold" is the first call in the process (window tables not cached yet, as in a fresh CLI call);
"warm" is the best of the following calls. Memory: the resident size after building the state
(what the benchmark itself holds: the graph and a 7M-edge state at 1,000 assets), the peak
before planning (building that state) and the peak after all scenarios, so the planner's own
share is the difference.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assetflow as af
from assetflow.commit.state import CURRENT_SCHEMA, INPUTS_SCHEMA, CatalogState
from assetflow.plan.planner import build_plan
from assetflow.plan.staleness import compute_status

START = date(2016, 1, 1)


def make_graph(n_assets: int, unpartitioned: bool = False) -> af.AssetGraph:
    daily = None if unpartitioned else af.DailyPartitions(start=START.isoformat())
    assets = []
    for i in range(n_assets):
        ups = [] if i < 10 else [f"a{i - 10:03d}"]
        if i >= 10 and i % 3 == 0:
            ups.append(f"a{i - 7:03d}")
        windowed = ups and i % 10 == 5 and not unpartitioned
        mappings = {ups[0]: af.Window(lookback=6)} if windowed else {}
        assets.append(
            af.asset(
                name=f"a{i:03d}",
                partitions=daily,
                deps=ups,
                code_version="1",
                mappings=mappings,
            )(lambda: None)
        )
    return af.AssetGraph.build(assets)


def make_state(graph: af.AssetGraph, as_of: datetime) -> CatalogState:
    """Every due partition committed, every input edge recorded with the version read, rows
    in the order ``read_state`` lists them (by asset, upstream and keys; flagged sorted)."""
    current, inputs = {}, {}
    version = {}
    for name in graph.order:
        keys = graph[name].partitions.due_series(as_of)
        frame = pl.DataFrame({"partition": keys}).with_columns(
            asset=pl.lit(name),
            data_version=pl.format("{}:{}", pl.lit(name), pl.col("partition")),
        )
        version[name] = frame.select("partition", "data_version")
        current[name] = frame
        for up in graph[name].upstreams:
            edges = graph.mappings[(name, up)].edges(keys.to_list(), graph[up].partitions, [])
            read = {"partition": "up_partition", "data_version": "recorded_version"}
            inputs[(name, up)] = edges.join(
                version[up].rename(read),
                on="up_partition",
                maintain_order="left",
            ).with_columns(asset=pl.lit(name), upstream=pl.lit(up))
    cur = (
        pl.concat([current[n] for n in sorted(current)])
        .with_row_index("materialization_id")
        .with_columns(
            code_version=pl.lit("1"),
            file_path=pl.lit("x.parquet"),
            row_count=pl.lit(1),
            finished_at=pl.lit(as_of),
        )
    )
    cur = cur.select(list(CURRENT_SCHEMA)).cast(CURRENT_SCHEMA)  # type: ignore[arg-type]
    inp = pl.concat([inputs[k] for k in sorted(inputs)]).select(list(INPUTS_SCHEMA))
    inp = inp.cast(INPUTS_SCHEMA)  # type: ignore[arg-type]
    sorted_asset = pl.col("asset").set_sorted()  # as read_state flags it
    return CatalogState(
        current=cur.with_columns(sorted_asset), inputs=inp.with_columns(sorted_asset)
    )


def timed(fn, repeat: int, summary=lambda result: None) -> tuple[float, float, float, object]:
    """Wall time of the first call, wall and CPU time of the best of ``repeat`` more, and
    ``summary`` of the first call's result. Each result is dropped before the next call, so
    the peak RSS is one call's working set, not several 3.65M-row results held side by side.

    "cold" includes building the window tables a fresh process (a CLI call) builds once.
    """
    t0 = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - t0
    found = summary(result)
    del result
    warm, cpu = float("inf"), float("nan")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        elapsed = time.perf_counter() - t0
        if elapsed < warm:
            warm, cpu = elapsed, time.process_time() - c0
    return cold, warm, cpu, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unpartitioned", action="store_true")
    args = parser.parse_args()
    # This script puts its own checkout first on the path: a baseline runs its own copy.
    print(f"assetflow from {Path(af.__file__).parent}")
    as_of = datetime.combine(START + timedelta(days=args.days), datetime.min.time(), UTC)
    if args.unpartitioned:
        return unpartitioned(args.assets, as_of, args.repeat)

    t0 = time.perf_counter()
    graph = make_graph(args.assets)
    fresh = make_state(graph, as_of)
    setup = time.perf_counter() - t0
    held, before = rss_now(), peak_rss()
    changed_key = (START + timedelta(days=args.days // 2)).isoformat()
    changed = CatalogState(
        current=fresh.current.with_columns(
            data_version=pl.when((pl.col("asset") == "a000") & (pl.col("partition") == changed_key))
            .then(pl.lit("new"))
            .otherwise(pl.col("data_version"))
        ),
        inputs=fresh.inputs,
    )
    empty = CatalogState.empty()
    week = (changed_key, (START + timedelta(days=args.days // 2 + 6)).isoformat())
    last_day = (START + timedelta(days=args.days - 1)).isoformat()
    partitions = args.assets * args.days
    print(
        f"{args.assets} assets x {args.days} daily partitions = {partitions:,} "
        f"({fresh.inputs.height:,} recorded input edges); setup {setup:.2f} s; "
        f"RSS after setup {held:,.0f} MB (peak so far {before:,.0f} MB)\n"
    )
    rows = []
    scenarios = [
        ("all fresh", fresh, {}),
        ("one day changed", changed, {}),
        ("empty catalog (full backfill)", empty, {}),
        ("7-day range, empty catalog", empty, {"partition_range": week}),
        ("7-day range, all fresh", fresh, {"partition_range": week}),
        ("every asset --partition D, all fresh", fresh, {"partitions": [last_day]}),
    ]
    for label, state, kw in scenarios:
        s_cold, s_warm, s_cpu, summary = timed(
            lambda st=state: compute_status(graph, st, as_of), args.repeat, count_statuses
        )
        p_cold, p_warm, p_cpu, runs = timed(
            lambda st=state, kw=kw: build_plan(graph, st, as_of, **kw),
            args.repeat,
            lambda plan: len(plan.to_run),
        )
        rows.append((label, s_cold, s_warm, s_cpu, p_cold, p_warm, p_cpu, runs, summary))
    print(
        "| scenario | compute_status cold / warm (CPU) | build_plan cold / warm (CPU) "
        "| to run | statuses |"
    )
    print("|---|---|---|---|---|")
    for label, s_cold, s_warm, s_cpu, p_cold, p_warm, p_cpu, runs, summary in rows:
        print(
            f"| {label} | {s_cold:.2f} s / {s_warm:.2f} s ({s_cpu:.2f} s) "
            f"| {p_cold:.2f} s / {p_warm:.2f} s ({p_cpu:.2f} s) | {runs:,} | {summary} |"
        )
    stale = int(compute_status(graph, changed, as_of)["status"].eq("stale").sum())
    print(f"\nstale after changing a000 {changed_key}: {stale:,} partitions")
    print("(the compute_status column of the range and --partition rows is a full status)")
    footer()


def count_statuses(status: pl.DataFrame) -> str:
    counts = status["status"].value_counts().sort("status")
    return ", ".join(f"{n:,} {s}" for s, n in counts.iter_rows())


def unpartitioned(n_assets: int, as_of: datetime, repeat: int) -> None:
    graph = make_graph(n_assets, unpartitioned=True)
    empty = CatalogState.empty()
    cold, warm, cpu, rows = timed(
        lambda: compute_status(graph, empty, as_of), repeat, lambda status: status.height
    )
    print(f"{n_assets} unpartitioned assets, empty catalog: compute_status cold {cold:.2f} s,")
    print(f"warm {warm:.2f} s (CPU {cpu:.2f} s); {rows:,} statuses")
    footer()


def rss_now() -> float:
    """Resident size now, MB (Linux; NaN elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def footer() -> None:
    peak = peak_rss()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"peak RSS {peak:,.0f} MB; {os.cpu_count()} CPUs, 1-minute load average {load:.1f}")


if __name__ == "__main__":
    main()
