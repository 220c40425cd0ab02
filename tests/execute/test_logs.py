"""Per-attempt output capture: context.log, print, warnings, other loggers, tracebacks."""

from __future__ import annotations

import io
import sys
import threading
import warnings

import pytest

from assetflow.execute import capture
from tests.conftest import invoke_cli, resource
from tests.execute.conftest import load, rows


def test_output_is_routed_to_the_attempt_of_the_thread_that_wrote_it(capsys):
    capture.install()
    try:
        logs = [capture.AttemptLog(f"t{n}") for n in range(2)]

        def work(n: int) -> None:
            with logs[n].active():
                print(f"line from {n}")
                print("partial", end="")
                logs[n].logger.info("record from %d", n)
                warnings.warn(f"warning from {n}", UserWarning, stacklevel=1)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("coordinator output")
    finally:
        capture.uninstall()
    assert sys.stdout is not None and not isinstance(sys.stdout, capture._RoutingStream)
    for n, log in enumerate(logs):
        lines = [(stream, text) for _, stream, text in log.finish()]
        assert ("stdout", f"line from {n}") in lines
        assert ("INFO", f"record from {n}") in lines
        assert ("stdout", "partial") in lines  # flushed at the end though unterminated
        assert any(s == "warning" and f"warning from {n}" in t for s, t in lines)
        assert not any(f"from {1 - n}" in t for _, t in lines)
    assert "coordinator output" in capsys.readouterr().out


def test_a_stream_replaced_while_capturing_is_routed_by_the_next_run():
    """A harness (a notebook cell, pytest's capture) may swap sys.stdout while one run
    captures; a run that starts then must still capture its tasks' prints (it used to see the
    capture as installed already and route nothing)."""
    before = sys.stdout
    capture.install()
    try:
        harness = io.StringIO()
        sys.stdout = harness
        capture.install()  # the next run, nested
        try:
            log = capture.AttemptLog("t")

            def work() -> None:
                with log.active():
                    print("task output")

            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
        finally:
            capture.uninstall()
    finally:
        capture.uninstall()
        after, sys.stdout = sys.stdout, before  # not monkeypatch: its undo would put back
        # the stream the first install wrapped, leaking it into later tests of this process
    assert after is harness  # given back as the harness set it
    assert ("stdout", "task output") in [(s, t) for _, s, t in log.finish()]
    assert "task output" not in harness.getvalue()


def test_log_is_capped_per_attempt():
    log = capture.AttemptLog("big", limit=1000)
    for n in range(200):
        log.record("INFO", f"line {n:04d} " + "x" * 20)
    lines = log.finish()
    assert len(lines) < 40 and "log truncated" in lines[-1][2]


@pytest.mark.parametrize("executor", ["processes", "threads"])
def test_each_attempt_stores_its_own_log_lines(warehouse, executor):
    result = load("chatty", warehouse).materialize(executor=executor)
    assert result.ok and result.tasks[0].attempts == 2
    lines = rows(
        warehouse,
        "select attempt, stream, message from assetflow.logs order by seq",
    )
    first = [(s, m) for a, s, m in lines if a == 1]
    second = [(s, m) for a, s, m in lines if a == 2]
    for attempt, got in ((1, first), (2, second)):
        assert ("INFO", f"starting attempt {attempt}") in got
        assert ("stdout", "hello from print") in got
        assert ("stderr", "to stderr") in got
        assert ("WARNING", "chatty.library: a library complains") in got
        assert any(s == "warning" and "UserWarning: prices look odd" in m for s, m in got)
    trace = [m for s, m in first if s == "traceback"]
    assert len(trace) == 1 and "ZeroDivisionError: first attempt always fails" in trace[0]
    assert "raise ZeroDivisionError" in trace[0] and "materializer.py" not in trace[0]
    assert not any(s == "traceback" for s, _ in second)
    stored = rows(warehouse, "select traceback from assetflow.attempts where attempt = 1")
    assert stored[0][0].rstrip() == trace[0]


def test_asset_logs_prints_each_attempt_with_how_it_ended(warehouse):
    project = load("chatty", warehouse)
    run_id = project.materialize(executor="threads").run_id
    chatty = str(resource("chatty"))
    out = invoke_cli("-p", chatty, "-w", str(warehouse), "logs", run_id, "chatty")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "== chatty (unpartitioned) attempt 1 (failed: ZeroDivisionError) ==" in text
    assert "== chatty (unpartitioned) attempt 2 (succeeded) ==" in text
    assert text.index("attempt 1 (failed") < text.index("starting attempt 1")
    assert text.index("starting attempt 1") < text.index("attempt 2 (succeeded")
    one = invoke_cli("-p", chatty, "-w", str(warehouse), "logs", run_id[:-1], "--attempt", "2")
    assert "starting attempt 2" in one.stdout and "starting attempt 1" not in one.stdout
    none = invoke_cli("-p", chatty, "-w", str(warehouse), "logs", run_id, "nothing:here")
    assert none.returncode == 0 and "no log lines for nothing:here" in none.stderr
