"""Pages and JSON twins over HTTP (uvicorn on loopback, no browser), on the shop warehouse whose
state tests/ui/conftest.py describes."""

from __future__ import annotations

import html
import json

import polars as pl
import pytest

import assetflow as af
from assetflow.observe.statuses import CODES
from assetflow.ui.matrix import decode
from tests.conftest import AS_OF
from tests.resources.ui_shop import build
from tests.ui.conftest import fetch

PAGES = [
    "/",
    "/assets/orders",
    "/assets/revenue",
    "/assets/orders/partitions/2026-04-05",
    "/assets/revenue/partitions/__all__",
    "/graph",
    "/graph?asset=orders_clean&depth=1",
    "/runs",
    "/backfills",
    "/plan",
    "/plan?asset=orders_clean&from=2026-04-01&to=2026-04-09",
]
LETTER = {"F": "fresh", "S": "stale", "M": "missing", "X": "failed", "U": "future"}


def get_json(url: str) -> dict:
    status, _, body = fetch(url)
    assert status == 200, body[:300]
    return json.loads(body)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_its_json_twin_answer_with_safe_headers(ui_server, path):
    status, headers, body = fetch(ui_server + path)
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["server-timing"].startswith("app;dur=")
    twin = "/api/overview" if path == "/" else "/api" + path
    assert isinstance(get_json(ui_server + twin), dict)


def test_overview_counts_every_state(ui_server):
    overview = get_json(ui_server + "/api/overview")
    expected = {"fresh": 8, "stale": 9, "missing": 13, "failed": 1, "running": 0, "future": 3}
    assert overview["totals"] == expected
    assert overview["counts"]["flaky"] == {
        "fresh": 4, "stale": 0, "missing": 4, "failed": 1, "running": 0, "future": 1,
    }  # fmt: skip
    assert [g["partitioning"] for g in overview["groups"]] == [
        "daily from 2026-04-01 (UTC)",
        "static [eu, us, apac]",
        "unpartitioned",
    ]


def test_matrix_payload_is_one_byte_per_partition_plus_the_key_rule(ui_server):
    status, headers, body = fetch(ui_server + "/api/matrix")
    assert status == 200 and headers["content-type"] == "application/octet-stream"
    header, arrays = decode(body)
    daily, static, _ = header["groups"]
    assert daily["rule"] == {"kind": "daily", "count": 10, "start": "2026-04-01"}
    assert "keys" not in daily["rule"]  # time keys are never sent
    assert static["rule"]["keys"] == ["eu", "us", "apac"]
    rows = {
        "orders": "SSSFFFMMMU",
        "flaky": "FFXFFMMMMU",
        "orders_clean": "SSSSSSMMMU",
    }
    for asset, row in zip(daily["assets"], arrays[0], strict=True):
        assert [int(c) for c in row] == [CODES[LETTER[x]] for x in rows[asset]], asset
    assert arrays[1].tolist() == [[CODES["fresh"], CODES["missing"], CODES["missing"]]]
    assert arrays[2].tolist() == [[CODES["missing"]]]
    head = 8 + int.from_bytes(body[4:8], "little")
    assert len(body) - head == 3 * 10 + 3 + 1


def test_matrix_is_revalidated_by_etag(ui_server):
    _, headers, _ = fetch(ui_server + "/api/matrix?asset=orders")
    status, _, body = fetch(
        ui_server + "/api/matrix?asset=orders", {"If-None-Match": headers["etag"]}
    )
    assert (status, body) == (304, b"")
    status, _, _ = fetch(ui_server + "/api/matrix?asset=flaky", {"If-None-Match": headers["etag"]})
    assert status == 200


def test_asset_description_is_escaped_in_the_html(ui_server):
    _, _, body = fetch(ui_server + "/assets/orders_clean")
    text = body.decode()
    assert "&lt;script&gt;alert(" in text
    assert "<script>alert" not in text and "<b>not bold" not in text


def test_partition_page_lists_versions_with_the_rollback_command(ui_server):
    page = get_json(ui_server + "/api/assets/orders/partitions/2026-04-05")
    assert page["status"] == "fresh"
    assert [h["code_version"] for h in page["history"]] == ["2", "1"]
    older = page["history"][1]["id"]
    _, _, body = fetch(ui_server + "/assets/orders/partitions/2026-04-05")
    assert f"asset rollback orders --partition 2026-04-05 --to {older}" in body.decode()
    stale = get_json(ui_server + "/api/assets/orders/partitions/2026-04-02")
    assert stale["status"] == "stale" and "code" in stale["reason"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/assets/nope", "unknown asset 'nope'"),
        ("/assets/orders/partitions/2026-13-40", "orders: "),
        ("/assets/revenue/partitions/2026-04-01", "asset 'revenue' is unpartitioned"),
        ("/runs/nope", "unknown run 'nope'"),
        ("/graph?asset=nope", "unknown asset 'nope'"),
    ],
)
def test_unknown_things_get_a_404_with_one_line_naming_them(ui_server, path, message):
    status, _, body = fetch(ui_server + path)
    assert status == 404 and message in html.unescape(body.decode())
    status, _, body = fetch(ui_server + "/api" + path)
    error = json.loads(body)["error"]
    assert status == 404 and message in error and "\n" not in error


def test_requests_for_another_host_name_are_refused(ui_server):
    status, _, _ = fetch(ui_server + "/", {"Host": "attacker.example"})
    assert status == 400


def test_runs_and_their_attempts(ui_server):
    runs = get_json(ui_server + "/api/runs")
    assert sorted(r["status"] for r in runs["runs"]) == ["failed"] + ["succeeded"] * 4
    assert runs["active"] is False
    _, _, body = fetch(ui_server + "/runs")
    assert "hx-trigger" not in body.decode()  # nothing running: the page does not poll
    failed = next(r for r in runs["runs"] if r["status"] == "failed")
    run = get_json(ui_server + f"/api/runs/{failed['run_id']}")
    bad = [(a["partition"], a["attempt"]) for a in run["attempts"] if a["state"] == "failed"]
    assert sorted(bad) == [("2026-04-03", 1), ("2026-04-03", 2)]
    assert len(run["attempts"]) == 6


def test_graph_twin_lays_every_edge_left_to_right(ui_server):
    graph = get_json(ui_server + "/api/graph")
    layer = {n["asset"]: n["layer"] for n in graph["nodes"]}
    assert sorted(graph["edges"]) == [["orders", "orders_clean"], ["orders_clean", "revenue"]]
    assert all(layer[u] < layer[d] for u, d in graph["edges"])
    near = get_json(ui_server + "/api/graph?asset=revenue&depth=1")
    assert sorted(n["asset"] for n in near["nodes"]) == ["orders_clean", "revenue"]


def test_a_failed_partition_says_its_latest_attempt_failed(ui_server):
    page = get_json(ui_server + "/api/assets/flaky/partitions/2026-04-03")
    assert page["status"] == "failed"
    assert page["reason"].startswith("last attempt failed in run ")
    assert "flaky was told to fail on 2026-04-03" in page["reason"]


def test_every_page_of_a_warehouse_with_nothing_published_yet_answers(tmp_path):
    from assetflow.ui.server import BackgroundServer

    project = af.Project(build("2"), tmp_path / "warehouse", executor="threads")
    with BackgroundServer(project, clock=lambda: AS_OF) as server:
        for path in [*PAGES, "/assets/flaky/partitions/2026-04-03"]:
            status, _, body = fetch(server.url + path)
            assert status == 200, (path, body[:300])
            twin = "/api/overview" if path == "/" else "/api" + path
            assert isinstance(get_json(server.url + twin), dict)
        overview = get_json(server.url + "/api/overview")
        assert overview["totals"]["missing"] == 3 * 9 + 3 + 1 and overview["totals"]["fresh"] == 0
        why = get_json(server.url + "/api/assets/revenue/partitions/__all__")["why"]
        assert why["status"] == "missing"


HOSTILE = ["o'brien; drop table assetflow.current; --", "münchen", "%2e%2e", "a b", "<i>x&amp;"]


def test_hostile_static_keys_show_and_link_as_themselves(tmp_path):
    from urllib.parse import quote

    from assetflow.ui.server import BackgroundServer

    @af.asset(partitions=af.StaticPartitions(HOSTILE))
    def places(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"key": [context.partition_key]})

    project = af.Project([places], tmp_path / "warehouse", executor="threads")
    project.materialize(partitions=HOSTILE[:3], as_of=AS_OF)
    with BackgroundServer(project, clock=lambda: AS_OF) as server:
        _, _, body = fetch(server.url + "/api/matrix?asset=places")
        header, _ = decode(body)
        assert header["groups"][0]["rule"]["keys"] == HOSTILE
        for key in HOSTILE:
            page = get_json(server.url + f"/api/assets/places/partitions/{quote(key, safe='')}")
            assert page["partition"] == key
            assert page["status"] == ("fresh" if key in HOSTILE[:3] else "missing")
            text = fetch(server.url + f"/assets/places/partitions/{quote(key, safe='')}")[2]
            heading = text.decode().split("<h1>")[1].split("</h1>")[0]
            assert html.unescape(heading) == key and "<i>" not in text.decode()
        listing = fetch(server.url + "/assets/places")[2].decode()
        for key in HOSTILE[3:]:  # the missing ones are listed, each linked by its quoted key
            assert f'href="/assets/places/partitions/{quote(key, safe="")}"' in listing
