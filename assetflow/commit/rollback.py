"""``asset rollback``: make an earlier, retained version of a partition current again.

A rollback is an ordinary commit (one catalog transaction, the only commit point) of a new
materialization that points at the earlier version's file and copies its data version, code
version and recorded inputs. So history only grows, the rollback itself can be rolled back, and
staleness follows the normal rules: downstream partitions that read the replaced version become
stale; the restored partition is stale too if its code version or the upstream data it was built
from have changed since (then the next run rebuilds it: roll the code back as well).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl

from assetflow.commit.files import StagedFile
from assetflow.commit.reader import CatalogReader
from assetflow.commit.verify import check_file
from assetflow.commit.writer import CatalogWriter
from assetflow.errors import PartitionKeyError, StorageError


@dataclass(frozen=True)
class RollbackResult:
    """What a rollback did."""

    asset: str
    partition: str
    replaced: int | None
    """The materialization that was current before (None if the partition was missing)."""
    restored: int
    """The earlier materialization whose data is current again."""
    materialization_id: int
    """The new materialization recording the rollback."""
    data_version: str
    row_count: int


def versions(catalog: CatalogReader, asset: str, partition: str) -> pl.DataFrame:
    """Every materialization of one partition, newest first, with ``current`` and ``retained``
    (its file is still there with the checksum recorded at commit)."""
    history = catalog.history(asset, partition)
    if history.height == 0:
        return history.with_columns(current=pl.lit(False), retained=pl.lit(False))
    current = catalog.current_id(asset, partition)
    retained = [check_file(catalog.storage, p, c) is None for p, c in _paths(history)]
    return history.with_columns(
        current=pl.col("id") == (current if current is not None else -1),
        retained=pl.Series(retained, dtype=pl.Boolean),
    )


def rollback(
    catalog: CatalogWriter,
    asset: str,
    partition: str,
    *,
    to: int | None,
    run_id: str,
    command: str,
    now: datetime,
    clock: Callable[[], datetime],
) -> RollbackResult:
    """Commit a new materialization of (asset, partition) restoring version ``to``, recorded
    as run ``run_id`` (``command`` gets `` --to <id>`` appended) with one task, started at
    ``now`` and finished at ``clock()``.

    Without ``to``, restores the newest earlier version whose data differs from the current one
    and whose file is still retained.

    Raises:
        PartitionKeyError: nothing to roll back to, or ``to`` is not a version of this partition.
        StorageError: the chosen version's file was removed by vacuum or is damaged.
    """
    table = versions(catalog, asset, partition)
    if table.height == 0:
        raise PartitionKeyError(f"{asset} {partition} has never been materialized")
    rows = table.to_dicts()
    current = next((r for r in rows if r["current"]), None)
    if to is None:
        target = next((r for r in rows if r["retained"] and _older(r, current)), None)
        if target is None:
            raise PartitionKeyError(
                f"{asset} {partition} has no earlier retained version with different data to "
                f"roll back to ({len(rows)} recorded); see `asset rollback {asset} --partition "
                f"{partition} --list`"
            )
    else:
        target = next((r for r in rows if r["id"] == to), None)
        if target is None:
            raise PartitionKeyError(
                f"materialization {to} is not a version of {asset} {partition}; see "
                f"`asset rollback {asset} --partition {partition} --list`"
            )
        if current is not None and target["id"] == current["id"]:
            raise PartitionKeyError(
                f"materialization {to} is already current for {asset} {partition}"
            )
        if not target["retained"]:
            raise StorageError(
                f"materialization {to} of {asset} {partition} can no longer be restored: its file "
                f"{target['file_path']} was removed by vacuum or is damaged"
            )
    staged = StagedFile(
        key=target["file_path"],
        data_version=target["data_version"],
        file_checksum=target["file_checksum"],
        row_count=target["row_count"],
        bytes=target["bytes"],
        schema=target["schema"],
        metadata=catalog.metadata_of(target["id"]),
    )
    new_id = catalog.commit(
        asset=asset,
        partition=partition,
        staged=staged,
        code_version=target["code_version"],
        inputs=catalog.inputs_of(target["id"]),
        run_id=run_id,
        started_at=now,
        finished_at=now,
        schema_policy=None,
    )
    catalog.start_run(run_id, f"{command} --to {target['id']}"[:500], now, os.getpid())
    catalog.record_task(
        run_id,
        asset,
        partition,
        "succeeded",
        reason=f"rolled back to materialization {target['id']}",
        started_at=now,
        finished_at=now,
    )
    catalog.finish_run(run_id, "succeeded", clock())
    return RollbackResult(
        asset=asset,
        partition=partition,
        replaced=current["id"] if current else None,
        restored=target["id"],
        materialization_id=new_id,
        data_version=target["data_version"],
        row_count=target["row_count"],
    )


def _older(row: dict, current: dict | None) -> bool:
    """An earlier version with different data (any version when the partition is missing)."""
    if current is None:
        return True
    return row["id"] < current["id"] and row["data_version"] != current["data_version"]


def _paths(history: pl.DataFrame) -> list[tuple[str, str]]:
    return list(history.select("file_path", "file_checksum").iter_rows())
