"""Catalog writes on one background thread, in order, while the coordinator keeps dispatching.

A DuckDB statement costs about a millisecond and a commit several, during which a coordinator
that waited for it would leave workers idle. DuckDB releases the GIL while it works, so the
coordinator hands every catalog write (partition commits, state rows, snapshot publication) to
this single thread and goes on giving tasks to workers. One thread keeps the writes in order and
the connection single-threaded. Group commit falls out: partitions that finish while a commit
is in flight wait for the next one, so batches grow exactly as much as the catalog is slow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from assetflow.execute.mailbox import Waker


class Committer:
    """Runs submitted catalog writes one at a time on a background thread."""

    def __init__(self, waker: Waker) -> None:
        self._waker = waker
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assetflow-commit")
        self._inflight: list[Future] = []
        self._lock = threading.Lock()
        self.seconds: dict[str, float] = {}
        """Time spent per kind of write, on the committer thread."""

    @property
    def busy(self) -> bool:
        """Whether a submitted write has not finished yet."""
        return any(not f.done() for f in self._inflight)

    def submit(self, kind: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)``; the coordinator is woken when it is done."""

        def timed() -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    spent = time.perf_counter() - started
                    self.seconds[kind] = self.seconds.get(kind, 0.0) + spent

        future = self._executor.submit(timed)
        future.add_done_callback(lambda _: self._waker.wake())
        self._inflight.append(future)
        return future

    def check(self) -> None:
        """Forget finished writes; re-raise the error of one that failed."""
        done = [f for f in self._inflight if f.done()]
        self._inflight = [f for f in self._inflight if not f.done()]
        for future in done:
            future.result()

    def drain(self) -> None:
        """Wait for every submitted write; re-raise the first error."""
        pending, self._inflight = self._inflight, []
        error: BaseException | None = None
        for future in pending:
            try:
                future.result()
            except BaseException as exc:
                error = error or exc
        if error is not None:
            raise error

    def close(self) -> None:
        self._executor.shutdown(wait=True)
