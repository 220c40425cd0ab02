"""Values computed from one published snapshot, served at once while the next one is computed.

Computing every partition's status takes about a second at 365,000 partitions (the planner, see
``docs/benchmarks.md``), and a running backfill republishes the snapshot every second. So a page
must not wait for that computation each time the snapshot changes: :class:`SnapshotCache` hands
out the value of the latest version it has (stale-while-revalidate) and recomputes the new
version on one background thread, once per key. Only the very first request for a key waits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Version = tuple[str, str]
"""(snapshot tag, as-of minute): what a value was computed from; later versions sort higher."""


class SnapshotCache:
    """Latest value per key, with the version it was computed from (at most ``size`` keys)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._values: OrderedDict[Hashable, tuple[Version, Any]] = OrderedDict()
        self._pending: set[tuple[Hashable, Version]] = set()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assetflow-ui-cache")

    def get(
        self, key: Hashable, version: Version, compute: Callable[[], Any], *, exact: bool = False
    ) -> tuple[Any, Version]:
        """The value for ``key`` and its version.

        An older version is returned at once (and ``version`` computed in the background)
        unless ``exact``; with nothing cached, or ``exact``, ``compute`` runs now.
        """
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
        if found is not None and (found[0] == version or not exact):
            if found[0] != version:
                self._refresh(key, version, compute)
            return found[1], found[0]
        value = compute()
        self._store(key, version, value)
        return value, version

    def clear(self) -> None:
        """Forget every value (benchmarks use it to measure cold requests)."""
        with self._lock:
            self._values.clear()

    def _refresh(self, key: Hashable, version: Version, compute: Callable[[], Any]) -> None:
        with self._lock:
            if (key, version) in self._pending:
                return
            self._pending.add((key, version))

        def job() -> None:
            try:
                with self._lock:
                    done = self._values.get(key, ((), None))[0] >= version
                if not done:  # another job may have computed it meanwhile
                    self._store(key, version, compute())
            finally:
                with self._lock:
                    self._pending.discard((key, version))

        self._worker.submit(job)

    def _store(self, key: Hashable, version: Version, value: Any) -> None:
        with self._lock:
            current = self._values.get(key)
            if current is not None and current[0] > version:
                return  # a newer version got here first
            self._values[key] = (version, value)
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)
