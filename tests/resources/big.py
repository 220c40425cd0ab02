"""One daily asset whose size ``BIG_ROWS`` sets (64-bit hashes, which do not compress), for the
full-disk test: a file-size limit then makes the Parquet write fail part way."""

from __future__ import annotations

import os

import assetflow as af


@af.asset(partitions=af.DailyPartitions(start="2026-03-01", end="2026-03-30"), code_version="1")
def blob(context: af.Context) -> str:
    rows = int(os.environ.get("BIG_ROWS", "100"))
    return f"select hash(range + {int(context.partition_key[-2:])}) as h from range({rows})"
