"""Opening DuckDB files: a bounded wait when another process holds the lock, and fresh read-only
views of the published snapshot. What a failure means is decided in ``db_errors.py``.

Only the warehouse handle's modules call these (``commit/warehouse.py`` and what it runs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from assetflow.commit.db_errors import is_lock_error, lock_holder, locked, open_failure

_POLL_SECONDS = 0.05
SNAPSHOT_ALIAS = "warehouse"
"""The name the published snapshot is attached under in assetflow's read-only connections."""


def connect(
    path: Path,
    *,
    read_only: bool,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
    damaged_hint: str | None = None,
    config: Mapping[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect to ``path``, retrying while another process holds its lock, up to ``timeout`` s.

    ``damaged_hint`` is what the error tells the user to do when the file cannot be opened
    for any reason other than a lock (a damaged file, no permission).
    """

    def opener() -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))

    return _retrying(opener, path, timeout, on_wait, damaged_hint)


def open_snapshot(
    path: Path,
    *,
    timeout: float,
    damaged_hint: str | None = None,
    config: Mapping[str, object] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A new read-only connection that sees the snapshot at ``path`` as it is now.

    ``duckdb.connect(path)`` hands out the database instance it already has for that path in
    this process, so a connection opened after a publish would still read the replaced file
    while any older connection is open. An in-memory database that ATTACHes the path opens the
    file afresh every time (measured: about the cost of a plain connect; docs/architecture.md).
    """
    quoted = "'" + str(path).replace("'", "''") + "'"

    def opener() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(config=dict(config or {}))
        try:
            con.execute(f"attach {quoted} as {SNAPSHOT_ALIAS} (read_only)")
            con.execute(f"use {SNAPSHOT_ALIAS}")
        except BaseException:
            con.close()
            raise
        return con

    return _retrying(opener, path, timeout, None, damaged_hint)


def _retrying(
    opener: Callable[[], duckdb.DuckDBPyConnection],
    path: Path,
    timeout: float,
    on_wait: Callable[[str], None] | None,
    damaged_hint: str | None,
) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            return opener()
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                raise open_failure(path, exc, damaged_hint) from None
            who = lock_holder(exc)
            if time.monotonic() >= deadline:
                raise locked(path, who, timeout) from None
            if on_wait and not told:
                on_wait(f"waiting for {who}, which holds {path.name} (up to {timeout:g}s)")
                told = True
            time.sleep(_POLL_SECONDS)
