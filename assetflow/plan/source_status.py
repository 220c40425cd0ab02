"""Why a source partition is stale: its latest observed version differs from the recorded one.

The recorded version is the ``assetflow.inputs`` row of the partition's current materialization
whose upstream is the source itself (written when it was materialized after an observation).
A partition materialized without a recorded version, or not observed, is judged by its data
alone. One join per source asset; no loops over partition keys.
"""

from __future__ import annotations

import polars as pl

from assetflow.commit.catalog import CatalogState


def source_reasons(state: CatalogState, name: str, rank: int = 0) -> pl.DataFrame:
    """Rows ``(partition, _rank, reason)`` for committed partitions of source ``name`` whose
    observed version changed since they were materialized."""
    observed = state.observations.filter(
        (pl.col("asset") == name) & pl.col("version").is_not_null()
    ).select("partition", pl.col("version").alias("observed"))
    recorded = state.inputs.filter((pl.col("asset") == name) & (pl.col("upstream") == name)).select(
        "partition", pl.col("recorded_version").alias("recorded")
    )
    return (
        recorded.join(observed, on="partition", how="inner")
        .filter(pl.col("recorded") != pl.col("observed"))
        .select(
            "partition",
            pl.lit(rank, pl.Int32).alias("_rank"),
            pl.format(f"source {name} {{}} changed", "partition").alias("reason"),
        )
    )
