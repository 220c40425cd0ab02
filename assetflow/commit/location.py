"""Where a warehouse's views point, and republishing them after the warehouse moved.

Views name their files by absolute path (DuckDB resolves relative paths against the reader's
working directory, not the database file's folder). A copied or moved warehouse therefore has
views that read the *original's* files, silently while the original exists. Every writer
records the warehouse's resolved location in ``assetflow.meta`` (key ``root``) when it opens the
catalog and rebuilds every view for that location; readers compare it with where they found
the warehouse, and ``asset query`` republishes (``verify`` reports it) when they differ.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def recorded_root(con: duckdb.DuckDBPyConnection) -> str | None:
    """The location the catalog behind ``con`` was last published from (None if unknown)."""
    try:
        rows = con.sql("select value from assetflow.meta where key = 'root'").fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]) if rows else None


def moved_from(recorded: str | None, root: Path) -> str | None:
    """The original location if a catalog that records ``recorded`` now lies at ``root``."""
    if recorded is None or Path(recorded) == root.resolve():
        return None
    return recorded


def moved_message(root: Path, original: str) -> str:
    return (
        f"{root} was copied or moved from {original}: its published views still read the files "
        f"under {original}; `asset verify --repair` (or any `asset materialize`) here publishes "
        "them for this location"
    )
