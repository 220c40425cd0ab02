"""An advisory file lock that serializes ticks (and schedulers) on one warehouse.

The catalog's writer lock already makes each run exclusive and every run re-plans inside it, so
two ticks can never commit a partition twice. This lock makes the *whole* tick (observe, decide,
run, record the tick) one critical section, so a tick that waited sees the tick record of the one
before it and reports "already done" instead of deciding from a stale view.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assetflow.errors import CatalogLockedError

TICK_LOCK = Path(".assetflow") / "tick.lock"
_POLL_SECONDS = 0.05


@contextmanager
def tick_lock(
    root: Path, *, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``<warehouse>/.assetflow/tick.lock``, waiting up to ``timeout`` seconds."""
    path = root / TICK_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    raise CatalogLockedError(
                        f"another tick (process {holder}) is still running after {timeout:g}s; "
                        "wait for it or raise --lock-timeout"
                    ) from None
                if on_wait and not told:
                    on_wait(f"waiting for another tick (process {holder}) to finish")
                    told = True
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
