"""Partition file layout and the atomic write: temp file -> fsync -> rename to an immutable name.

Layout: ``<warehouse>/<asset>/<encoded partition key>/<uuid>.parquet``. Keys are percent-encoded
so no key can name another directory, and no folder is called ``name=value`` (DuckDB would read
that as a column and silently replace a data column of the same name).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from assetflow.commit.faults import fault_point
from assetflow.commit.schema_check import describe_schema
from assetflow.commit.versions import data_version, file_checksum
from assetflow.errors import AssetOutputError, PartitionKeyError, StorageError

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
TEMP_PREFIX = ".tmp-"
_NAME_MAX = 255


def encode_key(key: str) -> str:
    """Percent-encode everything but ``[A-Za-z0-9._-]``; dots alone are encoded too."""
    encoded = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in key)
    return encoded.replace(".", "%2E") if set(encoded) == {"."} else encoded


def partition_dir(root: Path, asset: str, key: str) -> Path:
    folder = encode_key(key)
    if len(folder) > _NAME_MAX:
        raise PartitionKeyError(
            f"partition key {key[:20]!r}... of {asset} needs a {len(folder)}-byte folder name "
            f"once encoded; the file system allows {_NAME_MAX}: use a shorter or ASCII key"
        )
    return root / asset / folder


@dataclass(frozen=True)
class StagedFile:
    """A Parquet file renamed into place but not yet committed (an orphan until it is)."""

    path: str
    """Relative to the warehouse root, with '/' separators."""
    data_version: str
    file_checksum: str
    row_count: int
    bytes: int
    schema: str
    """Columns as JSON ``[[name, logical type], ...]`` (see ``schema_check``)."""


def stage_table(table: pa.Table, root: Path, asset: str, key: str) -> StagedFile:
    """Write ``table`` durably under its final immutable name; the catalog commit comes after.

    A failure before the rename removes the temp file; a crash leaves at most a temp file or an
    unreferenced final file, both of which ``vacuum`` removes.
    """
    folder = partition_dir(root, asset, key)
    name = uuid.uuid4().hex
    temp = folder / f"{TEMP_PREFIX}{name}.parquet"
    final = folder / f"{name}.parquet"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as f:
            pq.write_table(table, f, compression="zstd")
            f.flush()
            fault_point("after_temp_write")
            os.fsync(f.fileno())
        fault_point("after_fsync")
        # The version is taken from what was written, so it describes exactly the committed data.
        written = pq.read_table(temp)
        version = data_version(written)
        checksum = file_checksum(temp)
        os.replace(temp, final)
        fsync_dir(folder)
        fault_point("after_rename")
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        # Outputs are checked before staging; this catches a type those checks do not know.
        temp.unlink(missing_ok=True)
        raise AssetOutputError(
            f"asset {asset!r} partition {key} cannot be written as Parquet: {exc}"
        ) from None
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(
            f"could not write {asset} {key} under {folder}: {exc.strerror or exc}; "
            "check free space and write permission on the warehouse directory"
        ) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return StagedFile(
        path=final.relative_to(root).as_posix(),
        data_version=version,
        file_checksum=checksum,
        row_count=written.num_rows,
        bytes=final.stat().st_size,
        schema=describe_schema(written.schema),
    )


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX needs the directory entry flushed too)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard_staged(root: Path, staged: StagedFile) -> None:
    """Remove a staged file the catalog refused, and its folders if that leaves them empty.

    Only for a file this process staged and that no commit references (its name is a fresh
    uuid), so nothing else can be reading it.
    """
    final = root / staged.path
    final.unlink(missing_ok=True)
    for folder in (final.parent, final.parent.parent):
        try:
            folder.rmdir()
        except OSError:
            break
