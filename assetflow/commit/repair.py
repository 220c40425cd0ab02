"""``asset verify --repair``: bring a damaged warehouse back to a consistent, published state.

What it can repair, in order:

0. A DuckDB sidecar beside the snapshot (a stray ``warehouse.duckdb.wal``) is removed.
1. A live catalog that is missing or unreadable is restored from the published snapshot (a
   checkpointed copy of it as of the last publish); the damaged file is kept beside it. Commits
   made after that publish are forgotten: their files become orphans and the next run rebuilds
   those partitions, so the warehouse converges to the same data.
2. A current partition whose file is missing or damaged, or has no columns (an older assetflow
   committed such outputs; no view can be built over one), is *forgotten* (made missing,
   history kept), so the next run rebuilds it; ``asset rollback`` is the alternative when an
   earlier version should be kept instead.
3. The snapshot is published again from the live catalog, which fixes a damaged, missing or
   lagging ``warehouse.duckdb``, removes a stray WAL beside it, and rebuilds views that point at
   another directory (a copied or moved warehouse).

It never deletes a data file (``asset vacuum`` does that) and needs the write lock.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.publish import sidecars
from assetflow.commit.reader import CatalogReader
from assetflow.commit.storage import fsync_path
from assetflow.commit.verify import check_file
from assetflow.errors import CatalogLockedError, StorageError

if TYPE_CHECKING:
    from assetflow.commit.warehouse import Warehouse


def repair_warehouse(
    warehouse: Warehouse, *, on_wait: Callable[[str], None] | None = None
) -> list[str]:
    """Repair what can be repaired (see the module docstring); return what was done."""
    root = warehouse.root
    live, published = root / LIVE_CATALOG, root / PUBLISHED_CATALOG
    actions: list[str] = []
    if not live.exists() and not published.exists():
        raise StorageError(f"{root} has no catalog yet; run `asset materialize` first")
    for stray in sidecars(published):  # first: DuckDB would replay it onto the snapshot
        stray.unlink(missing_ok=True)
        actions.append(f"removed {stray.name} (left by a program that opened the snapshot)")
    if not live.exists() or not _readable(warehouse.live_reader(on_wait)):
        if not published.exists() or not _readable(warehouse.reader()):
            raise StorageError(
                f"both {LIVE_CATALOG} and {PUBLISHED_CATALOG} in {root} are missing or damaged; "
                "the data files are intact but no catalog says which are current: move the "
                "warehouse aside and materialize again"
            )
        actions.append(_restore_live(live, published))
    with warehouse.writer(on_wait) as catalog:  # publishes when it closes
        catalog.rebuild_all_views()  # a published view may disagree with the catalog
        files = catalog.files()
        empty = {key for _, _, key in catalog.without_columns()}
        for asset, partition, path, checksum in (
            files.filter(pl.col("is_current"))
            .select("asset", "partition", "file_path", "file_checksum")
            .iter_rows()
        ):
            problem = check_file(catalog.storage, path, checksum)
            if problem is None and path in empty:
                problem = ("no_columns", "its file has no columns")
            if problem:
                catalog.uncommit(asset, partition)
                actions.append(
                    f"forgot {asset} {partition} ({problem[1]}: {path}); the next run rebuilds it"
                )
    actions.append(f"published {PUBLISHED_CATALOG} from the live catalog")
    return actions


def _readable(opening: AbstractContextManager[CatalogReader]) -> bool:
    """Whether the catalog file opens and every row of its state tables reads."""
    try:
        with opening as reader:
            reader.scan()
    except CatalogLockedError:
        raise
    except StorageError:
        return False
    return True


def _restore_live(live: Path, published: Path) -> str:
    """Move the damaged live catalog (and its WAL) aside and copy the snapshot in its place."""
    live.parent.mkdir(parents=True, exist_ok=True)
    suffix = f"damaged-{uuid.uuid4().hex[:8]}"
    kept = []
    # The WAL must go too: replayed onto the restored file it would corrupt it.
    for path in (live, live.with_name(live.name + ".wal")):
        if path.exists():
            aside = path.with_name(f"{path.name}.{suffix}")
            os.replace(path, aside)
            kept.append(aside.name)
    temp = live.with_name(f".{live.name}.{os.getpid()}.restore")
    shutil.copyfile(published, temp)
    with open(temp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(temp, live)
    fsync_path(live.parent)
    where = f" (damaged copy kept as {', '.join(kept)})" if kept else ""
    return f"restored {LIVE_CATALOG} from {PUBLISHED_CATALOG}{where}"
