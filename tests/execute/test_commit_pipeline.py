"""Dependents start on their upstream's staged output, before its commit lands; commits still
land upstream first, and a refused output stops its dependents."""

from __future__ import annotations

from tests.execute.conftest import load, rows, statuses
from tests.warehouse_checks import consistency_problems, duckdb_query, open_snapshot

DAYS = ["2026-04-04", "2026-04-05", "2026-04-06"]
EVENTS = """select asset, partition, status, seq from assetflow.task_events
            where status in ('running', 'succeeded')"""


def test_a_dependent_starts_before_its_upstream_commit_and_commits_after_it(warehouse):
    project = load("chain3", warehouse)
    run = project.materialize(["raw", "clean"], partitions=DAYS, workers=1)
    assert run.ok, [t.detail for t in run.failed]
    seq = {(a, p, s): n for a, p, s, n in rows(warehouse, EVENTS)}
    # With one worker, clean's attempt began while raw's commit was still to be written: the
    # "succeeded" row of raw is written when its commit is (the same transaction).
    early = [d for d in DAYS if seq[("clean", d, "running")] < seq[("raw", d, "succeeded")]]
    assert early == DAYS
    ids = dict(
        ((a, p), i)
        for a, p, i in rows(warehouse, "select asset, partition, id from assetflow.partitions")
    )
    assert all(ids[("raw", d)] < ids[("clean", d)] for d in DAYS)
    con = open_snapshot(warehouse)
    try:
        assert consistency_problems(duckdb_query(con)) == []
    finally:
        con.close()
    # The result lists tasks in plan order, not in the order their commits landed.
    assert [t.asset for t in run.tasks] == ["raw"] * 3 + ["clean"] * 3


def test_an_upstream_output_refused_at_its_check_stops_the_dependents(warehouse, monkeypatch):
    project = load("chain3", warehouse)
    assert project.materialize(["raw"], partitions=DAYS[:1]).ok
    # Same code version, other columns: the check refuses raw's next day, whose staged file
    # is discarded; clean must not run on it.
    monkeypatch.setenv("CHAIN_COLUMN", "amount")
    run = project.materialize(["raw", "clean"], partitions=DAYS[1:2], workers=1)
    assert statuses(run) == {("raw", DAYS[1]): "failed", ("clean", DAYS[1]): "upstream_failed"}
    assert rows(warehouse, "select asset, partition from assetflow.partitions") == [
        ("raw", DAYS[0])
    ]
