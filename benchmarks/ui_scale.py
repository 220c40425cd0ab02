"""Web UI at scale: overview and asset page at 100 assets x 3,650 days, graph page at 1,000 assets.

Not a test: run it and read the numbers (``docs/benchmarks.md`` records them)::

    python benchmarks/ui_scale.py                       # builds the warehouse in a temp dir
    python benchmarks/ui_scale.py --warehouse /tmp/uiw   # keep it, reuse it next time

The warehouse is real: a generated project of 100 daily assets over 3,650 days (the graph of
``planner_scale.py``: 10 roots, each other asset reads the one 10 before it, every third also
the one 7 before it) materialized through ``Project.materialize`` for the last ``--days-built``
days, one asset failing on the last 3 days (its downstream is then not run); then 5 roots are
re-materialized with a new code version for the last 10 days (their downstream turns stale).
Every other partition is ``missing`` as the real planner computes it: the status bytes come
from ``Project.status()`` on that warehouse, never from a generator.

Measured, with the UI served by uvicorn on loopback and driven by the system Chromium:

- server: handler time (``Server-Timing``) of the HTML and of ``/api/matrix``, cold (cache
  cleared: the statuses are computed again) and warm (same snapshot: cached);
- browser: navigation start to ``performance.mark('af-painted')`` (every matrix painted);
- payload: bytes of ``/api/matrix`` raw and as sent (gzip);
- right after a writer publishes: the page is served from the previous snapshot's statuses,
  and how long until the new snapshot's are served;
- the other pages (partition, runs, the big run, backfills, plan preview): server time and
  browser load, warm;
- graph page at 1,000 assets: layout + SVG server time and browser load, the default
  neighbourhood view and the full drawing (``?all=1``).

"Cold" clears both caches: the UI's (``cache.py``) and the read model's statuses per snapshot
(``observe/partition_status.py``), as on the first request after a writer published.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import assetflow as af
from assetflow.observe import partition_status
from assetflow.ui.server import BackgroundServer
from assetflow.ui.views import graph_page

AS_OF = datetime(2026, 4, 10, 12, tzinfo=UTC)
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def _body(version: str, fail_from: str | None):
    """An asset function (a closure: parameters would name upstream assets)."""

    def fn(context: af.Context) -> pl.DataFrame:
        if fail_from is not None and context.partition_key >= fail_from:
            raise RuntimeError("told to fail")
        return pl.DataFrame({"day": [context.partition_key], "v": [version]})

    return fn


def make_assets(n: int, days: int, version: str = "1", fail_from: str | None = None):
    start = (AS_OF.date() - timedelta(days=days)).isoformat()
    daily = af.DailyPartitions(start=start)
    assets = []
    for i in range(n):
        ups = [] if i < 10 else [f"a{i - 10:03d}"]
        if i >= 10 and i % 3 == 0:
            ups.append(f"a{i - 7:03d}")
        code = version if i < 5 else "1"
        fn = _body(code, fail_from if i == n * 57 // 100 else None)
        assets.append(af.asset(name=f"a{i:03d}", partitions=daily, deps=ups, code_version=code)(fn))
    return assets


def graph_assets(n: int) -> list[af.AssetDef]:
    """``n`` unpartitioned assets wired like the daily ones (for the graph page)."""
    assets = []
    for i in range(n):
        ups = [] if i < 10 else [f"g{i - 10:04d}"] + ([f"g{i - 7:04d}"] if i % 3 == 0 else [])
        assets.append(af.asset(name=f"g{i:04d}", deps=ups)(lambda: None))
    return assets


def build_warehouse(root: Path, n: int, days: int, built: int) -> None:
    first = (AS_OF.date() - timedelta(days=built)).isoformat()
    last = (AS_OF.date() - timedelta(days=1)).isoformat()
    failing = (AS_OF.date() - timedelta(days=3)).isoformat()
    t0 = time.perf_counter()
    project = af.Project(make_assets(n, days, "1", failing), root, executor="threads", workers=2)
    result = project.materialize(partition_range=(first, last), as_of=AS_OF)
    print(f"built {built} days x {n} assets: {result.status} in {time.perf_counter() - t0:.0f} s")
    recent = (AS_OF.date() - timedelta(days=10)).isoformat()
    roots = [f"a{i:03d}" for i in range(5)]
    v2 = af.Project(make_assets(n, days, "2"), root, executor="threads", workers=2)
    v2.materialize(roots, partition_range=(recent, last), only=True, as_of=AS_OF)


def fetch(url: str) -> tuple[float, bytes, int]:
    """(server ms from Server-Timing, body, bytes on the wire with gzip)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        wire = response.read()
        timing = response.headers["server-timing"]
        body = gzip.decompress(wire) if response.headers.get("content-encoding") else wire
    return float(timing.split("dur=")[1]), body, len(wire)


def browser_paint(page, url: str, selector: str = "html[data-painted='1']") -> dict:
    page.goto(url)
    page.wait_for_selector(selector, timeout=60_000)
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const mark = performance.getEntriesByName('af-painted')[0];
            return {html: nav.responseEnd, dom: nav.domContentLoadedEventEnd,
                    painted: mark ? mark.startTime : null, load: nav.loadEventEnd};
        }"""
    )


def summary(values: list[float]) -> str:
    return f"{min(values):.0f} / {statistics.median(values):.0f} / {max(values):.0f}"


def measure_pages(server: BackgroundServer, page, urls: dict[str, str], repeat: int) -> None:
    data = server.app.state.data
    print("\n| page | server ms cold | server ms warm (min/median/max) | browser: to painted ms, "
          "cold | warm (min/median/max) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for label, path in urls.items():
        cold_server, cold_paint = [], []
        for _ in range(repeat):
            clear(data)
            cold_server.append(fetch(server.url + path)[0])
            clear(data)
            cold_paint.append(browser_paint(page, server.url + path)["painted"])
        warm_server = [fetch(server.url + path)[0] for _ in range(repeat)]
        warm_paint = [browser_paint(page, server.url + path)["painted"] for _ in range(repeat)]
        print(f"| {label} | {summary(cold_server)} | {summary(warm_server)} "
              f"| {summary(cold_paint)} | {summary(warm_paint)} |")  # fmt: skip


def clear(data) -> None:
    """Forget every computed status: the UI's matrices and the read model's frames."""
    data._cache.clear()
    partition_status._cache.clear()


def measure_other_pages(server: BackgroundServer, page, urls: dict[str, str], repeat: int) -> None:
    print("\n| page | server ms warm (min/median/max) | HTML bytes | browser load ms |")
    print("|---|---|---|---|")
    for label, path in urls.items():
        fetch(server.url + path)  # the statuses of this snapshot, once
        timings = [fetch(server.url + path) for _ in range(repeat)]
        loads = [browser_paint(page, server.url + path, "main")["load"] for _ in range(repeat)]
        size = len(timings[0][1])
        print(f"| {label} | {summary([t[0] for t in timings])} | {size:,} | {summary(loads)} |")


def after_publish(server, page, project, root: Path, repeat: int) -> None:
    """A writer publishes (one partition re-materialized): the next page is served from the
    previous snapshot's statuses at once; how long until the new snapshot's are served."""
    last = (AS_OF.date() - timedelta(days=1)).isoformat()
    writer = af.Project(project.graph.assets.values(), root, executor="threads")
    served, painted, updated = [], [], []
    for _ in range(repeat):
        fetch(server.url + "/api/matrix")  # settle on the current snapshot
        time.sleep(1.5)
        writer.materialize(["a000"], partition=last, force=True, only=True, as_of=AS_OF)
        published = time.perf_counter()
        served.append(fetch(server.url + "/")[0])
        painted.append(browser_paint(page, server.url + "/")["painted"])
        etag = server.app.state.data.snapshot_tag()
        while etag not in urllib.request.urlopen(server.url + "/api/matrix").headers["etag"]:
            time.sleep(0.02)
        updated.append((time.perf_counter() - published) * 1000)
    print(
        f"\nright after a publish: server ms {summary(served)}, browser to painted ms "
        f"{summary(painted)}; new snapshot served after ms {summary(updated)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--days-built", type=int, default=30)
    parser.add_argument("--graph-assets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warehouse", type=Path)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(
        f"load before: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}"
    )
    scratch = Path(tempfile.mkdtemp(prefix="ui-scale-"))
    root = args.warehouse or scratch / "warehouse"
    if not (root / "warehouse.duckdb").exists():
        build_warehouse(root, args.assets, args.days, args.days_built)
    project = af.Project(make_assets(args.assets, args.days, "2"), root)
    counts = project.status(as_of=AS_OF).frame["status"].value_counts().sort("status")
    print("statuses (planner): " + ", ".join(f"{n:,} {s}" for s, n in counts.iter_rows()))

    with sync_playwright() as pw, BackgroundServer(project, clock=lambda: AS_OF) as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        _, raw, wire = fetch(server.url + "/api/matrix")
        print(f"/api/matrix: {len(raw):,} bytes raw, {wire:,} sent (gzip), "
              f"{len(gzip.compress(raw, 5)):,} at gzip level 5")  # fmt: skip
        asset = f"/assets/a{args.assets * 55 // 100:03d}"
        measure_pages(server, page, {"overview": "/", "asset page": asset}, args.repeat)
        runs = server.app.state.data.runs()
        big = max(runs, key=lambda r: sum(r.tasks.values()))
        name = asset.removeprefix("/assets/")
        last = (AS_OF.date() - timedelta(days=1)).isoformat()
        first = (AS_OF.date() - timedelta(days=args.days_built)).isoformat()
        measure_other_pages(
            server,
            page,
            {
                "partition page": f"{asset}/partitions/{last}",
                "runs": "/runs",
                f"run page ({sum(big.tasks.values()):,} tasks)": f"/runs/{big.run_id}",
                "backfills": "/backfills",
                f"plan preview ({name} {first}..{last})": (
                    f"/plan?asset={name}&from={first}&to={last}"
                ),
            },
            args.repeat,
        )
        after_publish(server, page, project, root, args.repeat)

        graph_project = af.Project(graph_assets(args.graph_assets), scratch / "graph-warehouse")
        with BackgroundServer(graph_project, clock=lambda: AS_OF) as graph_server:
            ui = graph_server.app.state.data
            for label, full in (("neighbourhood (default)", False), ("all assets", True)):
                t0 = time.perf_counter()
                graph_page(ui, AS_OF, None, 2, full)  # statuses of 1,000 assets, then cached
                statuses = (time.perf_counter() - t0) * 1000
                t0 = time.perf_counter()
                result = graph_page(ui, AS_OF, None, 2, full)
                took = (time.perf_counter() - t0) * 1000
                url = graph_server.url + "/graph" + ("?all=1" if full else "")
                loads = [
                    browser_paint(page, url, "svg.lineage")["load"] for _ in range(args.repeat)
                ]
                print(
                    f"graph {label}: {result['shown']} nodes, {len(result['edges'])} edges, "
                    f"{result['crossings']} crossings; first call {statuses:.0f} ms, then "
                    f"layout + SVG {took:.0f} ms; svg {len(result['svg']):,} bytes; "
                    f"browser load ms {summary(loads)}"
                )
        browser.close()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, 1-minute load average {load:.1f} when done; {date.today()}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
