"""Fixtures for the web UI: a real warehouse in a known state, the UI served by uvicorn on a free
loopback port, and pages of the system Chromium driven by Playwright.

The shop warehouse (``tests/resources/ui_shop.py``, built once per session) holds, as of
:data:`tests.conftest.AS_OF`:

- ``orders`` 04-01..03 stale (code version 1 -> 2), 04-04..06 fresh, 04-07..09 missing,
  04-10 future; ``orders_clean`` 04-01..06 stale, 04-07..09 missing.
- ``flaky`` 04-03 failed (two attempts), 04-01, 02, 04, 05 fresh, the rest missing.
- ``regions`` eu fresh, us and apac missing; ``revenue`` (unpartitioned) missing.
- backfill 1: ``flaky`` 04-01..02 forced (same data again: still fresh), succeeded, 2 of 2.
- ``flaky`` logs a line with a ``<script>`` tag in every attempt.

Browser tests skip when no Chromium is installed, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

import assetflow as af
from assetflow.automation.backfill import (
    BackfillSpec,
    plan_backfill,
    requested_keys,
    run_backfill,
    start_backfill,
)
from tests.conftest import AS_OF
from tests.resources.ui_shop import build

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True)
class Shop:
    """The shop's warehouse and a project over it (the UI's clock is AS_OF)."""

    warehouse: Path
    project: af.Project


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    warehouse = tmp_path_factory.mktemp("ui") / "warehouse"
    started = time.monotonic()

    def clock():  # attempts get real durations; planning uses AS_OF explicitly
        return AS_OF + timedelta(seconds=time.monotonic() - started)

    v1 = af.Project(build("1"), warehouse, clock=clock, executor="threads")
    days = ("2026-04-01", "2026-04-06")
    v1.materialize(["orders", "orders_clean"], partition_range=days, as_of=AS_OF)
    v1.materialize(["flaky"], partition_range=("2026-04-01", "2026-04-05"), as_of=AS_OF)
    v1.materialize(["regions"], partition="eu", as_of=AS_OF)
    v2 = af.Project(build("2"), warehouse, clock=clock, executor="threads")
    v2.materialize(["orders"], partition_range=("2026-04-04", "2026-04-06"), only=True, as_of=AS_OF)
    spec = BackfillSpec(("flaky",), "2026-04-01", "2026-04-02", force=True)
    total, _ = plan_backfill(v2, requested_keys(v2, spec, AS_OF), AS_OF, force=True)
    run_backfill(v2, start_backfill(v2, spec, AS_OF, total), spec, AS_OF)
    return Shop(warehouse, v2)


@pytest.fixture(scope="session")
def ui_server(shop: Shop) -> Iterator[str]:
    """The shop's UI on ``http://127.0.0.1:PORT`` (a uvicorn thread), as of AS_OF."""
    from assetflow.ui.server import BackgroundServer

    with BackgroundServer(shop.project, clock=lambda: AS_OF) as server:
        yield server.url


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; (status, lower-cased headers, body), also for 3xx/4xx answers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, _headers(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, _headers(exc.headers), exc.read()


def _headers(raw) -> dict[str, str]:
    return {k.lower(): v for k, v in raw.items()}


def chromium_path() -> str | None:
    """The system Chromium, if installed (``ASSETFLOW_CHROMIUM`` overrides)."""
    for candidate in (os.environ.get("ASSETFLOW_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    """Chromium via Playwright; skipped without a local Chromium unless CI=true."""
    path = chromium_path()
    in_ci = os.environ.get("CI") == "true"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if in_ci:
            pytest.fail("playwright is not installed in CI; pip install -e '.[test]'")
        pytest.skip("playwright is not installed")
    if path is None:
        if in_ci:
            pytest.fail("no Chromium in CI: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no system Chromium (apt-get install chromium) for browser tests")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A page plus every URL it requested (to prove nothing leaves the machine)."""

    page: object
    requests: list[str]
    shots: Path

    def shot(self, name: str) -> Path | None:
        """Full-page screenshot into the test's tmp dir, with ``ASSETFLOW_UI_SHOTS=1`` (to look
        at the pages; nothing asserts on them, and each costs Chromium a full render)."""
        if os.environ.get("ASSETFLOW_UI_SHOTS") != "1":
            return None
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@contextmanager
def open_tab(browser, shots: Path) -> Iterator[Tab]:
    """A fresh browser context and page; no page error or console error may happen in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield Tab(page, requests, shots)
    context.close()
    assert errors == [], errors


@pytest.fixture
def tab(browser, tmp_path: Path) -> Iterator[Tab]:
    with open_tab(browser, tmp_path) as opened:
        yield opened
