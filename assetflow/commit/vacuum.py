"""``asset vacuum``: remove files no reader can need any more.

Removed, once older than the retention (``older_than``):

- *orphans*: files in the warehouse layout that no materialization references (left by a crash
  between writing a file and committing it, or by a refused commit), including ``.tmp-`` files
  of unfinished writes and unfinished snapshot copies; age is the file's modification time;
- *superseded* versions: files of materializations that are no longer current; age is the time
  since a newer materialization replaced them.

Never removed: a file any current materialization references, whatever its age. Retention is
what protects readers: a reader that opened the previous snapshot keeps reading the previous
version's files until it reconnects, and ``asset rollback`` can only restore a retained version.
Vacuum holds the write lock throughout and publishes the snapshot before it deletes anything, so
the published views never name a removed file.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from pydantic import BaseModel, ConfigDict

from assetflow.commit.inventory import scan_disk
from assetflow.commit.writer import CatalogWriter
from assetflow.errors import StorageError


class VacuumedFile(BaseModel):
    """A file vacuum removed (or would remove, in a dry run)."""

    model_config = ConfigDict(frozen=True)
    path: str
    kind: str
    """``unreferenced``, ``temp``, ``publish_temp`` or ``superseded``."""
    bytes: int
    asset: str | None = None
    partition: str | None = None


class VacuumReport(BaseModel):
    """What :func:`vacuum` removed and what it kept because it is within the retention."""

    model_config = ConfigDict(frozen=True)
    warehouse: str
    dry_run: bool
    older_than_seconds: float
    removed: list[VacuumedFile]
    retained: int
    """Superseded or orphan files kept because they are younger than the retention."""

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.removed)

    def render(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        lines = [f"  {verb} {f.kind:<13} {f.path}  {f.bytes:,} bytes" for f in self.removed]
        lines.append(
            f"vacuum {self.warehouse}: {verb} {len(self.removed)} file(s), {self.bytes:,} bytes; "
            f"kept {self.retained} younger than {_age(self.older_than_seconds)}"
        )
        return "\n".join(lines)


def vacuum(
    catalog: CatalogWriter, *, now: datetime, older_than: timedelta, dry_run: bool = False
) -> VacuumReport:
    """Remove orphan and superseded files older than ``older_than`` (see the module docstring).

    Args:
        catalog: the open writer; holding it keeps other writers out while files are removed.
        now: the current time (from the caller's clock).
    """
    root = catalog.root
    if not dry_run:
        # The published views must not name a file removed below; rebuilding every view
        # also refuses a warehouse with a missing or damaged current file.
        catalog.rebuild_all_views()
        catalog.publish()
        if catalog.view_failures:
            asset = min(catalog.view_failures)
            raise StorageError(
                f"not vacuuming: the view of {asset} could not be rebuilt, so the published "
                "snapshot may still read superseded files; run `asset verify --repair` first"
            )
    files = catalog.files()
    protected = set(files.filter(pl.col("is_current"))["file_path"].to_list())
    cutoff = now - older_than
    chosen: list[VacuumedFile] = []
    retained = 0

    superseded = (
        files.filter(~pl.col("file_path").is_in(list(protected)))
        .with_columns(since=pl.coalesce("superseded_at", "finished_at"))
        .group_by("file_path")
        .agg(pl.col("asset").first(), pl.col("partition").first(), pl.col("since").max())
        .sort("file_path")
    )
    on_disk = {d.path: d for d in scan_disk(root, catalog.storage)}
    for path, asset, partition, since in superseded.iter_rows():
        if path not in on_disk:
            continue  # already removed by an earlier vacuum
        if since > cutoff:
            retained += 1
            continue
        chosen.append(
            VacuumedFile(
                path=path,
                kind="superseded",
                bytes=on_disk[path].bytes,
                asset=asset,
                partition=partition,
            )
        )

    referenced = set(files["file_path"].to_list())
    for d in on_disk.values():
        if d.kind == "data" and d.path in referenced:
            continue
        if d.mtime > cutoff.timestamp():
            retained += 1
            continue
        kind = "unreferenced" if d.kind == "data" else d.kind
        chosen.append(VacuumedFile(path=d.path, kind=kind, bytes=d.bytes))

    if not dry_run:
        for f in chosen:
            if f.path in protected:  # belt and braces: never a current file
                raise AssertionError(f"vacuum chose a current file: {f.path}")
            if f.kind == "publish_temp":  # a catalog file, beside the snapshot
                (root / f.path).unlink(missing_ok=True)
            else:
                catalog.storage.delete(f.path)  # and its folders, if that empties them
    return VacuumReport(
        warehouse=str(root),
        dry_run=dry_run,
        older_than_seconds=older_than.total_seconds(),
        removed=chosen,
        retained=retained,
    )


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
