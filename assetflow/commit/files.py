"""Partition file layout and staging: a task's output written once under a new immutable key.

Layout (storage keys): ``<asset>/<encoded partition key>/<uuid>.parquet``. Partition keys are
percent-encoded so no key can name another directory, and no folder is called ``name=value``
(DuckDB would read that as a column and silently replace a data column of the same name). The
write itself (temp -> fsync -> rename locally) is the storage's (``commit/storage.py``).
"""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from assetflow.commit.schema_check import describe_schema
from assetflow.commit.storage import Storage
from assetflow.commit.versions import data_version, memory_version
from assetflow.errors import AssetOutputError, PartitionKeyError, StorageError

_VERSION_ALONGSIDE_ROWS = 4096
"""From this many rows a table is versioned on another thread while it is written: both
mostly run outside the GIL (hashing, Arrow casts; polars' writer), and below it the handoff
costs about what the version does."""
_versioning: ThreadPoolExecutor | None = None
_versioning_lock = threading.Lock()
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_NAME_MAX = 255


def encode_key(key: str) -> str:
    """Percent-encode everything but ``[A-Za-z0-9._-]``; dots alone are encoded too."""
    encoded = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in key)
    return encoded.replace(".", "%2E") if set(encoded) == {"."} else encoded


def partition_prefix(asset: str, key: str) -> str:
    """The storage key prefix (folder) of one partition's files: ``<asset>/<encoded key>``."""
    folder = encode_key(key)
    if len(folder) > _NAME_MAX:
        raise PartitionKeyError(
            f"partition key {key[:20]!r}... of {asset} needs a {len(folder)}-byte folder name "
            f"once encoded; the file system allows {_NAME_MAX}: use a shorter or ASCII key"
        )
    return f"{asset}/{folder}"


@dataclass(frozen=True)
class StagedFile:
    """A Parquet file written under its final key but not yet committed (an orphan until it is)."""

    key: str
    """The storage key (warehouse-relative, '/' separators)."""
    data_version: str
    file_checksum: str
    row_count: int
    bytes: int
    schema: str
    """Columns as JSON ``[[name, logical type], ...]`` (see ``schema_check``)."""
    metadata: str | None = None
    """What the asset attached with ``context.add_metadata`` (a JSON object), if anything."""


def stage_table(
    table: pa.Table,
    storage: Storage,
    asset: str,
    partition: str,
    *,
    frame: pl.DataFrame | None = None,
) -> StagedFile:
    """Write ``table`` durably under a new immutable key; the catalog commit comes after.

    ``frame``: the polars frame ``table`` was converted from, if the asset returned one. It is
    written with polars' own Parquet writer, which is faster on polars data than Arrow's; the
    file reads back as the same data either way (types, time zones and values, which
    tests/commit/test_partition_files.py checks), so data versions do not depend on the writer.
    ``table`` may then be the frame's zero-copy Arrow view (string views and all).

    A failure leaves nothing under the key (``Storage.put`` is write-once); a crash leaves at
    most a temp or an unreferenced file, both of which ``vacuum`` removes.
    """
    key = f"{partition_prefix(asset, partition)}/{uuid.uuid4().hex}.parquet"
    if frame is not None:
        write = lambda f: frame.write_parquet(f, compression="zstd")  # noqa: E731
    else:
        import pyarrow.parquet as pq  # ~40 ms to import: only for outputs that are not polars

        write = lambda f: pq.write_table(table, f, compression="zstd")  # noqa: E731
    # The version describes exactly the committed data: its canonical form taken from memory
    # (``memory_version``), or for nested columns from the file read back.
    alongside = _versioning_pool().submit(memory_version, table) if _large(table) else None
    try:
        put = storage.put(key, write)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError, pl.exceptions.PolarsError) as exc:
        # Outputs are checked before staging; this catches a type those checks do not know.
        raise AssetOutputError(
            f"asset {asset!r} partition {partition} cannot be written as Parquet: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    except OSError as exc:
        where = storage.uri(partition_prefix(asset, partition))
        raise StorageError(
            f"could not write {asset} {partition} under {where}: {exc.strerror or exc}; "
            "check free space and write permission on the warehouse directory"
        ) from exc
    try:
        version = alongside.result() if alongside else memory_version(table)
    except BaseException:
        storage.delete(key)
        raise
    if version is not None:
        schema = table.schema
    else:
        import pyarrow.parquet as pq  # nested columns only

        try:
            with storage.open(key) as f:
                written = pq.ParquetFile(f).read()  # read_table's decoder without its dataset
        except BaseException:
            storage.delete(key)
            raise
        version, schema = data_version(written), written.schema
    return StagedFile(
        key=key,
        data_version=version,
        file_checksum=put.checksum,
        row_count=table.num_rows,
        bytes=put.size,
        schema=describe_schema(schema),
    )


def discard_staged(storage: Storage, staged: StagedFile) -> None:
    """Remove a staged file the catalog refused (and folders that leaves empty).

    Only for a file this process staged and that no commit references (its key is a fresh
    uuid), so nothing else can be reading it.
    """
    storage.delete(staged.key)


def _large(table: pa.Table) -> bool:
    return table.num_rows >= _VERSION_ALONGSIDE_ROWS


def _versioning_pool() -> ThreadPoolExecutor:
    """The threads that version large tables while they are written (one pool per process)."""
    global _versioning
    with _versioning_lock:
        if _versioning is None:
            _versioning = ThreadPoolExecutor(os.cpu_count() or 2, "assetflow-version")
        return _versioning
