"""``asset verify``: do the catalog, the files and the published views agree?

Checks, against the live catalog (the truth) and the published snapshot (what readers see):

- every current partition's file exists and its checksum is the one recorded at commit;
- both catalog files open and every row of their state tables reads (DuckDB checks block
  checksums only when a block is read);
- every asset view in the snapshot reads exactly the files the snapshot's catalog says are
  current, and those files exist;
- files in the warehouse layout that no materialization references are *orphans* (left by a
  crash or a refused commit): reported, not damage; ``asset vacuum`` removes them;
- no DuckDB sidecar (a WAL left by a program that opened the snapshot read-write) lies beside
  the snapshot, and the snapshot was published for this location (not copied from another);
- no current partition has a file without columns (an older assetflow committed such outputs;
  DuckDB cannot build a view over one).

A snapshot that is behind the live catalog (a run was killed between a commit and publishing)
is not damage either: readers see the previous version, as promised; the next run republishes.
Verification holds no lock while it reads files: the live catalog is read and released first,
and committed files never change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl
from pydantic import BaseModel, ConfigDict

from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from assetflow.commit.db_errors import LIVE_DAMAGED_HINT
from assetflow.commit.inventory import scan_disk
from assetflow.commit.location import moved_from, moved_message
from assetflow.commit.publish import sidecars
from assetflow.commit.storage import Storage
from assetflow.errors import CatalogLockedError, StorageError

if TYPE_CHECKING:
    from assetflow.commit.warehouse import Warehouse

REPAIR_FILE_HINT = (
    "`asset verify --repair` forgets the partition so the next run rebuilds it, or "
    "`asset rollback` restores a retained version"
)
REPUBLISH_HINT = "`asset verify --repair` (or the next run) publishes it again"


class Problem(BaseModel):
    """One piece of damage."""

    model_config = ConfigDict(frozen=True)
    kind: str
    """``missing_file``, ``checksum_mismatch``, ``catalog_missing``, ``catalog_unreadable``,
    ``view_mismatch``, ``snapshot_missing_file``, ``snapshot_sidecar``, ``moved`` or
    ``no_columns``."""
    detail: str
    asset: str | None = None
    partition: str | None = None
    path: str | None = None


class Orphan(BaseModel):
    """A file in the warehouse layout that no materialization references."""

    model_config = ConfigDict(frozen=True)
    path: str
    kind: str
    """``unreferenced`` (a final name nothing committed), ``temp`` (an unfinished write) or
    ``publish_temp`` (an unfinished snapshot copy)."""
    bytes: int


class VerifyReport(BaseModel):
    """The outcome of :func:`verify_warehouse`; ``ok`` is False when anything is damaged."""

    model_config = ConfigDict(frozen=True)
    warehouse: str
    partitions: int
    """Current partitions in the live catalog."""
    files_checked: int
    problems: list[Problem]
    orphans: list[Orphan]
    notes: list[str]
    repaired: list[str] = []
    """What ``--repair`` did before this check."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        """Text for a terminal."""
        lines = [f"repaired: {a}" for a in self.repaired]
        lines.append(
            f"verified {self.warehouse}: {self.partitions} partitions, "
            f"{self.files_checked} files checked"
        )
        for p in self.problems:
            where = " ".join(x for x in (p.asset, p.partition, p.path) if x)
            lines.append(f"  damage  {p.kind:<22} {where + ': ' if where else ''}{p.detail}")
        if self.orphans:
            size = sum(o.bytes for o in self.orphans)
            lines.append(
                f"  {len(self.orphans)} orphan file(s), {size:,} bytes, referenced by no commit "
                "(`asset vacuum` removes them):"
            )
            lines.extend(f"    {o.kind:<13} {o.path}" for o in self.orphans)
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.append("ok" if self.ok else f"DAMAGED: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def verify_warehouse(
    warehouse: Warehouse, *, on_wait: Callable[[str], None] | None = None
) -> VerifyReport:
    """Check ``warehouse``; see the module docstring for what is checked.

    Raises:
        StorageError: there is no catalog at all (nothing was ever materialized).
        CatalogLockedError: a writer held the live catalog for longer than the lock timeout.
    """
    root, storage = warehouse.root, warehouse.storage
    live, published = root / LIVE_CATALOG, root / PUBLISHED_CATALOG
    if not live.exists() and not published.exists():
        raise StorageError(f"{root} has no catalog yet; run `asset materialize` first")
    problems: list[Problem] = []
    notes: list[str] = []
    files = _read_live(warehouse, on_wait, problems)
    for path in sidecars(published):
        problems.append(
            Problem(
                kind="snapshot_sidecar",
                path=path.name,
                detail=f"left by a program that opened {PUBLISHED_CATALOG} read-write; DuckDB "
                "replays it onto the next snapshot and refuses to open it; `asset verify "
                "--repair` removes it (open the snapshot read-only)",
            )
        )
    snapshot = _read_snapshot(warehouse, problems, notes)

    current = files.filter(pl.col("is_current")) if files is not None else None
    checked = 0
    if current is not None:
        for asset, partition, path, checksum in current.select(
            "asset", "partition", "file_path", "file_checksum"
        ).iter_rows():
            checked += 1
            problem = check_file(storage, path, checksum)
            if problem:
                problems.append(
                    Problem(
                        kind=problem[0],
                        detail=f"{problem[1]}; {REPAIR_FILE_HINT}",
                        asset=asset,
                        partition=partition,
                        path=path,
                    )
                )
    if snapshot is not None:
        snap_files, views = snapshot
        checked += _check_snapshot(storage, snap_files, views, current, problems, notes)

    orphans: list[Orphan] = []
    if files is not None:
        referenced = set(files["file_path"].to_list())
        for d in scan_disk(root, storage):
            if d.kind != "data":
                orphans.append(Orphan(path=d.path, kind=d.kind, bytes=d.bytes))
            elif d.path not in referenced:
                orphans.append(Orphan(path=d.path, kind="unreferenced", bytes=d.bytes))
    else:
        notes.append("orphans not listed: the live catalog could not be read")
    return VerifyReport(
        warehouse=str(root),
        partitions=current.height if current is not None else 0,
        files_checked=checked,
        problems=problems,
        orphans=orphans,
        notes=notes,
    )


def check_file(storage: Storage, key: str, checksum: str) -> tuple[str, str] | None:
    """(kind, detail) if the committed file ``key`` is missing or not what was committed."""
    try:
        if not storage.exists(key):
            return "missing_file", "the committed file is missing"
        if storage.checksum(key) != checksum:
            return "checksum_mismatch", "the file's checksum differs from the one committed"
    except OSError as exc:
        return "missing_file", f"the committed file cannot be read ({exc.strerror or exc})"
    except StorageError as exc:  # a key that leaves the warehouse
        return "missing_file", str(exc)
    return None


def _read_live(
    warehouse: Warehouse, on_wait: Callable[[str], None] | None, problems: list[Problem]
) -> pl.DataFrame | None:
    if not (warehouse.root / LIVE_CATALOG).exists():
        problems.append(
            Problem(
                kind="catalog_missing",
                path=str(LIVE_CATALOG),
                detail=f"the live catalog is missing; {LIVE_DAMAGED_HINT}",
            )
        )
        return None
    try:
        with warehouse.live_reader(on_wait) as reader:
            reader.scan()
            for asset, partition, file in reader.without_columns():
                problems.append(
                    Problem(
                        kind="no_columns",
                        asset=asset,
                        partition=partition,
                        path=file,
                        detail="its file has no columns, so DuckDB cannot build the asset's "
                        f"view (later partitions are refused too); {REPAIR_FILE_HINT}",
                    )
                )
            return reader.files()
    except CatalogLockedError:
        raise
    except StorageError as exc:
        problems.append(Problem(kind="catalog_unreadable", path=str(LIVE_CATALOG), detail=str(exc)))
        return None


def _read_snapshot(
    warehouse: Warehouse, problems: list[Problem], notes: list[str]
) -> tuple[pl.DataFrame, dict[str, list[str]]] | None:
    if not (warehouse.root / PUBLISHED_CATALOG).exists():
        notes.append(f"{PUBLISHED_CATALOG} is not published yet; {REPUBLISH_HINT}")
        return None
    try:
        with warehouse.reader() as reader:
            reader.scan()
            files = reader.files()
            original = moved_from(reader.published_from(), warehouse.root)
            if original is not None:
                # Every view reads the original's files; one problem says why, not one per view.
                detail = moved_message(warehouse.root, original)
                problems.append(Problem(kind="moved", path=str(PUBLISHED_CATALOG), detail=detail))
                return None
            return files.filter(pl.col("is_current")), reader.view_files()
    except CatalogLockedError:
        raise
    except StorageError as exc:
        problems.append(
            Problem(kind="catalog_unreadable", path=str(PUBLISHED_CATALOG), detail=str(exc))
        )
        return None


def _check_snapshot(
    storage: Storage,
    snap: pl.DataFrame,
    views: dict[str, list[str]],
    live_current: pl.DataFrame | None,
    problems: list[Problem],
    notes: list[str],
) -> int:
    """Views against the snapshot's own catalog; the snapshot's files; its lag behind live."""
    expected: dict[str, set[str]] = {}
    for asset, path in snap.select("asset", "file_path").iter_rows():
        expected.setdefault(asset, set()).add(storage.uri(path))
    for asset in sorted(set(expected) | set(views)):
        want, have = expected.get(asset, set()), set(views.get(asset, []))
        if want != have:
            problems.append(
                Problem(
                    kind="view_mismatch",
                    asset=asset,
                    detail=f"the view reads {len(have)} file(s), the catalog has {len(want)} "
                    f"current ({len(want ^ have)} differ); {REPUBLISH_HINT}",
                )
            )
    live_paths = set() if live_current is None else set(live_current["file_path"].to_list())
    checked = 0
    for asset, partition, path, checksum in snap.select(
        "asset", "partition", "file_path", "file_checksum"
    ).iter_rows():
        if path in live_paths:
            continue  # already checked as a live current file
        checked += 1
        if check_file(storage, path, checksum):
            problems.append(
                Problem(
                    kind="snapshot_missing_file",
                    asset=asset,
                    partition=partition,
                    path=path,
                    detail=f"readers of the published snapshot read this file, which is missing "
                    f"or damaged; {REPUBLISH_HINT}",
                )
            )
    if live_current is not None:
        key = ["asset", "partition", "id"]
        behind = live_current.select(key).join(snap.select(key), on=key, how="anti").height
        ahead = snap.select(key).join(live_current.select(key), on=key, how="anti").height
        if behind or ahead:
            notes.append(
                f"the published snapshot differs from the live catalog in {max(behind, ahead)} "
                "partition(s): a run is in progress or stopped before publishing; readers see "
                f"the previous versions until {REPUBLISH_HINT}"
            )
    return checked
