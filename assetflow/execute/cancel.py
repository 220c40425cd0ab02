"""Cancellation: SIGINT/SIGTERM (or :meth:`CancelToken.cancel`) ask the coordinator to stop.

The token owns a pipe the coordinator waits on alongside its workers, so a signal wakes it at
once. The first request stops launching tasks and starts the grace period; a second one stops
the running tasks immediately.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator


class CancelToken:
    """Set when the run should stop; safe to call from a signal handler or another thread."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self.requests = 0
        self.reason = ""

    @property
    def requested(self) -> bool:
        return self.requests > 0

    def cancel(self, reason: str = "cancel requested") -> None:
        """Ask the run to stop (a second call: stop the running tasks now)."""
        self.requests += 1
        self.reason = self.reason or reason
        with contextlib.suppress(BlockingIOError, OSError):
            os.write(self._write, b"x")

    def fileno(self) -> int:
        return self._read

    def clear_wakeups(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            os.read(self._read, 4096)

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[None]:
        """Turn SIGINT and SIGTERM into :meth:`cancel` for the duration (main thread only)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: object) -> None:
            self.cancel(f"received {signal.Signals(signum).name}")

        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, h in previous.items():
                signal.signal(s, h)

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)
