"""A long daily history (3,750 partitions) in the browser: a failure stays visible when a pixel
covers several partitions, and clicking there zooms in until one partition is one cell."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import polars as pl
import pytest

import assetflow as af
from assetflow.ui.server import BackgroundServer
from tests.conftest import AS_OF
from tests.ui.test_browser import COLOUR, PIXEL_JS, open_painted

START = date(2016, 1, 1)
FAILS, FRESH = "2021-06-15", "2019-03-01"


def long_history(fail: str | None) -> list[af.AssetDef]:
    @af.asset(partitions=af.DailyPartitions(start=START.isoformat()), code_version="1")
    def history(context: af.Context) -> pl.DataFrame:
        if context.partition_key == fail:
            raise RuntimeError("told to fail")
        return pl.DataFrame({"day": [context.partition_key]})

    return [history]


@pytest.fixture(scope="module")
def long_server(tmp_path_factory) -> Iterator[str]:
    warehouse = tmp_path_factory.mktemp("long") / "warehouse"
    started = time.monotonic()
    project = af.Project(
        long_history(FAILS),
        warehouse,
        clock=lambda: AS_OF + timedelta(seconds=time.monotonic() - started),
        executor="threads",
    )
    project.materialize(partitions=[FRESH, FAILS], as_of=AS_OF)
    with BackgroundServer(project, clock=lambda: AS_OF) as server:
        yield server.url


def col(key: str) -> int:
    return (date.fromisoformat(key) - START).days


def test_a_failure_is_visible_unzoomed_and_a_click_zooms_to_single_partitions(long_server, tab):
    open_painted(tab, long_server + "/assets/history")
    page = tab.page
    ppc = page.evaluate("() => document.querySelector('.matrix').painter.ppc")
    assert ppc < 1  # 3,750 partitions in ~1,200 px: each pixel covers several
    assert tuple(page.evaluate(PIXEL_JS, [0, "history", col(FAILS)])) == COLOUR["failed"]
    # A lone fresh partition among missing ones: the pixel shows the more severe state.
    assert tuple(page.evaluate(PIXEL_JS, [0, "history", col(FRESH)])) == COLOUR["missing"]
    tab.shot("long-fit")

    where = page.evaluate(
        """(c) => { const p = document.querySelector('.matrix').painter;
                    const b = p.canvas.getBoundingClientRect(); const at = p.cellCentre(0, c);
                    return [b.left + at.x, b.top + at.y]; }""",
        col(FRESH),
    )
    page.mouse.move(*where)
    assert "click to zoom in" in page.locator(".matrix .tip").inner_text()
    page.mouse.click(*where)
    assert page.evaluate("() => document.querySelector('.matrix').painter.ppc") >= 8
    assert tuple(page.evaluate(PIXEL_JS, [0, "history", col(FRESH)])) == COLOUR["fresh"]
    tab.shot("long-zoomed")

    where = page.evaluate(
        """(c) => { const p = document.querySelector('.matrix').painter;
                    const b = p.canvas.getBoundingClientRect(); const at = p.cellCentre(0, c);
                    return [b.left + at.x, b.top + at.y]; }""",
        col(FRESH),
    )
    page.mouse.move(*where)
    assert page.locator(".matrix .tip").inner_text().split() == ["history", FRESH, "fresh"]
    page.mouse.click(*where)
    page.wait_for_url(f"**/assets/history/partitions/{FRESH}")
