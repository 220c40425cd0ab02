"""``asset why`` down a three-level chain with a window mapping: raw -> clean -> rolling, where
each day of ``rolling`` reads clean's last three days."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke_cli, resource

CHANGED = "2026-04-03"


def chain(warehouse: Path, *args: str, **kw):
    return invoke_cli("-p", str(resource("chain3")), "-w", str(warehouse), *args, **kw)


def run_id(out) -> str:
    assert out.returncode == 0, out.stderr
    return out.stdout.rsplit("run ", 1)[1].split()[0]


def test_why_follows_the_chain_to_the_root_cause_through_the_window(warehouse):
    run_id(chain(warehouse, "materialize", "--from", "2026-04-01", "--to", "2026-04-05"))
    refetch = run_id(
        chain(warehouse, "materialize", "raw", "--partition", CHANGED, "--force",
              env={"CHAIN_GEN": "2"})
    )  # fmt: skip

    # 04-05 reads clean 04-03..04-05: clean 04-03 is stale because raw 04-03 was re-fetched
    data = json.loads(
        chain(warehouse, "why", "rolling", "--partition", "2026-04-05", "--json").stdout
    )
    assert data["status"] == "stale"
    links = [(c["depth"], c["asset"], c["partition"]) for c in data["chain"]]
    assert links[:2] == [(1, "clean", CHANGED), (2, "raw", CHANGED)]
    assert data["chain"][0]["status"] == "stale"
    assert data["chain"][1]["run_id"] == refetch and data["chain"][-1]["run_id"] == refetch
    assert "re-fetched" in data["chain"][-1]["text"]
    assert data["next"] == ["asset materialize rolling --partition 2026-04-05"]

    # clean 04-03 rebuilt: rolling 04-04 is stale because clean changed, because raw changed
    rebuilt = run_id(chain(warehouse, "materialize", "clean", "--partition", CHANGED))
    out = chain(warehouse, "why", "rolling", "--partition", "2026-04-04")
    lines = out.stdout.splitlines()
    assert lines[0] == f"rolling {CHANGED[:-1]}4 is stale: upstream clean {CHANGED} changed"
    assert lines[1] == f"  because upstream clean {CHANGED} changed in run {rebuilt}"
    assert lines[2] == f"    because upstream raw {CHANGED} changed in run {refetch}"
    assert lines[3].startswith(f"      because raw {CHANGED} was re-fetched in run {refetch}")

    # outside the window of the change: fresh, with what it read
    fresh = chain(warehouse, "why", "rolling", "--partition", "2026-04-02").stdout
    assert fresh.startswith("rolling 2026-04-02 is fresh")
    assert "read clean 2026-04-01 at version" in fresh and "read clean 2026-04-02" in fresh
    assert "next:" not in fresh


def test_why_a_missing_partition_names_the_missing_upstream(warehouse):
    out = chain(warehouse, "why", "rolling", "--partition", "2026-04-02")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:3] == [
        "rolling 2026-04-02 is missing: never materialized; upstream clean 2026-04-01 is missing",
        "  because upstream clean 2026-04-01 is missing",
        "    because upstream raw 2026-04-01 is missing",
    ]
