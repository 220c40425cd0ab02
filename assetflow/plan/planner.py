"""Plans: which (asset, partition) steps a materialization runs, and why.

Building a plan has no side effects: it reads a :class:`CatalogState` and returns frozen
:class:`Step` records in execution order. The runner acts on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import polars as pl

from assetflow.commit.catalog import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PartitionKeyError, PlanError
from assetflow.plan.staleness import compute_status


@dataclass(frozen=True)
class Step:
    """One (asset, partition) in a plan."""

    asset: str
    partition: str
    status: str
    """``missing``, ``stale`` or ``fresh`` at planning time."""
    reason: str
    run: bool
    """False for fresh partitions that are shown but skipped."""
    requested: bool
    """True if asked for; False if pulled in as a missing/stale upstream (make-like)."""


@dataclass(frozen=True)
class Plan:
    """An ordered tuple of steps: every step after the steps it reads from."""

    steps: tuple[Step, ...]
    as_of: datetime
    force: bool = False

    @property
    def to_run(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.run)

    def explain(self) -> str:
        """A human-readable listing, one line per step."""
        if not self.steps:
            return "nothing selected"
        lines = []
        for s in self.steps:
            what = (
                ("force" if self.force and s.status == "fresh" else s.status) if s.run else "skip"
            )
            why = f"  ({s.reason})" if s.reason else ""
            pulled = "" if s.requested else "  [upstream]"
            lines.append(f"  {what:<8} {s.asset} {display_key(s.partition)}{why}{pulled}")
        runs = len(self.to_run)
        head = f"plan: {runs} to run, {len(self.steps) - runs} fresh"
        return "\n".join([head, *lines])

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "steps": [asdict(s) for s in self.steps],
        }


def display_key(key: str) -> str:
    return "(unpartitioned)" if key == UNPARTITIONED else key


def build_plan(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    *,
    selection: Sequence[str] | None = None,
    partitions: Iterable[str] | None = None,
    force: bool = False,
    only: bool = False,
) -> Plan:
    """Plan a materialization.

    Args:
        selection: assets to materialize (all when None).
        partitions: partition keys to materialize (every due partition when None).
        force: re-run requested partitions even when fresh.
        only: do not pull in missing/stale upstream partitions; fail if one is needed.
    """
    chosen = graph.select(selection)
    statuses = compute_status(graph, state, as_of)
    index = {
        (a, p): (s, r)
        for a, p, s, r in statuses.select("asset", "partition", "status", "reason").iter_rows()
    }
    keys = None if partitions is None else list(partitions)
    targets = _targets(graph, chosen, keys, statuses, as_of, explicit=selection is not None)

    steps: dict[tuple[str, str], Step] = {}
    for a, p in targets:
        status, reason = index[(a, p)]
        steps[(a, p)] = Step(a, p, status, reason, force or status != "fresh", True)

    committed = _committed_keys(statuses)
    pending = [k for k, s in steps.items() if s.run]
    while pending:
        a, p = pending.pop()
        for up in graph[a].upstreams:
            mapping = graph.mappings[(a, up)]
            for q in mapping.upstream_keys(p, graph[up].partitions, committed.get(up, [])):
                if (up, q) not in index:
                    raise PlanError(
                        f"cannot materialize {a} {display_key(p)}: upstream {up} "
                        f"{display_key(q)} is not due yet"
                    )
                status, reason = index[(up, q)]
                if status == "fresh" or ((up, q) in steps and steps[(up, q)].run):
                    continue
                if only:
                    raise PlanError(
                        f"--only: {a} {display_key(p)} needs upstream {up} {display_key(q)}, "
                        f"which is {status} ({reason}); drop --only to materialize it first"
                    )
                steps[(up, q)] = Step(up, q, status, reason, True, False)
                pending.append((up, q))

    rank = {n: i for i, n in enumerate(graph.order)}
    order = {
        (a, p): i for i, (a, p) in enumerate(statuses.select("asset", "partition").iter_rows())
    }
    ordered = sorted(steps.values(), key=lambda s: (rank[s.asset], order[(s.asset, s.partition)]))
    return Plan(steps=tuple(ordered), as_of=as_of, force=force)


def _committed_keys(statuses: pl.DataFrame) -> dict[str, list[str]]:
    committed = statuses.filter(pl.col("status") != "missing")
    return {
        a: g["partition"].to_list() for (a,), g in committed.group_by("asset", maintain_order=True)
    }


def _targets(
    graph: AssetGraph,
    chosen: list[str],
    keys: list[str] | None,
    statuses: pl.DataFrame,
    as_of: datetime,
    *,
    explicit: bool,
) -> list[tuple[str, str]]:
    """The requested (asset, partition) pairs, with every key checked against its definition."""
    if keys is None:
        listed = statuses.filter(pl.col("asset").is_in(chosen))
        return list(listed.select("asset", "partition").iter_rows())
    targets: list[tuple[str, str]] = []
    rejected: PartitionKeyError | None = None
    for a in chosen:
        definition = graph[a].partitions
        if definition is None:
            targets.append((a, UNPARTITIONED))
            continue
        for key in keys:
            if not explicit:
                try:
                    definition.parse_key(key)
                except PartitionKeyError as exc:
                    rejected = rejected or exc
                    continue  # another grain's key: this asset is simply not involved
            targets.append((a, definition.check_key(key, as_of)))
    if rejected and all(p == UNPARTITIONED for _, p in targets):
        raise rejected  # the key fits no partitioned asset: a typo, not "just the rest"
    return targets
