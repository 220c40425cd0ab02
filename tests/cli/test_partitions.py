"""``--from/--to`` ranges and partition key errors through the CLI."""

from __future__ import annotations

import json

from tests.conftest import REPO, invoke_cli

SALES = str(REPO / "examples" / "sales" / "pipeline.py")


def sales(warehouse, *args: str):
    return invoke_cli("-p", SALES, "-w", str(warehouse), *args)


def test_ranges_on_materialize_and_status(warehouse):
    out = sales(warehouse, "materialize", "sales_raw", "--from", "2026-04-01", "--to", "2026-04-03")
    assert out.returncode == 0, out.stderr
    assert "3 succeeded" in out.stdout

    out = sales(
        warehouse, "status", "sales_raw", "--from", "2026-04-02", "--to", "2026-04-05", "--json"
    )
    assert out.returncode == 0, out.stderr
    (raw,) = [a for a in json.loads(out.stdout)["assets"] if a["asset"] == "sales_raw"]
    assert [p["partition"] for p in raw["partitions"]] == [f"2026-04-0{d}" for d in range(2, 6)]
    assert (raw["fresh"], raw["missing"]) == (2, 2)


def test_partition_mistakes_are_one_line_errors(warehouse):
    cases = [
        (["materialize", "--from", "2026-04-01"], "--from and --to go together"),
        (["materialize", "--from", "2026-04-05", "--to", "2026-04-01"], "swap --from/--to"),
        (["materialize", "monthly_revenue", "--partition", "2026-04-08"], "expected YYYY-MM"),
        (["materialize", "monthly_revenue", "--partition", "2099-01"], "not due yet"),
    ]
    for args, needle in cases:
        out = sales(warehouse, *args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert needle in out.stderr and "Traceback" not in out.stderr, (args, out.stderr)
    assert not (warehouse / "sales_raw").exists()
