"""Catalog growth: commit latency and ``status`` after 100,000 materializations vs a young one.

Usage (from the repository root)::

    python -m benchmarks.catalog_growth [--partitions 1000] [--history 100000]

Builds a real warehouse: one daily asset, PARTITIONS days materialized through
``Project.materialize`` (real files, real runs). That is the young catalog. Then every partition
is re-committed through ``CatalogWriter.commit_many`` (batches of 1,000, pointing at its current
file, as a rebuild that produced the same file would) until HISTORY materializations are
recorded: the old catalog. On both it times, interleaved:

- ``commit``: one ``commit_many`` of 10 partitions inside an open writer (median of 30);
- ``status``: ``Project.status()`` as ``asset status`` runs it (median of 5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

import assetflow as af
from assetflow.commit.files import StagedFile
from assetflow.commit.records import PendingCommit

START = date(2020, 1, 1)
daily = af.DailyPartitions(start=START.isoformat())


@af.asset(partitions=daily, code_version="1")
def grow(context: af.Context) -> pl.DataFrame:
    """A small partition: ten rows."""
    return pl.DataFrame({"day": [context.partition_key] * 10, "n": list(range(10))})


def current_files(writer) -> list[PendingCommit]:
    """A pending commit per current partition, pointing at its current file."""
    rows = writer._session.rows(
        """select m.asset, m.partition, m.file_path, m.data_version, m.file_checksum,
                  m.row_count, m.bytes, m.schema, m.code_version
           from assetflow.current c join assetflow.materializations m
             on m.id = c.materialization_id order by m.partition"""
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        PendingCommit(
            asset, key, StagedFile(path, version, checksum, rows_, size, schema), code, (),
            "bench", at, at,
        )
        for asset, key, path, version, checksum, rows_, size, schema, code in rows
    ]  # fmt: skip


def measure(project: af.Project, items: list[PendingCommit]) -> dict[str, float]:
    commits = []
    with project.warehouse.writer() as writer:
        for i in range(30):
            batch = items[(i * 10) % len(items) :][:10]
            started = time.perf_counter()
            writer.commit_many(batch)
            commits.append(time.perf_counter() - started)
    statuses = []
    for _ in range(5):
        started = time.perf_counter()
        project.status()
        statuses.append(time.perf_counter() - started)
    return {
        "commit_ms": statistics.median(commits) * 1000,
        "status_ms": statistics.median(statuses) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--history", type=int, default=100_000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="growth-", dir=Path.cwd()) as tmp:
        project = af.Project.load(__file__, warehouse=Path(tmp) / "wh")
        as_of = datetime.combine(START + timedelta(days=args.partitions), datetime.min.time(), UTC)
        project.clock = lambda: as_of
        project.materialize(executor="threads", workers=2)
        with project.warehouse.writer() as writer:
            items = current_files(writer)
        young = measure(project, items)
        with project.warehouse.writer() as writer:
            count = writer._session.rows("select count(*) from assetflow.materializations")[0][0]
            while count < args.history:
                writer.commit_many(items)
                count += len(items)
        old = measure(project, items)
    print(f"{args.partitions:,} partitions; {count:,} materializations; load {load:.1f}")
    print("| figure | young catalog | after history | ratio |")
    for name in ("commit_ms", "status_ms"):
        print(f"| {name} | {young[name]:.1f} | {old[name]:.1f} | {old[name] / young[name]:.2f}x |")


if __name__ == "__main__":
    main()
