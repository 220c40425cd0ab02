"""What a tick should materialize: pure functions of (schedules, graph, catalog state, now).

- A **schedule** is due when a cron time has passed since its last recorded tick. With catch-up
  its targets are every partition of its assets due at that cron time (from ``start`` on); the
  planner then runs only the missing or stale ones, so a re-run tick, or two ticks at once,
  never redo committed work. ``max_catchup`` bounds that: only partitions that became due in the
  latest ``max_catchup`` cron ticks are targets; older ones are reported as skipped, so a
  machine that was off for months does not silently run them all. Without catch-up, only the
  partitions that became due between the previous cron time and the latest one.
- An **eager** asset targets every due partition at every tick (again, only missing or stale
  ones run).
- Partitions that need a source partition that was never observed present are held back: a
  source's data is not there yet, so running it would only fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.define.schedule import Schedule, local_midnight
from assetflow.plan.reasons import committed_keys


@dataclass(frozen=True)
class ScheduleDue:
    """One schedule's share of a tick."""

    schedule: Schedule
    tick_time: datetime | None
    """The latest cron time at or before now, if it has not been ticked yet; else None."""
    targets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """asset -> partition keys to bring up to date."""
    beyond: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """asset -> catch-up keys older than ``max_catchup`` ticks: not targets, reported."""


def schedule_due(
    schedule: Schedule, graph: AssetGraph, last_tick: datetime | None, now: datetime
) -> ScheduleDue:
    """The partitions ``schedule`` asks for at ``now``, given the cron time it last ticked."""
    latest = schedule.latest_at_or_before(now)
    if latest is None or (last_tick is not None and latest <= last_tick):
        return ScheduleDue(schedule, None)
    previous = None if schedule.catchup else schedule.previous_before(latest)
    cutoff = None
    if schedule.catchup and schedule.max_catchup is not None:
        cutoff = schedule.ticks_back(latest, schedule.max_catchup)
    targets: dict[str, tuple[str, ...]] = {}
    beyond: dict[str, tuple[str, ...]] = {}
    for name in schedule.assets:
        definition = graph[name].partitions
        if definition is None:
            targets[name] = (UNPARTITIONED,)
            continue
        keys = definition.due_keys(latest)
        if schedule.catchup:
            if schedule.start is not None:
                begin = local_midnight(schedule.start, schedule.timezone)
                keys = [k for k in keys if (definition.window(k) or (begin, begin))[0] >= begin]
            if cutoff is not None:
                older = set(definition.due_keys(cutoff))
                if old := tuple(k for k in keys if k in older):
                    beyond[name] = old
                keys = [k for k in keys if k not in older]
        elif previous is not None:
            before = set(definition.due_keys(previous))
            keys = [k for k in keys if k not in before]
        else:
            keys = keys[-1:]
        if keys:
            targets[name] = tuple(keys)
    return ScheduleDue(schedule, latest, targets, beyond)


def pending(
    schedule: Schedule, graph: AssetGraph, statuses: pl.DataFrame, now: datetime
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """What the schedule's next tick would catch up now, and what ``max_catchup`` would skip:
    its missing, stale or failed partitions as of its latest cron time (ticked or not)."""
    due = schedule_due(schedule, graph, None, now)
    return not_fresh(due.targets, statuses), not_fresh(due.beyond, statuses)


def not_fresh(targets: Mapping[str, Iterable[str]], statuses: pl.DataFrame) -> dict[str, list[str]]:
    """``targets`` without their fresh partitions (and without assets left with none)."""
    pending = statuses.filter(pl.col("status") != "fresh").select("asset", "partition")
    wanted = set(pending.iter_rows())
    out = {a: [k for k in keys if (a, k) in wanted] for a, keys in targets.items()}
    return {a: keys for a, keys in out.items() if keys}


def eager_targets(graph: AssetGraph, statuses: pl.DataFrame) -> dict[str, tuple[str, ...]]:
    """Missing or stale due partitions of every ``automation="eager"`` asset."""
    eager = [a.name for a in graph if a.automation == "eager"]
    pending = statuses.filter(pl.col("asset").is_in(eager) & (pl.col("status") != "fresh"))
    return {
        a: tuple(g["partition"].to_list())
        for (a,), g in pending.group_by("asset", maintain_order=True)
    }


def unavailable(
    graph: AssetGraph, state: CatalogState, statuses: pl.DataFrame
) -> dict[str, set[str]]:
    """Per asset, partitions that need a source partition not yet observed present.

    Starts from missing source partitions without a present observation and follows the
    partition mappings downstream, one vectorized edge join per (asset, upstream).
    """
    present = state.observations.filter(pl.col("version").is_not_null()).select(
        "asset", "partition"
    )
    blocked: dict[str, set[str]] = {}
    for name in graph.order:
        asset = graph[name]
        mine = statuses.filter(pl.col("asset") == name)
        if asset.is_source:
            missing = mine.filter(pl.col("data_version").is_null()).select("partition")
            seen = present.filter(pl.col("asset") == name).select("partition")
            bad = missing.join(seen, on="partition", how="anti")["partition"].to_list()
            if bad:
                blocked[name] = set(bad)
            continue
        keys = mine["partition"].to_list()
        for up in asset.upstreams:
            if not blocked.get(up) or not keys:
                continue
            committed = committed_keys(statuses.filter(pl.col("asset") == up)).to_list()
            edges = graph.mappings[(name, up)].edges(keys, graph[up].partitions, committed)
            hit = edges.filter(pl.col("up_partition").is_in(list(blocked[up])))
            if hit.height:
                blocked.setdefault(name, set()).update(hit["partition"].to_list())
    return blocked


def merge_targets(
    parts: Iterable[Mapping[str, Iterable[str]]], blocked: Mapping[str, set[str]]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Union the targets of schedules and automations; split off the blocked ones.

    Returns (runnable, held back), each asset -> sorted keys.
    """
    union: dict[str, set[str]] = {}
    for part in parts:
        for asset, keys in part.items():
            union.setdefault(asset, set()).update(keys)
    runnable: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    for asset, keys in union.items():
        bad = keys & blocked.get(asset, set())
        if keys - bad:
            runnable[asset] = sorted(keys - bad)
        if bad:
            held[asset] = sorted(bad)
    return runnable, held
