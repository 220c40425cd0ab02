"""The catalog writer: holds the live catalog for one process and commits partitions.

Two files live in a warehouse (see ``docs/architecture.md`` for why):

- ``.assetflow/catalog.duckdb``: the *live* catalog. Only a writing process (a run) opens it,
  and commits each batch of partitions in its own small transaction. That transaction is the
  commit point.
- ``warehouse.duckdb``: the *published* snapshot readers open (``duckdb`` CLI, notebooks,
  ``asset status``). The writer republishes it after commit batches by copying the checkpointed
  live file and renaming the copy into place, so readers never wait on a writer and an open
  reader keeps a consistent snapshot.

Only the warehouse handle opens a writer (``Warehouse.writer()``, :func:`open_writer`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cached_property
from pathlib import Path

import duckdb

from assetflow.commit import runstate
from assetflow.commit.automation import AutomationWrites
from assetflow.commit.catalog_format import (
    check_schema_version,
    create_config,
    needs_rewrite,
    rewrite_in_compatible_format,
)
from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.connect import connect
from assetflow.commit.db_errors import LIVE_DAMAGED_HINT, open_failure
from assetflow.commit.faults import fault_config, fault_point
from assetflow.commit.files import StagedFile, discard_staged
from assetflow.commit.publish import publish_snapshot
from assetflow.commit.reader import CatalogReader
from assetflow.commit.records import InputRead, PendingCommit
from assetflow.commit.runstate import RunStateWriter, insert_rows
from assetflow.commit.schema import ALL_DDL
from assetflow.commit.schema_check import check_schema
from assetflow.commit.schema_index import SchemaIndex
from assetflow.commit.session import CatalogSession
from assetflow.commit.storage import Storage
from assetflow.commit.views import forget_parts, mark_views, refresh_views, stale_views
from assetflow.errors import SchemaMismatchError, StorageError


def open_writer(
    root: Path,
    storage: Storage,
    *,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> CatalogWriter:
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
    options = {"timeout": timeout, "on_wait": on_wait, "damaged_hint": LIVE_DAMAGED_HINT}
    con = connect(live, read_only=False, config=create_config(live), **options)
    writer: CatalogWriter | None = None
    try:
        con.execute(ALL_DDL)
        check_schema_version(con, live)
        rewritten = needs_rewrite(con)
        if rewritten:  # written by an older assetflow: old clients cannot read it
            rewrite_in_compatible_format(con, live, ALL_DDL)
            con.close()
            con = connect(live, read_only=False, **options)
        here = str(root.resolve())
        was = con.sql("select value from assetflow.meta where key = 'root'").fetchall()
        con.execute("insert or replace into assetflow.meta values ('root', ?)", [here])
        writer = CatalogWriter(con, root, storage)
        # Views are derived from assetflow.current and name files by absolute path: rebuild
        # those a crash between a commit and its publication left behind, or all of them when
        # the warehouse moved (or its catalog was rewritten).
        if not was or was[0][0] != here or rewritten:
            writer.rebuild_all_views()
        else:
            writer.changed(*stale_views(con))
    except BaseException as exc:
        if writer is not None:
            writer.abandon()
        else:
            con.close()
        if isinstance(exc, duckdb.Error):
            raise open_failure(live, exc, LIVE_DAMAGED_HINT) from None
        raise
    return writer


class CatalogWriter(CatalogReader):
    """The writer: holds the live catalog for one session and commits partitions.

    Close it (``Warehouse.writer()`` does) to publish what was committed and release the lock.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, root: Path, storage: Storage) -> None:
        super().__init__(CatalogSession(con, root / LIVE_CATALOG), root, storage)
        # Held open until the connection is closed: closing any descriptor of the live file
        # would drop DuckDB's lock on it (see publish_snapshot).
        self._live_fd = os.open(root / LIVE_CATALOG, os.O_RDONLY)
        self._dirty: set[str] = set()
        self.view_failures: dict[str, str] = {}
        """Asset -> why its view could not be rebuilt at the last publish."""
        self._schemas = SchemaIndex(self._session)
        row = con.sql("select coalesce(max(id), 0) from assetflow.materializations").fetchall()
        self._next_id = int(row[0][0]) + 1

    @cached_property
    def automation(self) -> AutomationWrites:
        """Record observations, ticks and backfills."""
        return AutomationWrites(self._session, self.changed)

    def changed(self, *assets: str) -> None:
        """These assets' views (and so the snapshot) must be republished."""
        self._dirty.update(assets)

    def rebuild_all_views(self) -> None:
        """Rebuild every asset's view, parts included, at the next publish (which then also
        finds any current file that is missing or damaged; see ``refresh_views``)."""
        forget_parts(self._session.live)
        self.changed(*stale_views(self._session.live, everything=True))

    # -- partitions -----------------------------------------------------------------------

    def check_output(
        self, asset: str, partition: str, staged: StagedFile, code_version: str, policy: str
    ) -> None:
        """Refuse a staged file whose columns conflict with the asset's other partitions.

        An accepted file counts as current for the checks that follow, so outputs accepted
        while earlier ones wait for their commit are checked against them too. Reads the
        catalog only for an asset not prepared by :meth:`prepare_checks`.

        Raises:
            SchemaMismatchError: with the column diff; the staged file is removed.
        """
        try:
            others = self._schemas.others(asset, partition, code_version)
            check_schema(asset, partition, staged.schema, others, policy)
        except SchemaMismatchError:
            discard_staged(self.storage, staged)
            raise
        except duckdb.Error as exc:
            raise self._session.damaged(exc) from None
        self._schemas.record(asset, partition, code_version, staged.schema)

    def prepare_checks(self, keys: Iterable[tuple[str, str]]) -> None:
        """Load what :meth:`check_output` compares with for the (asset, partition) ``keys`` a
        run may commit; after this, checks on them never touch the connection (another thread
        may be committing)."""
        try:
            self._schemas.load(keys)
        except duckdb.Error as exc:
            raise self._session.damaged(exc) from None

    def forget_accepted(self) -> None:
        """Outputs accepted by :meth:`check_output` will not all be committed (a commit or a
        run failed): the schema index forgets them by reloading from the catalog when next
        asked. Call it from the thread that checks outputs, once no commit is in flight."""
        self._schemas = SchemaIndex(self._session)

    def commit_many(
        self, items: Sequence[PendingCommit], state: RunStateWriter | None = None
    ) -> list[int]:
        """Make each staged file the current version of its partition, all in ONE transaction.

        A DuckDB statement costs about a millisecond regardless of its row count, so
        partitions finished together are committed with one statement per table. Buffered
        run-state rows (``state``) ride in the same transaction, so a task's "succeeded" record
        and its data become visible together. Schemas are checked before
        (:meth:`check_output`), by the caller.

        Raises:
            StorageError: the transaction failed; nothing of it is committed.
        """
        ids = list(range(self._next_id, self._next_id + len(items)))
        first = f"{items[0].asset} {items[0].partition}" if items else "run state"
        what = first if len(items) <= 1 else f"{len(items)} partitions ({first}, ...)"
        kept = (
            "the previous versions stay current"
            if len(items) > 1
            else "the previous version stays current"
        )
        try:
            self._persist(items, what, kept)
            with self._session.transaction(what, kept) as con:
                if items:
                    _insert(con, items, ids)
                if state is not None:
                    state.flush(con)
                fault_point("before_catalog_commit")
        except StorageError:
            # Rolled back: no version references these files (fresh keys), so nothing is left.
            for item in items:
                discard_staged(self.storage, item.staged)
            raise
        fault_point("after_catalog_commit")
        self._next_id += len(items)
        self.changed(*(i.asset for i in items))
        return ids

    def _persist(self, items: Sequence[PendingCommit], what: str, kept: str) -> None:
        """The files' names durable before the transaction that references them (power loss)."""
        try:
            self.storage.persist(item.staged.key for item in items)
        except OSError as exc:
            raise StorageError(
                f"could not commit {what}: making its files durable failed "
                f"({exc.strerror or exc}); {kept}"
            ) from exc

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
        """Make ``staged`` the current version of (asset, partition): one item of
        :meth:`commit_many`, its schema checked first.

        Args:
            schema_policy: ``strict`` or ``evolve`` (see ``schema_check``); None skips the check
                (a rollback restores a version that was committed before).

        Raises:
            SchemaMismatchError: the staged file's columns conflict with the asset's other
                partitions; the file is removed and nothing is committed.
        """
        if schema_policy is not None:
            self.check_output(asset, partition, staged, code_version, schema_policy)
        item = PendingCommit(
            asset, partition, staged, code_version, tuple(inputs), run_id, started_at, finished_at
        )
        try:
            committed = self.commit_many([item])[0]
        except StorageError:
            self.forget_accepted()
            raise
        if schema_policy is None:
            self._schemas.record(asset, partition, code_version, staged.schema)
        return committed

    def uncommit(self, asset: str, partition: str) -> None:
        """Make a partition missing again (its history stays); the next run rebuilds it."""
        with self._session.transaction(f"forgetting {asset} {partition}") as con:
            con.execute(
                "delete from assetflow.current where asset = ? and partition = ?",
                [asset, partition],
            )
            mark_views(con, -1)  # no new id says which view changed: if we crash, rebuild all
        self._schemas.forget(asset, partition)
        self.changed(asset)

    # -- runs (bodies in runstate.py) ------------------------------------------------------

    def start_run(
        self, run_id: str, command: str, started_at: datetime, pid: int, request: str | None = None
    ) -> None:
        """Record a new ``running`` run; ``request`` (JSON) is what ``resume`` re-plans from."""
        runstate.start_run(self._session, run_id, command, started_at, pid, request)

    def write_state(self, state: RunStateWriter) -> None:
        """Write buffered run-state rows in one transaction."""
        runstate.write_state(self._session, state)

    def finish_run(self, run_id: str, status: str, finished_at: datetime) -> None:
        runstate.finish_run(self._session, run_id, status, finished_at)

    def record_task(self, run_id: str, asset: str, partition: str, status: str, **fields) -> None:
        """Insert or replace the task row (see :func:`runstate.record_task` for ``fields``)."""
        runstate.record_task(self._session, run_id, asset, partition, status, **fields)

    def interrupt_unfinished_runs(self, finished_at: datetime) -> list[str]:
        """Mark runs left ``running`` by a dead process as ``interrupted``; return their ids."""
        return runstate.interrupt_unfinished_runs(self._session, finished_at)

    # -- publishing -----------------------------------------------------------------------

    def publish(self) -> None:
        """Rebuild the views of assets changed since the last publish and publish a snapshot.

        A snapshot must agree with itself, so the views of every asset committed since the last
        publish are rebuilt first, whoever asks (rebuilding a view over thousands of files costs
        hundreds of milliseconds: the run decides how often to publish, ``execute/book.py``).
        An asset whose view cannot be rebuilt (a committed file is missing or damaged) keeps
        its previous view and is retried at the next publish; :meth:`close` reports it.
        """
        con = self._session.live
        if self.is_damaged:
            return
        if self._dirty:
            through = self._next_id - 1  # every asset committed so far is in _dirty
            try:
                self.view_failures = refresh_views(self._session, self.storage, sorted(self._dirty))
                if not self.view_failures:
                    mark_views(con, through)
            except duckdb.Error as exc:  # reading assetflow.current failed: the catalog itself
                raise self._session.damaged(exc) from None
            self._dirty = set(self.view_failures)
        live, published = self.root / LIVE_CATALOG, self.root / PUBLISHED_CATALOG
        publish_snapshot(con, live, self._live_fd, published)

    def close(self) -> None:
        """Publish what is committed, then release the write lock.

        Raises:
            StorageError: a view could not be rebuilt (after everything else was published).
        """
        if self._session.con is None:
            return
        try:
            self.publish()
        finally:
            self.abandon()
        if self.view_failures:
            asset, reason = next(iter(sorted(self.view_failures.items())))
            raise StorageError(
                f"the view of {asset} could not be rebuilt ({reason}); readers keep its previous "
                "view: run `asset verify` to find the damaged file, `asset verify --repair` to fix"
            )

    def abandon(self) -> None:
        """Release the write lock without publishing."""
        if self._session.con is None:
            return
        self._session.close()
        os.close(self._live_fd)  # only now: the connection's lock is gone already


def _insert(con: duckdb.DuckDBPyConnection, items: Sequence[PendingCommit], ids: list[int]) -> None:
    """The rows of a commit: materializations, what they read, and the moved pointers."""
    pairs = list(zip(ids, items, strict=True))
    insert_rows(
        con,
        "materializations",
        [
            (mid, i.asset, i.partition, i.run_id, i.staged.data_version, i.code_version,
             i.staged.key, i.staged.file_checksum, i.staged.row_count, i.staged.bytes,
             i.staged.schema, i.started_at, i.finished_at)
            for mid, i in pairs
        ],
    )  # fmt: skip
    insert_rows(
        con,
        "inputs",
        [(mid, r.upstream, r.partition, r.data_version) for mid, i in pairs for r in i.inputs],
    )
    metadata = [(mid, i.staged.metadata) for mid, i in pairs if i.staged.metadata]
    insert_rows(con, "metadata", metadata)
    con.execute(
        "delete from assetflow.current where list_contains(?::varchar[][], [asset, partition])",
        [[[i.asset, i.partition] for i in items]],
    )
    insert_rows(con, "current", [(i.asset, i.partition, mid) for mid, i in pairs])
