"""Opening DuckDB files with a bounded wait when another process holds the lock."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from assetflow.errors import CatalogLockedError, StorageError

_PID = re.compile(r"PID (\d+)")
_POLL_SECONDS = 0.05
# DuckDB's wording for a held lock. Matching bare "lock" would also match "block", which
# appears in corruption errors ("checksum ... in block at location ..."), and a damaged file
# would then be reported as locked after a pointless wait.
_LOCK_MESSAGES = ("could not set lock", "conflicting lock")


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) and any(m in text for m in _LOCK_MESSAGES)


def open_failure(path: Path, exc: BaseException, hint: str | None = None) -> StorageError:
    """A one-line StorageError for a DuckDB file that cannot be opened or read, with the fix."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "permission denied" in first.lower():
        return StorageError(
            f"cannot open {path}: permission denied; run as a user who may write the warehouse "
            "directory, or choose another one with -w/--warehouse"
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
) -> duckdb.DuckDBPyConnection:
    """Connect to ``path``, retrying while another process holds its lock, up to ``timeout`` s.

    ``damaged_hint`` is what the error tells the user to do when the file cannot be opened
    for any reason other than a lock (a damaged file, no permission).
    """
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
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
