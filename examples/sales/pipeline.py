"""The seed's "Daily Sales Pipeline": sales_raw -> sales_clean -> daily_report, one partition a day,
plus two partition mappings: a 7-day rolling revenue (a window of days) and a monthly rollup
(a grain change: a month reads its days).

``sales_raw`` stands in for the sales API: it returns the day's orders, generated
deterministically from the date, including the bad rows real feeds have (null fields, negative
quantities, duplicated order ids). ``sales_clean`` drops and fixes them and adds revenue;
``daily_report`` aggregates per store.

Run it from the repository root::

    asset materialize --partition 2026-04-08
    asset query "select * from daily_report"
    asset materialize monthly_revenue --partition 2026-03
    asset materialize --from 2026-04-01 --to 2026-04-07

``monthly_revenue`` has monthly keys, so ``--partition 2026-04-08`` leaves it out (and April is
not due before May 1 anyway).
"""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl

import assetflow as af

daily = af.DailyPartitions(start="2026-01-01")
monthly = af.MonthlyPartitions(start="2026-01")

STORES = ["berlin", "hamburg", "munich", "cologne"]
SKUS = [f"SKU-{n:03d}" for n in range(1, 21)]


@af.asset(partitions=daily, code_version="1")
def sales_raw(context: af.Context) -> pl.DataFrame:
    """The day's orders as the sales API returns them, warts and all."""
    rng = random.Random(context.partition_key)
    rows = []
    for n in range(rng.randint(150, 250)):
        rows.append(
            {
                "order_id": f"{context.partition_key}-{n:05d}",
                "ordered_at": context.start + timedelta(seconds=rng.randrange(86_400)),
                "store": rng.choice(STORES),
                "sku": rng.choice(SKUS),
                "quantity": rng.randint(1, 5),
                "unit_price": round(rng.uniform(2.0, 80.0), 2),
            }
        )
    for row in rng.sample(rows, 6):  # the feed's known defects
        row[rng.choice(["store", "sku", "unit_price"])] = None
    for row in rng.sample(rows, 4):
        row["quantity"] = -row["quantity"]
    rows.extend(dict(r) for r in rng.sample(rows, 5))  # re-sent orders
    context.log.info("fetched %d orders for %s", len(rows), context.partition_key)
    return pl.DataFrame(rows)


@af.asset(partitions=daily, code_version="1")
def sales_clean(sales_raw: pl.DataFrame) -> pl.DataFrame:
    """Valid, de-duplicated orders with revenue."""
    return (
        sales_raw.unique(subset="order_id", keep="first", maintain_order=True)
        .drop_nulls(["store", "sku", "unit_price"])
        .filter(pl.col("quantity") > 0)
        .with_columns(revenue=(pl.col("quantity") * pl.col("unit_price")).round(2))
    )


@af.asset(partitions=daily, code_version="1")
def daily_report(context: af.Context, sales_clean: pl.DataFrame) -> pl.DataFrame:
    """Revenue and orders per store for the day."""
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


@af.asset(partitions=daily, code_version="1", mappings={"daily_report": af.Window(lookback=6)})
def rolling_revenue_7d(context: af.Context, daily_report: pl.DataFrame) -> pl.DataFrame:
    """Revenue and orders per store over the 7 days ending with the partition's day."""
    return (
        daily_report.group_by("store")
        .agg(
            days=pl.col("day").n_unique(),
            orders=pl.col("orders").sum(),
            revenue=pl.col("revenue").sum().round(2),
        )
        .sort("store")
        .select(pl.lit(context.partition_key).alias("day"), pl.all())
    )


@af.asset(partitions=monthly, code_version="1")
def monthly_revenue(context: af.Context, daily_report: pl.DataFrame) -> pl.DataFrame:
    """Revenue and orders per store for the month; the month reads its days (inferred)."""
    return (
        daily_report.group_by("store")
        .agg(
            days=pl.col("day").n_unique(),
            orders=pl.col("orders").sum(),
            revenue=pl.col("revenue").sum().round(2),
        )
        .sort("store")
        .select(pl.lit(context.partition_key).alias("month"), pl.all())
    )
