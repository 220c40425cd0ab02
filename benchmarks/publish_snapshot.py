"""What publishing and opening the reader snapshot cost (issue 15 / issue 9 item 2 choices).

    python -m benchmarks.publish_snapshot [PARTITIONS_PER_ASSET]

Builds a warehouse of three assets (default 1,000 partitions each, committed in batches of 50
like a backfill, so the catalog holds a realistic history), then measures, in one process:

  P1 publish as built: CHECKPOINT + copy + fsync + rename (+ the stray-WAL checks), the
     catalog in DuckDB 1.1 storage format
  P2 the alternative rejected for old-client readability: write the snapshot through ATTACH
     (STORAGE_VERSION 'v1.1.0') + COPY FROM DATABASE, so the live catalog could stay in the
     newest format
  V1 rebuild one asset's view (N files) as built: CREATE VIEW + the portable-type check
  V0 the same CREATE VIEW alone
  R0 a reader's open: duckdb.connect(snapshot, read_only=True) + one query + close
  R1 as built: in-memory database + ATTACH (READ_ONLY) + one query + close
  R2 the query sandbox: R1 + settings locked down + one query + close
  C0/C1 one commit transaction into a live catalog in the newest / the v1.1.0 format

Medians of repeated runs; print ``uptime`` with the figures (the machine is shared).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

import assetflow as af
from assetflow.commit.catalog_format import STORAGE_VERSION
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.connect import open_snapshot
from assetflow.commit.files import stage_table
from assetflow.commit.publish import publish_snapshot
from assetflow.commit.records import PendingCommit
from assetflow.commit.sandbox import open_sandbox
from assetflow.commit.schema import DDL
from assetflow.commit.views import portable_casts, view_sql


def median_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(root: Path, per_asset: int) -> None:
    table = pl.DataFrame({"id": list(range(100)), "v": [1.5] * 100}).to_arrow()
    now = datetime.now(UTC)
    with af.Warehouse(root).writer() as catalog:
        for asset in ("a", "b", "c"):
            items = [
                PendingCommit(asset, f"k{i}", stage_table(table, catalog.storage, asset, f"k{i}"),
                              "1", (), "bench", now, now)
                for i in range(per_asset)
            ]  # fmt: skip
            for j in range(0, per_asset, 50):
                catalog.commit_many(items[j : j + 50])


def commit_cost(path: Path, config: dict) -> float:
    con = duckdb.connect(str(path), config=config)
    con.execute(DDL)

    def commit(i: int) -> None:
        con.execute("begin")
        con.execute("delete from assetflow.current where asset = 'x' and partition = ?", [str(i)])
        con.execute("insert into assetflow.current values ('x', ?, ?)", [str(i), i])
        con.execute("commit")

    try:
        return median_ms(commit, 300)
    finally:
        con.close()


def main(per_asset: int = 1000) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="af-publish-"))
    root = tmp / "wh"
    build(root, per_asset)
    live, published = root / LIVE_CATALOG, root / PUBLISHED_CATALOG
    con = duckdb.connect(str(live))
    fd = os.open(live, os.O_RDONLY)
    p1 = median_ms(lambda i: publish_snapshot(con, live, fd, published), 40)

    def through_attach(i: int) -> None:
        con.execute("checkpoint")
        temp = root / f".attach-{i}.duckdb"
        con.execute(f"attach '{temp}' as snap (storage_version '{STORAGE_VERSION}')")
        con.execute("copy from database catalog to snap")
        con.execute("detach snap")
        os.replace(temp, tmp / "attached.duckdb")

    p2 = median_ms(through_attach, 5)
    files = [
        str(root.resolve() / r[0])
        for r in con.sql(
            "select m.file_path from assetflow.current c join assetflow.materializations m "
            "on m.id = c.materialization_id where c.asset = 'a'"
        ).fetchall()
    ]
    v0 = median_ms(lambda i: con.execute(view_sql("a", files)), 10)

    def rebuild(i: int) -> None:
        con.execute(view_sql("a", files))
        portable_casts(con, "a")

    v1 = median_ms(rebuild, 10)
    con.close()
    os.close(fd)

    def plain(i: int) -> None:
        c = duckdb.connect(str(published), read_only=True)
        c.sql("select count(*) from assetflow.current").fetchall()
        c.close()

    def attached(i: int) -> None:
        c = open_snapshot(published, timeout=5)
        c.sql("select count(*) from assetflow.current").fetchall()
        c.close()

    def sandboxed(i: int) -> None:
        with open_sandbox(af.Warehouse(root, lock_timeout=5)) as c:
            c.sql("select count(*) from assetflow.current").fetchall()

    r0, r1, r2 = (median_ms(f, 30) for f in (plain, attached, sandboxed))
    c0 = commit_cost(tmp / "newest.duckdb", {})
    c1 = commit_cost(tmp / "v110.duckdb", {"storage_compatibility_version": STORAGE_VERSION})
    size = published.stat().st_size / 1e6
    print(f"{per_asset * 3} partitions, catalog {size:.1f} MB, duckdb {duckdb.__version__}")
    rows = [
        ("P1 publish: checkpoint + copy + fsync + rename (built)", p1),
        ("P2 publish through ATTACH + COPY FROM DATABASE (rejected)", p2),
        (f"V0 CREATE VIEW over {len(files)} files", v0),
        ("V1 V0 + portable-type check (built)", v1),
        ("R0 reader: duckdb.connect(read_only) + query + close", r0),
        ("R1 reader: memory + ATTACH READ_ONLY + query + close (built)", r1),
        ("R2 sandbox: R1 + locked settings + query + close (built)", r2),
        ("C0 commit, live catalog in the newest format", c0),
        (f"C1 commit, live catalog in {STORAGE_VERSION} format (built)", c1),
    ]
    for name, ms in rows:
        print(f"{name:<62} {ms:8.2f} ms")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
