"""The published ``warehouse.duckdb`` opens in every DuckDB client from 1.1 on.

The slow tests install real older clients from PyPI into a scratch virtualenv, built once per
test session: the Python package ``duckdb==1.1.3`` (the oldest we promise) and the newest
``duckdb-cli`` we checked (1.5.6, which refused DuckDB 2.0's default storage format). Each reads
every view and every state table of a real warehouse whose data has a column of every type
family, and must see what DuckDB 2.0.1 sees.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import assetflow as af
from assetflow.commit import views
from assetflow.commit.catalog_format import storage_tag
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.connect import open_snapshot
from tests.conftest import AS_OF, resource

OLD_PYTHON_CLIENT = "duckdb==1.1.3"
NEW_CLI = "duckdb-cli==1.5.6"


@dataclass(frozen=True)
class OldClients:
    python: Path
    cli: Path


@pytest.fixture(scope="session")
def old_clients(tmp_path_factory) -> OldClients:
    """A scratch virtualenv with the old clients (built once per session)."""
    root = tmp_path_factory.mktemp("old-duckdb-clients")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    out = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", OLD_PYTHON_CLIENT, NEW_CLI],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        pytest.skip(f"cannot install {OLD_PYTHON_CLIENT} and {NEW_CLI} from PyPI: {last}")
    return OldClients(python=python, cli=root / "bin" / "duckdb")


def build(warehouse: Path, monkeypatch) -> af.Project:
    """Every column type family, a failed run (attempts with errors, logs), then a full run;
    parts of one file, so an asset's view reads part views (``commit/views.py``)."""
    monkeypatch.setattr(views, "PART_FILES", 1)
    project = af.Project.load(resource("typed"), warehouse=warehouse)
    project.clock = lambda: AS_OF
    monkeypatch.setenv("TYPED_FAIL", "2026-03-02")
    assert project.materialize(executor="threads").status == "failed"
    monkeypatch.delenv("TYPED_FAIL")
    assert project.materialize(executor="threads").ok
    return project


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every view and table of the snapshot, qualified."""
    rows = con.sql(
        """select schema_name, view_name from duckdb_views()
           where not internal and database_name = current_database()
           union all
           select schema_name, table_name from duckdb_tables()
           where database_name = current_database() order by all"""
    ).fetchall()
    return [f'"{s}"."{n}"' for s, n in rows]


def probe_sql(names: list[str]) -> str:
    """One statement: per relation, its rows read in full (every column) and its columns."""
    parts = [
        f"select '{n}' as name, (select count(r::varchar) from {n} as r) as n, "
        f"(select string_agg(column_name, ',' order by column_index) from duckdb_columns() "
        f"where database_name = current_database() and '\"' || schema_name || '\".\"' || "
        f"table_name || '\"' = '{n.replace(chr(39), chr(39) * 2)}') as columns"
        for n in names
    ]
    return " union all ".join(parts) + " order by name"


DATA_SQL = """select sum(i8)::varchar as i8, sum(u64)::varchar as u64,
       sum(amount)::varchar as amount, min(d)::varchar as d, max(t)::varchar as t,
       max(ts)::varchar as ts,
       max(ts_zoned_ns) = max(ts_zoned) as zoned_ns_equal, count(nothing) as nothing
from typed"""


def expected(warehouse: Path) -> tuple[list[str], list[tuple], list[tuple]]:
    con = open_snapshot(warehouse / PUBLISHED_CATALOG, timeout=5)
    try:
        names = relations(con)
        return names, con.sql(probe_sql(names)).fetchall(), con.sql(DATA_SQL).fetchall()
    finally:
        con.close()


OLD_PYTHON_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    probe = [list(r) for r in con.sql(sys.argv[2]).fetchall()]
    data = [list(r) for r in con.sql(sys.argv[3]).fetchall()]
    print(json.dumps({"version": duckdb.__version__, "probe": probe, "data": data}))
    """
)


@pytest.mark.slow
def test_duckdb_1_1_reads_every_view_and_table(tmp_path, monkeypatch, old_clients):
    warehouse = tmp_path / "wh"
    build(warehouse, monkeypatch)
    names, probe, data = expected(warehouse)
    assert '"main"."typed"' in names and '"assetflow"."logs"' in names
    out = subprocess.run(
        [str(old_clients.python), "-c", OLD_PYTHON_SCRIPT, str(warehouse / PUBLISHED_CATALOG),
         probe_sql(names), DATA_SQL],
        capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["version"] == "1.1.3"
    assert [tuple(r) for r in seen["probe"]] == probe
    assert [tuple(r) for r in seen["data"]] == data


@pytest.mark.slow
def test_the_newest_duckdb_cli_reads_every_view_and_table(tmp_path, monkeypatch, old_clients):
    warehouse = tmp_path / "wh"
    build(warehouse, monkeypatch)
    names, probe, data = expected(warehouse)
    for sql, want in ((probe_sql(names), probe), (DATA_SQL, data)):
        out = subprocess.run(
            [str(old_clients.cli), "-readonly", "-json", str(warehouse / PUBLISHED_CATALOG),
             "-c", sql],
            capture_output=True, text=True,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert [tuple(r.values()) for r in json.loads(out.stdout)] == want


def make_catalog_newest_format(warehouse: Path) -> None:
    """What an assetflow before this change left: both catalog files in DuckDB 2.0's format."""
    live, snapshot = warehouse / LIVE_CATALOG, warehouse / PUBLISHED_CATALOG
    newest = live.with_name("newest.duckdb")
    con = duckdb.connect()
    con.execute(f"attach '{live}' as old (read_only)")
    con.execute(f"attach '{newest}' as new (storage_version 'v2.0.0')")
    con.execute("copy from database old to new")
    con.close()
    newest.replace(live)
    shutil.copyfile(live, snapshot)


def tags(warehouse: Path) -> tuple[str, str]:
    found = []
    for path in (warehouse / LIVE_CATALOG, warehouse / PUBLISHED_CATALOG):
        con = duckdb.connect(str(path), read_only=True)
        found.append(storage_tag(con))
        con.close()
    return found[0], found[1]


def test_new_warehouses_are_written_in_the_oldest_readable_format(tmp_path, monkeypatch):
    warehouse = tmp_path / "wh"
    build(warehouse, monkeypatch)
    assert tags(warehouse) == ("v1.0.0+", "v1.0.0+")  # DuckDB's label for v1.1.0 storage


def test_an_older_warehouse_is_rewritten_once_and_nothing_is_lost(tmp_path, monkeypatch):
    warehouse = tmp_path / "wh"
    project = build(warehouse, monkeypatch)
    make_catalog_newest_format(warehouse)
    assert tags(warehouse) == ("v2.0.0+", "v2.0.0+")
    before = expected(warehouse)
    result = project.materialize(executor="threads")
    assert result.ok and result.tasks == []  # nothing rebuilt
    assert tags(warehouse) == ("v1.0.0+", "v1.0.0+")
    after = expected(warehouse)
    new_run = ('"assetflow"."runs"', '"assetflow"."run_requests"')  # this run's own record
    assert [r for r in after[1] if r[0] not in new_run] == [
        r for r in before[1] if r[0] not in new_run
    ]
    assert after[2] == before[2]
    assert project.verify().ok


@pytest.mark.slow
def test_an_older_warehouse_opens_in_duckdb_1_1_after_one_run(tmp_path, monkeypatch, old_clients):
    warehouse = tmp_path / "wh"
    project = build(warehouse, monkeypatch)
    make_catalog_newest_format(warehouse)
    script = "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True)"
    snapshot = str(warehouse / PUBLISHED_CATALOG)
    refused = subprocess.run([str(old_clients.python), "-c", script, snapshot], capture_output=True)
    assert refused.returncode != 0  # what the issue reported
    assert project.materialize(executor="threads").ok
    opened = subprocess.run([str(old_clients.python), "-c", script, snapshot], capture_output=True)
    assert opened.returncode == 0, opened.stderr
