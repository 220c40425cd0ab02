"""Frames of committed partition files, kept by the worker that read or wrote them.

A partition file is written once under a fresh unique name and never modified, so its path
names its content for good: a frame loaded from it (or the frame that was written to it) can be
handed to every later task in the same worker that reads it. That makes an unpartitioned or
wide upstream read by many downstream partitions load once per worker, not once per partition,
and hands a partition's output to its downstream in memory when both run in the same worker
(the file is still written, fsynced and committed; other workers and readers use it).

Only frames equal to what a read of the file gives are kept: those of flat columns (numbers,
booleans, temporal, decimals, strings, binaries, categoricals; nulls included), which Parquet
gives back to polars as they were written (``versions.flat_schema`` tells;
tests/commit/test_data_versions.py checks the equality on random frames). Nested columns are
read from the file. The cache is bounded (least recently used frames go first) and per process;
threads share it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import polars as pl

LIMIT_BYTES = 256 << 20
"""At most this many bytes of frames per worker process (a larger frame is not kept)."""


class FrameCache:
    """Least-recently-used polars frames by absolute file path, bounded in bytes."""

    def __init__(self, limit: int = LIMIT_BYTES) -> None:
        self._limit = limit
        self._frames: OrderedDict[str, tuple[pl.DataFrame, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, path: str) -> pl.DataFrame | None:
        """A copy of the frame of ``path`` (a cheap one: columns are shared and immutable), so
        user code that replaces a column changes only its own copy."""
        with self._lock:
            hit = self._frames.get(path)
            if hit is None:
                return None
            self._frames.move_to_end(path)
            return hit[0].clone()

    def put(self, path: str, frame: pl.DataFrame) -> None:
        size = frame.estimated_size()
        if size > self._limit:
            return
        with self._lock:
            old = self._frames.pop(path, None)
            self._size += size - (old[1] if old else 0)
            self._frames[path] = (frame.clone(), size)
            while self._size > self._limit:
                _, (_, dropped) = self._frames.popitem(last=False)
                self._size -= dropped

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._size = 0


FRAMES = FrameCache()
"""This process's cache (one per worker process; shared by a thread pool's threads)."""
