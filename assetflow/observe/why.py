"""Why a partition is as it is: the chain of reasons down to the root cause.

``daily_report 2026-04-08`` is stale *because* ``sales_clean 2026-04-08`` changed in run R,
*because* ``sales_raw 2026-04-08`` was rebuilt in run R2 with the same code and inputs and
produced new data (re-fetched). Two kinds of links make the chain:

- **now**: the planner's status of the partition and of every upstream partition it maps to
  (computed exactly as ``asset status`` does, but only for the partitions the chain can reach:
  the upstream closure of the one asked about, so it stays cheap on a large warehouse);
- **history**: why an upstream partition has a new version: its newest version compared with
  the one read before (code version, each upstream version it read), down to a version that
  changed with the same code and the same inputs (a re-fetch, or a non-deterministic asset).

A fresh partition is explained by what it was built from and when; a failed one by its last
error and the command that resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import LazyKeys
from assetflow.define.partitions import UNPARTITIONED
from assetflow.observe.snapshot import Snapshot
from assetflow.observe.units import short
from assetflow.plan.planner import display_key
from assetflow.plan.reads import read_closure
from assetflow.plan.staleness import compute_status

MAX_DEPTH = 12
FOLLOW = 2
"""Causes followed further at each step; the rest of the same step are summed up in one line."""


@dataclass(frozen=True)
class Cause:
    """One link of a why chain: a sentence about one partition, at a depth of the chain."""

    depth: int
    asset: str
    partition: str
    text: str
    status: str | None = None
    """The partition's status now, when the link is about its status."""
    run_id: str | None = None
    at: datetime | None = None


def committed_keys(snap: Snapshot, asset: str) -> LazyKeys:
    """The keys of ``asset`` committed in ``snap``, read only if a mapping asks."""

    def load() -> list[str]:
        if snap.empty:  # nothing published yet: nothing committed
            return []
        query = "select partition from assetflow.current where asset = ? order by partition"
        return snap.sql(query, [asset])["partition"].to_list()

    return LazyKeys(load)


class Explainer:
    """Builds the why chain of one partition from one snapshot (see the module docstring)."""

    def __init__(self, graph: AssetGraph, snap: Snapshot, as_of: datetime) -> None:
        self.graph = graph
        self.snap = snap
        self.as_of = as_of
        self.causes: list[Cause] = []
        self._seen: set[tuple[str, str, str]] = set()

    def explain(self, asset: str, key: str) -> tuple[str, str]:
        """The status and reason of ``asset`` ``key``; the chain goes to :attr:`causes`."""
        closure = read_closure(
            self.graph,
            {asset: pl.Series("partition", [key], dtype=pl.String)},
            lambda a: pl.Series("partition", list(committed_keys(self.snap, a)), dtype=pl.String),
        )
        state = self.snap.state(closure)
        frame = compute_status(self.graph, state, self.as_of, closure)
        self._status = {
            (a, p): (s, r, v)
            for a, p, s, r, v in frame.select(
                "asset", "partition", "status", "reason", "data_version"
            ).iter_rows()
        }
        self._code = {
            (a, p): c
            for a, p, c in state.current.select("asset", "partition", "code_version").iter_rows()
        }
        self._read = {(a, p, u, q): v for a, p, u, q, v in state.inputs.iter_rows()}
        self._failures = state.failures
        found = self._status.get((asset, key))
        if found is None:
            return "future", self._not_due(asset, key)
        status, reason, _ = found
        if status == "fresh":
            self._built_from(asset, key, 1)
        else:
            self._now(asset, key, 1)
        return status, reason

    def failed_run(self, asset: str, key: str) -> str | None:
        """The run whose attempt at ``asset`` ``key`` failed last (after :meth:`explain`)."""
        row = self._failures.filter((pl.col("asset") == asset) & (pl.col("partition") == key))
        return row["run_id"][0] if row.height else None

    # -- links about the status now ----------------------------------------------------

    def _now(self, asset: str, key: str, depth: int) -> None:
        """Why ``asset`` ``key`` is stale, missing or failed: its code, then each upstream."""
        if depth > MAX_DEPTH or ("now", asset, key) in self._seen:
            return
        self._seen.add(("now", asset, key))
        status, reason, version = self._status[(asset, key)]
        if status == "failed" and depth > 1:  # the target's failure is the headline
            self._add(depth, asset, key, reason, status)
        recorded = self._code.get((asset, key))
        definition = self.graph[asset]
        if recorded is not None and recorded not in definition.code_versions:
            self._add(
                depth,
                asset,
                key,
                f"its code version changed: {recorded} -> {definition.code_version} (a root cause)",
                status,
            )
        follow: list[tuple[str, str, str, str | None]] = []  # (kind, asset, key, old version)
        for up in definition.upstreams:
            for q in self._mapped(asset, key, up):
                found = self._status.get((up, q))
                if found is None:
                    self._add(depth, up, q, f"upstream {label(up, q)} is not due yet", None)
                    continue
                up_status, _, up_version = found
                if up_status != "fresh":
                    follow.append(("now", up, q, None))
                    continue
                if version is None:
                    continue  # never built: a fresh upstream is no reason
                read = self._read.get((asset, key, up, q))
                if read is None:
                    follow.append(("added", up, q, None))
                elif read != up_version:
                    follow.append(("changed", up, q, read))
        self._follow(follow, depth)

    def _follow(self, links: list[tuple[str, str, str, str | None]], depth: int) -> None:
        """Explain the first link of each upstream asset (at most :data:`FOLLOW` of them);
        sum up the others in one line (a 7-day window has seven alike)."""
        firsts: dict[tuple[str, str], tuple[str, str, str, str | None]] = {}
        rest = []
        for link in links:
            group = (link[0], link[1])
            if group not in firsts and len(firsts) < FOLLOW:
                firsts[group] = link
            else:
                rest.append(link)
        for kind, up, q, old in firsts.values():
            if kind == "now":
                status = self._status[(up, q)][0]
                self._add(depth, up, q, f"upstream {label(up, q)} is {status}", status)
                self._now(up, q, depth + 1)
            else:
                self._changed(up, q, old, depth, added=kind == "added")
        if rest:
            names = ", ".join(label(a, q) for _, a, q, _ in rest[:3])
            more = f" and {len(rest) - 3} more" if len(rest) > 3 else ""
            self._add(
                depth,
                rest[0][1],
                rest[0][2],
                f"also: {names}{more} (alike; `asset why` on one of them follows it)",
            )

    # -- links about history ------------------------------------------------------------

    def _changed(self, asset: str, key: str, old: str | None, depth: int, *, added: bool) -> None:
        """``asset`` ``key`` has a new version since it was read: say when, then why."""
        versions = self._versions(asset, key)
        if not versions.height:
            return
        new = versions.row(0, named=True)
        what = "was added" if added else "changed"
        self._add(
            depth,
            asset,
            key,
            f"upstream {label(asset, key)} {what} in run {new['run_id']}",
            None,
            new["run_id"],
            new["finished_at"],
        )
        if depth >= MAX_DEPTH or ("changed", asset, key) in self._seen:
            return
        self._seen.add(("changed", asset, key))
        older = versions.slice(1)
        if old is not None:
            older = older.filter(pl.col("data_version") == old)
        if not older.height:
            self._add(
                depth + 1,
                asset,
                key,
                f"{label(asset, key)} was first built in run {new['run_id']}",
                None,
                new["run_id"],
                new["finished_at"],
            )
            return
        prev = older.row(0, named=True)
        reads = self._inputs([new["id"], prev["id"]])
        now_read = {(u, q): v for i, u, q, v in reads if i == new["id"]}
        then_read = {(u, q): v for i, u, q, v in reads if i == prev["id"]}
        inner = depth + 1
        if new["code_version"] != prev["code_version"]:
            self._add(
                inner,
                asset,
                key,
                f"its code version changed: {prev['code_version']} -> "
                f"{new['code_version']} in run {new['run_id']} (a root cause)",
                None,
                new["run_id"],
                new["finished_at"],
            )
        follow = [
            ("added" if (u, q) not in then_read else "changed", u, q, then_read.get((u, q)))
            for (u, q), v in now_read.items()
            if then_read.get((u, q)) != v
        ]
        self._follow(follow, inner)
        if new["code_version"] == prev["code_version"] and not follow:
            why = self._task_reason(new["run_id"], asset, key)
            planned = f"; the run planned it as: {why}" if why else " (forced)"
            verb = "re-fetched" if not self.graph[asset].upstreams else "rebuilt"
            self._add(
                inner,
                asset,
                key,
                f"{label(asset, key)} was {verb} in run "
                f"{new['run_id']} with the same code and inputs and produced new data "
                f"(a root cause{planned})",
                None,
                new["run_id"],
                new["finished_at"],
            )

    def _built_from(self, asset: str, key: str, depth: int) -> None:
        """A fresh partition: which run built it, when, and from which upstream versions."""
        versions = self._versions(asset, key)
        if not versions.height:
            return
        new = versions.row(0, named=True)
        self._add(
            depth,
            asset,
            key,
            f"built in run {new['run_id']} (code version "
            f"{new['code_version']}, data version {short(new['data_version'])})",
            "fresh",
            new["run_id"],
            new["finished_at"],
        )
        for _, u, q, v in self._inputs([new["id"]]):
            self._add(depth + 1, u, q, f"read {label(u, q)} at version {short(v)} (still current)")

    # -- queries and helpers -------------------------------------------------------------

    def _mapped(self, asset: str, key: str, up: str) -> list[str]:
        mapping = self.graph.mappings[(asset, up)]
        committed = committed_keys(self.snap, up)
        return mapping.upstream_keys(key, self.graph[up].partitions, committed)

    def _versions(self, asset: str, key: str) -> pl.DataFrame:
        return self.snap.sql(
            """select id, run_id, data_version, code_version, finished_at
               from assetflow.materializations where asset = ? and partition = ?
               order by id desc""",
            [asset, key],
        )

    def _inputs(self, ids: list[int]) -> list[tuple[int, str, str, str]]:
        rows = self.snap.sql(
            """select materialization_id, upstream, partition, data_version from assetflow.inputs
               where list_contains(?::bigint[], materialization_id) order by upstream, partition""",
            [ids],
        )
        return list(rows.iter_rows())

    def _task_reason(self, run_id: str, asset: str, key: str) -> str | None:
        if not self.snap.has("tasks"):
            return None
        rows = self.snap.sql(
            "select reason from assetflow.tasks where run_id = ? and asset = ? and partition = ?",
            [run_id, asset, key],
        )
        return rows["reason"][0] if rows.height and rows["reason"][0] else None

    def _not_due(self, asset: str, key: str) -> str:
        definition = self.graph[asset].partitions
        window = definition.window(key) if definition else None
        if window is None:
            return "not a due partition"
        return f"not due yet: its window ends {window[1]:%Y-%m-%d %H:%M} UTC"

    def _add(
        self,
        depth: int,
        asset: str,
        key: str,
        text: str,
        status: str | None = None,
        run_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        self.causes.append(Cause(depth, asset, key, text, status, run_id, at))


def label(asset: str, key: str) -> str:
    return asset if key == UNPARTITIONED else f"{asset} {display_key(key)}"
