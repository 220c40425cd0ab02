"""User SQL over a warehouse, sandboxed: the one path for ``asset query``, ``Project.query``
and anything else that runs SQL a person typed (the web UI).

A query may read the asset views and state tables of the published snapshot and the Parquet
files under the warehouse's asset folders, and nothing else. Two independent walls:

1. **Statements.** Only ``SELECT`` (with ``FROM``-first, ``DESCRIBE``, ``SHOW``, ``SUMMARIZE``,
   which DuckDB parses as selects) and ``EXPLAIN [ANALYZE] SELECT`` are run. Everything else
   (``ATTACH``, ``COPY``, ``EXPORT``, ``INSTALL``/``LOAD``, ``SET``/``RESET``/``USE``,
   ``PRAGMA``, ``CALL``, DDL and DML) is refused before anything runs, naming the statement.
2. **DuckDB's own settings**, for what a SELECT can reach: a fresh in-memory database attaches
   the snapshot read-only, then ``allowed_directories`` is set to the asset folders,
   ``enable_external_access`` off (no file outside them: not the live catalog, not ``/etc``;
   no ATTACH, COPY, extension install, replacement scans of Python variables), extension
   autoloading off, and ``lock_configuration`` on so no statement can undo any of it.

Checked against duckdb 2.0.1 by ``tests/commit/test_sandbox.py`` (one test per escape).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from assetflow.commit.connect import open_snapshot
from assetflow.commit.db_errors import PUBLISHED_DAMAGED_HINT, QUERY_SCOPE, query_error
from assetflow.commit.location import moved_from, moved_message, recorded_root
from assetflow.errors import AssetflowError, QueryRefusedError, StorageError

if TYPE_CHECKING:
    from assetflow.commit.warehouse import Warehouse

_BASE_CONFIG = {
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
}
_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_EXPLAIN = re.compile(r"explain\b(?:\s+analyze\b)?", re.I)
_FIRST_WORD = re.compile(r"[A-Za-z_]+")


def run_query(warehouse: Warehouse, sql: str) -> pl.DataFrame:
    """Run user SQL in the sandbox; the result of the last statement as a polars DataFrame.

    Raises:
        QueryRefusedError: a statement is not a read-only query, or it reaches outside the
            warehouse's data (one line naming what was refused).
        AssetflowError: the query failed (a syntax error, an unknown table).
        StorageError: nothing was published yet, or the snapshot cannot be opened.
    """
    check_statements(sql)
    with open_sandbox(warehouse) as con:
        try:
            return con.sql(sql).pl()
        except duckdb.Error as exc:
            raise query_error(exc) from None


def check_statements(sql: str) -> None:
    """Refuse ``sql`` unless every statement in it is a read-only query."""
    try:
        statements = _parse(sql)
    except duckdb.Error as exc:
        raise AssetflowError(f"query failed: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise AssetflowError("query failed: the query is empty; give a SELECT statement")
    for number, statement in enumerate(statements, start=1):
        if not _read_only(statement):
            text = _LEADING_NOISE.sub("", statement.query, count=1)
            word = _FIRST_WORD.match(text)
            name = word.group(0).upper() if word else statement.type.name
            where = f" (statement {number})" if len(statements) > 1 else ""
            raise QueryRefusedError(f"query refused: {name} is not allowed{where}; {QUERY_SCOPE}")


def _parse(sql: str) -> list[duckdb.Statement]:
    """DuckDB's own parse of ``sql`` (nothing runs)."""
    con = duckdb.connect()
    try:
        return con.extract_statements(sql)
    finally:
        con.close()


def _read_only(statement: duckdb.Statement) -> bool:
    if statement.type == duckdb.StatementType.SELECT:
        return True
    if statement.type != duckdb.StatementType.EXPLAIN:
        return False
    # EXPLAIN ANALYZE runs its statement: allowed only around a SELECT.
    text = _LEADING_NOISE.sub("", statement.query, count=1)
    found = _EXPLAIN.match(text)
    if not found:
        return False
    try:
        inner = _parse(text[found.end() :])
    except duckdb.Error:
        return False
    return bool(inner) and all(s.type == duckdb.StatementType.SELECT for s in inner)


@contextmanager
def open_sandbox(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """A locked-down read-only connection to the latest published snapshot of ``warehouse``.

    A warehouse that was copied or moved has its views republished here first (they would
    otherwise read the original's files; see ``commit/location.py``).
    """
    root, timeout = warehouse.root, warehouse.lock_timeout
    path = root / PUBLISHED_CATALOG
    if not path.exists():
        raise StorageError(
            f"the warehouse {root} has no catalog yet; run `asset materialize` first"
        )
    con = _connect(path, timeout)
    try:
        original = moved_from(recorded_root(con), root)
        if original is not None:
            con.close()
            _republish_here(warehouse, original)
            con = _connect(path, timeout)
        _lock_down(con, warehouse)
        yield con
    finally:
        con.close()


def _connect(path: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    return open_snapshot(
        path, timeout=timeout, damaged_hint=PUBLISHED_DAMAGED_HINT, config=_BASE_CONFIG
    )


def _lock_down(con: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> None:
    root = warehouse.root
    try:
        assets = con.sql("select distinct asset from assetflow.materializations").fetchall()
    except duckdb.Error as exc:
        raise StorageError(
            f"cannot read {root / PUBLISHED_CATALOG}: {str(exc).splitlines()[0]}; "
            f"{PUBLISHED_DAMAGED_HINT}"
        ) from None
    # A trailing separator: "/wh/events" as a prefix would also allow "/wh/events_secret".
    folders = [warehouse.storage.uri(name) + os.sep for (name,) in assets]
    con.execute("set allowed_directories = $1", [folders])
    con.execute("set allowed_paths = $1", [[]])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _republish_here(warehouse: Warehouse, original: str) -> None:
    try:
        with warehouse.writer():
            pass  # a writer rebuilds every view for where it is, and publishes on close
    except AssetflowError as exc:
        raise StorageError(
            f"{moved_message(warehouse.root, original)} (republishing failed: {exc})"
        ) from None
