"""Content hashes: the data version of a table and the checksum of a file.

The data version hashes a *canonical* form of a table's columns, not their memory layout, so the
table an asset returned (from polars, pyarrow or DuckDB) and the same table read back from its
Parquet file get the same version without reading the file back. Per flat column (numbers,
booleans, temporal, decimals, strings, binaries, dictionaries of those, the null type):

- its name and a canonical type: ``string``/``large_string``/``string_view`` are one type,
  binaries likewise, a dictionary is ``dictionary<value type>`` whatever its index type;
  other types are named as Arrow names them (units and time zones included);
- a validity stream (one byte per row) only when the column has nulls;
- its values with every null slot neutralised (zero, ``False``, empty), fixed-width values as
  their bytes, booleans one byte per row (padding bits never count), strings and binaries as
  their lengths (int64) and their bytes; dictionaries decoded first.

Each stream is hashed as rows follow each other, so chunking, slicing and buffer offsets do not
change a version. Nested columns (lists, structs, maps) are not canonicalised: their version is
the hash of their Arrow IPC encoding *as read back from the file* (``stage_table`` reads those
files back). SHA-256, because this machine's SHA extensions hash ~3x faster than blake2b (see
docs/benchmarks.md); the file checksum stays blake2b (``asset verify`` compares it).
"""

from __future__ import annotations

import functools
import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

_CHUNK = 1 << 20
_PIECE = 1 << 20
"""Rows converted at a time (views to large strings, dictionaries decoded): bounds the memory a
version needs beside the table to a few MB per column, whatever the table's size."""
_FORMAT = b"assetflow data version 2\n"


def data_version(table: pa.Table) -> str:
    """A hash of the table's column names, types and values, stable across reruns that
    produce the same data, however it is chunked, sliced or laid out in memory.

    For nested columns it is the version of the table as read back from Parquet (see the
    module docstring); use :func:`memory_version` for a table that is not read back.
    """
    h = hashlib.sha256(_FORMAT)
    h.update(struct.pack("<q", table.num_rows))
    for field, column in zip(table.schema, table.columns, strict=True):
        name = field.name.encode()
        h.update(struct.pack("<q", len(name)) + name)
        h.update(_column_digest(field.type, column))
    return h.hexdigest()[:32]


def memory_version(table: pa.Table) -> str | None:
    """:func:`data_version` of ``table`` as it will read back from Parquet, without reading it
    back; None when a column is nested (then version the written file read back)."""
    return data_version(table) if flat_schema(table.schema) else None


def flat_schema(schema: pa.Schema) -> bool:
    """True if every column is :func:`canonical` (versioned from memory; and a polars frame of
    it reads back from Parquet as it was written, so workers keep it in memory)."""
    return all(canonical(field.type) for field in schema)


@functools.lru_cache(maxsize=512)
def canonical(kind: pa.DataType) -> bool:
    """True for the flat types whose version is taken from memory (see the module docstring)."""
    if pa.types.is_dictionary(kind):
        return _flat(kind.value_type)
    return _flat(kind) or pa.types.is_null(kind)


def _flat(kind: pa.DataType) -> bool:
    t = pa.types
    return (
        t.is_integer(kind)
        or t.is_floating(kind)
        or t.is_boolean(kind)
        or t.is_temporal(kind)
        or t.is_decimal(kind)
        or t.is_fixed_size_binary(kind)
        or _is_text(kind)
        or _is_bytes(kind)
    )


def _is_text(kind: pa.DataType) -> bool:
    t = pa.types
    return t.is_string(kind) or t.is_large_string(kind) or t.is_string_view(kind)


def _is_bytes(kind: pa.DataType) -> bool:
    t = pa.types
    return t.is_binary(kind) or t.is_large_binary(kind) or t.is_binary_view(kind)


@functools.lru_cache(maxsize=512)
def _head(kind: pa.DataType) -> bytes:
    """The type's part of a column digest (its canonical name, length-prefixed)."""
    name = _type_name(kind).encode()
    return struct.pack("<q", len(name)) + name


def _type_name(kind: pa.DataType) -> str:
    if pa.types.is_dictionary(kind):
        inner = _type_name(kind.value_type)
        # Arrow's Parquet reader restores dictionaries of strings and binaries, not others.
        return f"dictionary<{inner}>" if inner in ("string", "binary") else inner
    stored = _stored(kind)
    if stored == pa.large_string():
        return "string"
    if stored == pa.large_binary():
        return "binary"
    if pa.types.is_decimal(stored):
        return f"decimal({stored.precision}, {stored.scale})"
    return str(stored)


@functools.lru_cache(maxsize=512)
def _stored(kind: pa.DataType) -> pa.DataType:
    """The type a (non-dictionary) column's values are hashed as: one per string and binary
    layout, one width of decimals, and the unit Parquet stores where it has no other (a
    ``date64`` reads back as ``date32``, seconds as milliseconds)."""
    t = pa.types
    if _is_text(kind):
        return pa.large_string()
    if _is_bytes(kind):
        return pa.large_binary()
    if t.is_decimal(kind):
        return pa.decimal128(kind.precision, kind.scale)
    if t.is_date64(kind):
        return pa.date32()
    if t.is_timestamp(kind) and kind.unit == "s":
        return pa.timestamp("ms", kind.tz)
    if t.is_time32(kind) and kind.unit == "s":
        return pa.time32("ms")
    return kind


def _column_digest(kind: pa.DataType, column: pa.ChunkedArray) -> bytes:
    if not canonical(kind):
        return _ipc_digest(column)
    head = _head(kind)
    if pa.types.is_null(kind):
        return head
    nulls = column.null_count > 0
    width = _own_width(kind)
    if width and not nulls:
        # Fixed-width values stored as they are, no nulls: the buffers are the canonical
        # form (most columns; the general path below gives the same digest, slower).
        values = hashlib.sha256()
        for chunk in column.chunks:
            values.update(_data(chunk, width))
        return head + b"-" + values.digest() + _NO_LENGTHS
    validity, values, lengths = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    for piece in _pieces(column):
        valid = _valid_bytes(piece) if nulls else None
        if valid is not None:
            validity.update(valid)
        _hash_values(_as_stored(piece), valid, values, lengths)
    return head + (validity.digest() if nulls else b"-") + values.digest() + lengths.digest()


_NO_LENGTHS = hashlib.sha256().digest()
"""The lengths stream of a column without strings or binaries: empty."""


@functools.lru_cache(maxsize=512)
def _own_width(kind: pa.DataType) -> int:
    """Bytes per value of a fixed-width type whose values are hashed as they are stored (not
    booleans, which are bit-packed, nor types hashed as another); else 0."""
    if _is_text(kind) or _is_bytes(kind) or kind == pa.bool_() or pa.types.is_dictionary(kind):
        return 0
    return kind.bit_width // 8 if _stored(kind) == kind else 0


def _pieces(column: pa.ChunkedArray) -> Iterator[pa.Array]:
    """The column's chunks, cut to at most ``_PIECE`` rows, dictionaries decoded (not yet
    :func:`_as_stored`). A small column in several chunks is combined first: one conversion
    instead of one per chunk."""
    chunks = column.chunks
    if len(chunks) > 1 and len(column) <= _PIECE:
        chunks = [column.combine_chunks()]
    for chunk in chunks:
        for start in range(0, len(chunk), _PIECE):
            piece = chunk.slice(start, _PIECE) if len(chunk) > _PIECE else chunk
            if pa.types.is_dictionary(piece.type):
                piece = _kernel("take", _as_stored(piece.dictionary), piece.indices)  # type: ignore[attr-defined]
            yield piece


def _as_stored(array: pa.Array) -> pa.Array:
    kind = _stored(array.type)
    return array if kind == array.type else _cast(array, kind)


def _valid_bytes(piece: pa.Array) -> np.ndarray:
    """One byte per row: 1 where the value is valid, 0 where it is null."""
    bitmap = piece.buffers()[0]
    if bitmap is None:  # no nulls in this piece (others of the column have some)
        return np.ones(len(piece), np.uint8)
    bits = np.frombuffer(bitmap, np.uint8)
    return np.unpackbits(bits, bitorder="little")[piece.offset : piece.offset + len(piece)]


def _hash_values(
    piece: pa.Array, valid: np.ndarray | None, values: hashlib._Hash, lengths: hashlib._Hash
) -> None:
    """Feed one piece's values, null slots neutralised, into ``values`` (and ``lengths``);
    ``valid``: its :func:`_valid_bytes` when the column has nulls."""
    kind = piece.type
    if kind == pa.bool_():
        values.update(_data(_cast(_fill_null(piece, False), pa.uint8()), 1))
        return
    if kind == pa.large_string() or kind == pa.large_binary():  # all of them (see _stored)
        if piece.null_count:
            piece = _fill_null(piece, "" if kind == pa.large_string() else b"")
        if len(piece):
            lengths.update(_data(_kernel("binary_length", piece), 8))
            offsets = memoryview(piece.buffers()[1]).cast("q")  # type: ignore[arg-type]
            start, end = offsets[piece.offset], offsets[piece.offset + len(piece)]
            values.update(piece.buffers()[2].slice(start, end - start))  # type: ignore[union-attr]
        return
    width = kind.bit_width // 8
    data = _data(piece, width)
    if valid is not None and piece.null_count:
        rows = np.frombuffer(data, np.uint8).reshape(len(piece), width).copy()
        rows[valid == 0] = 0
        values.update(rows)
        return
    values.update(data)


def _kernel(name: str, *args: object, options: object = None) -> pa.Array:
    """Arrow's compute kernel ``name``, called by name. ``pyarrow.compute`` builds a Python
    wrapper for each of its ~300 kernels when imported (~0.1 s of CPU, about as much as a
    cron-style call spends versioning its outputs); the kernels are the same ones, and so are
    the arrays, whichever way they are called (the methods ``Array.cast``, ``take`` and
    ``fill_null`` import it too). ``pyarrow._compute`` is private: a pyarrow without it gets
    the public module (the same functions, that import once)."""
    return _compute().call_function(name, list(args), options)


def _compute():
    try:
        import pyarrow._compute as compute
    except ImportError:
        import pyarrow.compute as compute
    return compute


def _cast(array: pa.Array, kind: pa.DataType) -> pa.Array:
    """``pyarrow.compute.cast(array, kind, safe=False)``."""
    return _kernel("cast", array, options=_compute().CastOptions.unsafe(kind))


def _fill_null(array: pa.Array, value: object) -> pa.Array:
    """``pyarrow.compute.fill_null(array, value)``: nulls replaced by ``value``."""
    return _kernel("coalesce", array, pa.scalar(value, array.type))


def _data(array: pa.Array, width: int) -> pa.Buffer:
    """The bytes of a fixed-width array's values, exactly its rows (offset and padding cut)."""
    buffer = array.buffers()[1]
    assert buffer is not None
    return buffer.slice(array.offset * width, len(array) * width)


def _ipc_digest(column: pa.ChunkedArray) -> bytes:
    """The Arrow IPC encoding of one (nested) column, chunks combined."""
    h = hashlib.sha256()
    table = pa.table({"c": column}).combine_chunks()
    with pa.ipc.new_stream(_HashSink(h), table.schema) as writer:
        writer.write_table(table)
    return h.digest()


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
