"""A failed branch stops only its downstream; resume finishes exactly what is left."""

from __future__ import annotations

from dataclasses import replace

import pytest

import assetflow as af
from tests.execute.conftest import load, materializations, rows, statuses, ticking_clock

DAY = "2026-04-03"


def test_branch_failure_marks_downstream_and_lets_the_sibling_branch_commit(warehouse, monkeypatch):
    monkeypatch.setenv("BRANCH_FAIL", "1")
    project = load("branches", warehouse)
    result = project.materialize(partition=DAY, workers=2)

    assert result.status == "failed"
    assert statuses(result) == {
        ("root", DAY): "succeeded",
        ("good", DAY): "succeeded",
        ("good_report", DAY): "succeeded",
        ("bad", DAY): "failed",
        ("bad_report", DAY): "upstream_failed",
    }
    assert "bad was told to fail" in result.failed[0].detail
    report = next(t for t in result.tasks if t.asset == "bad_report")
    assert report.detail == f"upstream bad {DAY} did not succeed" and report.attempts == 0
    committed = rows(warehouse, "select asset from assetflow.current order by asset")
    assert committed == [("good",), ("good_report",), ("root",)]
    assert rows(warehouse, "select status from assetflow.runs") == [("failed",)]

    monkeypatch.delenv("BRANCH_FAIL")
    resumed = project.resume(result.run_id, executor="threads")
    assert resumed.status == "succeeded" and resumed.resume_of == result.run_id
    assert statuses(resumed) == {("bad", DAY): "succeeded", ("bad_report", DAY): "succeeded"}
    counts = rows(
        warehouse,
        "select asset, count(*) from assetflow.materializations group by asset order by asset",
    )
    assert counts == [("bad", 1), ("bad_report", 1), ("good", 1), ("good_report", 1), ("root", 1)]


def test_resume_of_a_forced_run_forces_only_what_it_did_not_finish(warehouse, monkeypatch):
    project = load("branches", warehouse)
    assert project.materialize(partition=DAY, executor="threads").ok

    monkeypatch.setenv("BRANCH_FAIL", "1")
    forced = project.materialize(partition=DAY, force=True, executor="threads")
    assert forced.status == "failed" and forced.count("succeeded") == 3

    monkeypatch.delenv("BRANCH_FAIL")
    resumed = project.resume(forced.run_id[:-2], executor="threads")  # a prefix is enough
    assert statuses(resumed) == {("bad", DAY): "succeeded", ("bad_report", DAY): "succeeded"}
    counts = materializations(warehouse)
    assert counts == {"root": 2, "good": 2, "good_report": 2, "bad": 2, "bad_report": 2}


def test_resume_names_unknown_runs(warehouse):
    project = load("branches", warehouse)
    project.materialize(partition=DAY, executor="threads")
    with pytest.raises(af.SelectionError, match="unknown run 'nope'; `asset runs` lists"):
        project.resume("nope")


def test_early_cutoff_skips_a_step_whose_rebuilt_upstream_has_identical_data(warehouse):
    project = load("linear", warehouse)
    assert project.materialize(partition=DAY, executor="threads").ok

    # A new code version of clean makes it rerun; its output is the same as before.
    changed = af.Project(
        [replace(a, code_version="2") if a.name == "clean" else a for a in project.graph],
        warehouse,
        clock=ticking_clock(),
    )
    result = changed.materialize(partition=DAY, executor="threads")
    assert statuses(result) == {("clean", DAY): "succeeded", ("report", DAY): "skipped"}
    skipped = next(t for t in result.tasks if t.asset == "report")
    assert skipped.detail == "upstream rebuilt with identical data"
    counts = materializations(warehouse)
    assert counts == {"raw": 1, "clean": 2, "report": 1}
