"""Keeping a warehouse sound: verify, vacuum, versions and rollback (mixed into Project).

Kept apart from ``project.py`` (planning and running) because these act on what is committed,
not on the asset graph's plans: they open an *existing* warehouse, never create one.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import polars as pl

from assetflow.commit.catalog import LIVE_CATALOG, Catalog, open_reader
from assetflow.commit.repair import repair_warehouse
from assetflow.commit.rollback import RollbackResult, rollback, versions
from assetflow.commit.vacuum import VacuumReport, vacuum
from assetflow.commit.verify import VerifyReport, verify_warehouse
from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PartitionKeyError, StorageError
from assetflow.states import RunStatus, TaskStatus


class IntegrityMixin:
    """verify / vacuum / versions / rollback of :class:`assetflow.Project`."""

    graph: AssetGraph
    warehouse: Path
    lock_timeout: float
    clock: Callable[[], datetime]

    def verify(
        self, *, repair: bool = False, on_wait: Callable[[str], None] | None = None
    ) -> VerifyReport:
        """Check that the catalog, the files and the published views agree.

        Args:
            repair: first restore a damaged live catalog from the snapshot, forget partitions
                whose file is missing or damaged (the next run rebuilds them) and republish.
        """
        actions = (
            repair_warehouse(self.warehouse, timeout=self.lock_timeout, on_wait=on_wait)
            if repair
            else []
        )
        report = verify_warehouse(self.warehouse, timeout=self.lock_timeout, on_wait=on_wait)
        return report.model_copy(update={"repaired": actions})

    def vacuum(
        self,
        *,
        older_than: timedelta = timedelta(days=7),
        dry_run: bool = False,
        on_wait: Callable[[str], None] | None = None,
    ) -> VacuumReport:
        """Remove orphan files and superseded versions older than ``older_than``.

        Files a current partition references are never removed.
        """
        with self._existing_writer(on_wait) as catalog:
            return vacuum(catalog, now=self.clock(), older_than=older_than, dry_run=dry_run)

    def versions(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """Every recorded version of one partition, newest first (``current``, ``retained``).

        Read from the published snapshot: no writer lock, no republish.
        """
        key = self._partition_of(asset, partition)
        if not (self.warehouse / LIVE_CATALOG).exists():
            self._no_catalog()
        with open_reader(self.warehouse, timeout=self.lock_timeout) as reader:
            return versions(reader, asset, key)

    def rollback(
        self,
        asset: str,
        partition: str | None = None,
        *,
        to: int | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> RollbackResult:
        """Make an earlier retained version of one partition current again, atomically.

        Args:
            to: the materialization id to restore; by default the newest earlier version
                whose data differs from the current one.
        """
        key = self._partition_of(asset, partition)
        with self._existing_writer(on_wait) as catalog:
            now = self.clock()
            run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
            result = rollback(catalog, asset, key, to=to, run_id=run_id, now=now)
            where = f" --partition {partition}" if partition is not None else ""
            command = f"rollback {asset}{where} --to {result.restored}"
            catalog.start_run(run_id, command[:500], now, os.getpid())
            catalog.record_task(
                run_id,
                asset,
                key,
                TaskStatus.SUCCEEDED,
                reason=f"rolled back to materialization {result.restored}",
                started_at=now,
                finished_at=now,
            )
            catalog.finish_run(run_id, RunStatus.SUCCEEDED, self.clock())
            return result

    def _partition_of(self, asset: str, partition: str | None) -> str:
        definition = self.graph[asset].partitions
        if definition is None:
            if partition is not None:
                raise PartitionKeyError(f"{asset} is unpartitioned; drop --partition")
            return UNPARTITIONED
        if partition is None:
            raise PartitionKeyError(f"{asset} is partitioned; pass --partition KEY")
        return definition.parse_key(partition)

    @contextmanager
    def _existing_writer(self, on_wait: Callable[[str], None] | None) -> Iterator[Catalog]:
        """The writer of an existing warehouse; an error inside wins over one from closing."""
        if not (self.warehouse / LIVE_CATALOG).exists():
            self._no_catalog()
        catalog = Catalog.open(self.warehouse, timeout=self.lock_timeout, on_wait=on_wait)
        try:
            yield catalog
        except BaseException:
            with suppress(StorageError):
                catalog.close()
            raise
        catalog.close()

    def _no_catalog(self) -> NoReturn:
        raise StorageError(
            f"the warehouse {self.warehouse} has no catalog yet; run `asset materialize` "
            "first (or `asset verify --repair` if it was lost)"
        )
