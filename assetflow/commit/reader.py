"""Reading a catalog: :class:`CatalogReader`, what planners, reports and integrity checks ask.

Readers get one from the warehouse handle (``Warehouse.reader()``: the published snapshot,
attached afresh each time); the writer (``writer.py``) is a reader of the live catalog too.
Questions about runs are grouped under :attr:`CatalogReader.runs` (``run_reads.py``), those
about automation under :attr:`CatalogReader.automation` (``automation.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path

import duckdb
import polars as pl

from assetflow.commit.automation import AutomationReads
from assetflow.commit.location import recorded_root
from assetflow.commit.records import InputRead
from assetflow.commit.run_reads import RunReads
from assetflow.commit.session import CatalogSession
from assetflow.commit.state import CatalogState, read_state
from assetflow.commit.storage import Storage
from assetflow.commit.views import PART_REFERENCE, PARTS_SCHEMA
from assetflow.errors import StorageError

NO_COLUMNS = "[]"
"""The recorded schema of a file without columns."""
FILES_SCHEMA = {
    "id": pl.Int64,
    "asset": pl.String,
    "partition": pl.String,
    "file_path": pl.String,
    "file_checksum": pl.String,
    "bytes": pl.Int64,
    "finished_at": pl.Datetime("us", "UTC"),
    "superseded_at": pl.Datetime("us", "UTC"),
    "is_current": pl.Boolean,
}
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _files_of(sql: str) -> list[str]:
    """The file names a view's ``read_parquet`` lists (casts before it hold no file names)."""
    listing = sql[sql.index("read_parquet") :] if "read_parquet" in sql else ""
    return [m.replace("''", "'") for m in _LITERAL.findall(listing)]


class CatalogReader:
    """Read-only questions about a warehouse. A reader without a catalog file is empty.

    Attributes:
        root: the warehouse directory (where the catalog files are).
        storage: where its data files are; catalog ``file_path`` values are its keys.
    """

    def __init__(self, session: CatalogSession, root: Path, storage: Storage) -> None:
        self._session = session
        self.root = root
        self.storage = storage

    @property
    def source(self) -> Path:
        """The catalog file this reader reads (named in errors)."""
        return self._session.source

    @property
    def exists(self) -> bool:
        """Whether there is a catalog to read (something was published)."""
        return self._session.con is not None

    @property
    def is_damaged(self) -> bool:
        return self._session.is_damaged

    @cached_property
    def runs(self) -> RunReads:
        """Runs, tasks, attempts and logs."""
        return RunReads(self._session)

    @cached_property
    def automation(self) -> AutomationReads:
        """Ticks, backfills and source observations."""
        return AutomationReads(self._session)

    def state(self, only: Mapping[str, pl.Series] | None = None) -> CatalogState:
        """What the planner reads (``only``: just these partitions): see ``commit/state.py``."""
        return read_state(self._session, only)

    def frame(self, sql: str, params: Sequence | None = None) -> pl.DataFrame:
        """The rows of a read-only query over this catalog, in DuckDB's own types (the read
        model's queries, ``observe/``); a failure of the catalog itself is a StorageError."""
        return self._session.frame(sql, params, cast=False)

    def committed(self, asset: str) -> pl.Series:
        """The committed partition keys of ``asset``, in key order (as in :meth:`state`)."""
        return self._session.frame(
            "select partition from assetflow.current where asset = ? order by partition",
            [asset],
            schema={"partition": pl.String},
        )["partition"]

    def current_keys(self, asset: str, partitions: Iterable[str] | None = None) -> list[str]:
        """Storage keys of the committed files of ``asset`` (optionally some partitions)."""
        rows = self._session.frame(
            """select c.partition, m.file_path from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where c.asset = ? order by c.partition""",
            [asset],
            schema={"partition": pl.String, "file_path": pl.String},
        )
        if partitions is not None:
            rows = rows.filter(pl.col("partition").is_in(list(partitions)))
        return rows["file_path"].to_list()

    def current_id(self, asset: str, partition: str) -> int | None:
        """The id of the current materialization of one partition, or None if missing."""
        rows = self._session.frame(
            "select materialization_id from assetflow.current where asset = ? and partition = ?",
            [asset, partition],
            schema={"materialization_id": pl.Int64},
        )
        return rows["materialization_id"][0] if rows.height else None

    def inputs_of(self, materialization_id: int) -> list[InputRead]:
        """The upstream partitions one materialization read, with their versions then."""
        rows = self._session.frame(
            """select upstream, partition, data_version from assetflow.inputs
               where materialization_id = ? order by upstream, partition""",
            [materialization_id],
            schema={"upstream": pl.String, "partition": pl.String, "data_version": pl.String},
        )
        return [InputRead(u, p, v) for u, p, v in rows.iter_rows()]

    def metadata_of(self, materialization_id: int) -> str | None:
        """What the asset attached to one version (``context.add_metadata``), as JSON."""
        rows = self._session.frame(
            "select metadata from assetflow.metadata where materialization_id = ?",
            [materialization_id],
            schema={"metadata": pl.String},
            missing_ok=True,
        )
        return rows["metadata"][0] if rows.height else None

    def history(self, asset: str, partition: str) -> pl.DataFrame:
        """Every materialization of one partition, newest first."""
        return self._session.frame(
            """select * from assetflow.materializations where asset = ? and partition = ?
               order by id desc""",
            [asset, partition],
        )

    def files(self) -> pl.DataFrame:
        """One row per materialization: its file, and when a later one replaced it.

        ``superseded_at`` is when the next materialization of the same partition finished
        (null for the newest); ``is_current`` whether ``assetflow.current`` points at it.
        """
        if not self.exists:
            raise StorageError(
                f"the warehouse {self.root} has no catalog yet; run `asset materialize` first"
            )
        return self._session.frame(
            """select m.id, m.asset, m.partition, m.file_path, m.file_checksum, m.bytes,
                      m.finished_at,
                      lead(m.finished_at) over (partition by m.asset, m.partition order by m.id)
                          as superseded_at,
                      c.materialization_id is not null as is_current
               from assetflow.materializations m
               left join assetflow.current c on c.materialization_id = m.id
               order by m.id""",
            schema=FILES_SCHEMA,
        )

    def without_columns(self) -> list[tuple[str, str, str]]:
        """(asset, partition, key) of current partitions whose file has no columns (an older
        assetflow committed such outputs; DuckDB cannot build a view over one)."""
        frame = self._session.frame(
            """select c.asset, c.partition, m.file_path from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where m.schema = ? order by c.asset, c.partition""",
            [NO_COLUMNS],
            schema={"asset": pl.String, "partition": pl.String, "file_path": pl.String},
        )
        return list(frame.iter_rows())

    def scan(self) -> None:
        """Read every row of every state table, so a damaged block raises here and not later.

        DuckDB verifies a block's checksum when it reads it; opening a file reads only a few.

        Raises:
            StorageError: a block is damaged.
        """
        con = self._session.live
        try:
            tables = con.sql(
                "select table_name from duckdb_tables() where schema_name = 'assetflow'"
            ).fetchall()
            for (table,) in tables:
                for _ in con.sql(f'select * from assetflow."{table}"').to_arrow_reader():
                    pass
        except duckdb.Error as exc:
            raise self._session.damaged(exc) from None

    def view_files(self) -> dict[str, list[str]]:
        """Asset view name -> the file URIs its definition reads, through the part views it
        reads if it has parts (``commit/views.py``); user views are skipped."""
        rows = self._session.rows(
            "select schema_name, view_name, sql from duckdb_views() "
            "where schema_name in ('main', ?) and not internal",
            [PARTS_SCHEMA],
        )
        parts = {name: _files_of(sql) for schema, name, sql in rows if schema == PARTS_SCHEMA}
        out: dict[str, list[str]] = {}
        for schema, name, sql in rows:
            if schema != "main":
                continue
            if "read_parquet" in sql:
                out[name] = _files_of(sql)
            elif PARTS_SCHEMA in sql:
                read = [f"{name}/{k}" for k in PART_REFERENCE.findall(sql)]
                out[name] = [f for part in read for f in parts.get(part, [])]
        return out

    def published_from(self) -> str | None:
        """The warehouse location this catalog was last published from (None if unknown)."""
        return recorded_root(self._session.live) if self.exists else None

    def close(self) -> None:
        self._session.close()
