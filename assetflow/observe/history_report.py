"""History as people read it: ``asset history ASSET [--partition K]`` and the notebook reprs."""

from __future__ import annotations

from typing import Any

import polars as pl

from assetflow.observe import html
from assetflow.observe.history import trend
from assetflow.observe.table import Column, format_table
from assetflow.observe.units import duration, metadata, metadata_line, short, size, spark, when
from assetflow.plan.planner import display_key

TREND_BUCKETS = 48
"""Characters of a text trend line (and points of an SVG one)."""
TRENDS = (("rows", "rows"), ("bytes", "bytes"), ("seconds", "duration"))


class PartitionHistory:
    """Every version of one partition and every failed attempt, newest first."""

    def __init__(
        self,
        asset: str,
        partition: str,
        versions: pl.DataFrame,
        inputs: pl.DataFrame,
        failures: pl.DataFrame,
    ) -> None:
        self.asset = asset
        self.partition = partition
        self.versions = versions
        """Committed versions: see :data:`assetflow.observe.history.VERSION_SCHEMA`."""
        self.inputs = inputs
        """What each version read: see :data:`assetflow.observe.history.INPUT_SCHEMA`."""
        self.failures = failures
        """Attempts that did not succeed: :data:`assetflow.observe.history.FAILURE_SCHEMA`."""

    @property
    def label(self) -> str:
        return f"{self.asset} {display_key(self.partition)}"

    def events(self) -> pl.DataFrame:
        """Versions and failed attempts in one frame, newest first (``kind``: ``built`` or
        the attempt's status)."""
        built = self.versions.select(
            pl.lit("built").alias("kind"),
            pl.col("finished_at").alias("at"),
            "run_id",
            pl.lit(None, pl.Int32).alias("attempt"),
            "data_version",
            "code_version",
            "rows",
            "bytes",
            "seconds",
            "current",
            pl.lit(None, pl.String).alias("error"),
            pl.col("id"),
            "metadata",
        )
        failed = self.failures.select(
            pl.col("status").alias("kind"),
            pl.col("finished_at").alias("at"),
            "run_id",
            "attempt",
            pl.lit(None, pl.String).alias("data_version"),
            pl.lit(None, pl.String).alias("code_version"),
            pl.lit(None, pl.Int64).alias("rows"),
            pl.lit(None, pl.Int64).alias("bytes"),
            ((pl.col("finished_at") - pl.col("started_at")).dt.total_microseconds() / 1e6).alias(
                "seconds"
            ),
            pl.lit(None, pl.Boolean).alias("current"),
            pl.format("{}: {}", pl.col("error_type").fill_null("error"), "error").alias("error"),
            pl.lit(None, pl.Int64).alias("id"),
            pl.lit(None, pl.String).alias("metadata"),
        )
        return pl.concat([built, failed]).sort("at", descending=True, nulls_last=True)

    def to_polars(self) -> pl.DataFrame:
        """The versions, each with the list of upstream versions it read (``inputs``)."""
        reads = self.inputs.group_by("id").agg(
            inputs=pl.struct("upstream", "partition", "data_version")
        )
        return self.versions.join(reads, on="id", how="left", maintain_order="left")

    def to_json(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "partition": self.partition,
            "versions": [
                {**v, "metadata": metadata(v["metadata"])} for v in self.to_polars().to_dicts()
            ],
            "failed_attempts": self.failures.to_dicts(),
        }

    def _reads(self) -> dict[int, str]:
        found: dict[int, list[str]] = {}
        for mid, up, key, version in self.inputs.iter_rows():
            found.setdefault(mid, []).append(f"{up} {display_key(key)} @{short(version)}")
        return {mid: ", ".join(items) for mid, items in found.items()}

    def headline(self) -> str:
        return (
            f"{self.label}: {self.versions.height} version(s), "
            f"{self.failures.height} failed attempt(s), newest first"
        )

    def render(self) -> str:
        if not self.versions.height and not self.failures.height:
            return f"{self.label}: never built or tried"
        reads = self._reads()
        lines = [self.headline()]
        for e in self.events().iter_rows(named=True):
            at = when(e["at"])
            if e["kind"] == "built":
                current = " (current)" if e["current"] else ""
                lines.append(
                    f"  {at}  built   run {e['run_id']}  version {short(e['data_version'])}"
                    f"{current}  code {e['code_version']}  {e['rows']:,} rows  "
                    f"{size(e['bytes'])}  {duration(e['seconds'])}"
                )
                if e["id"] in reads:
                    lines.append(f"  {'':19}  read    {reads[e['id']]}")
                if e["metadata"]:
                    lines.append(f"  {'':19}  meta    {metadata_line(e['metadata'])}")
            else:
                lines.append(
                    f"  {at}  {e['kind']:<7} run {e['run_id']} attempt {e['attempt']}: {e['error']}"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        reads = self._reads()
        rows = [
            (
                e["kind"],
                e["at"],
                e["run_id"],
                e["attempt"],
                short(e["data_version"]) + (" (current)" if e["current"] else ""),
                e["code_version"],
                e["rows"],
                size(e["bytes"]),
                duration(e["seconds"]),
                reads.get(e["id"], "") if e["id"] is not None else e["error"],
                metadata_line(e["metadata"]),
            )
            for e in self.events().iter_rows(named=True)
        ]
        columns = [
            "what",
            "when",
            "run",
            "attempt",
            "version",
            "code",
            "rows",
            "bytes",
            "took",
            "read / error",
            "metadata",
        ]
        numeric = [False, False, False, True, False, False, True, True, True, False, False]
        current = self.versions.filter(pl.col("current"))["metadata"]
        links = html.metadata(metadata(current[0])) if current.len() else ""
        return html.block(self.headline(), html.table(columns, rows, numeric=numeric), links)


class AssetHistory:
    """Per partition of one asset its latest state, what each run built, and trends."""

    def __init__(
        self, asset: str, partitioning: str, latest: pl.DataFrame, by_run: pl.DataFrame
    ) -> None:
        self.asset = asset
        self.partitioning = partitioning
        self.latest = latest
        """One row per partition: see :data:`assetflow.observe.history.LATEST_SCHEMA`."""
        self.by_run = by_run
        """One row per run: see :data:`assetflow.observe.history.BY_RUN_SCHEMA`."""

    def to_polars(self) -> pl.DataFrame:
        return self.latest

    def trends(self, buckets: int = TREND_BUCKETS) -> dict[str, list[float | None]]:
        """Rows, bytes and duration of the committed partitions in key order, in buckets."""
        committed = self.latest.filter(pl.col("committed"))
        return {name: trend(committed, column, buckets) for column, name in TRENDS}

    def counts(self) -> dict[str, int]:
        """Partitions by their latest task outcome (``never run`` for older catalogs)."""
        counted = self.latest.group_by(pl.col("last_task").fill_null("never run")).len()
        return dict(counted.sort("last_task").iter_rows())

    def to_json(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "partitioning": self.partitioning,
            "partitions": [
                {**p, "metadata": metadata(p["metadata"])} for p in self.latest.to_dicts()
            ],
            "runs": self.by_run.to_dicts(),
            "trends": self.trends(),
        }

    def headline(self) -> str:
        committed = int(self.latest["committed"].sum())
        versions = int(self.latest["versions"].sum())
        counts = ", ".join(f"{n:,} {s}" for s, n in self.counts().items())
        return (
            f"{self.asset} ({self.partitioning}): {committed:,} partitions committed, "
            f"{versions:,} versions in all; last task per partition: {counts or 'none'}"
        )

    def render(self, limit: int = 20) -> str:
        if not self.latest.height:
            return f"{self.asset}: never built or tried"
        committed = self.latest.filter(pl.col("committed"))
        parts = [self.headline()]
        if committed.height > 1:
            first, last = committed["partition"][0], committed["partition"][-1]
            parts.append(f"  trends over partitions {display_key(first)} .. {display_key(last)}:")
            for (column, name), values in zip(TRENDS, self.trends().values(), strict=True):
                stats = committed[column]
                fmt = duration if column == "seconds" else (size if column == "bytes" else _n)
                parts.append(
                    f"    {name:<8} {spark(values)}  min {fmt(stats.min())}  median "
                    f"{fmt(stats.median())}  max {fmt(stats.max())}"
                )
        if self.by_run.height:
            parts.append("  runs that built it, newest first:")
            rows = (
                (r, at, n, f"{rows:,}", size(b), duration(med), duration(top))
                for r, at, n, rows, b, med, top in self.by_run.head(10).iter_rows()
            )
            columns = [
                "run",
                "started",
                Column("partitions", ">"),
                Column("rows", ">"),
                Column("bytes", ">"),
                Column("median", ">"),
                Column("max", ">"),
            ]
            parts.append(format_table(columns, rows, indent=4))
        shown = self.latest if limit == 0 else self.latest.tail(limit)
        note = (
            ""
            if limit == 0 or shown.height == self.latest.height
            else (f" (latest {shown.height} of {self.latest.height:,}; --limit 0 lists all)")
        )
        parts.append(f"  partitions{note}:")
        rows = (
            (
                display_key(p),
                task or "-",
                short(v),
                code,
                _n(rows),
                size(b),
                duration(s),
                run,
                versions,
                fails,
            )
            for p, _, v, code, rows, b, s, run, _, versions, task, _, fails, _ in shown.iter_rows()
        )
        columns = [
            "partition",
            "last task",
            "version",
            "code",
            Column("rows", ">"),
            Column("bytes", ">"),
            Column("took", ">"),
            "built by run",
            "versions",
            "failed attempts",
        ]
        parts.append(format_table(columns, rows, indent=4))
        return "\n".join(parts)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        counts = list(self.counts().items())
        bar = html.state_bar(counts, width=320)
        charts = "".join(
            f"<div>{html.escape(name)} {html.sparkline(values)}</div>"
            for name, values in self.trends().items()
        )
        shown = self.latest.tail(20)
        rows = (
            (display_key(p), task, short(v), code, r, size(b), duration(s), run)
            for p, _, v, code, r, b, s, run, _, _, task, _, _, _ in shown.iter_rows()
        )
        columns = ["partition", "last task", "version", "code", "rows", "bytes", "took", "run"]
        numeric = [False] * 4 + [True] * 3 + [False]
        table = html.table(columns, rows, numeric=numeric)
        return html.block(self.headline(), bar, charts, table)


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"
