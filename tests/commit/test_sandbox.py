"""User SQL (``asset query``, ``Project.query``) reads the warehouse and nothing else.

Each escape an adversarial run tried, and the others DuckDB offers, against a real warehouse:
the statement is refused with one line naming what was refused, and afterwards the warehouse
is exactly as before (data files by content, catalog rows, views) and nothing was written
outside it.
"""

from __future__ import annotations

import polars as pl
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from tests.conftest import AS_OF, invoke_cli, resource
from tests.warehouse_checks import fingerprint


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A linear warehouse (3 days), a folder outside it with a secret, and a sibling folder
    whose name starts like an asset's (``raw_private``: a prefix check must not allow it)."""
    base = tmp_path_factory.mktemp("sandbox")
    warehouse = base / "wh"
    project = af.Project.load(resource("linear"), warehouse=warehouse)
    project.clock = lambda: AS_OF
    assert project.materialize(
        partitions=["2026-04-01", "2026-04-02", "2026-04-03"], executor="threads"
    ).ok
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("the secret\n")
    pl.DataFrame({"x": [1]}).write_parquet(outside / "other.parquet")
    (warehouse / "raw_private").mkdir()
    (warehouse / "raw_private" / "notes.txt").write_text("private\n")
    return project, warehouse, outside


def _committed_file(warehouse) -> str:
    return str(next((warehouse / "raw").rglob("*.parquet")))


ESCAPES = {
    # The attack: attach the live catalog read-write and empty it.
    "attach_live_rw": (
        "attach '{live}' as live (READ_WRITE); delete from live.assetflow.current; select 1",
        "ATTACH",
    ),
    "attach_live_ro": ("attach '{live}' as live (READ_ONLY)", "ATTACH"),
    "attach_memory": ("attach ':memory:' as m", "ATTACH"),
    "detach": ("detach warehouse", "DETACH"),
    "use": ("use memory", "USE"),
    "copy_out": ("copy (select 42 as a) to '{out}/x.csv'", "COPY"),
    "copy_over_committed": ("copy (select 42 as a) to '{committed}'", "COPY"),
    "export_out": ("export database '{out}/export'", "EXPORT"),
    "export_inside": ("export database '{wh}/raw/export'", "EXPORT"),
    "install": ("install httpfs", "INSTALL"),
    "load": ("load httpfs", "LOAD"),
    "set_unlock": ("set enable_external_access = true", "SET"),
    "reset_unlock": ("reset enable_external_access", "RESET"),
    "set_lock_off": ("set lock_configuration = false", "SET"),
    "set_dirs": ("set allowed_directories = ['/']", "SET"),
    "set_variable": ("set variable x = 1", "SET"),
    "pragma": ("pragma enable_profiling", "PRAGMA"),
    "call": ("call pragma_table_info('raw')", "CALL"),
    "checkpoint": ("checkpoint", "CHECKPOINT"),
    "create_view": ("create view x as select 1", "CREATE"),
    "create_temp": ("create temp table t as select 1", "CREATE"),
    "create_macro": ("create macro m(x) as x + 1", "CREATE"),
    "insert": ("insert into raw values (1, 2)", "INSERT"),
    "update": ("update raw set value = 0", "UPDATE"),
    "delete_state": ("delete from assetflow.current", "DELETE"),
    "drop_view": ("drop view raw", "DROP"),
    "alter": ("alter view raw rename to r2", "ALTER"),
    "begin": ("begin transaction", "BEGIN"),
    "hidden_after_select": ("select 1; copy (select 1) to '{out}/y.csv'", "COPY"),
    "explain_analyze_copy": ("explain analyze copy (select 1) to '{out}/z.csv'", "EXPLAIN"),
    # Inside a SELECT: DuckDB's own settings refuse these, naming the file.
    "read_text_outside": ("select * from read_text('{out}/secret.txt')", "secret.txt"),
    "read_etc": ("select * from read_text('/etc/hostname')", "/etc/hostname"),
    "read_csv_outside": ("select * from read_csv('{out}/secret.txt')", "secret.txt"),
    "read_parquet_outside": ("select * from read_parquet('{out}/other.parquet')", "other"),
    "replacement_scan": ("select * from '{out}/other.parquet'", "other.parquet"),
    "read_live_catalog": ("select * from read_blob('{live}')", "catalog.duckdb"),
    "read_duckdb_live": ("select * from read_duckdb('{live}')", "catalog.duckdb"),
    "traversal": ("select * from read_text('{wh}/raw/../{live_rel}')", ".."),
    "sibling_prefix": ("select * from read_text('{wh}/raw_private/notes.txt')", "raw_private"),
    "glob_warehouse": ("select * from glob('{wh}/*')", "*"),
    "glob_outside": ("select * from glob('{out}/*')", "*"),
    "secret": ("create secret (type s3, key_id 'k', secret 's')", "CREATE"),
    "enable_logging": ("select * from enable_logging()", "setting"),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_each_escape_is_refused_in_one_line_and_changes_nothing(built, name):
    project, warehouse, outside = built
    sql, named = ESCAPES[name]
    sql = sql.format(
        live=warehouse / LIVE_CATALOG,
        live_rel=LIVE_CATALOG.as_posix(),
        wh=warehouse.resolve(),
        out=outside,
        committed=_committed_file(warehouse.resolve()),
    )
    before = fingerprint(warehouse)
    outside_before = sorted(p.name for p in outside.iterdir())
    with pytest.raises(af.QueryRefusedError) as caught:
        project.query(sql)
    message = str(caught.value)
    assert message.startswith("query refused: ") and "\n" not in message
    assert named in message
    assert fingerprint(warehouse) == before
    assert sorted(p.name for p in outside.iterdir()) == outside_before
    assert project.status().frame["status"].to_list().count("fresh") == 9


def test_a_python_variable_is_not_a_table(built):
    project, _, _ = built
    secret = pl.DataFrame({"password": ["hunter2"]})  # DuckDB would scan it by name
    with pytest.raises(af.AssetflowError, match="secret"):
        project.query("select * from secret")
    assert secret.height == 1


def test_query_functions_cannot_run_other_statements(built):
    project, _, outside = built
    with pytest.raises(af.AssetflowError, match="query failed"):
        project.query(f"select * from query('copy (select 1) to ''{outside}/q.csv''')")
    assert not (outside / "q.csv").exists()


@pytest.mark.parametrize(
    "sql",
    [
        "select count(*) as n from raw",
        "from clean select count(*) as n",
        "select count(*) as n from assetflow.partitions where asset = 'raw'",
        "with t as (select * from report) select count(*) as n from t",
        "select count(*) as n from read_parquet('{wh}/raw/*/*.parquet')",
        "describe raw",
        "show tables",
        "summarize raw",
        "explain select * from raw",
        "explain analyze select * from raw",
        "select 1 as a; select count(*) as n from raw",
    ],
)
def test_read_only_queries_still_work(built, sql):
    project, warehouse, _ = built
    out = project.query(sql.format(wh=warehouse.resolve()))
    assert out.height >= 1
    if "n" in out.columns:
        assert out["n"][0] in (3, 15, 30)


def test_the_cli_refuses_with_exit_2_and_one_line(built):
    _, warehouse, outside = built
    live = warehouse / LIVE_CATALOG
    before = fingerprint(warehouse)
    out = invoke_cli(
        "-p",
        str(resource("linear")),
        "-w",
        str(warehouse),
        "query",
        f"attach '{live}' as live (READ_WRITE); delete from live.assetflow.current; select 1",
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: query refused: ATTACH is not allowed (statement 1); queries may only read "
        "(SELECT) the "
        "warehouse's views and state tables and the files under its asset folders"
    ]
    out = invoke_cli(
        "-p", str(resource("linear")), "-w", str(warehouse), "query",
        f"select * from read_text('{outside}/secret.txt')",
    )  # fmt: skip
    assert out.returncode == 2 and "the secret" not in out.stdout
    assert "it reads " in out.stderr and "secret.txt" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert fingerprint(warehouse) == before
    assert (warehouse / PUBLISHED_CATALOG).exists()
