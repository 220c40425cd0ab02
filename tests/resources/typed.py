"""Column types of every family, over three days, for readers of other DuckDB versions.

``typed`` (daily) holds integers, floats, decimals, text, categoricals, binary, booleans,
dates, times (ns), timestamps (naive, zoned, ns, zoned ns), durations, lists, arrays, structs
and nulls, and prints a line (a log row); ``rollup`` (unpartitioned) reads every day.
``TYPED_FAIL`` names a day whose partition raises (a failed attempt with its error).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os

import polars as pl

import assetflow as af

days = af.DailyPartitions(start="2026-03-01", end="2026-03-03")


@af.asset(partitions=days, code_version="1")
def typed(context: af.Context) -> pl.DataFrame:
    key = context.partition_key
    if os.environ.get("TYPED_FAIL") == key:
        raise RuntimeError(f"told to fail on {key}")
    print(f"building {key}")
    n = int(key[-2:])
    stamp = dt.datetime(2026, 3, n, 12, 30)
    return pl.DataFrame(
        {
            "day": [key] * 2,
            "i8": pl.Series([n, -n], dtype=pl.Int8),
            "u64": pl.Series([2**63 + n, n], dtype=pl.UInt64),
            "f32": pl.Series([n / 2, -1.5], dtype=pl.Float32),
            "amount": pl.Series(
                [decimal.Decimal(f"{n}.25"), decimal.Decimal("-0.10")], dtype=pl.Decimal(12, 2)
            ),
            "flag": [True, False],
            "label": pl.Series(["a", "b"], dtype=pl.Categorical),
            "blob": [b"\x00\x01", b""],
            "d": [dt.date(2026, 3, n)] * 2,
            "t": [dt.time(1, 2, 3)] * 2,
            "ts": [stamp] * 2,
            "ts_zoned": pl.Series([stamp] * 2).dt.replace_time_zone("Europe/Berlin"),
            "ts_ns": pl.Series([stamp] * 2).cast(pl.Datetime("ns")),
            "ts_zoned_ns": pl.Series([stamp] * 2).cast(pl.Datetime("ns", "UTC")),
            "took": [dt.timedelta(seconds=n)] * 2,
            "tags": [[1, 2], []],
            "pair": pl.Series([[n, n], [0, 0]], dtype=pl.Array(pl.Int64, 2)),
            "info": [{"k": n, "v": "x"}, {"k": None, "v": None}],
            "nothing": [None, None],
        }
    )


@af.asset(code_version="1")
def rollup(typed: pl.DataFrame) -> pl.DataFrame:
    return typed.group_by("day").agg(pl.len().alias("rows"), pl.col("i8").sum()).sort("day")
