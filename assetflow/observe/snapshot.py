"""The read model's one way into a warehouse: a read-only view of the published snapshot.

Every query of the read model (runs, timelines, history, why, lineage status) goes through
:class:`Snapshot`, never through the live catalog, so a reader never blocks a run and a run
never blocks a reader. This module is the only place the read model touches the catalog API:
it opens snapshots through the warehouse handle (``Warehouse.reader()``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from assetflow.commit.reader import CatalogReader
from assetflow.commit.run_reads import RunReads
from assetflow.commit.state import CatalogState
from assetflow.commit.warehouse import Warehouse
from assetflow.errors import StorageError
from assetflow.execute.resume import find_run

NO_SNAPSHOT = "0" * 16
"""The tag of a warehouse that has published nothing yet."""


class Snapshot:
    """SQL over one published snapshot of a warehouse, as polars frames.

    A warehouse with no snapshot yet reads as empty: :attr:`empty` is True and callers answer
    "nothing yet" instead of failing.
    """

    def __init__(self, reader: CatalogReader, tag: str) -> None:
        self._reader = reader
        self.tag = tag
        """Identifies this snapshot: it changes whenever a writer publishes (a cache key)."""
        self.root = reader.root
        self._tables: set[str] | None = None

    @property
    def empty(self) -> bool:
        return not self._reader.exists

    @property
    def runs(self) -> RunReads:
        """The catalog's own questions about runs (logs, attempt outcomes, ...)."""
        return self._reader.runs

    def has(self, table: str) -> bool:
        """Whether the snapshot has ``assetflow.<table>`` (older catalogs lack some)."""
        if self._tables is None:
            self._tables = set()
            if not self.empty:
                found = self.sql(
                    "select table_name from duckdb_tables() where schema_name = 'assetflow' "
                    "union all select view_name from duckdb_views() "
                    "where schema_name = 'assetflow'"
                )
                self._tables = set(found["table_name"].to_list())
        return table in self._tables

    def sql(self, query: str, params: list | None = None) -> pl.DataFrame:
        """Run one read-only query; a failure of the snapshot itself is a StorageError."""
        return self._reader.frame(query, params)

    def state(self, only: Mapping[str, pl.Series] | None = None) -> CatalogState:
        """What the planner reads (optionally only some partitions of some assets)."""
        return self._reader.state(only)

    def find_run(self, run_id: str) -> str:
        """The full id of the run ``run_id`` names (a unique prefix is enough)."""
        return find_run(self._reader, run_id)


def snapshot_tag(root: Path) -> str:
    """Names the published snapshot of ``root``: changes whenever a writer publishes."""
    try:
        st = (root / PUBLISHED_CATALOG).stat()
    except FileNotFoundError:
        return NO_SNAPSHOT
    return _tag(st)


def _tag(st: os.stat_result) -> str:
    digest = hashlib.blake2s(f"{st.st_ino}:{st.st_size}".encode(), digest_size=4).hexdigest()
    return f"{st.st_mtime_ns:016x}-{digest}"


@contextmanager
def published_snapshot(warehouse: Warehouse) -> Iterator[Snapshot]:
    """The latest published snapshot of ``warehouse``, read-only.

    The tag is the one of the file actually opened: a publish renames a new file into place,
    so a tag taken before and after opening that agree name the file that was opened.
    """
    root = warehouse.root
    for _ in range(3):
        before = snapshot_tag(root)
        with warehouse.reader() as reader:
            after = snapshot_tag(root)
            if before == after:
                yield Snapshot(reader, after)
                return
    raise StorageError(
        f"the snapshot of {root} changed three times while opening it; try again"
    )  # pragma: no cover - needs a writer publishing faster than a connect
