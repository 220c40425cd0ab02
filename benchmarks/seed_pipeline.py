"""The seed pipeline at benchmark size: ``sales_raw -> sales_clean -> daily_report``.

``sales_raw`` generates 10,000 orders a day deterministically (seeded by the day, no network),
with the bad rows the seed's feed has (null fields, non-positive quantities, duplicate ids).
``sales_clean`` and ``daily_report`` are the seed example's own functions. :func:`floor` runs
the same three functions with ``write_parquet`` in a plain loop: the work assetflow manages,
with nothing around it.

Used by ``benchmarks/seed_bench.py`` as an ``asset -p`` project and as the floor::

    python -m benchmarks.seed_pipeline floor OUT_DIR FIRST_DAY DAYS
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

import assetflow as af

ROWS_PER_DAY = 10_000
START = "2025-01-01"
daily = af.DailyPartitions(start=START)
_STORES = [f"store-{i:02d}" for i in range(20)]
_SKUS = [f"sku-{i:04d}" for i in range(500)]


def generate_orders(day: str, rows: int = ROWS_PER_DAY) -> pl.DataFrame:
    """One day's raw orders, the same for the same day on every run."""
    d = date.fromisoformat(day)
    rng = np.random.default_rng(d.toordinal())
    ids = np.arange(rows)
    dup = rng.random(rows) < 0.02  # ~2% repeat an earlier order id
    ids[dup] = rng.integers(0, rows, int(dup.sum()))
    store = np.array(_STORES, dtype=object)[rng.integers(0, len(_STORES), rows)]
    sku = np.array(_SKUS, dtype=object)[rng.integers(0, len(_SKUS), rows)]
    store[rng.random(rows) < 0.01] = None
    seconds = np.sort(rng.integers(0, 86_400, rows))
    return pl.DataFrame(
        {
            "order_id": [f"{day}-{i:06d}" for i in ids.tolist()],
            "ordered_at": np.datetime64(day, "us") + seconds.astype("timedelta64[s]"),
            "store": store.tolist(),
            "sku": sku.tolist(),
            "quantity": np.where(rng.random(rows) < 0.02, -1, rng.integers(1, 6, rows)),
            "unit_price": np.round(rng.uniform(1, 100, rows), 2),
        }
    ).with_columns(pl.col("ordered_at").dt.replace_time_zone("UTC"))


@af.asset(partitions=daily, code_version="1")
def sales_raw(context: af.Context) -> pl.DataFrame:
    """The day's orders, warts and all (generated, 10,000 rows)."""
    return generate_orders(context.partition_key)


@af.asset(partitions=daily, code_version="1")
def sales_clean(sales_raw: pl.DataFrame) -> pl.DataFrame:
    """Valid, de-duplicated orders with revenue (the seed example's function)."""
    return (
        sales_raw.unique(subset="order_id", keep="first", maintain_order=True)
        .drop_nulls(["store", "sku", "unit_price"])
        .filter(pl.col("quantity") > 0)
        .with_columns(revenue=(pl.col("quantity") * pl.col("unit_price")).round(2))
    )


@af.asset(partitions=daily, code_version="1")
def daily_report(context: af.Context, sales_clean: pl.DataFrame) -> pl.DataFrame:
    """Revenue and orders per store for the day (the seed example's function)."""
    return (
        sales_clean.group_by("store")
        .agg(
            orders=pl.len(),
            units=pl.col("quantity").sum(),
            revenue=pl.col("revenue").sum().round(2),
        )
        .sort("store")
        .select(pl.lit(context.partition_key).alias("day"), pl.all())
    )


class _Key:
    """The one thing these functions read from their context."""

    def __init__(self, key: str) -> None:
        self.partition_key = key


def floor(out: Path, first: str, days: int) -> None:
    """The same functions and ``write_parquet`` in a plain loop, frames handed over in memory."""
    start = date.fromisoformat(first)
    for i in range(days):
        key = (start + timedelta(days=i)).isoformat()
        ctx = _Key(key)
        raw = sales_raw.fn(ctx)
        clean = sales_clean.fn(raw)
        report = daily_report.fn(ctx, clean)
        for name, frame in (("sales_raw", raw), ("sales_clean", clean), ("daily_report", report)):
            folder = out / name / key
            folder.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(folder / "data.parquet", compression="zstd")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "floor":
        sys.exit(__doc__)
    floor(Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
