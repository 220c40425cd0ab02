"""The asset, partition, run, backfills and plan pages over HTTP, on the shop warehouse whose
state tests/ui/conftest.py describes; and that the action is off by default."""

from __future__ import annotations

import html
import json

from tests.ui.conftest import fetch
from tests.ui.test_pages import get_json


def test_asset_page_shows_what_was_built_its_schema_and_plots(ui_server):
    page = get_json(ui_server + "/api/assets/orders")
    assert page["committed"] == 6 and page["versions"] == 9  # 04-04..06 built twice
    assert [r["partitions"] for r in page["by_run"]] == [3, 6]  # newest run first
    newest = {r["partition"] for r in page["latest"][:3]}  # most recently built first
    assert newest == {"2026-04-04", "2026-04-05", "2026-04-06"}
    assert {r["code_version"] for r in page["latest"][:3]} == {"2"}
    (schema,) = page["schemas"]
    assert schema["columns"] == [
        {"name": "id", "type": "int64"},
        {"name": "amount", "type": "int64"},
    ]
    assert (schema["partitions"], schema["code_versions"]) == (6, ["1", "2"])
    assert page["trends"]["rows"] == [3.0] * 6
    assert "plots_svg" not in page  # drawings are the HTML's
    text = fetch(ui_server + "/assets/orders")[2].decode()
    assert text.count('<svg xmlns="http://www.w3.org/2000/svg" class="plot"') == 3


def test_partition_page_explains_the_chain_and_what_it_read(ui_server):
    page = get_json(ui_server + "/api/assets/orders_clean/partitions/2026-04-02")
    assert page["status"] == "stale"
    chain = [(c["depth"], c["asset"], c["text"]) for c in page["why"]["chain"]]
    assert chain[0][:2] == (1, "orders") and "stale" in chain[0][2]
    assert any("code version changed: 1 -> 2" in text for _, _, text in chain)
    assert page["why"]["next"] == ["asset materialize orders_clean --partition 2026-04-02"]
    (read,) = page["inputs"]
    assert (read["upstream"], read["partition"], read["status_now"]) == (
        "orders",
        "2026-04-02",
        "stale",
    )
    assert read["data_version"] == read["version_now"]  # orders 04-02 was not rebuilt


def test_partition_page_lists_every_attempt_with_its_escaped_log_lines(ui_server):
    page = get_json(ui_server + "/api/assets/flaky/partitions/2026-04-03")
    assert [(a["attempt"], a["status"]) for a in page["attempts"]] == [(2, "failed"), (1, "failed")]
    for attempt in page["attempts"]:
        assert "flaky was told to fail" in attempt["error"]
        messages = [line["message"] for line in attempt["logs"]]
        assert "checking <script>alert('log')</script> 2026-04-03" in messages
    text = fetch(ui_server + "/assets/flaky/partitions/2026-04-03")[2].decode()
    assert "checking &lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;" in text
    assert "<script>alert" not in text


def test_run_page_lists_tasks_failed_first_and_their_log_lines(ui_server):
    runs = get_json(ui_server + "/api/runs")["runs"]
    failed = next(r for r in runs if r["status"] == "failed")
    run = get_json(ui_server + f"/api/runs/{failed['run_id']}")
    assert run["tasks_total"] == 5
    assert (run["tasks"][0]["partition"], run["tasks"][0]["status"]) == ("2026-04-03", "failed")
    assert run["tasks"][0]["attempts"] == 2
    logged = {
        (line["partition"], line["attempt"])
        for line in run["logs"]
        if "checking" in line["message"]
    }
    days = ("2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05")
    assert logged == {(d, 1) for d in days} | {("2026-04-03", 2)}
    assert any(line["stream"] == "traceback" for line in run["logs"])
    text = fetch(ui_server + f"/runs/{failed['run_id']}")[2].decode()
    assert "&lt;script&gt;alert(" in text and "<script>alert" not in text
    assert "hx-trigger" not in text  # a finished run's page does not poll


def test_backfills_page_shows_progress(ui_server):
    page = get_json(ui_server + "/api/backfills")
    (backfill,) = page["backfills"]
    assert backfill["state"] == "succeeded" and page["active"] is False
    assert (backfill["selection"], backfill["from_key"], backfill["to_key"]) == (
        ["flaky"],
        "2026-04-01",
        "2026-04-02",
    )
    assert (backfill["done"], backfill["total"], backfill["percent"]) == (2, 2, 100.0)
    assert len(backfill["run_ids"]) == 1
    text = fetch(ui_server + "/backfills")[2].decode()
    assert '<progress class="progress" max="100" value="100.0"' in text


def test_plan_preview_is_what_a_dry_run_would_run(ui_server):
    page = get_json(ui_server + "/api/plan?asset=orders_clean&from=2026-04-01&to=2026-04-09")
    summary = {s["asset"]: s for s in page["summary"]}
    assert page["to_run"] == 15 and page["steps_total"] == 15
    assert (summary["orders_clean"]["stale"], summary["orders_clean"]["missing"]) == (6, 3)
    assert summary["orders"]["upstream"] == 6  # 3 stale + 3 missing pulled in
    pulled = [s["partition"] for s in page["steps"] if not s["requested"]]
    assert pulled == [f"2026-04-0{d}" for d in (1, 2, 3, 7, 8, 9)]
    empty = get_json(ui_server + "/api/plan")
    assert empty["planned"] is False and "orders" in empty["assets"]


def test_plan_preview_of_a_bad_range_says_why_in_one_line(ui_server):
    page = get_json(ui_server + "/api/plan?asset=orders&from=2026-13-01&to=2026-04-02")
    assert page["planned"] is False
    assert "2026-13-01" in page["error"] and "\n" not in page["error"]
    status, _, body = fetch(ui_server + "/api/plan?asset=nope")
    assert status == 404 and "unknown asset 'nope'" in json.loads(body)["error"]


def test_actions_are_off_by_default(ui_server):
    text = fetch(ui_server + "/plan?asset=orders&from=2026-04-07&to=2026-04-07")[2].decode()
    assert "/actions/start" not in text and "asset ui --allow-actions" in html.unescape(text)
    request = urllib_post(ui_server + "/api/actions/start", "kind=materialize&asset=orders")
    status, body = request
    assert status == 403 and "--allow-actions" in json.loads(body)["error"]


def urllib_post(url: str, body: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_metadata_an_asset_attached_shows_with_each_version(ui_server):
    page = get_json(ui_server + "/api/assets/orders/partitions/2026-04-05")
    assert [h["metadata"] for h in page["history"]] == [
        {"day": 5, "source": "https://example.com/orders/5"}
    ] * 2
    text = fetch(ui_server + "/assets/orders/partitions/2026-04-05")[2].decode()
    link = '<a href="https://example.com/orders/5" rel="noopener noreferrer">'
    assert link in text and "<b>day</b> 5" in text
    latest = get_json(ui_server + "/api/assets/orders")["latest"]
    assert {r["partition"]: r["metadata"]["day"] for r in latest}["2026-04-02"] == 2
