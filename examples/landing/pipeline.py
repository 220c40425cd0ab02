"""A landing-folder source feeding a small sales pipeline, kept up to date by `asset tick`.

Someone (an export job, a partner's SFTP drop) writes one CSV per day into the landing folder:
``landing/sales_2026-04-03.csv``. ``landing`` is a *source*: its ``observe`` function returns the
file's checksum (or None while the file is not there), so ``asset tick`` notices new days and
corrected files. Every asset here is ``automation="eager"``: each tick materializes every due
partition that is missing or stale, and nothing else. Dropping a corrected file for a past day
re-materializes exactly that day, downstream included::

    export ASSETFLOW_PROJECT=examples/landing/pipeline.py ASSETFLOW_WAREHOUSE=/tmp/landing-wh
    asset tick                      # ingests every day that has landed
    cp fixed.csv examples/landing/landing/sales_2026-04-02.csv
    asset observe                   # "changed landing 2026-04-02"
    asset status --details          # landing/sales_clean/daily_report 2026-04-02 are stale
    asset tick                      # re-runs exactly those three partitions

Set ``LANDING_DIR`` to use another folder (the tests do).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl

import assetflow as af

LANDING = Path(os.environ.get("LANDING_DIR", Path(__file__).parent / "landing"))
daily = af.DailyPartitions(start="2026-04-01")


def landing_file(day: str) -> Path:
    return LANDING / f"sales_{day}.csv"


def file_version(context: af.Context) -> str | None:
    """The landed file's content hash, or None while the day has not landed."""
    path = landing_file(context.partition_key)
    if not path.is_file():
        return None
    return hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()


@af.source(partitions=daily, observe=file_version, code_version="1", automation="eager")
def landing(context: af.Context) -> pl.DataFrame:
    """The day's landed orders, as dropped."""
    return pl.read_csv(
        landing_file(context.partition_key),
        schema_overrides={"quantity": pl.Int64, "unit_price": pl.Float64},
    )


@af.asset(partitions=daily, code_version="1", automation="eager")
def sales_clean(landing: pl.DataFrame) -> pl.DataFrame:
    """Valid, de-duplicated orders with revenue."""
    return (
        landing.unique(subset="order_id", keep="first", maintain_order=True)
        .drop_nulls(["store", "unit_price"])
        .filter(pl.col("quantity") > 0)
        .with_columns(revenue=(pl.col("quantity") * pl.col("unit_price")).round(2))
    )


@af.asset(partitions=daily, code_version="1", automation="eager")
def daily_report(context: af.Context, sales_clean: pl.DataFrame) -> pl.DataFrame:
    """Revenue and orders per store for the day."""
    return (
        sales_clean.group_by("store")
        .agg(orders=pl.len(), revenue=pl.col("revenue").sum().round(2))
        .sort("store")
        .select(pl.lit(context.partition_key).alias("day"), pl.all())
    )
