"""``context.add_metadata``: stored with the version it describes, shown by ``asset history``
(text, JSON, HTML); a value that is not a number, bool or text fails the attempt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import AS_OF, invoke_cli, load_project, resource

DAY = "2026-04-02"
EXPECTED = {
    "rows_dropped": 1,
    "share_kept": 0.667,
    "source": f"https://api.example.com/orders?day={DAY}",
    "note": "<script>alert('meta')</script>",
    "checked": True,
}


def meta(warehouse: Path, *args: str, **kw):
    return invoke_cli("-p", str(resource("meta")), "-w", str(warehouse), *args, **kw)


def test_metadata_is_stored_with_the_version_and_shown_in_history(warehouse):
    assert meta(warehouse, "materialize", "--partition", DAY).returncode == 0
    data = json.loads(meta(warehouse, "history", "orders", "--partition", DAY, "--json").stdout)
    assert data["versions"][0]["metadata"] == EXPECTED
    text = meta(warehouse, "history", "orders", "--partition", DAY).stdout
    assert "meta    rows_dropped=1, share_kept=0.667, source=https://api.example.com/" in text
    latest = json.loads(meta(warehouse, "history", "orders", "--json").stdout)["partitions"]
    assert [p["metadata"] for p in latest] == [EXPECTED]

    markup = load_project(resource("meta"), warehouse).history("orders", DAY)._repr_html_()
    assert "<script" not in markup and "&lt;script&gt;" in markup
    assert f'<a href="https://api.example.com/orders?day={DAY}"' in markup


def test_each_version_keeps_its_own_metadata_and_a_rollback_restores_it(warehouse):
    assert meta(warehouse, "materialize", "--partition", DAY).returncode == 0
    assert meta(warehouse, "materialize", "--partition", "2026-04-03").returncode == 0
    assert meta(warehouse, "materialize", "--partition", DAY, "--force").returncode == 0
    data = json.loads(meta(warehouse, "history", "orders", "--partition", DAY, "--json").stdout)
    assert [v["metadata"]["source"] for v in data["versions"]] == [EXPECTED["source"]] * 2
    first = data["versions"][-1]["id"]
    rolled = meta(warehouse, "rollback", "orders", "--partition", DAY, "--to", str(first))
    assert rolled.returncode == 0, rolled.stderr
    data = json.loads(meta(warehouse, "history", "orders", "--partition", DAY, "--json").stdout)
    assert data["versions"][0]["current"] and data["versions"][0]["metadata"] == EXPECTED
    other = json.loads(
        meta(warehouse, "history", "orders", "--partition", "2026-04-03", "--json").stdout
    )
    assert other["versions"][0]["metadata"]["source"].endswith("day=2026-04-03")


def test_a_value_that_is_not_a_number_or_text_fails_the_attempt(warehouse):
    out = meta(warehouse, "materialize", "--partition", DAY, env={"META_BAD": "1"})
    assert out.returncode == 1
    assert "metadata 'ids' is a list; use a number, a bool or text" in out.stderr
    data = json.loads(meta(warehouse, "history", "orders", "--partition", DAY, "--json").stdout)
    assert data["versions"] == [] and len(data["failed_attempts"]) == 1


@pytest.mark.slow  # worker processes: the metadata crosses the process boundary
def test_metadata_from_a_worker_process(warehouse):
    project = load_project(resource("meta"), warehouse, executor="processes")
    assert project.materialize(partition=DAY, as_of=AS_OF).ok
    (version,) = project.history("orders", DAY).to_json()["versions"]
    assert version["metadata"] == EXPECTED
