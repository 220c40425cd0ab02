"""The published read-only snapshot of the catalog (asset views: ``commit/views.py``).

The snapshot is a byte copy of the checkpointed live catalog, so it is in the live catalog's
storage format (``commit/catalog_format.py``: readable by DuckDB 1.1 and later).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from assetflow.commit.db_errors import checkpoint_failure
from assetflow.commit.faults import fault_point
from assetflow.commit.storage import fsync_path
from assetflow.errors import StorageError

_CHUNK = 1 << 20
SIDECARS = (".wal", ".wal.checkpoint", ".wal.recovery")
"""Files DuckDB keeps beside a database file. Beside the snapshot they can only come from a
program that opened it read-write (assetflow never does); after a publish they belong to the
replaced file, and DuckDB would replay a stray WAL onto the new one and refuse to open it."""


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, live: Path, live_fd: int, published: Path
) -> None:
    """Checkpoint the live catalog, copy it, and atomically rename the copy over ``published``.

    A reader that has the old snapshot open keeps reading it (POSIX keeps the unlinked inode),
    so it never sees a half-written file and never blocks this writer.

    The copy reads ``live_fd``, a descriptor the writer keeps open while it holds the catalog,
    never the path: DuckDB locks the file with POSIX record locks, and the kernel drops all of a
    process's locks on a file as soon as it closes *any* descriptor of it. Copying by path
    (open, read, close) silently unlocked the live catalog for every other process.
    """
    try:
        con.execute("checkpoint")
    except duckdb.Error as exc:
        raise checkpoint_failure(live, exc) from None
    temp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    try:
        _copy_from(live_fd, temp)
        fault_point("during_publish")
        remove_sidecars(published)
        os.replace(temp, published)
        # Again: a program still writing the old file may have made a new one meanwhile.
        remove_sidecars(published)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(
            f"could not publish {published}: {exc.strerror or exc}; committed partitions are "
            "safe and readers keep the previous snapshot: free space, then re-run to publish"
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_path(published.parent)


def sidecars(published: Path) -> list[Path]:
    """The DuckDB sidecar files that exist beside ``published``."""
    return [p for p in (published.with_name(published.name + s) for s in SIDECARS) if p.exists()]


def remove_sidecars(published: Path) -> None:
    for path in sidecars(published):
        path.unlink(missing_ok=True)


def _copy_from(source_fd: int, dest: Path) -> None:
    """Copy the whole file behind ``source_fd`` to ``dest`` (durably) without closing it."""
    size = os.fstat(source_fd).st_size
    with open(dest, "wb") as out:
        offset = 0
        while offset < size:
            chunk = os.pread(source_fd, min(_CHUNK, size - offset), offset)
            if not chunk:
                break
            out.write(chunk)
            offset += len(chunk)
        out.flush()
        os.fsync(out.fileno())
