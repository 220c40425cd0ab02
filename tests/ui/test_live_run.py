"""A run in progress while the UI is open: the matrix shows it running, the runs page polls, and
both settle once it ends (the UI reads only the published snapshot the run keeps republishing).
The run is on a thread of the test process, or in another process (as a user's ``asset
materialize`` would be); the ones that wait for several repaints are in the slow set."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

import assetflow as af
from assetflow.ui.server import BackgroundServer
from tests.conftest import AS_OF, RESOURCES, start_cli
from tests.resources.ui_shop import build
from tests.ui.conftest import fetch

PIPELINE = RESOURCES / "ui_shop_pipeline.py"


def overview(url: str) -> dict:
    return json.loads(fetch(url + "/api/overview")[2])


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the UI never showed the expected state"
        time.sleep(0.2)


@contextmanager
def run_in_progress(warehouse: Path) -> Iterator[tuple[str, threading.Event, dict]]:
    """The UI of a warehouse where ``orders`` 2026-04-01 is being materialized until the gate
    opens; yields (url, gate, outcome) and waits for the run when leaving."""
    gate = threading.Event()
    started = time.monotonic()
    project = af.Project(
        build(gate=gate),
        warehouse,
        clock=lambda: AS_OF + timedelta(seconds=time.monotonic() - started),
        executor="threads",
    )
    outcome: dict = {}
    worker = threading.Thread(
        target=lambda: outcome.update(
            result=project.materialize(["orders"], partition="2026-04-01", as_of=AS_OF)
        )
    )
    with BackgroundServer(project, clock=lambda: AS_OF) as server:
        worker.start()
        try:
            yield server.url, gate, outcome
        finally:
            gate.set()
            worker.join(timeout=60)


def test_a_running_partition_shows_as_running_then_fresh(tmp_path):
    with run_in_progress(tmp_path / "warehouse") as (url, gate, outcome):
        wait_for(lambda: overview(url)["counts"]["orders"]["running"] == 1)
        assert 'hx-trigger="every 2s"' in fetch(url + "/runs")[2].decode()
        gate.set()
        wait_for(lambda: "result" in outcome)
        assert outcome["result"].status == "succeeded"
        wait_for(lambda: overview(url)["counts"]["orders"]["fresh"] == 1)
        assert overview(url)["counts"]["orders"]["running"] == 0
        assert "hx-trigger" not in fetch(url + "/runs")[2].decode()


@pytest.mark.slow  # waits for a run's live repaints in a browser (~8 s)
def test_the_open_runs_page_refreshes_itself_until_the_run_ends(tmp_path, tab):
    with run_in_progress(tmp_path / "warehouse") as (url, gate, _):
        wait_for(lambda: overview(url)["totals"]["running"] == 1)
        tab.page.goto(url + "/runs")
        status = tab.page.locator("#runs-table tbody tr td:nth-child(2)")
        assert status.inner_text() == "running"
        gate.set()
        status.filter(has_text="succeeded").wait_for(timeout=20_000)  # swapped in by htmx
        polls = [u for u in tab.requests if u.endswith("/runs-fragment")]
        assert polls and tab.page.locator("#runs-table[hx-trigger]").count() == 0
        tab.page.wait_for_timeout(2500)  # over one polling period: no request follows
        assert len([u for u in tab.requests if u.endswith("/runs-fragment")]) == len(polls)


@pytest.mark.slow  # the run is another process, as a user's `asset materialize` in a terminal
def test_a_materialize_in_another_process_shows_while_the_ui_polls_and_completes(tmp_path, tab):
    gate, warehouse = tmp_path / "gate", tmp_path / "warehouse"
    project = af.Project.load(PIPELINE, warehouse=warehouse)
    with BackgroundServer(project, clock=lambda: AS_OF) as server:
        run = start_cli(
            *("-p", str(PIPELINE), "-w", str(warehouse), "materialize", "orders"),
            *("--partition", "2026-04-01", "--executor", "threads"),
            env={"UI_SHOP_GATE": str(gate)},
        )
        try:
            wait_for(lambda: overview(server.url)["counts"]["orders"]["running"] == 1, 60)
            tab.page.goto(server.url + "/runs")
            status = tab.page.locator("#runs-table tbody tr td:nth-child(2)")
            assert status.inner_text() == "running"
            tab.page.locator("#runs-table tbody tr td a").first.click()
            chip = tab.page.locator("#run-body h2 .chip")
            assert chip.inner_text() == "running"
            assert tab.page.locator("#run-body[hx-trigger]").count() == 1
            gate.touch()
            chip.filter(has_text="succeeded").wait_for(timeout=30_000)  # swapped in by htmx
            assert tab.page.locator("#run-body[hx-trigger]").count() == 0  # polling stopped
            assert tab.page.locator("svg.gantt rect.bar.state-succeeded").count() == 1
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        finally:
            gate.touch()
            if run.poll() is None:
                run.kill()
                run.wait()
        wait_for(lambda: overview(server.url)["counts"]["orders"]["fresh"] == 1)
        assert overview(server.url)["counts"]["orders"]["running"] == 0


@pytest.mark.slow  # waits for a run's live repaints in a browser (~8 s)
def test_the_open_overview_repaints_a_running_partition_until_nothing_runs(tmp_path, tab):
    from tests.ui.test_browser import COLOUR, PIXEL_JS

    with run_in_progress(tmp_path / "warehouse") as (url, gate, _):
        wait_for(lambda: overview(url)["totals"]["running"] == 1)
        tab.page.goto(url + "/")
        tab.page.wait_for_selector("html[data-painted='1']")

        def pixel() -> tuple[int, ...]:
            return tuple(tab.page.evaluate(PIXEL_JS, [0, "orders", 0]))

        assert pixel() == COLOUR["running"]
        gate.set()
        deadline = time.monotonic() + 30
        while pixel() != COLOUR["fresh"]:  # no reload: the painter polls while something runs
            assert time.monotonic() < deadline, pixel()
            tab.page.wait_for_timeout(200)
        polls = len([u for u in tab.requests if "/api/matrix" in u])
        assert polls >= 2
        tab.page.wait_for_timeout(2500)  # nothing runs any more: no request follows
        assert len([u for u in tab.requests if "/api/matrix" in u]) == polls
