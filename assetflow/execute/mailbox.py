"""Self-pipes: how other threads wake the coordinator, which waits on file descriptors.

The coordinator sleeps in ``multiprocessing.connection.wait`` on its cancel token, its committer
and its executor's waitables, so anything that completes on another thread (a catalog write, a
task on a worker thread, a future of a cluster client) writes a byte to a pipe it watches.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Waker:
    """A pipe the coordinator waits on; any thread can wake it."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._write, b"x")

    def fileno(self) -> int:
        return self._read

    def clear(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.read(self._read, 65536)

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


class Mailbox(Generic[T]):
    """Items posted from any thread; readable (``fileno``) while some are waiting.

    An executor whose attempts report on other threads (a thread pool, futures of a cluster
    client) posts its messages here and returns the mailbox from ``waitables()``.
    """

    def __init__(self) -> None:
        self._items: deque[T] = deque()
        self._lock = threading.Lock()
        self._waker = Waker()
        self._closed = False

    def post(self, item: T) -> None:
        """Add ``item``; ignored once closed (a straggling thread must not write to a pipe
        whose descriptor number may belong to another file by then)."""
        with self._lock:
            if self._closed:
                return
            self._items.append(item)
            self._waker.wake()

    def fileno(self) -> int:
        return self._waker.fileno()

    def take(self) -> list[T]:
        """Everything posted so far, oldest first."""
        self._waker.clear()
        with self._lock:
            taken = list(self._items)
            self._items.clear()
        return taken

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._waker.close()
