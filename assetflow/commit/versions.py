"""Content hashes: the data version of a table and the checksum of a file."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa

_CHUNK = 1 << 20


def data_version(table: pa.Table) -> str:
    """A hash of the table's schema and values, stable across reruns that produce the same data.

    Hashes the Arrow IPC encoding of the table with chunks combined, so the same rows give the
    same version however they were batched.
    """
    h = hashlib.blake2b(digest_size=16)
    sink = _HashSink(h)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return h.hexdigest()


def file_checksum(path: Path) -> str:
    """blake2b of a file's bytes, recorded at commit and checked by ``asset verify``."""
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class _HashSink:
    """A write-only file object that feeds bytes into a hash instead of storing them."""

    def __init__(self, h: hashlib._Hash) -> None:
        self._h = h
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self._h.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def memory_version(table: pa.Table) -> str | None:
    """:func:`data_version` of ``table`` as it will read back from Parquet, without reading it
    back; None when that cannot be promised (then read the written file back).

    Parquet gives back the same Arrow types and values for flat columns without nulls (the
    schema travels in the file). Values under null slots, dictionary and view encodings, nested
    columns and sliced buffers may be laid out differently in memory than after a read-back, so
    those tables are not hashed here: their versions stay exactly what they always were.
    """
    combined = table.combine_chunks()
    if not round_trips(combined):
        return None
    h = hashlib.blake2b(digest_size=16)
    with pa.ipc.new_stream(_HashSink(h), combined.schema) as writer:
        writer.write_table(combined)
    return h.hexdigest()


def round_trips(table: pa.Table) -> bool:
    """True if reading ``table`` back from Parquet gives it exactly, buffers included: flat
    columns without nulls, not sliced (see :func:`memory_version`)."""
    for column in table.columns:
        if column.null_count or not _flat(column.type):
            return False
        if any(chunk.offset or not _clean_tail(chunk) for chunk in column.chunks):
            return False
    return True


def _clean_tail(chunk: pa.Array) -> bool:
    """False for a boolean array whose last byte has bits set past its end: they are not data,
    but the IPC encoding hashes them, and a Parquet read gives them back as zeros (polars leaves
    them set after some operations)."""
    length = len(chunk)
    if not pa.types.is_boolean(chunk.type) or length % 8 == 0:
        return True
    last = memoryview(chunk.buffers()[1])[length // 8]  # type: ignore[arg-type]
    return last >> (length % 8) == 0


def _flat(kind: pa.DataType) -> bool:
    t = pa.types
    return (
        t.is_integer(kind)
        or t.is_floating(kind)
        or t.is_boolean(kind)
        or t.is_temporal(kind)
        or t.is_decimal(kind)
        or t.is_string(kind)
        or t.is_large_string(kind)
        or t.is_binary(kind)
        or t.is_large_binary(kind)
    )


class HashingWriter:
    """A binary file wrapper that hashes every byte written through it (the file checksum,
    computed from the bytes in hand instead of reading the file again)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._h = hashlib.blake2b(digest_size=16)
        self.closed = False

    def write(self, data: bytes | memoryview) -> int:
        self._h.update(data)
        return self._f.write(data)

    def tell(self) -> int:
        return self._f.tell()

    def flush(self) -> None:
        self._f.flush()

    def close(self) -> None:
        self.closed = True

    def hexdigest(self) -> str:
        return self._h.hexdigest()
