"""Measure the commit path options of DESIGN 4b side by side, in one run.

    python benchmarks/commit_path.py [N]

Compares, per committed partition:
  A. connect + one commit transaction + close per task (the naive design)
  B. one commit transaction inside a connection held for the run (what CatalogWriter does)
  C. publishing a reader snapshot: CHECKPOINT + copy + fsync + rename (done per batch, not per task)
  D. the whole assetflow path for tiny partitions (stage Parquet + commit + task rows), vs the
     asset work alone
Figures are printed as milliseconds and as ratios to B, so noisy machines still compare fairly.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG
from assetflow.commit.files import stage_table
from assetflow.commit.publish import publish_snapshot
from assetflow.commit.schema import DDL


def per_op(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n * 1000


def main(n: int = 300) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="af-bench-"))
    db = tmp / "a.duckdb"
    duckdb.connect(str(db)).execute(DDL).close()

    def connect_commit_close(i: int) -> None:
        con = duckdb.connect(str(db))
        con.execute("begin")
        con.execute("insert into assetflow.current values ('x', ?, ?)", [str(i), i])
        con.execute("commit")
        con.close()

    held = duckdb.connect(str(tmp / "b.duckdb"))
    held.execute(DDL)

    def commit_in_held(i: int) -> None:
        held.execute("begin")
        held.execute("delete from assetflow.current where asset = 'x' and partition = ?", [str(i)])
        held.execute("insert into assetflow.current values ('x', ?, ?)", [str(i), i])
        held.execute("commit")

    a = per_op(connect_commit_close, n)
    b = per_op(commit_in_held, n)
    held_fd = os.open(tmp / "b.duckdb", os.O_RDONLY)  # publish copies through a held descriptor
    c = per_op(lambda i: publish_snapshot(held, tmp / "b.duckdb", held_fd, tmp / "pub.duckdb"), 50)
    held.close()
    os.close(held_fd)

    # D: the real path, for tiny partitions, against the work alone.
    wh = tmp / "wh"
    table = pl.DataFrame({"id": list(range(100)), "v": [1.5] * 100}).to_arrow()
    work = per_op(lambda i: pl.DataFrame({"id": list(range(100)), "v": [1.5] * 100}), n)
    now = datetime.now(UTC)
    with af.Warehouse(wh).writer() as catalog:
        storage = catalog.storage

        def real(i: int) -> None:
            staged = stage_table(table, storage, "tiny", f"k{i}")
            catalog.commit(
                asset="tiny",
                partition=f"k{i}",
                staged=staged,
                code_version="1",
                inputs=[],
                run_id="bench",
                started_at=now,
                finished_at=now,
            )

        stage_and_commit = per_op(real, n)
        stage_only = per_op(lambda i: stage_table(table, storage, "tiny2", f"k{i}"), n)

    # E: end to end through Project.materialize (sequential runner, task rows, publishes).
    daily = af.DailyPartitions(start="2020-01-01")

    @af.asset(partitions=daily)
    def tiny(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"id": list(range(100)), "v": [1.5] * 100})

    project = af.Project([tiny], warehouse=tmp / "e2e")
    keys = daily.due_keys(
        datetime(2020, 1, 1, tzinfo=UTC) + (n + 1) * (datetime(2020, 1, 2) - datetime(2020, 1, 1))
    )[:n]
    start = time.perf_counter()
    project.materialize(partitions=keys, as_of=datetime(2021, 6, 1, tzinfo=UTC))
    e2e = (time.perf_counter() - start) / n * 1000

    rows = [
        ("A connect+commit+close per task", a),
        ("B commit in held connection", b),
        ("C publish snapshot (per batch)", c),
        ("D1 stage Parquet (write+fsync+hash+rename)", stage_only),
        ("D2 stage + commit", stage_and_commit),
        ("D0 asset work alone (build 100-row frame)", work),
        ("E Project.materialize per partition", e2e),
    ]
    print(f"n={n} partitions, duckdb {duckdb.__version__}, polars {pl.__version__}")
    print(f"{'operation':<45} {'ms/op':>8} {'x B':>7}")
    for name, ms in rows:
        print(f"{name:<45} {ms:8.2f} {ms / b:7.1f}")
    print(f"catalog size after run: {(wh / LIVE_CATALOG).stat().st_size / 1e6:.1f} MB")
    _ = statistics  # keep import for quick ad-hoc use


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
