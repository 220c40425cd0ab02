"""Where data files live: the :class:`Storage` interface and its local implementation.

Every data-file operation of the engine (staging a partition, reading inputs, verify, vacuum,
rollback, repair) goes through a :class:`Storage`, by *key*: a warehouse-relative name with
``/`` separators, ``<asset>/<encoded partition key>/<uuid>.parquet`` (``commit/files.py``).
Keys are what the catalog records and what task specs carry, so a worker on another machine
builds its own Storage from :meth:`Storage.spec` and finds the same files.

The contract a backend keeps:

- :meth:`put` is write-once: a key is written exactly once, completely, or not at all. Locally
  that is a temp file in the key's folder, renamed when complete; an object store uploads the
  final key once (a completed PUT is atomic). Keys are fresh uuids, so two attempts of one task
  never write the same key. A put key is an *orphan* until the catalog transaction that
  references it commits: that transaction stays the only commit point.
- :meth:`persist` makes a group of put files and their names durable before that transaction
  (locally: fsync of each file, then of their folders, each once per group, on the committing
  process rather than on the worker's critical path; an object store has nothing to do).
- :meth:`uri` names a key for DuckDB and polars readers (the views, task inputs).

The catalog files (``.assetflow/catalog.duckdb``, ``warehouse.duckdb``) are not data files:
DuckDB needs them on a local disk, so they stay in the warehouse's local directory.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from assetflow.commit.faults import fault_point
from assetflow.commit.versions import HashingWriter, file_checksum
from assetflow.errors import StorageError

TEMP_PREFIX = ".tmp-"
"""Local files being written are named ``<folder>/.tmp-<name>`` until their rename."""


@dataclass(frozen=True)
class StorageSpec:
    """A picklable description of a storage, from which any process builds its own."""

    kind: str
    """The backend (``local``); see :func:`open_storage`."""
    location: str
    """Where it is: a directory for ``local``, e.g. ``s3://bucket/prefix`` for object stores."""


@dataclass(frozen=True)
class StoredFile:
    """A file a storage holds."""

    key: str
    size: int
    mtime: float
    """Modification (for object stores: upload) time, seconds since the epoch."""


@dataclass(frozen=True)
class PutResult:
    """What :meth:`Storage.put` wrote."""

    key: str
    size: int
    checksum: str
    """blake2b of the bytes (``commit/versions.file_checksum``), recorded at commit."""


class Storage(Protocol):
    """Data files by warehouse-relative key (see the module docstring for the contract)."""

    def spec(self) -> StorageSpec:
        """How another process builds the same storage (:func:`open_storage`)."""
        ...

    def uri(self, key: str) -> str:
        """The name DuckDB and polars read ``key`` by (a local path, or ``s3://...``)."""
        ...

    def put(self, key: str, write: Callable[[BinaryIO], None]) -> PutResult:
        """Write ``key`` once: ``write`` fills a binary file; nothing is visible under ``key``
        unless all of it was written. Raises OSError (and whatever ``write`` raises) with
        nothing left under ``key``. The file needs :meth:`persist` to survive a power loss."""
        ...

    def persist(self, keys: Iterable[str]) -> None:
        """Make files that :meth:`put` wrote, and their names, survive a power loss (locally:
        fsync each file, then their folders). The commit calls it for a group before the
        catalog transaction that references them, off the workers' critical path. Raises
        OSError."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Read ``key`` (a binary file object; close it)."""
        ...

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        """Every file under ``prefix`` (recursively), unfinished writes included."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` if it exists (and, locally, folders that leaves empty)."""
        ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int: ...

    def checksum(self, key: str) -> str:
        """blake2b of the stored bytes (compared with the one recorded at commit)."""
        ...


@dataclass(frozen=True)
class LocalStorage:
    """Data files in a local directory (the warehouse's own, by default)."""

    root: Path

    def __post_init__(self) -> None:
        # Absolute: keys must name the same files whatever the reader's working directory.
        object.__setattr__(self, "root", Path(self.root).resolve())

    def spec(self) -> StorageSpec:
        return StorageSpec("local", str(self.root))

    def path(self, key: str) -> Path:
        """The local file of ``key``."""
        return Path(self.uri(key))

    def uri(self, key: str) -> str:
        # Plain strings: views and inputs ask for thousands of these, pathlib costs ~10x more.
        if key.startswith("/") or ".." in key.split("/"):
            raise StorageError(f"{key!r} is not a key inside the warehouse {self.root}")
        return f"{self.root}/{key}"

    def put(self, key: str, write: Callable[[BinaryIO], None]) -> PutResult:
        final = self.path(key)
        folder = final.parent
        temp = folder / f"{TEMP_PREFIX}{final.name}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(temp, "xb") as f:
                sink = HashingWriter(f)  # the checksum from the bytes in hand, not a re-read
                write(sink)  # type: ignore[arg-type]
                f.flush()
                fault_point("after_temp_write")
            checksum = sink.hexdigest()
            if final.exists():  # write-once (keys are fresh uuids: this is a caller's bug)
                raise FileExistsError(errno.EEXIST, "the key was written before", str(final))
            # Complete but not yet durable: persist() fsyncs it with its group, before the
            # commit that references it (a power loss before that leaves an orphan).
            os.replace(temp, final)
            fault_point("after_rename")
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return PutResult(key, final.stat().st_size, checksum)

    def persist(self, keys: Iterable[str]) -> None:
        # Each file's bytes (fsync works on the file, whichever process wrote it), then the
        # names: a rename lives in its folder's entry list, a new folder's entry in its
        # parent's, up to the root; each folder of the group once (the asset's, for example).
        folders: set[Path] = set()
        for key in keys:
            path = self.path(key)
            fsync_path(path)
            folder = path.parent
            while folder not in folders and folder != self.root.parent:
                folders.add(folder)
                if folder == self.root:
                    break
                folder = folder.parent
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            fsync_path(folder)
        fault_point("after_persist")

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def list(self, prefix: str = "") -> Iterator[StoredFile]:
        top = self.path(prefix) if prefix else self.root
        for folder, _, names in os.walk(top):
            for name in names:
                path = Path(folder) / name
                try:
                    st = path.stat()
                except OSError:
                    continue  # removed meanwhile
                yield StoredFile(path.relative_to(self.root).as_posix(), st.st_size, st.st_mtime)

    def delete(self, key: str) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        return os.stat(self.uri(key)).st_size

    def checksum(self, key: str) -> str:
        return file_checksum(self.path(key))


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a folder's entries (a rename in it is durable only then), to
    the disk, whichever process wrote them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_BACKENDS: dict[str, Callable[[StorageSpec], Storage]] = {
    "local": lambda spec: LocalStorage(Path(spec.location)),
}


@functools.lru_cache(maxsize=16)
def open_storage(spec: StorageSpec) -> Storage:
    """The storage ``spec`` describes (built once per process: workers call this per task)."""
    try:
        backend = _BACKENDS[spec.kind]
    except KeyError:
        raise StorageError(
            f"unknown storage kind {spec.kind!r}; this assetflow has: {', '.join(_BACKENDS)}"
        ) from None
    return backend(spec)
