"""Notebook reprs are HTML with every user string escaped (an asset's description, an error or
log line), readable text in a terminal, and ``to_polars()`` for the tabular ones."""

from __future__ import annotations

import os

import polars as pl
import pytest

import assetflow as af
from assetflow.observe.notebook import plan_html, result_html
from tests.conftest import AS_OF, load_project, resource

DAY = "2026-04-03"


def assert_escaped(markup: str) -> None:
    assert "<script" not in markup.lower()
    assert "&lt;script&gt;" in markup


@pytest.fixture(scope="module")
def failed(tmp_path_factory):
    """chain3 over 2026-04-01..03 where ``rolling DAY`` raised an error holding ``<script>``."""
    project = load_project(
        resource("chain3"), tmp_path_factory.mktemp("html") / "warehouse", clock=lambda: AS_OF
    )
    os.environ["CHAIN_FAIL"] = "1"
    try:
        result = project.materialize(partition=DAY, as_of=AS_OF)
    finally:
        del os.environ["CHAIN_FAIL"]
    assert result.status == "failed"
    return project, result


def test_user_strings_are_escaped_in_every_html_repr(failed):
    project, result = failed
    assert_escaped(project._repr_html_())  # clean's docstring is its description
    assert_escaped(result_html(result))  # the error line
    assert_escaped(plan_html(project.plan(as_of=AS_OF)))  # the failed partition's reason
    for report in (
        project.run(result.run_id),
        project.history("rolling", DAY),
        project.why("rolling", DAY),
    ):
        markup = report._repr_html_()
        assert_escaped(markup)
        assert "<svg" in markup or "<table" in markup or "<ul" in markup


def test_pictures_are_inline_svg_without_javascript(failed):
    project, result = failed
    for report in (
        project.timeline(result.run_id),
        project.lineage(),
        project.status(as_of=AS_OF),
        project.history("clean"),
    ):
        markup = report._repr_html_()
        assert "<svg" in markup and "<script" not in markup.lower()
        assert "onload" not in markup.lower() and "onclick" not in markup.lower()


def test_text_reprs_and_frames(failed):
    project, result = failed
    run = project.run(result.run_id)
    assert f"run {result.run_id} failed" in repr(run)
    assert "<script>alert('error')</script>" in repr(run)  # text stays text in a terminal
    frame = run.to_polars()
    assert isinstance(frame, pl.DataFrame)
    failed_rows = frame.filter(pl.col("status") == "failed")
    assert failed_rows.select("asset", "partition").rows() == [("rolling", DAY)]
    spans = project.timeline(result.run_id).to_polars()
    assert spans.height == len(result.tasks)
    why = project.why("rolling", DAY)
    assert why.status == "failed" and repr(why).startswith(f"rolling {DAY} is failed")
    tasks = result.to_polars()
    assert tasks.filter(status="failed")["error_type"].to_list() == ["RuntimeError"]
    assert tasks.height == len(result.tasks) and tasks["attempts"].min() == 1
    steps = project.plan(as_of=AS_OF).to_polars()
    assert steps.filter(asset="rolling", partition=DAY)["status"].to_list() == ["failed"]
    statuses = project.status(as_of=AS_OF).to_polars()
    assert statuses.filter(asset="rolling", partition=DAY)["status"].to_list() == ["failed"]
    lineage = project.lineage("rolling", "upstream").to_polars()
    assert set(lineage["asset"]) == {"raw", "clean", "rolling"}


def test_inputs_load_exactly_what_a_run_passes(failed):
    project, _ = failed
    (clean,) = project.inputs("rolling", DAY).values()  # the window: clean's last three days
    assert clean.sort("day")["day"].to_list() == ["2026-04-01", "2026-04-02", "2026-04-03"]
    assert clean.equals(project.read("clean").sort("day"))
    with pytest.raises(af.PartitionKeyError, match="clean 2026-04-04, which is not committed"):
        project.inputs("rolling", "2026-04-05")
