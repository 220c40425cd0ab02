"""The seed's "Daily Sales Pipeline", one partition a day::

    sales_raw -> sales_clean -+-> daily_report
                              +-> by_store_report
                              +-> by_sku_report
    daily_report -> rolling_revenue_7d   (a window: the 7 days ending with the partition's day)
    daily_report -> monthly_revenue      (a grain change: a month reads its days)

``sales_raw`` fetches the day's orders from a small local HTTP "sales API" (``sales_api.py``,
started by this example on 127.0.0.1) that fails a share of requests with 503; ``retries=3``
with backoff gets through, and ``asset logs RUN_ID sales_raw`` shows the failed attempts.
The orders carry the bad rows real feeds have (null fields, negative quantities, duplicated
order ids); ``sales_clean`` drops and fixes them and adds revenue. The three reports read
``sales_clean`` independently, so they run in parallel.

Run it from the repository root::

    asset materialize --partition 2026-04-08
    asset query "select * from daily_report"
"""

from __future__ import annotations

import urllib.error

import polars as pl
import sales_api

import assetflow as af

daily = af.DailyPartitions(start="2026-01-01")
monthly = af.MonthlyPartitions(start="2026-01")

RAW_SCHEMA = {
    "order_id": pl.String,
    "ordered_at": pl.String,
    "store": pl.String,
    "sku": pl.String,
    "quantity": pl.Int64,
    "unit_price": pl.Float64,
}


@af.asset(
    partitions=daily,
    code_version="2",
    policy=af.TaskPolicy(
        retries=3,
        retry_delay=0.2,
        backoff=2.0,
        jitter=0.5,
        retry_on=(urllib.error.URLError, ConnectionError, TimeoutError),
        timeout=60,
        max_concurrency=2,  # the API serves two calls at once
    ),
)
def sales_raw(context: af.Context) -> pl.DataFrame:
    """The day's orders as the sales API returns them, warts and all."""
    orders = sales_api.fetch_orders(context.partition_key, attempt=context.attempt)
    context.log.info("fetched %d orders for %s", len(orders), context.partition_key)
    return pl.DataFrame(orders, schema=RAW_SCHEMA).with_columns(
        pl.col("ordered_at").str.to_datetime(time_zone="UTC")
    )


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


@af.asset(partitions=daily, code_version="1")
def by_store_report(context: af.Context, sales_clean: pl.DataFrame) -> pl.DataFrame:
    """Per store: orders, average order value and how many different SKUs it sold."""
    return (
        sales_clean.group_by("store")
        .agg(
            orders=pl.len(),
            avg_order_value=pl.col("revenue").mean().round(2),
            skus=pl.col("sku").n_unique(),
        )
        .sort("store")
        .select(pl.lit(context.partition_key).alias("day"), pl.all())
    )


@af.asset(partitions=daily, code_version="1")
def by_sku_report(context: af.Context, sales_clean: pl.DataFrame) -> pl.DataFrame:
    """Per SKU: units, revenue and in how many stores it sold."""
    return (
        sales_clean.group_by("sku")
        .agg(
            units=pl.col("quantity").sum(),
            revenue=pl.col("revenue").sum().round(2),
            stores=pl.col("store").n_unique(),
        )
        .sort("sku")
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
