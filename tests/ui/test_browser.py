"""The UI in a real browser (system Chromium): painted colours, hover, click-through, escaping,
and that nothing is fetched from anywhere but the UI's own loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

import assetflow as af
from assetflow.observe.statuses import STYLES
from assetflow.ui.keyrule import rule_for
from tests.conftest import AS_OF
from tests.ui.conftest import Tab, fetch, open_tab

COLOUR = {s.name: tuple(int(s.colour[i : i + 2], 16) for i in (1, 3, 5)) for s in STYLES}

# (matrix on the overview, asset, key, status): see tests/ui/conftest.py for the shop's state.
KNOWN = [
    (0, "orders", "2026-04-02", "stale"),
    (0, "orders", "2026-04-05", "fresh"),
    (0, "orders", "2026-04-08", "missing"),
    (0, "orders", "2026-04-10", "future"),
    (0, "flaky", "2026-04-03", "failed"),
    (0, "flaky", "2026-04-04", "fresh"),
    (0, "orders_clean", "2026-04-06", "stale"),
    (1, "regions", "eu", "fresh"),
    (1, "regions", "apac", "missing"),
    (2, "revenue", "__all__", "missing"),
]
COLUMNS = {1: ["eu", "us", "apac"], 2: ["__all__"]}

PIXEL_JS = """([index, asset, col]) => {
    const painter = document.querySelectorAll('.matrix')[index].painter;
    const row = painter.group.assets.indexOf(asset);
    const c = painter.cellCentre(row, col);
    const ctx = painter.canvas.getContext('2d');
    const d = ctx.getImageData(Math.floor(c.x), Math.floor(c.y), 1, 1).data;
    return [d[0], d[1], d[2]];
}"""


def column(index: int, key: str) -> int:
    if index == 0:
        return (date.fromisoformat(key) - date(2026, 4, 1)).days
    return COLUMNS[index].index(key)


def open_painted(tab, url: str) -> None:
    tab.page.goto(url)
    tab.page.wait_for_selector("html[data-painted='1']", timeout=15_000)


def test_overview_paints_each_known_partition_in_its_status_colour(ui_server, tab):
    open_painted(tab, ui_server + "/")
    assert tab.page.locator(".matrix canvas").count() == 3
    for index, asset, key, status in KNOWN:
        pixel = tab.page.evaluate(PIXEL_JS, [index, asset, column(index, key)])
        assert tuple(pixel) == COLOUR[status], (asset, key, status, pixel)
    legend = tab.page.locator(".heading .legend").inner_text()
    assert "failed 1" in " ".join(legend.split())
    tab.shot("overview")


def test_hover_names_the_partition_and_click_opens_it(ui_server, tab):
    open_painted(tab, ui_server + "/")
    page = tab.page
    centre = page.evaluate(
        """() => { const p = document.querySelectorAll('.matrix')[0].painter;
                   const b = p.canvas.getBoundingClientRect();
                   const c = p.cellCentre(p.group.assets.indexOf('flaky'), 2);
                   return [b.left + c.x, b.top + c.y]; }"""
    )
    page.mouse.move(*centre)
    tip = page.locator(".matrix .tip").first
    assert tip.is_visible()
    assert tip.inner_text().split() == ["flaky", "2026-04-03", "failed"]
    tab.shot("hover")
    page.mouse.click(*centre)
    page.wait_for_url("**/assets/flaky/partitions/2026-04-03")
    assert page.locator("h1").inner_text() == "2026-04-03"
    assert page.locator(".heading .chip").inner_text() == "failed"


def test_asset_page_paints_its_health_bar_and_shows_a_script_description_as_text(ui_server, tab):
    dialogs = []
    tab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_painted(tab, ui_server + "/assets/orders_clean")
    for key, status in (("2026-04-01", "stale"), ("2026-04-08", "missing")):
        pixel = tab.page.evaluate(PIXEL_JS, [0, "orders_clean", column(0, key)])
        assert tuple(pixel) == COLOUR[status], (key, pixel)
    description = tab.page.locator("pre.description")
    assert '<script>alert("owned")</script>' in description.inner_text()
    assert description.locator("script, b").count() == 0
    assert dialogs == []
    rows = tab.page.locator("table.attention tbody tr")
    assert rows.count() == 9  # 6 stale + 3 missing, each with its reason
    tab.shot("asset")


def test_zooming_in_keeps_keys_and_colours_consistent(ui_server, tab):
    open_painted(tab, ui_server + "/assets/orders")
    page = tab.page
    before = page.locator(".matrix .range").inner_text()
    assert before.startswith("2026-04-01 … 2026-04-10")
    page.locator(".matrix .tools button", has_text="+").click()
    zoomed = page.evaluate("() => document.querySelector('.matrix').painter.ppc")
    assert zoomed == 48
    pixel = page.evaluate(PIXEL_JS, [0, "orders", column(0, "2026-04-02")])
    assert tuple(pixel) == COLOUR["stale"]


def test_graph_nodes_are_coloured_by_their_worst_status(ui_server, tab):
    tab.page.goto(ui_server + "/graph")
    nodes = tab.page.locator("svg.lineage a.node")
    assert nodes.count() == 5
    expected = {"flaky": "failed", "orders_clean": "stale", "orders": "stale", "revenue": "missing"}
    for asset, status in expected.items():
        node = tab.page.locator(f"svg.lineage a.node[data-asset='{asset}']")
        assert node.get_attribute("data-status") == status
        fill = node.locator("rect.status-stripe").evaluate("r => getComputedStyle(r).fill")
        assert fill == "rgb({}, {}, {})".format(*COLOUR[status])
    assert tab.page.locator("svg.lineage path.edge").count() == 2
    tab.shot("graph")
    tab.page.locator("svg.lineage a.node[data-asset='revenue']").click()
    tab.page.wait_for_url("**/assets/revenue")


def test_run_timeline_marks_failed_attempts_and_retries(ui_server, tab):
    runs = json.loads(fetch(ui_server + "/api/runs")[2])["runs"]
    failed = [r for r in runs if r["status"] == "failed"]
    assert len(failed) == 1
    tab.page.goto(ui_server + f"/runs/{failed[0]['run_id']}")
    bars = tab.page.locator("svg.gantt rect.bar")
    assert bars.count() == 6  # 4 days succeeded once, 04-03 failed twice
    assert tab.page.locator("svg.gantt rect.bar.state-failed").count() == 2
    assert tab.page.locator("svg.gantt rect.retry-mark").count() == 1
    title = tab.page.locator("svg.gantt rect.bar.state-failed title").first.text_content()
    assert "flaky 2026-04-03" in title and "failed" in title
    tab.shot("run")


def test_every_page_loads_only_from_the_loopback_server(ui_server, tab):
    run = json.loads(fetch(ui_server + "/api/runs")[2])["runs"][0]["run_id"]
    urls = ["/", "/assets/orders", "/assets/revenue", "/assets/regions/partitions/eu", "/graph"]
    urls += ["/runs", f"/runs/{run}", "/graph?asset=orders&depth=1", "/backfills", "/plan"]
    urls += ["/plan?asset=orders_clean&from=2026-04-01&to=2026-04-09"]
    urls += ["/assets/flaky/partitions/2026-04-03", "/assets/orders_clean/partitions/2026-04-02"]
    for url in urls:
        tab.page.goto(ui_server + url)
        tab.page.wait_for_load_state("networkidle")
        name = url.strip("/").replace("/", "_").replace("?", "_").replace("&", "_") or "overview"
        tab.shot(name[:80])
    assert tab.requests, "the pages requested nothing?"
    outside = [u for u in tab.requests if not u.startswith(ui_server + "/")]
    assert outside == []
    assert any(u.endswith("/static/htmx.min.js") for u in tab.requests)
    assert any("/api/matrix" in u for u in tab.requests)


@pytest.fixture(scope="module")
def overview_tab(browser, ui_server, tmp_path_factory) -> Iterator[Tab]:
    """One overview page for the key-rule cases: they only call its JavaScript."""
    with open_tab(browser, tmp_path_factory.mktemp("shots")) as opened:
        opened.page.goto(ui_server + "/")
        yield opened


@pytest.mark.parametrize(
    "definition",
    [
        af.DailyPartitions(start="2016-01-01"),
        af.WeeklyPartitions(start="2019-12-30"),
        af.WeeklyPartitions(start="2020-01-05", day_offset=6),
        af.MonthlyPartitions(start="2001-01"),
        af.HourlyPartitions(start="2025-10-24T00:00", timezone="Europe/Berlin"),
        af.HourlyPartitions(start="2025-10-30T00:00", timezone="America/New_York"),
    ],
    ids=["daily", "weekly-iso", "weekly-sunday", "monthly", "hourly-berlin", "hourly-new-york"],
)
def test_the_browser_derives_exactly_the_keys_python_has(overview_tab, definition):
    """Both clock changes of each zone are inside the hourly ranges (keys with an offset)."""
    keys = definition.due_series(AS_OF)
    rule = rule_for(definition, keys)
    assert rule.kind != "keys"
    derived = overview_tab.page.evaluate(
        "rule => Array.from({length: rule.count}, (_, i) => assetflowMatrix.keyAt(rule, i))",
        rule.to_dict(),
    )
    assert derived == keys.to_list()


def test_a_log_line_holding_a_script_tag_shows_as_text(ui_server, tab):
    dialogs = []
    tab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.page.goto(ui_server + "/assets/flaky/partitions/2026-04-03")
    logs = tab.page.locator(".attempt pre.log")
    assert logs.count() == 2  # both attempts, each with its lines
    assert "checking <script>alert('log')</script> 2026-04-03" in logs.first.inner_text()
    assert tab.page.locator("main script").count() == 0
    failed = [
        r for r in json.loads(fetch(ui_server + "/api/runs")[2])["runs"] if r["status"] == "failed"
    ]
    tab.page.goto(ui_server + f"/runs/{failed[0]['run_id']}")
    messages = tab.page.locator("table.logs pre.msg")
    assert "<script>alert('log')</script>" in messages.first.inner_text()
    assert tab.page.locator("main script").count() == 0
    assert dialogs == []
    tab.shot("logs")


def test_the_asset_page_draws_its_plots_and_schema(ui_server, tab):
    open_painted(tab, ui_server + "/assets/orders")
    plots = tab.page.locator("svg.plot")
    assert plots.count() == 3
    assert [p.get_attribute("aria-label") for p in plots.all()] == ["rows", "bytes", "duration"]
    assert tab.page.locator("svg.plot polyline.plot-line").count() == 3
    columns = tab.page.locator("table.schema tbody td:first-child").all_inner_texts()
    assert columns == ["id", "amount"]
