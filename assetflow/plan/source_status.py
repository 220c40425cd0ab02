"""Why a source partition is stale: its latest observed version differs from the recorded one.

The recorded version is the ``assetflow.inputs`` row of the partition's current materialization
whose upstream is the source itself (written when it was materialized after an observation).
A partition materialized without a recorded version, or not observed, is judged by its data
alone. One join per source asset; no loops over partition keys.
"""

from __future__ import annotations

import polars as pl


def source_reasons(
    name: str, observations: pl.DataFrame | None, recorded: pl.DataFrame | None
) -> pl.DataFrame:
    """Problem rows (the staleness module's shape) for committed partitions of source ``name``
    whose latest observed version differs from the one recorded when they were materialized.

    Args:
        observations: the source's rows of ``assetflow.observations``.
        recorded: the source's ``inputs`` rows whose upstream is the source itself.
    """
    schema = {
        "partition": pl.String,
        "_rank": pl.Int32,
        "_up": pl.String,
        "reason": pl.String,
        "_absent": pl.Boolean,
        "_waiting": pl.Boolean,
    }
    if observations is None or recorded is None:
        return pl.DataFrame(schema=schema)
    observed = observations.filter(pl.col("version").is_not_null()).select(
        "partition", pl.col("version").alias("observed")
    )
    return (
        recorded.select("partition", pl.col("recorded_version").alias("recorded"))
        .join(observed, on="partition", how="inner")
        .filter(pl.col("recorded") != pl.col("observed"))
        .select(
            "partition",
            pl.lit(0, pl.Int32).alias("_rank"),
            pl.lit(name).alias("_up"),
            pl.format(f"source {name} {{}} changed", "partition").alias("reason"),
            pl.lit(False).alias("_absent"),
            pl.lit(False).alias("_waiting"),
        )
    )
