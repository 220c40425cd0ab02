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


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def connect(
    path: Path,
    *,
    read_only: bool,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Connect to ``path``, retrying while another process holds its lock, up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_error(exc):
                raise StorageError(
                    f"cannot open {path}: {str(exc).splitlines()[0]}; if the file is damaged, "
                    "move it aside and re-run (data files are kept)"
                ) from None
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
