"""Reading a warehouse's published snapshot in schedule/backfill tests."""

from __future__ import annotations

from pathlib import Path

import duckdb


def committed(warehouse: Path) -> dict[tuple[str, str], str]:
    """(asset, partition) -> current data version, from the published snapshot."""
    with duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True) as con:
        rows = con.sql("select asset, partition, data_version from assetflow.partitions").fetchall()
    return {(a, p): v for a, p, v in rows}


def materialization_counts(warehouse: Path) -> dict[tuple[str, str], int]:
    """How many times each (asset, partition) was committed (live catalog; no writer running)."""
    path = warehouse / ".assetflow" / "catalog.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql(
            "select asset, partition, count(*) from assetflow.materializations group by all"
        ).fetchall()
    return {(a, p): n for a, p, n in rows}


def days(first: int, last: int, month: str = "2026-04") -> list[str]:
    return [f"{month}-{d:02d}" for d in range(first, last + 1)]
