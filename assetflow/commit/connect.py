"""Opening DuckDB files: a bounded wait when another process holds the lock, errors that name
the cause (a lock, a full disk, damage), and fresh read-only views of the published snapshot."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from assetflow.errors import CatalogLockedError, StorageError

_PID = re.compile(r"PID (\d+)")
_POLL_SECONDS = 0.05
# DuckDB's wording for a held lock. Matching bare "lock" would also match "block", which
# appears in corruption errors ("checksum ... in block at location ..."), and a damaged file
# would then be reported as locked after a pointless wait.
_LOCK_MESSAGES = ("could not set lock", "conflicting lock")
# After a failed write DuckDB invalidates the database and later errors only say so; the
# original cause (often a full disk) is gone by then and has to be diagnosed separately.
_WRITE_FAILURES = ("invalidated", "file too large", "no space left", "disk quota")
_WAL_REPLAY = "replaying wal"
_SPACE_MARGIN = 64 << 20
SNAPSHOT_ALIAS = "warehouse"
"""The name the published snapshot is attached under in assetflow's read-only connections."""


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and any(m in text for m in _LOCK_MESSAGES)


def write_failure_cause(path: Path) -> str | None:
    """Why writing ``path`` fails, if it is the machine: a full disk or a file size limit."""
    try:
        size = path.stat().st_size if path.exists() else 0
        free = os.statvfs(path.parent)
        available = free.f_bavail * free.f_frsize
    except OSError:
        return None
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        if limit != resource.RLIM_INFINITY and limit < size + _SPACE_MARGIN:
            return (
                f"file too large: this process may write files of at most {limit:,} bytes "
                f"(ulimit -f) and {path.name} is {size:,} bytes"
            )
    except (ImportError, OSError, ValueError):
        pass
    if available < _SPACE_MARGIN:
        return f"no space left: {available:,} bytes free on the disk holding {path.parent}"
    return None


def open_failure(path: Path, exc: BaseException, hint: str | None = None) -> StorageError:
    """A one-line StorageError for a DuckDB file that cannot be opened or read, with the fix."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    lowered = first.lower()
    if "permission denied" in lowered:
        return StorageError(
            f"cannot open {path}: permission denied; run as a user who may write the warehouse "
            "directory, or choose another one with -w/--warehouse"
        )
    if any(m in lowered for m in _WRITE_FAILURES):
        cause = write_failure_cause(path)
        if cause:
            return StorageError(
                f"cannot write {path}: {cause}; free space (or raise the limit) and re-run; "
                "committed data is safe (`asset verify` checks the catalog)"
            )
        return StorageError(
            f"cannot write {path}: DuckDB stopped after an earlier write failed ({first}); "
            "check free space and file size limits, then re-run (`asset verify` checks it)"
        )
    if _WAL_REPLAY in lowered:
        return StorageError(
            f"cannot open {path}: a stray {path.name}.wal beside it (left by a program that "
            "opened it read-write) does not match it; `asset verify --repair` removes it and "
            "publishes again; open the snapshot read-only (duckdb -readonly)"
        )
    fix = hint or "if the file is damaged, move it aside and re-run (data files are kept)"
    return StorageError(f"cannot open {path}: {first}; {fix}")


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
            holder = _PID.search(str(exc))
            who = f"process {holder.group(1)}" if holder else "another process"
            if time.monotonic() >= deadline:
                raise CatalogLockedError(
                    f"{path.name} is locked by {who} (still busy after {timeout:g}s); wait for it "
                    "to finish or raise lock_timeout / --lock-timeout"
                ) from None
            if on_wait and not told:
                on_wait(f"waiting for {who}, which holds {path.name} (up to {timeout:g}s)")
                told = True
            time.sleep(_POLL_SECONDS)
