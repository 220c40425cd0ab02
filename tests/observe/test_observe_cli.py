"""The read-side commands on a real warehouse after a run with a retry and a run with a
failure: ``runs``, ``runs show``, ``timeline``, ``history``, ``why``, ``lineage``, ``list``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke_cli, resource

RETRIED, FAILED = "2026-04-02", "2026-04-03"


def flaky(warehouse: Path, *args: str, **kw):
    return invoke_cli("-p", str(resource("flaky")), "-w", str(warehouse), *args, **kw)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, str, str]:
    """A warehouse where ``flaky RETRIED`` succeeded on its second attempt (run 1) and
    ``flaky FAILED`` failed all four attempts (run 2); the ids of both runs."""
    warehouse = tmp_path_factory.mktemp("observe") / "warehouse"
    ok = flaky(warehouse, "materialize", "--partition", RETRIED, env={"FLAKY_FAILS": "1"})
    assert ok.returncode == 0, ok.stderr
    bad = flaky(warehouse, "materialize", "--partition", FAILED, env={"FLAKY_FAILS": "9"})
    assert bad.returncode == 1, bad.stderr
    listing = json.loads(flaky(warehouse, "runs", "--json").stdout)
    return warehouse, listing[1]["run_id"], listing[0]["run_id"]


def test_runs_count_attempts_retries_rows_and_bytes(runs):
    warehouse, _, failed = runs
    newest, oldest = json.loads(flaky(warehouse, "runs", "--json").stdout)
    assert (newest["run_id"], newest["status"]) == (failed, "failed")
    assert newest["tasks"] == {"succeeded": 1, "failed": 1}
    assert (newest["attempts"], newest["retried"]) == (5, 1)  # source once, flaky 4 times
    assert (oldest["status"], oldest["attempts"], oldest["retried"]) == ("succeeded", 3, 1)
    assert oldest["rows"] == 2 and oldest["bytes"] > 0
    assert oldest["seconds"] > 0 and oldest["finished_at"] > oldest["started_at"]

    text = flaky(warehouse, "runs").stdout.splitlines()
    assert text[0].split()[:5] == ["run", "status", "started", "took", "tasks"]
    assert failed in text[1] and "1 failed, 1 needed retries" in text[1]


def test_runs_show_names_attempts_and_the_error_line(runs):
    warehouse, retried, failed = runs
    shown = json.loads(flaky(warehouse, "runs", "show", retried, "--json").stdout)
    tasks = {t["asset"]: t for t in shown["tasks"]}
    assert tasks["flaky"]["attempts"] == 2 and tasks["flaky"]["status"] == "succeeded"
    assert tasks["source"]["attempts"] == 1 and tasks["flaky"]["rows"] == 1
    assert tasks["flaky"]["seconds"] > 0 and tasks["flaky"]["bytes"] > 0

    text = flaky(warehouse, "runs", "show", failed).stdout
    assert f"run {failed} failed" in text
    (line,) = [x for x in text.splitlines() if x.split()[:3] == ["failed", "flaky", FAILED]]
    assert line.split()[3] == "4"  # attempts
    assert "ConnectionError: service unavailable (attempt 4)" in line


def test_timeline_marks_the_retry_and_names_the_critical_path(runs):
    warehouse, retried, _ = runs
    out = flaky(warehouse, "timeline", retried)
    assert out.returncode == 0, out.stderr
    bars = {line.split()[1]: line for line in out.stdout.splitlines() if "|" in line}
    assert set(bars) == {"source", "flaky"}
    assert "x" in bars["flaky"].split("|")[1] and "+" in bars["flaky"].split("|")[1]
    assert "x" not in bars["source"].split("|")[1]
    assert "1 failed" in bars["flaky"].split("|")[2]
    assert f"-> flaky {RETRIED}" in out.stdout and "critical path" in out.stdout

    data = json.loads(flaky(warehouse, "timeline", retried, "--json").stdout)
    path = [step["asset"] for step in data["critical_path"]]
    assert path == ["source", "flaky"]
    spans = [s for s in data["spans"] if s["asset"] == "flaky"]
    assert [s["attempt"] for s in spans] == [1, 2]
    assert [s["state"] for s in spans] == ["failed", "succeeded"]


def test_history_of_a_partition_lists_versions_inputs_and_failed_attempts(runs):
    warehouse, retried, _ = runs
    data = json.loads(flaky(warehouse, "history", "flaky", "--partition", RETRIED, "--json").stdout)
    (version,) = data["versions"]
    assert version["run_id"] == retried and version["current"] and version["rows"] == 1
    assert version["code_version"] == "1" and version["bytes"] > 0
    assert [i["upstream"] for i in version["inputs"]] == ["source"]
    source = json.loads(
        flaky(warehouse, "history", "source", "--partition", RETRIED, "--json").stdout
    )
    assert version["inputs"][0]["data_version"] == source["versions"][0]["data_version"]
    (failure,) = data["failed_attempts"]
    assert (failure["attempt"], failure["error_type"]) == (1, "ConnectionError")

    text = flaky(warehouse, "history", "flaky", "--partition", RETRIED).stdout
    assert "1 version(s), 1 failed attempt(s)" in text and "read    source" in text


def test_history_of_an_asset_gives_each_partitions_last_state_and_trends(runs):
    warehouse, retried, _ = runs
    data = json.loads(flaky(warehouse, "history", "flaky", "--json").stdout)
    last = {p["partition"]: p for p in data["partitions"]}
    assert last[RETRIED]["last_task"] == "succeeded" and last[RETRIED]["committed"]
    assert last[FAILED]["last_task"] == "failed" and not last[FAILED]["committed"]
    assert last[FAILED]["failed_attempts"] == 4
    assert [r["run_id"] for r in data["runs"]] == [retried]
    assert data["trends"]["rows"] == [1.0]


def test_why_a_failed_partition_gives_the_error_and_the_resume_command(runs):
    warehouse, _, failed = runs
    out = flaky(warehouse, "why", "flaky", "--partition", FAILED)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"flaky {FAILED} is failed")
    assert f"failed in run {failed}" in out.stdout and "(attempt 4)" in out.stdout
    assert f"next: asset runs resume {failed}" in out.stdout
    assert f"next: asset logs {failed} flaky:{FAILED}" in out.stdout


def test_lineage_in_every_format_and_list_with_downstreams(runs):
    warehouse, _, _ = runs
    tree = flaky(warehouse, "lineage").stdout
    assert tree.splitlines()[1].startswith("└── -> flaky  (identity)") and "retries=3" in tree
    assert (
        'source -->|"identity"| flaky' in flaky(warehouse, "lineage", "--format", "mermaid").stdout
    )
    dot = flaky(warehouse, "lineage", "flaky", "--upstream", "--format", "dot").stdout
    assert dot.startswith("digraph") and '"source" -> "flaky"' in dot
    data = json.loads(flaky(warehouse, "lineage", "source", "--downstream", "--json").stdout)
    assert [e["downstream"] for e in data["edges"]] == ["flaky"]
    listed = {a["asset"]: a for a in json.loads(flaky(warehouse, "list", "--json").stdout)}
    assert listed["source"]["downstreams"] == ["flaky"] and listed["flaky"]["downstreams"] == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("timeline", "nope"), "unknown run 'nope'"),
        (("runs", "show", "nope"), "unknown run 'nope'"),
        (("history", "nope"), "nope"),
        (("why", "flaky", "--partition", "April"), "not a daily key"),
        (("why", "flaky"), "--partition"),
        (("lineage", "nope"), "nope"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runs, args, needle):
    out = flaky(runs[0], *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert needle in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
