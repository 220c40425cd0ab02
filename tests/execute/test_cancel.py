"""Cancellation (SIGTERM, Ctrl-C, a CancelToken) and a coordinator killed outright."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time

import pytest

import assetflow as af
from tests.conftest import invoke_cli, resource, start_cli
from tests.execute.conftest import load, materializations, rows, statuses

DAYS = ["2026-04-02", "2026-04-03"]


def test_cancel_stops_launching_and_stops_running_tasks_after_the_grace_period(
    warehouse, monkeypatch
):
    monkeypatch.setenv("LINEAR_SLOW_SECONDS", "3")
    project = load("linear", warehouse)
    token = af.CancelToken()
    events = []

    def on_event(event: af.TaskEvent) -> None:
        events.append(event)
        if event.kind == "started" and event.asset == "report":
            token.cancel("test")

    started = time.monotonic()
    result = project.materialize(
        partitions=DAYS, executor="threads", workers=1, cancel=token, grace_period=0.2,
        callbacks=af.RunCallbacks(on_event=on_event),
    )  # fmt: skip
    assert time.monotonic() - started < 3  # did not wait for the sleeping report
    assert result.status == "cancelled"
    got = statuses(result)
    assert got[("raw", DAYS[0])] == got[("clean", DAYS[0])] == "succeeded"
    assert got[("report", DAYS[0])] == "cancelled"
    assert "cancelling; waiting up to 0.2s for 1 running task(s)" in next(
        e.detail for e in events if e.kind == "notice"
    )
    assert not rows(warehouse, "select * from assetflow.current where asset = 'report'")
    assert rows(warehouse, "select status from assetflow.runs") == [("cancelled",)]

    monkeypatch.setenv("LINEAR_SLOW_SECONDS", "0")
    resumed = project.resume(result.run_id, executor="threads")
    assert resumed.ok
    assert {a for a, _ in statuses(resumed)} <= {"raw", "clean", "report"}
    assert ("report", DAYS[0]) in statuses(resumed)
    counts = materializations(warehouse)
    assert counts == {"raw": 2, "clean": 2, "report": 2}  # each partition committed once


def _lines(proc: subprocess.Popen) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, needle: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return "".join(seen)
    raise AssertionError(f"{needle!r} never appeared; output so far:\n{''.join(seen)}")


@pytest.mark.slow  # SIGTERM to a real run
def test_sigterm_cancels_the_run_leaves_no_partial_partition_and_resume_completes(warehouse):
    lin = str(resource("linear"))
    args = ("-p", lin, "-w", str(warehouse))
    proc = start_cli(
        *args, "materialize", "--partition", DAYS[0], "--grace-period", "1",
        env={"LINEAR_SLOW_SECONDS": "60"},
    )  # fmt: skip
    lines = _lines(proc)
    _wait_for(lines, "started         report")
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    err = proc.stderr.read()  # type: ignore[union-attr]
    out = "".join(lines.queue)
    assert proc.returncode == 130, (out, err)
    assert "cancelled" in out and "1 cancelled" in out
    assert "received SIGTERM: cancelling" in err
    assert "runs resume" in err and "Traceback" not in err

    assert rows(warehouse, "select status from assetflow.runs") == [("cancelled",)]
    assert rows(warehouse, "select asset, status from assetflow.tasks order by asset") == [
        ("clean", "succeeded"), ("raw", "succeeded"), ("report", "cancelled"),
    ]  # fmt: skip
    assert not rows(warehouse, "select * from assetflow.current where asset = 'report'")
    run_id = rows(warehouse, "select run_id from assetflow.runs")[0][0]

    done = invoke_cli(*args, "runs", "resume", run_id)
    assert done.returncode == 0, done.stderr
    assert "1 succeeded" in done.stdout and "report 2026-04-02" in done.stdout
    counts = materializations(warehouse)
    assert counts == {"raw": 1, "clean": 1, "report": 1}


@pytest.mark.slow  # kill -9 of a real run
def test_a_killed_coordinator_leaves_a_run_the_next_start_marks_interrupted(warehouse):
    lin = str(resource("linear"))
    args = ("-p", lin, "-w", str(warehouse))
    proc = start_cli(
        *args, "materialize", "--partition", DAYS[0], env={"LINEAR_SLOW_SECONDS": "60"}
    )
    _wait_for(_lines(proc), "started         report")
    time.sleep(1.5)  # let the coordinator publish the running state
    listing = invoke_cli(*args, "runs")
    assert " running " in listing.stdout and "1 running" in listing.stdout  # read while it runs
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    after = invoke_cli(*args, "materialize", "--partition", DAYS[0])
    assert after.returncode == 0, after.stderr
    assert "was interrupted (its process died)" in after.stderr and "runs resume" in after.stderr
    listing = invoke_cli(*args, "runs", "--json")
    import json

    runs = json.loads(listing.stdout)
    assert [r["status"] for r in runs] == ["succeeded", "interrupted"]
    assert runs[1]["tasks"] == {"succeeded": 2, "interrupted": 1}
    show = invoke_cli(*args, "runs", "show", runs[1]["run_id"])
    assert ["interrupted", "report", "2026-04-02"] in [
        x.split()[:3] for x in show.stdout.splitlines()
    ]
