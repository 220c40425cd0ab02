"""The one place where DuckDB's errors become ours: each names the cause and the fix in one line.

- a lock another process holds -> :class:`CatalogLockedError` (after a bounded wait);
- a failed write (a full disk, a file size limit; DuckDB then only says "invalidated") ->
  :class:`StorageError` with the real cause, diagnosed from the machine;
- a damaged or unreadable catalog file -> :class:`StorageError` with how to repair it;
- a catalog of another schema version -> :class:`StorageError`;
- a failed commit transaction -> :class:`StorageError` saying the previous version stays;
- user SQL that fails or reaches outside the sandbox -> :class:`QueryRefusedError` /
  :class:`AssetflowError`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from assetflow.errors import AssetflowError, CatalogLockedError, QueryRefusedError, StorageError

LIVE_DAMAGED_HINT = (
    "restore it from the last published snapshot with `asset verify --repair` "
    "(partitions committed after that snapshot are rebuilt by the next run)"
)
PUBLISHED_DAMAGED_HINT = (
    "it is a copy of the live catalog: `asset verify --repair` (or any `asset materialize`) "
    "publishes it again"
)
QUERY_SCOPE = (
    "queries may only read (SELECT) the warehouse's views and state tables and the files "
    "under its asset folders"
)

_PID = re.compile(r"PID (\d+)")
# DuckDB's wording for a held lock. Matching bare "lock" would also match "block", which
# appears in corruption errors ("checksum ... in block at location ..."), and a damaged file
# would then be reported as locked after a pointless wait.
_LOCK_MESSAGES = ("could not set lock", "conflicting lock")
# After a failed write DuckDB invalidates the database and later errors only say so; the
# original cause (often a full disk) is gone by then and has to be diagnosed separately.
_WRITE_FAILURES = ("invalidated", "file too large", "no space left", "disk quota")
_WAL_REPLAY = "replaying wal"
_SPACE_MARGIN = 64 << 20
_DENIED_PATH = re.compile(r'Cannot access (?:file|directory) "([^"]*)"')


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (DuckDB appends context on further lines)."""
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and any(m in text for m in _LOCK_MESSAGES)


def lock_holder(exc: BaseException) -> str:
    """``process N`` for the process DuckDB names as holding the lock."""
    holder = _PID.search(str(exc))
    return f"process {holder.group(1)}" if holder else "another process"


def locked(path: Path, holder: str, timeout: float) -> CatalogLockedError:
    return CatalogLockedError(
        f"{path.name} is locked by {holder} (still busy after {timeout:g}s); wait for it "
        "to finish or raise lock_timeout / --lock-timeout"
    )


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
    first = first_line(exc)
    if "permission denied" in first.lower():
        return StorageError(
            f"cannot open {path}: permission denied; run as a user who may write the warehouse "
            "directory, or choose another one with -w/--warehouse"
        )
    if is_write_failure(exc):
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
    if _WAL_REPLAY in first.lower():
        return StorageError(
            f"cannot open {path}: a stray {path.name}.wal beside it (left by a program that "
            "opened it read-write) does not match it; `asset verify --repair` removes it and "
            "publishes again; open the snapshot read-only (duckdb -readonly)"
        )
    fix = hint or "if the file is damaged, move it aside and re-run (data files are kept)"
    return StorageError(f"cannot open {path}: {first}; {fix}")


def damaged_hint(path: Path) -> str:
    """How to repair ``path``, one of the two catalog files."""
    return LIVE_DAMAGED_HINT if path.name.endswith("catalog.duckdb") else PUBLISHED_DAMAGED_HINT


def is_write_failure(exc: BaseException) -> bool:
    """DuckDB failed to write its file (or refuses to go on after such a failure)."""
    lowered = first_line(exc).lower()
    return any(m in lowered for m in _WRITE_FAILURES)


def commit_failure(what: str, exc: BaseException, kept: str, path: Path) -> StorageError:
    """A catalog transaction writing ``what`` to ``path`` failed: nothing of it is committed,
    ``kept`` says what readers and the next run see instead. After a failed write DuckDB only
    says "invalidated", so the cause (a full disk, a file size limit) is diagnosed here."""
    cause = (write_failure_cause(path) if is_write_failure(exc) else None) or first_line(exc)
    return StorageError(
        f"could not commit {what} to the catalog: {cause}; {kept} (check free space, then re-run)"
    )


def checkpoint_failure(path: Path, exc: BaseException) -> StorageError:
    """Checkpointing the live catalog before a publish failed; the snapshot stays as it was."""
    cause = (write_failure_cause(path) if is_write_failure(exc) else None) or first_line(exc)
    return StorageError(
        f"could not checkpoint {path}: {cause}; the published snapshot was left as it was: "
        "check free space, then run `asset verify`"
    )


def schema_version_error(path: Path, found: str, expected: str) -> StorageError:
    return StorageError(
        f"{path} has catalog schema {found}, this assetflow expects {expected}; "
        "upgrade assetflow or use a new warehouse"
    )


def query_error(exc: duckdb.Error) -> AssetflowError:
    """User SQL failed inside the sandbox: refused (it reached outside) or just failed."""
    first = first_line(exc)
    denied = _DENIED_PATH.search(first)
    if isinstance(exc, duckdb.PermissionException) or denied:
        what = f"it reads {denied.group(1)}, outside the warehouse's data" if denied else first
        return QueryRefusedError(f"query refused: {what}; {QUERY_SCOPE}")
    if "configuration has been locked" in first:
        return QueryRefusedError(f"query refused: it changes a setting ({first}); {QUERY_SCOPE}")
    return AssetflowError(f"query failed: {first}")
