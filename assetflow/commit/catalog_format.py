"""The on-disk format of the catalog files: which DuckDB versions can read them.

Readers open ``warehouse.duckdb`` with whatever DuckDB they have (the ``duckdb`` CLI, a
notebook's ``duckdb`` package), often older than the one assetflow writes with. DuckDB writes
the newest storage format unless told otherwise, and older clients refuse it outright ("database
file with version number 69, but we can only read versions between 64 and 68"). The snapshot is a
byte copy of the live catalog (the cheapest publish, docs/architecture.md), so the live catalog
itself is kept in the oldest format we promise: :data:`STORAGE_VERSION`, readable by DuckDB 1.1
and every later version. A live catalog written in a newer format (by an assetflow before this
one) is rewritten once, by the first writer that opens it.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from assetflow.commit.db_errors import schema_version_error
from assetflow.commit.schema import SCHEMA_VERSION
from assetflow.commit.storage import fsync_path

STORAGE_VERSION = "v1.1.0"
"""DuckDB storage format of the catalog files: DuckDB 1.1 and later read it."""
_COMPATIBLE_TAG = "v1.0.0+"
"""How DuckDB labels that format in ``duckdb_databases().tags`` (checked with 2.0.1)."""


def create_config(path: Path) -> dict[str, object]:
    """Connection options for ``path``: a new file is created in :data:`STORAGE_VERSION`."""
    return {} if path.exists() else {"storage_compatibility_version": STORAGE_VERSION}


def storage_tag(con: duckdb.DuckDBPyConnection, database: str | None = None) -> str:
    """The storage format label of ``database`` (the current one by default)."""
    rows = con.execute(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = coalesce(?, current_database())",
        [database],
    ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else ""


def needs_rewrite(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the catalog behind ``con`` is in a newer format than old clients read."""
    return storage_tag(con) != _COMPATIBLE_TAG


def rewrite_in_compatible_format(con: duckdb.DuckDBPyConnection, live: Path, ddl: str) -> None:
    """Copy the catalog behind ``con`` into a :data:`STORAGE_VERSION` file and swap it in.

    ``con`` keeps the live file's lock throughout, so no other writer can open the old file
    meanwhile; one that opens the new file right after the rename sees it complete. ``con``
    must then be closed and the file opened again (the caller does). Asset views are not
    copied: they are derived, and the writer that reopens the file rebuilds them all.
    """
    con.execute("checkpoint")
    source = con.sql("select current_database()").fetchall()[0][0]
    temp = live.with_name(f".{live.name}.{os.getpid()}.rewrite")
    temp.unlink(missing_ok=True)
    quoted = "'" + str(temp).replace("'", "''") + "'"
    con.execute(f"attach {quoted} as rewritten (storage_version '{STORAGE_VERSION}')")
    try:
        con.execute("use rewritten")
        con.execute(ddl)
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'assetflow'",
            [source],
        ).fetchall()
        for (table,) in tables:
            con.execute(
                f'insert into rewritten.assetflow."{table}" by name '
                f'select * from "{source}".assetflow."{table}"'
            )
        con.execute(f'use "{source}"')
        con.execute("detach rewritten")
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, live)
        fsync_path(live.parent)
    except BaseException:
        if con.sql("select current_database()").fetchall()[0][0] != source:
            con.execute(f'use "{source}"')
        con.execute("detach database if exists rewritten")
        temp.unlink(missing_ok=True)
        raise


def check_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Record the catalog schema version in a new catalog; refuse one of another version."""
    row = con.sql("select value from assetflow.meta where key = 'schema_version'").fetchall()
    if not row:
        con.execute("insert into assetflow.meta values ('schema_version', ?)", [SCHEMA_VERSION])
    elif row[0][0] != SCHEMA_VERSION:
        raise schema_version_error(path, row[0][0], SCHEMA_VERSION)
