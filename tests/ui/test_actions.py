"""The one action (``asset ui --allow-actions``): refused unless it comes from a page of the UI
itself, and, allowed, a real ``asset materialize`` in a separate process that the UI then shows.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import assetflow as af
from assetflow.ui.server import BackgroundServer
from tests.conftest import AS_OF, REPO, RESOURCES, copy_warehouse
from tests.ui.conftest import fetch
from tests.ui.test_detail_pages import urllib_post

PIPELINE = RESOURCES / "ui_shop_pipeline.py"
FORM = "kind=materialize&asset=orders&from=2026-04-07&to=2026-04-07"


@pytest.fixture
def actions_ui(shop, tmp_path: Path, monkeypatch) -> Iterator[tuple[BackgroundServer, Path]]:
    """The UI of a copy of the shop, with actions on (started runs use threads, and find the
    test resources on the path)."""
    warehouse = copy_warehouse(shop.warehouse, tmp_path / "warehouse")
    monkeypatch.setenv("ASSETFLOW_EXECUTOR", "threads")
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )
    project = af.Project.load(PIPELINE, warehouse=warehouse)
    with BackgroundServer(project, clock=lambda: AS_OF, allow_actions=True) as server:
        yield server, warehouse
        for launched in server.app.state.launcher.launched:
            launched.process.wait(timeout=120)


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no Origin at all (not a browser form of this page)
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:1"},  # another local port is another origin
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["no-origin", "other-site", "other-port", "cross-site"],
)
def test_an_action_from_anywhere_but_the_ui_itself_is_refused(actions_ui, headers):
    server, _ = actions_ui
    if headers.get("Sec-Fetch-Site"):
        headers = {**headers, "Origin": server.url}
    status, body = urllib_post(server.url + "/api/actions/start", FORM, headers)
    assert status == 403 and "did not come from a page of this UI" in json.loads(body)["error"]
    assert server.app.state.launcher.launched == []


def test_a_bad_action_is_refused_in_one_line(actions_ui):
    server, _ = actions_ui
    origin = {"Origin": server.url}
    for form, message in (
        ("kind=drop&asset=orders", "unknown action 'drop'"),
        ("kind=materialize&asset=nope", "nope"),
        ("kind=backfill&asset=orders", "a backfill needs a range"),
    ):
        status, body = urllib_post(server.url + "/api/actions/start", form, origin)
        error = json.loads(body)["error"]
        assert status == 400 and message in error and "\n" not in error
    assert server.app.state.launcher.launched == []


@pytest.mark.slow  # a real `asset materialize` process, started by the UI
def test_the_plan_page_starts_a_run_in_another_process_and_the_ui_shows_it(actions_ui, tab):
    server, _ = actions_ui
    page = tab.page
    page.goto(server.url + "/plan?asset=orders&from=2026-04-07&to=2026-04-07")
    assert page.locator("form.action button[value=materialize]").count() == 1
    page.locator("form.action button[value=materialize]").click()
    page.wait_for_url("**/actions/start")
    assert page.locator("h1").inner_text() == "Started"
    (launched,) = server.app.state.launcher.launched
    assert launched.pid != os.getpid()
    assert launched.command == "asset materialize orders --from 2026-04-07 --to 2026-04-07"
    assert launched.process.wait(timeout=120) == 0, launched.log.read_text()
    deadline = time.monotonic() + 30
    while True:  # the run is in the published snapshot the UI reads
        runs = json.loads(fetch(server.url + "/api/runs")[2])["runs"]
        if any(r["status"] == "succeeded" and r["tasks"] == {"succeeded": 1} for r in runs):
            break
        assert time.monotonic() < deadline, runs
        time.sleep(0.2)
    cell = json.loads(fetch(server.url + "/api/assets/orders/partitions/2026-04-07")[2])
    assert cell["status"] == "fresh"
    tab.shot("started")
