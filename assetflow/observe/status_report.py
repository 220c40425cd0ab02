"""The staleness report users read: ``project.status()`` and ``asset status``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from pydantic import BaseModel

from assetflow.define.graph import AssetGraph
from assetflow.plan.planner import display_key

STATUSES = ("fresh", "stale", "missing")


class PartitionStatusModel(BaseModel):
    partition: str
    status: str
    reason: str


class AssetStatusModel(BaseModel):
    asset: str
    partitioning: str
    fresh: int
    stale: int
    missing: int
    partitions: list[PartitionStatusModel] | None = None


class StatusReportModel(BaseModel):
    as_of: datetime
    assets: list[AssetStatusModel]


class StatusReport:
    """Per-partition statuses with reasons; behaves like its polars DataFrame (``.frame``).

    Columns: ``asset``, ``partition``, ``status``, ``reason``, ``data_version``, ``code_version``.
    """

    def __init__(self, frame: pl.DataFrame, graph: AssetGraph, as_of: datetime) -> None:
        self.frame = frame
        self.as_of = as_of
        self._partitioning = {
            a.name: a.partitions.describe() if a.partitions else "unpartitioned" for a in graph
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self.frame, name)

    def __len__(self) -> int:
        return self.frame.height

    def __repr__(self) -> str:
        return self.render(details=False)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def summary(self) -> pl.DataFrame:
        """One row per asset: partitioning and counts of fresh / stale / missing partitions."""
        counts = self.frame.group_by("asset").agg(
            [(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in STATUSES]
        )
        assets = pl.DataFrame(
            {"asset": list(self._partitioning), "partitioning": list(self._partitioning.values())}
        )
        return assets.join(counts, on="asset", how="left").fill_null(0)

    def status_of(self, asset: str, partition: str) -> str | None:
        """The status of one partition, or None if it is neither due nor committed."""
        row = self.frame.filter((pl.col("asset") == asset) & (pl.col("partition") == partition))
        return row["status"][0] if row.height else None

    def to_model(self, details: bool = True) -> StatusReportModel:
        by_asset = {a: [] for a in self._partitioning}
        if details:
            for a, p, s, r in self.frame.select(
                "asset", "partition", "status", "reason"
            ).iter_rows():
                by_asset[a].append(PartitionStatusModel(partition=p, status=s, reason=r))
        return StatusReportModel(
            as_of=self.as_of,
            assets=[
                AssetStatusModel(**row, partitions=by_asset[row["asset"]] if details else None)
                for row in self.summary().iter_rows(named=True)
            ],
        )

    def render(self, details: bool = False) -> str:
        """Text for a terminal: a summary table, then (with details) every non-fresh partition."""
        summary = self.summary()
        width = max([5, *(len(a) for a in summary["asset"])])
        lines = [f"{'asset':<{width}}  {'fresh':>6} {'stale':>6} {'missing':>7}  partitioning"]
        for row in summary.iter_rows(named=True):
            lines.append(
                f"{row['asset']:<{width}}  {row['fresh']:>6} {row['stale']:>6} "
                f"{row['missing']:>7}  {row['partitioning']}"
            )
        if details:
            lines.append("")
            for a, p, s, r in self.frame.select(
                "asset", "partition", "status", "reason"
            ).iter_rows():
                lines.append(f"{a:<{width}}  {display_key(p):<16} {s:<8} {r}")
        return "\n".join(lines)
