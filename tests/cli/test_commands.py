"""The ``asset`` CLI as a user runs it (in-process: ``invoke_cli``), a real warehouse on disk."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, copy_warehouse, invoke_cli, resource

SALES = str(REPO / "examples" / "sales" / "pipeline.py")


def sales(warehouse: Path, *args: str, **kw):
    return invoke_cli("-p", SALES, "-w", str(warehouse), *args, **kw)


def view_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    try:
        return {
            name: con.sql(f"select count(*) from {name}").fetchall()[0][0]
            for name in ("sales_raw", "sales_clean", "daily_report")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The seed scenario's day, built once: read as is, or copied by tests that change it."""
    warehouse = tmp_path_factory.mktemp("built") / "warehouse"
    out = sales(warehouse, "materialize", "--partition", "2026-04-08")
    assert out.returncode == 0, out.stderr
    return warehouse


def test_seed_scenario_rerun_is_a_no_op_and_force_never_duplicates(warehouse):
    first = sales(warehouse, "materialize", "--partition", "2026-04-08")
    assert first.returncode == 0, first.stderr
    # 6 daily assets for the day (the monthly one has other keys), plus the 6 earlier days of
    # daily_report (and their sales) that the 7-day rolling window reads.
    assert first.stdout.count("succeeded  ") == 24  # one event line per task
    assert "24 succeeded" in first.stdout
    counts = view_counts(warehouse)
    assert counts["daily_report"] == 7 * 4 and counts["sales_clean"] > 700

    again = sales(warehouse, "materialize", "--partition", "2026-04-08")
    assert again.returncode == 0, again.stderr
    assert "plan: 0 to run, 6 fresh" in again.stdout
    assert "nothing to do" in again.stdout

    forced = sales(warehouse, "materialize", "--partition", "2026-04-08", "--force")
    assert forced.returncode == 0, forced.stderr
    assert "6 succeeded" in forced.stdout
    assert view_counts(warehouse) == counts


def test_partial_rerun_with_only_runs_just_the_report(built, tmp_path):
    warehouse = copy_warehouse(built, tmp_path / "warehouse")
    out = sales(
        warehouse, "materialize", "daily_report", "--partition", "2026-04-08", "--force", "--only"
    )
    assert out.returncode == 0, out.stderr
    assert "plan: 1 to run" in out.stdout
    assert "1 succeeded" in out.stdout
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    runs = con.sql(
        "select asset, count(*) from assetflow.materializations group by asset order by asset"
    ).fetchall()
    assert runs == [
        ("by_sku_report", 1),
        ("by_store_report", 1),
        ("daily_report", 8),
        ("rolling_revenue_7d", 1),
        ("sales_clean", 7),
        ("sales_raw", 7),
    ]


def test_only_refuses_when_upstream_is_not_fresh(warehouse):
    out = sales(warehouse, "materialize", "daily_report", "--partition", "2026-04-08", "--only")
    assert out.returncode == 2
    assert "--only" in out.stderr and "sales_clean 2026-04-08" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (warehouse / "sales_raw").exists()


def test_status_json_reports_reasons_for_code_and_upstream_changes(warehouse):
    lin = str(resource("linear"))
    assert (
        invoke_cli(
            "-p", lin, "-w", str(warehouse), "materialize", "--partition", "2026-04-03"
        ).returncode
        == 0
    )

    out = invoke_cli(
        "-p", lin, "-w", str(warehouse), "status", "--json", env={"LINEAR_CLEAN_VERSION": "2"}
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    by_asset = {a["asset"]: a for a in doc["assets"]}
    assert by_asset["clean"]["stale"] == 1 and by_asset["report"]["stale"] == 1
    reasons = {
        (a["asset"], p["partition"]): p["reason"] for a in doc["assets"] for p in a["partitions"]
    }
    assert reasons[("clean", "2026-04-03")] == "code version 1 -> 2"
    assert reasons[("report", "2026-04-03")] == "upstream clean 2026-04-03 is stale"
    assert reasons[("raw", "2026-04-02")] == "never materialized"
    assert by_asset["raw"]["fresh"] == 1


def test_list_and_query_formats(built):
    warehouse = built
    listed = sales(warehouse, "list", "--json")
    assert [a["asset"] for a in json.loads(listed.stdout)] == [
        "sales_raw",
        "sales_clean",
        "daily_report",
        "by_store_report",
        "by_sku_report",
        "rolling_revenue_7d",
        "monthly_revenue",
    ]
    csv = sales(
        warehouse,
        "query",
        "select store, orders from daily_report where day = '2026-04-08' order by store",
        "--format",
        "csv",
    )
    assert csv.stdout.splitlines()[0] == "store,orders"
    assert len(csv.stdout.splitlines()) == 5
    rows = json.loads(
        sales(
            warehouse, "query", "select sum(orders) as n from daily_report", "--format", "json"
        ).stdout
    )
    clean = sales(warehouse, "query", "select count(*) as n from sales_clean", "--format", "json")
    assert rows[0]["n"] == json.loads(clean.stdout)[0]["n"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["materialize", "nope", "--partition", "2026-04-08"], 2, "unknown asset 'nope'"),
        (["materialize", "--partition", "2026-13-45"], 2, "not a valid date"),
        (["materialize", "--partition", "../x"], 2, "expected YYYY-MM-DD"),
        (["materialize", "--partition", "'; drop table x; --"], 2, "expected YYYY-MM-DD"),
        (["materialize", "--partition", "2025-12-31"], 2, "before the first partition"),
        (["materialize", "--partition", "2099-01-01"], 2, "not due yet"),
        (["query", "select * from nowhere"], 2, "query failed"),
        (["status", "missing_asset"], 2, "unknown asset"),
        (["materialize", "--bogus"], 2, "No such option"),
    ],
)
def test_bad_input_is_one_line_and_leaves_the_warehouse_untouched(built, args, code, needle):
    warehouse = built
    before = sorted(p.relative_to(warehouse) for p in warehouse.rglob("*"))
    out = sales(warehouse, *args)
    assert out.returncode == code, (out.stdout, out.stderr)
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
    assert len([line for line in out.stderr.splitlines() if line.startswith("error")]) <= 1
    assert sorted(p.relative_to(warehouse) for p in warehouse.rglob("*")) == before


def test_asset_returning_an_int_fails_the_task_with_exit_1(warehouse):
    out = invoke_cli(
        "-p",
        str(resource("bad_return")),
        "-w",
        str(warehouse),
        "materialize",
        "--partition",
        "2026-04-02",
    )
    assert out.returncode == 1
    assert "returned int" in out.stderr and "broken" in out.stderr
    assert "Traceback" not in out.stderr
    assert not list(warehouse.glob("broken/**/*.parquet"))


def test_cyclic_project_is_rejected_naming_the_assets(warehouse):
    out = invoke_cli("-p", str(resource("cyclic")), "-w", str(warehouse), "list")
    assert out.returncode == 2
    assert "cycle" in out.stderr and "chicken" in out.stderr and "egg" in out.stderr


def test_settings_come_from_pyproject_then_environment(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.assetflow]\nproject = "{resource("linear").as_posix()}"\nwarehouse = "wh"\n'
    )
    out = invoke_cli("materialize", "--partition", "2026-04-02", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "wh" / "warehouse.duckdb").exists()
    env_wh = tmp_path / "from_env"
    out = invoke_cli(
        "materialize",
        "--partition",
        "2026-04-02",
        cwd=tmp_path,
        env={"ASSETFLOW_WAREHOUSE": str(env_wh)},
    )
    assert out.returncode == 0, out.stderr
    assert (env_wh / "warehouse.duckdb").exists()


def test_missing_project_setting_says_how_to_fix(tmp_path):
    out = invoke_cli("status", cwd=tmp_path)
    assert out.returncode == 2
    assert "--project" in out.stderr and "Traceback" not in out.stderr


def test_help_explains_commands():
    out = invoke_cli("--help")
    assert out.returncode == 0
    for command in ("materialize", "status", "query", "list"):
        assert command in out.stdout
    assert "--only" in invoke_cli("materialize", "--help").stdout
