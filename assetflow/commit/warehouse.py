"""The warehouse handle: the one object through which anything opens a warehouse's catalog.

A :class:`Warehouse` owns a warehouse's directory, its lock timeout and its data-file
:class:`~assetflow.commit.storage.Storage`. It hands out

- :meth:`Warehouse.reader`: a read-only view of the latest *published* snapshot, attached afresh
  every time (never blocks and is never blocked by a run);
- :meth:`Warehouse.writer`: the live catalog, to one process at a time (others wait up to
  ``lock_timeout``), published and released when the block ends;
- :meth:`Warehouse.query`: user SQL, sandboxed (``sandbox.py``);

plus the integrity operations over them (verify, repair, vacuum, versions, rollback). The
project facade, automation, the CLI, the UI and the observability read model all take one;
nothing else opens ``warehouse.duckdb`` or ``.assetflow/catalog.duckdb``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.connect import connect, open_snapshot
from assetflow.commit.db_errors import LIVE_DAMAGED_HINT, PUBLISHED_DAMAGED_HINT
from assetflow.commit.reader import CatalogReader
from assetflow.commit.session import CatalogSession
from assetflow.commit.storage import LocalStorage, Storage
from assetflow.commit.writer import CatalogWriter, open_writer
from assetflow.errors import ConfigError, PartitionKeyError, StorageError

if TYPE_CHECKING:  # the maintenance operations are imported when used (start-up time)
    from assetflow.commit.rollback import RollbackResult
    from assetflow.commit.vacuum import VacuumReport
    from assetflow.commit.verify import VerifyReport

OnWait = Callable[[str], None]


def check_lock_timeout(seconds: object) -> float:
    """A lock timeout must be a positive, finite number of seconds (ConfigError otherwise)."""
    number = isinstance(seconds, int | float) and not isinstance(seconds, bool)
    if not number or not math.isfinite(seconds) or seconds <= 0:  # type: ignore[arg-type]
        raise ConfigError(
            f"lock timeout {seconds!r} is not a positive number of seconds; use e.g. 60"
        )
    return float(seconds)  # type: ignore[arg-type]


class Warehouse:
    """A warehouse: where its catalog and data files are, and how long to wait for its writer.

    Args:
        root: the warehouse directory (created by the first writer).
        lock_timeout: seconds a writer waits for another before giving up (positive).
        storage: where data files go; by default :class:`LocalStorage` in ``root``.

    Example::

        wh = af.Warehouse("warehouse")
        wh.query("select count(*) from daily_report")
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        lock_timeout: float = 60.0,
        storage: Storage | None = None,
    ) -> None:
        self._root = Path(root)
        self._lock_timeout = check_lock_timeout(lock_timeout)
        self._storage = storage or LocalStorage(self._root)

    @property
    def root(self) -> Path:
        """The warehouse directory, as given."""
        return self._root

    @property
    def lock_timeout(self) -> float:
        return self._lock_timeout

    @property
    def storage(self) -> Storage:
        return self._storage

    @property
    def exists(self) -> bool:
        """Whether anything was ever materialized here (the live catalog exists)."""
        return (self._root / LIVE_CATALOG).exists()

    def with_lock_timeout(self, seconds: float) -> Warehouse:
        """The same warehouse with another lock timeout."""
        return Warehouse(self._root, lock_timeout=seconds, storage=self._storage)

    def __repr__(self) -> str:
        return f"Warehouse({str(self._root)!r}, lock_timeout={self._lock_timeout:g})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Warehouse):
            return NotImplemented
        return (self._root, self._lock_timeout, self._storage) == (
            other._root,
            other._lock_timeout,
            other._storage,
        )

    __hash__ = None  # type: ignore[assignment]

    # -- catalog access -------------------------------------------------------------------

    @contextmanager
    def reader(self) -> Iterator[CatalogReader]:
        """The latest published snapshot, read-only (empty if nothing was published yet)."""
        path = self._root / PUBLISHED_CATALOG
        con = None
        if path.exists():
            con = open_snapshot(
                path, timeout=self._lock_timeout, damaged_hint=PUBLISHED_DAMAGED_HINT
            )
        reader = CatalogReader(CatalogSession(con, path), self._root, self._storage)
        try:
            yield reader
        finally:
            reader.close()

    @contextmanager
    def live_reader(self, on_wait: OnWait | None = None) -> Iterator[CatalogReader]:
        """The live catalog, read-only (``verify``). It takes the writer's lock while open:
        keep it short."""
        path = self._root / LIVE_CATALOG
        con = connect(
            path,
            read_only=True,
            timeout=self._lock_timeout,
            on_wait=on_wait,
            damaged_hint=LIVE_DAMAGED_HINT,
        )
        reader = CatalogReader(CatalogSession(con, path), self._root, self._storage)
        try:
            yield reader
        finally:
            reader.close()

    @contextmanager
    def writer(
        self, on_wait: OnWait | None = None, *, existing: bool = False
    ) -> Iterator[CatalogWriter]:
        """The live catalog for writing, waiting up to ``lock_timeout`` for another writer
        (``on_wait`` is told once, with who holds it). When the block ends, what was committed
        is published and the lock released; an error inside wins over one from publishing.

        Args:
            existing: refuse to create a new warehouse (maintenance commands).
        """
        if existing and not self.exists:
            self._no_catalog()
        writer = open_writer(self._root, self._storage, timeout=self._lock_timeout, on_wait=on_wait)
        try:
            yield writer
        except BaseException:
            with suppress(StorageError):
                writer.close()
            writer.abandon()
            raise
        writer.close()

    def read(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """The committed data of ``asset``: one partition (its canonical key), or all of them."""
        with self.reader() as reader:
            keys = reader.current_keys(asset, None if partition is None else [partition])
        if not keys:
            where = f" partition {partition}" if partition is not None else ""
            raise PartitionKeyError(
                f"{asset}{where} has not been materialized; run `asset materialize {asset}"
                + (f" --partition {partition}`" if partition else "`")
            )
        try:
            frames = [pl.read_parquet(self._storage.uri(k)) for k in keys]
            return pl.concat(frames, how="diagonal_relaxed")
        except (OSError, pl.exceptions.ComputeError) as exc:
            raise StorageError(
                f"cannot read {asset}: {exc}; run `asset verify` to check the warehouse"
            ) from None

    def query(self, sql: str) -> pl.DataFrame:
        """Run read-only SQL (asset names are tables) in the sandbox of ``commit/sandbox.py``.

        Raises:
            QueryRefusedError: a statement would write, or read outside the warehouse's data.
        """
        from assetflow.commit.sandbox import run_query

        return run_query(self, sql)

    # -- integrity ------------------------------------------------------------------------

    def verify(self, *, repair: bool = False, on_wait: OnWait | None = None) -> VerifyReport:
        """Check that the catalog, the files and the published views agree (``verify.py``).

        Args:
            repair: first restore a damaged live catalog from the snapshot, forget partitions
                whose file is missing or damaged (the next run rebuilds them) and republish.
        """
        from assetflow.commit.repair import repair_warehouse
        from assetflow.commit.verify import verify_warehouse

        actions = repair_warehouse(self, on_wait=on_wait) if repair else []
        report = verify_warehouse(self, on_wait=on_wait)
        return report.model_copy(update={"repaired": actions})

    def vacuum(
        self,
        *,
        now: datetime,
        older_than: timedelta,
        dry_run: bool = False,
        on_wait: OnWait | None = None,
    ) -> VacuumReport:
        """Remove orphan files and superseded versions older than ``older_than`` at ``now``."""
        from assetflow.commit.vacuum import vacuum

        with self.writer(on_wait, existing=True) as catalog:
            return vacuum(catalog, now=now, older_than=older_than, dry_run=dry_run)

    def versions(self, asset: str, partition: str) -> pl.DataFrame:
        """Every recorded version of one partition, newest first (``current``, ``retained``),
        from the published snapshot."""
        from assetflow.commit.rollback import versions

        if not self.exists:
            self._no_catalog()
        with self.reader() as reader:
            return versions(reader, asset, partition)

    def rollback(
        self,
        asset: str,
        partition: str,
        *,
        to: int | None,
        run_id: str,
        command: str,
        clock: Callable[[], datetime],
        on_wait: OnWait | None = None,
    ) -> RollbackResult:
        """Make an earlier retained version of one partition current again (``rollback.py``)."""
        from assetflow.commit.rollback import rollback

        now = clock()
        with self.writer(on_wait, existing=True) as catalog:
            return rollback(
                catalog, asset, partition, to=to, run_id=run_id, command=command, now=now,
                clock=clock,
            )  # fmt: skip

    def _no_catalog(self) -> None:
        raise StorageError(
            f"the warehouse {self._root} has no catalog yet; run `asset materialize` "
            "first (or `asset verify --repair` if it was lost)"
        )
