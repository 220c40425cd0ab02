"""The staleness report users read: ``project.status()`` and ``asset status``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from pydantic import BaseModel

from assetflow.define.graph import AssetGraph
from assetflow.observe import html
from assetflow.observe.table import Column, format_table
from assetflow.plan.planner import display_key

STATUSES = ("fresh", "stale", "failed", "missing")


class PartitionStatusModel(BaseModel):
    partition: str
    status: str
    reason: str


class AssetStatusModel(BaseModel):
    asset: str
    partitioning: str
    fresh: int
    stale: int
    failed: int
    missing: int
    partitions: list[PartitionStatusModel] | None = None


class StatusReportModel(BaseModel):
    as_of: datetime
    assets: list[AssetStatusModel]
    not_shown: int = 0
    """Assets of the project left out by the selection (names, partitions)."""


class StatusReport:
    """Per-partition statuses with reasons; behaves like its polars DataFrame (``.frame``).

    Columns: ``asset``, ``partition``, ``status``, ``reason``, ``data_version``, ``code_version``.
    Statuses: ``fresh``, ``stale``, ``failed`` (the latest attempt failed; the reason names the
    run, the time and the error) and ``missing``.
    """

    def __init__(
        self,
        frame: pl.DataFrame,
        graph: AssetGraph,
        as_of: datetime,
        shown: Sequence[str] | None = None,
    ) -> None:
        self.frame = frame
        self.as_of = as_of
        names = list(graph.order) if shown is None else [n for n in graph.order if n in shown]
        self._partitioning = {
            n: graph[n].partitions.describe() if graph[n].partitions else "unpartitioned"
            for n in names
        }
        self.not_shown = len(graph.order) - len(names)
        """How many of the project's assets the selection left out."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.frame, name)

    def __len__(self) -> int:
        return self.frame.height

    def to_polars(self) -> pl.DataFrame:
        """The statuses as a frame (the columns above), like every other report."""
        return self.frame

    def __repr__(self) -> str:
        return self.render(details=False)

    def _repr_html_(self) -> str:
        """Per asset: counts, a bar of the states and a health strip of its partitions in key
        order (each pixel the worst state of the partitions it covers); all escaped SVG."""
        strips = self._strips(300)
        rows = []
        for row in self.summary().iter_rows(named=True):
            counts = [(s, row[s]) for s in STATUSES]
            rows.append(
                "<tr>"
                f"<td>{html.escape(row['asset'])}</td>"
                + "".join(f'<td style="text-align:right">{row[s]:,}</td>' for s in STATUSES)
                + f"<td>{html.state_bar(counts, width=120)}</td>"
                f"<td>{html.health_strip(strips.get(row['asset'], []))}</td>"
                f"<td>{html.escape(row['partitioning'])}</td></tr>"
            )
        head = "".join(
            f"<th>{html.escape(c)}</th>"
            for c in ("asset", *STATUSES, "states", "partitions in key order", "partitioning")
        )
        note = f"as of {self.as_of:%Y-%m-%d %H:%M} UTC"
        if self.not_shown:
            note += f"; {self.not_shown} other asset(s) not shown"
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        return html.block("status", html.text(note), table)

    def _strips(self, width: int) -> dict[str, list[str]]:
        """Asset -> the worst state per pixel bucket of its partitions, in key order."""
        ranked = self.frame.select(
            "asset",
            "partition",
            pl.col("status").replace_strict(html.SEVERITY_RANK, default=0).alias("rank"),
        ).sort("asset", "partition")
        buckets = (
            ranked.with_columns(
                bucket=(pl.int_range(pl.len()).over("asset") * width // pl.len().over("asset"))
            )
            .group_by("asset", "bucket")
            .agg(pl.col("rank").max())
            .sort("asset", "bucket")
        )
        names = {rank: state for state, rank in html.SEVERITY_RANK.items()}
        return {
            asset: [names[r] for r in ranks]
            for asset, ranks in buckets.group_by("asset").agg(pl.col("rank")).iter_rows()
        }

    def summary(self) -> pl.DataFrame:
        """One row per shown asset: partitioning and counts of partitions per status."""
        counts = self.frame.group_by("asset").agg(
            [(pl.col("status") == s).sum().cast(pl.Int64).alias(s) for s in STATUSES]
        )
        assets = pl.DataFrame(
            {"asset": list(self._partitioning), "partitioning": list(self._partitioning.values())},
            schema={"asset": pl.String, "partitioning": pl.String},
        )
        return assets.join(counts, on="asset", how="left", maintain_order="left").fill_null(0)

    def status_of(self, asset: str, partition: str) -> str | None:
        """The status of one partition, or None if it is neither due nor committed."""
        row = self.frame.filter((pl.col("asset") == asset) & (pl.col("partition") == partition))
        return row["status"][0] if row.height else None

    def to_model(self, details: bool = True) -> StatusReportModel:
        by_asset: dict[str, list[PartitionStatusModel]] = {a: [] for a in self._partitioning}
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
            not_shown=self.not_shown,
        )

    def render(self, details: bool = False) -> str:
        """Text for a terminal: a summary table, then (with details) every partition."""
        summary = self.summary()
        columns = ["asset", *(Column(s, ">") for s in STATUSES), "partitioning"]
        rows = summary.select("asset", *STATUSES, "partitioning").iter_rows()
        parts = [format_table(columns, rows)]
        if details:
            listing = (
                (a, display_key(p), s, r)
                for a, p, s, r in self.frame.select(
                    "asset", "partition", "status", "reason"
                ).iter_rows()
            )
            parts.append(format_table(["asset", "partition", "status", "reason"], listing))
        if self.not_shown:
            parts.append(
                f"({self.not_shown} other asset(s) not shown; `asset status` without a "
                "selection lists every asset)"
            )
        return "\n\n".join(parts)
