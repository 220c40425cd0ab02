"""``orders`` attaches metadata with ``context.add_metadata``; ``META_BAD=1`` attaches a list
(refused: the attempt fails)."""

from __future__ import annotations

import os

import polars as pl

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-04-01"), code_version="1")
def orders(context: af.Context) -> pl.DataFrame:
    frame = pl.DataFrame({"id": [1, 2, 3], "ok": [True, False, True]})
    context.add_metadata(
        {"rows_dropped": 1, "share_kept": 0.667},
        source=f"https://api.example.com/orders?day={context.partition_key}",
        note="<script>alert('meta')</script>",
    )
    context.add_metadata(checked=True)
    if os.environ.get("META_BAD") == "1":
        context.add_metadata(ids=[1, 2])
    return frame.filter(pl.col("ok"))
