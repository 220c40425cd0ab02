"""Which partitions a schedule asks for at a tick (plan/ticks.py): pure, no warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

import assetflow as af
from assetflow.commit.state import CatalogState
from assetflow.plan.staleness import compute_status
from assetflow.plan.ticks import schedule_due, unavailable


def graph_with(tz: str = "UTC", start: str = "2026-04-01") -> af.AssetGraph:
    daily = af.DailyPartitions(start=start, timezone=tz)

    @af.asset(partitions=daily)
    def raw() -> None: ...

    return af.AssetGraph.build([raw])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_catchup_asks_for_every_due_day_then_only_the_new_one():
    graph = graph_with()
    schedule = af.Schedule("s", "@daily", ["raw"])
    first = schedule_due(schedule, graph, None, at("2026-04-08T03:00"))
    assert first.tick_time == at("2026-04-08T00:00")
    assert first.targets["raw"] == tuple(f"2026-04-0{d}" for d in range(1, 8))
    again = schedule_due(schedule, graph, first.tick_time, at("2026-04-08T23:59"))
    assert again.tick_time is None and not again.targets
    nxt = schedule_due(schedule, graph, first.tick_time, at("2026-04-09T03:00"))
    # catch-up re-asks for every day; the planner runs only the missing/stale ones
    assert nxt.targets["raw"][-1] == "2026-04-08" and len(nxt.targets["raw"]) == 8


def test_without_catchup_only_the_partition_that_just_became_due():
    graph = graph_with()
    schedule = af.Schedule("s", "@daily", ["raw"], catchup=False)
    assert schedule_due(schedule, graph, None, at("2026-04-08T03:00")).targets == {
        "raw": ("2026-04-07",)
    }
    # missed ticks are not caught up
    later = schedule_due(schedule, graph, at("2026-04-08T00:00"), at("2026-04-12T03:00"))
    assert later.targets == {"raw": ("2026-04-11",)}


def test_start_limits_catchup():
    schedule = af.Schedule("s", "@daily", ["raw"], start="2026-04-05")
    due = schedule_due(schedule, graph_with(), None, at("2026-04-08T03:00"))
    assert due.targets["raw"] == ("2026-04-05", "2026-04-06", "2026-04-07")


def test_berlin_two_am_across_dst_ticks_once_per_day_each_for_one_new_day():
    graph = graph_with("Europe/Berlin", start="2026-03-01")
    schedule = af.Schedule("b", "0 2 * * *", ["raw"], timezone="Europe/Berlin", catchup=False)
    last, handled = None, []
    now = at("2026-03-27T00:00")
    while now < at("2026-04-01T00:00"):  # a tick every 15 minutes over five days
        due = schedule_due(schedule, graph, last, now)
        if due.tick_time is not None:
            handled.append((due.tick_time, due.targets.get("raw")))
            last = due.tick_time
        now += timedelta(minutes=15)
    assert [keys for _, keys in handled] == [(f"2026-03-{d}",) for d in range(25, 31)]
    assert handled[3][0] == at("2026-03-29T01:00")  # 03:00 CEST: 02:00 did not exist


def test_sources_not_yet_observed_hold_back_their_downstream():
    daily = af.DailyPartitions(start="2026-04-01")

    @af.source(partitions=daily, observe=lambda context: None)
    def feed(context: af.Context) -> None: ...

    @af.asset(partitions=daily)
    def report(feed) -> None: ...

    graph = af.AssetGraph.build([feed, report])
    state = CatalogState.empty()
    observations = pl.DataFrame(
        {
            "asset": ["feed"],
            "partition": ["2026-04-02"],
            "version": ["v1"],
            "observed_at": [at("2026-04-04T00:00")],
        },
        schema=state.observations.schema,
    )
    state = CatalogState(state.current, state.inputs, observations)
    now = at("2026-04-04T01:00")
    blocked = unavailable(graph, state, compute_status(graph, state, now))
    assert blocked == {"feed": {"2026-04-01", "2026-04-03"}, "report": {"2026-04-01", "2026-04-03"}}
