"""Static partition keys that are legal but hostile-looking: quotes, SQL, percent signs, dots,
spaces, non-ASCII. ``HOSTILE_EXTRA_KEY`` adds one more key (tests use it for illegal ones).

The keys must round-trip exactly through the catalog and stay inside the warehouse on disk.
"""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

KEYS = ["o'brien; drop table assetflow.current; --", "münchen", "%2e%2e", "a b", "...", "x=1"]
if os.environ.get("HOSTILE_EXTRA_KEY"):
    KEYS.append(os.environ["HOSTILE_EXTRA_KEY"])


@af.asset(partitions=af.StaticPartitions(KEYS), code_version="1")
def regions(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"key": [context.partition_key], "x": [len(context.partition_key)]})
