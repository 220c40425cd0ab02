"""The DuckDB catalog: state tables in schema ``assetflow`` plus one view per asset.

Two files live in a warehouse (see ``docs/architecture.md`` for why):

- ``.assetflow/catalog.duckdb``: the *live* catalog. Only a writing process (a run) opens it,
  and commits each partition in its own small transaction. That transaction is the commit point.
- ``warehouse.duckdb``: the *published* snapshot readers open (``duckdb`` CLI, notebooks,
  ``asset status``). The writer republishes it after commit batches by copying the checkpointed
  live file and renaming the copy into place, so readers never wait on a writer and an open reader
  keeps a consistent snapshot.

:class:`CatalogReader` answers questions; :class:`Catalog` (the writer) adds the mutations.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from assetflow.commit.automation import AUTOMATION_DDL
from assetflow.commit.connect import connect, open_failure, open_snapshot
from assetflow.commit.faults import fault_config, fault_point
from assetflow.commit.files import StagedFile, discard_staged
from assetflow.commit.publish import publish_snapshot, refresh_views
from assetflow.commit.runstate import RunStateMixin, RunStateWriter, insert_rows
from assetflow.commit.schema import DDL, RUN_STATE_DDL
from assetflow.commit.schema_check import SchemaIndex, check_schema
from assetflow.commit.state import (  # noqa: F401  (CatalogState and its schemas live here too)
    CURRENT_SCHEMA,
    INPUTS_SCHEMA,
    CatalogState,
    read_state,
)
from assetflow.commit.storage import (
    check_schema_version,
    create_config,
    needs_rewrite,
    rewrite_in_compatible_format,
)
from assetflow.errors import SchemaMismatchError, StorageError

LIVE_CATALOG = Path(".assetflow") / "catalog.duckdb"
PUBLISHED_CATALOG = Path("warehouse.duckdb")
LIVE_DAMAGED_HINT = (
    "restore it from the last published snapshot with `asset verify --repair` "
    "(partitions committed after that snapshot are rebuilt by the next run)"
)
PUBLISHED_DAMAGED_HINT = (
    "it is a copy of the live catalog: `asset verify --repair` (or any `asset materialize`) "
    "publishes it again"
)


@dataclass(frozen=True)
class InputRead:
    """One upstream partition a materialization read, with the data version it had."""

    upstream: str
    partition: str
    data_version: str


@dataclass(frozen=True)
class PendingCommit:
    """A staged partition waiting for its catalog transaction (see :meth:`Catalog.commit_many`)."""

    asset: str
    partition: str
    staged: StagedFile
    code_version: str
    inputs: tuple[InputRead, ...]
    run_id: str
    started_at: datetime
    finished_at: datetime


class CatalogReader:
    """Read-only questions about a warehouse. A reader without a catalog file is empty."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection | None, root: Path, *, source: Path | None = None
    ) -> None:
        self._con = con
        self.root = root
        self.source = source or root / PUBLISHED_CATALOG
        """The catalog file this reader reads (named in errors)."""
        self.is_damaged = False

    def _frame(self, sql: str, params: list | None = None, schema=None) -> pl.DataFrame:
        if self._con is None:
            return pl.DataFrame(schema=schema)
        try:
            df = self._con.sql(sql, params=params).pl()
        except duckdb.Error as exc:
            # Our own queries only fail on a damaged catalog (DuckDB checks block checksums
            # lazily, so a file can open fine and fail on the first read of a bad block).
            raise self.damaged(exc) from None
        if schema is None:
            return df
        return df.cast(schema) if df.height else pl.DataFrame(schema=schema)

    def state(self, only: Mapping[str, pl.Series] | None = None) -> CatalogState:
        """What the planner reads (``only``: just these partitions): see ``commit/state.py``."""
        return read_state(self, only)

    def current_files(self, asset: str, partitions: Iterable[str] | None = None) -> list[Path]:
        """Absolute paths of the committed files of ``asset`` (optionally some partitions)."""
        rows = self._frame(
            """select c.partition, m.file_path from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where c.asset = ? order by c.partition""",
            [asset],
            schema={"partition": pl.String, "file_path": pl.String},
        )
        if partitions is not None:
            wanted = list(partitions)
            rows = rows.filter(pl.col("partition").is_in(wanted))
        return [self.root / p for p in rows["file_path"]]

    def current_id(self, asset: str, partition: str) -> int | None:
        """The id of the current materialization of one partition, or None if missing."""
        rows = self._frame(
            "select materialization_id from assetflow.current where asset = ? and partition = ?",
            [asset, partition],
            schema={"materialization_id": pl.Int64},
        )
        return rows["materialization_id"][0] if rows.height else None

    def inputs_of(self, materialization_id: int) -> list[InputRead]:
        """The upstream partitions one materialization read, with their versions then."""
        rows = self._frame(
            """select upstream, partition, data_version from assetflow.inputs
               where materialization_id = ? order by upstream, partition""",
            [materialization_id],
            schema={"upstream": pl.String, "partition": pl.String, "data_version": pl.String},
        )
        return [InputRead(u, p, v) for u, p, v in rows.iter_rows()]

    def damaged(self, exc: BaseException) -> StorageError:
        """The error for this catalog file failing to read, with how to repair it.

        Marks the reader damaged: a writer then never publishes (its copy would replace the
        intact snapshot, the backup ``asset verify --repair`` restores from).
        """
        self.is_damaged = True
        live = self.source.name == LIVE_CATALOG.name
        return open_failure(self.source, exc, LIVE_DAMAGED_HINT if live else PUBLISHED_DAMAGED_HINT)

    def history(self, asset: str, partition: str) -> pl.DataFrame:
        """Every materialization of one partition, newest first."""
        return self._frame(
            """select * from assetflow.materializations where asset = ? and partition = ?
               order by id desc""",
            [asset, partition],
        )

    def sql(self, query: str, params: list | None = None) -> pl.DataFrame:
        """Run SQL against the catalog (asset views and ``assetflow.*`` state tables)."""
        if self._con is None:
            raise StorageError(
                f"the warehouse {self.root} has no catalog yet; run `asset materialize` first"
            )
        return self._con.sql(query, params=params).pl()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


@contextmanager
def open_reader(root: Path, *, timeout: float = 10.0) -> Iterator[CatalogReader]:
    """Open the latest published snapshot read-only (empty if nothing was published yet)."""
    path = root / PUBLISHED_CATALOG
    con = (
        open_snapshot(path, timeout=timeout, damaged_hint=PUBLISHED_DAMAGED_HINT)
        if path.exists()
        else None
    )
    reader = CatalogReader(con, root, source=path)
    try:
        yield reader
    finally:
        reader.close()


class Catalog(RunStateMixin, CatalogReader):
    """The writer: holds the live catalog for one run and commits partitions one by one."""

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path) -> None:
        super().__init__(con, root, source=root / LIVE_CATALOG)
        # Held open until the connection is closed: closing any descriptor of the live file
        # would drop DuckDB's lock on it (see publish_snapshot).
        self._live_fd = os.open(root / LIVE_CATALOG, os.O_RDONLY)
        self._dirty: set[str] = set()
        self.view_failures: dict[str, str] = {}
        """Asset -> why its view could not be rebuilt at the last publish."""
        self._schemas = SchemaIndex(con)
        row = con.sql("select coalesce(max(id), 0) from assetflow.materializations").fetchall()
        self._next_id = int(row[0][0]) + 1

    @classmethod
    def open(
        cls, root: Path, *, timeout: float = 60.0, on_wait: Callable[[str], None] | None = None
    ) -> Catalog:
        """Take the warehouse's write lock (waiting up to ``timeout`` s) and prepare the schema."""
        live = root / LIVE_CATALOG
        if not live.exists() and (root / PUBLISHED_CATALOG).exists():
            # Starting an empty catalog here would publish it over every committed partition.
            raise StorageError(f"the live catalog {live} is missing; {LIVE_DAMAGED_HINT}")
        try:
            live.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the warehouse at {root}: {exc.strerror}; choose a writable "
                "directory with -w/--warehouse"
            ) from None
        fault_config()  # a malformed test hook fails here, before any work starts
        writer = {"timeout": timeout, "on_wait": on_wait, "damaged_hint": LIVE_DAMAGED_HINT}
        con = connect(live, read_only=False, config=create_config(live), **writer)
        catalog: Catalog | None = None
        try:
            con.execute(DDL + AUTOMATION_DDL + RUN_STATE_DDL)
            check_schema_version(con, live)
            if needs_rewrite(con):  # written by an older assetflow: old clients cannot read it
                rewrite_in_compatible_format(con, live, DDL + AUTOMATION_DDL + RUN_STATE_DDL)
                con.close()
                con = connect(live, read_only=False, **writer)
            con.execute(
                "insert or replace into assetflow.meta values ('root', ?)", [str(root.resolve())]
            )
            catalog = cls(con, root)
            # Views are derived from assetflow.current; rebuilding them all on open repairs a
            # snapshot left behind by a crash between a commit and its publication.
            catalog._dirty.update(catalog._committed_assets())
        except BaseException as exc:
            con.close()
            if catalog is not None:
                os.close(catalog._live_fd)
            if isinstance(exc, duckdb.Error):
                raise open_failure(live, exc, LIVE_DAMAGED_HINT) from None
            raise
        return catalog

    def _committed_assets(self) -> list[str]:
        assert self._con is not None
        return [
            r[0] for r in self._con.sql("select distinct asset from assetflow.current").fetchall()
        ]

    def check_output(
        self, asset: str, partition: str, staged: StagedFile, code_version: str, policy: str
    ) -> None:
        """Refuse a staged file whose columns conflict with the asset's other partitions.

        Raises:
            SchemaMismatchError: with the column diff; the staged file is removed.
        """
        try:
            others = self._schemas.others(asset, partition, code_version)
            check_schema(asset, partition, staged.schema, others, policy)
        except SchemaMismatchError:
            discard_staged(self.root, staged)
            raise
        except duckdb.Error as exc:
            raise self.damaged(exc) from None

    def commit_many(
        self, items: Sequence[PendingCommit], state: RunStateWriter | None = None
    ) -> list[int]:
        """Make each staged file the current version of its partition, all in ONE transaction.

        Same protocol as :meth:`commit`, batched: a DuckDB statement costs about a millisecond
        regardless of its row count, so partitions finished together are committed with one
        statement per table. Buffered run-state rows (``state``) ride in the same transaction,
        so a task's "succeeded" record and its data become visible together. Schemas are checked
        before (:meth:`check_output`), by the caller.
        """
        assert self._con is not None
        con = self._con
        ids = list(range(self._next_id, self._next_id + len(items)))
        con.execute("begin")
        try:
            if items:
                _insert_materializations(con, items, ids)
                con.execute(
                    "delete from assetflow.current "
                    "where list_contains(?::varchar[][], [asset, partition])",
                    [[[i.asset, i.partition] for i in items]],
                )
                _insert_current(con, items, ids)
            if state is not None:
                state.flush(con)
            fault_point("before_catalog_commit")
            con.execute("commit")
        except BaseException as exc:
            # A failed COMMIT (e.g. the disk is full) already ended the transaction, and a
            # second error from ROLLBACK would hide the one that says what happened.
            with suppress(duckdb.Error):
                con.execute("rollback")
            if isinstance(exc, duckdb.Error):
                raise StorageError(
                    f"could not commit {len(items)} partition(s) to the catalog: "
                    f"{str(exc).splitlines()[0]}; the previous versions stay current "
                    "(check free space, then re-run)"
                ) from None
            raise
        fault_point("after_catalog_commit")
        for item in items:
            self._schemas.record(item.asset, item.partition, item.code_version, item.staged.schema)
        self._next_id += len(items)
        self._dirty.update(i.asset for i in items)
        return ids

    def commit(
        self,
        *,
        asset: str,
        partition: str,
        staged: StagedFile,
        code_version: str,
        inputs: Iterable[InputRead],
        run_id: str,
        started_at: datetime,
        finished_at: datetime,
        schema_policy: str | None = "strict",
    ) -> int:
        """Make ``staged`` the current version of (asset, partition) in one transaction.

        Args:
            schema_policy: ``strict`` or ``evolve`` (see ``schema_check``); None skips the check
                (a rollback restores a version that was committed before).

        Raises:
            SchemaMismatchError: the staged file's columns conflict with the asset's other
                partitions; the file is removed and nothing is committed.
        """
        assert self._con is not None
        con, mid = self._con, self._next_id
        if schema_policy is not None:
            try:
                others = self._schemas.others(asset, partition, code_version)
                check_schema(asset, partition, staged.schema, others, schema_policy)
            except SchemaMismatchError:
                discard_staged(self.root, staged)
                raise
            except duckdb.Error as exc:
                raise self.damaged(exc) from None
        con.execute("begin")
        try:
            con.execute(
                "insert into assetflow.materializations values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    mid,
                    asset,
                    partition,
                    run_id,
                    staged.data_version,
                    code_version,
                    staged.path,
                    staged.file_checksum,
                    staged.row_count,
                    staged.bytes,
                    staged.schema,
                    started_at,
                    finished_at,
                ],
            )
            rows = [(mid, i.upstream, i.partition, i.data_version) for i in inputs]
            if rows:
                con.executemany("insert into assetflow.inputs values (?, ?, ?, ?)", rows)
            con.execute(
                "delete from assetflow.current where asset = ? and partition = ?",
                [asset, partition],
            )
            con.execute("insert into assetflow.current values (?, ?, ?)", [asset, partition, mid])
            fault_point("before_catalog_commit")
            con.execute("commit")
        except BaseException as exc:
            # A failed COMMIT (e.g. the disk is full) already ended the transaction, and a
            # second error from ROLLBACK would hide the one that says what happened.
            with suppress(duckdb.Error):
                con.execute("rollback")
            if isinstance(exc, duckdb.Error):
                raise StorageError(
                    f"could not commit {asset} {partition} to the catalog: "
                    f"{str(exc).splitlines()[0]}; the previous version stays current "
                    "(check free space, then re-run)"
                ) from None
            raise
        fault_point("after_catalog_commit")
        self._schemas.record(asset, partition, code_version, staged.schema)
        self._next_id += 1
        self._dirty.add(asset)
        return mid

    def uncommit(self, asset: str, partition: str) -> None:
        """Make a partition missing again (its history stays); the next run rebuilds it."""
        assert self._con is not None
        self._con.execute(
            "delete from assetflow.current where asset = ? and partition = ?", [asset, partition]
        )
        self._schemas.forget(asset, partition)
        self._dirty.add(asset)

    def publish(self, *, views: bool = True) -> None:
        """Rebuild the views of assets changed since the last publish and publish a snapshot.

        ``views=False`` publishes the state tables only and leaves the views for a later
        publish: a view over thousands of files costs hundreds of milliseconds to rebuild.
        An asset whose view cannot be rebuilt (a committed file is missing or damaged) keeps
        its previous view and is retried at the next publish; :meth:`close` reports it.
        """
        assert self._con is not None
        if self.is_damaged:
            return
        if views:
            try:
                self.view_failures = refresh_views(self._con, self.root, sorted(self._dirty))
            except duckdb.Error as exc:  # reading assetflow.current failed: the catalog itself
                raise self.damaged(exc) from None
            self._dirty = set(self.view_failures)
        live = self.root / LIVE_CATALOG
        publish_snapshot(self._con, live, self._live_fd, self.root / PUBLISHED_CATALOG)

    def close(self) -> None:
        """Publish what is committed, then release the write lock.

        Raises:
            StorageError: a view could not be rebuilt (after everything else was published).
        """
        if self._con is None:
            return
        try:
            self.publish()
        finally:
            super().close()
            os.close(self._live_fd)  # only now: the connection's lock is gone already
        if self.view_failures:
            asset, reason = next(iter(sorted(self.view_failures.items())))
            raise StorageError(
                f"the view of {asset} could not be rebuilt ({reason}); readers keep its previous "
                "view: run `asset verify` to find the damaged file, `asset verify --repair` to fix"
            )


def _insert_materializations(
    con: duckdb.DuckDBPyConnection, items: Sequence[PendingCommit], ids: list[int]
) -> None:
    rows = [
        (
            mid,
            i.asset,
            i.partition,
            i.run_id,
            i.staged.data_version,
            i.code_version,
            i.staged.path,
            i.staged.file_checksum,
            i.staged.row_count,
            i.staged.bytes,
            i.staged.schema,
            i.started_at,
            i.finished_at,
        )
        for mid, i in zip(ids, items, strict=True)
    ]
    insert_rows(con, "materializations", rows)
    reads = [
        (mid, r.upstream, r.partition, r.data_version)
        for mid, i in zip(ids, items, strict=True)
        for r in i.inputs
    ]
    insert_rows(con, "inputs", reads)


def _insert_current(
    con: duckdb.DuckDBPyConnection, items: Sequence[PendingCommit], ids: list[int]
) -> None:
    rows = [(i.asset, i.partition, mid) for mid, i in zip(ids, items, strict=True)]
    insert_rows(con, "current", rows)
