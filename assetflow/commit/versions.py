"""Content hashes: the data version of a table and the checksum of a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

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
