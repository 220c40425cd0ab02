"""Which task may start next: dependency counts, per-asset concurrency limits, retry timers.

Pure bookkeeping, no I/O and no clock of its own (the caller passes monotonic ``now``). A task
becomes *resolved* when every upstream task it depends on in this run has finished; the
coordinator then decides whether it runs (``enqueue``), is skipped, or fails upstream. Ready
tasks start deepest first (their longest chain of upstream tasks in this run), then in plan
order: a task whose upstream just finished starts before the next root, so a partition's chain
runs back to back, its frames handed over in memory (``frames.py``), and a backfill proceeds
partition by partition rather than level by level.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping

Key = tuple[str, str]
"""(asset, partition)"""


class Scheduler:
    """Tracks every task of a run from queued to finished."""

    def __init__(
        self,
        keys: Iterable[Key],
        deps: Mapping[Key, Iterable[Key]],
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self._rank = {k: i for i, k in enumerate(keys)}
        self._waiting = {k: 0 for k in self._rank}
        self._dependents: dict[Key, list[Key]] = defaultdict(list)
        depth: dict[Key, int] = {}
        for key in self._rank:  # plan order is topological: upstreams come first
            depth[key] = 0
            for up in set(deps.get(key, ())):
                if up in self._rank and up != key:
                    self._waiting[key] += 1
                    self._dependents[up].append(key)
                    depth[key] = max(depth[key], depth.get(up, 0) + 1)
        self._priority = {k: (-depth[k], i) for k, i in self._rank.items()}
        self._failed_upstream: dict[Key, Key] = {}
        self._limits = dict(limits or {})
        self._running: dict[str, int] = defaultdict(int)
        self._ready: list[tuple[tuple[int, int], Key]] = []
        self._held: dict[str, list[tuple[tuple[int, int], Key]]] = defaultdict(list)
        self._delayed: list[tuple[float, tuple[int, int], Key]] = []
        self._unfinished = set(self._rank)
        self._in_flight: set[Key] = set()

    @property
    def done(self) -> bool:
        return not self._unfinished

    @property
    def running(self) -> int:
        return len(self._in_flight)

    def initial(self) -> list[Key]:
        """Tasks with no upstream task in this run, in plan order."""
        return [k for k in self._rank if self._waiting[k] == 0]

    def failed_upstream(self, key: Key) -> Key | None:
        """The first upstream task of ``key`` that did not succeed, if any."""
        return self._failed_upstream.get(key)

    def enqueue(self, key: Key) -> None:
        """``key`` is resolved and needs a worker."""
        heapq.heappush(self._ready, (self._priority[key], key))

    def defer(self, key: Key, due: float) -> None:
        """A failed attempt of ``key`` will be retried at monotonic time ``due``."""
        self._stopped(key)
        heapq.heappush(self._delayed, (due, self._priority[key], key))

    def take(self, now: float) -> Key | None:
        """The next task that may start now, respecting per-asset limits; marks it running."""
        while self._delayed and self._delayed[0][0] <= now:
            _, priority, key = heapq.heappop(self._delayed)
            heapq.heappush(self._ready, (priority, key))
        while self._ready:
            priority, key = heapq.heappop(self._ready)
            asset = key[0]
            limit = self._limits.get(asset)
            if limit is not None and self._running[asset] >= limit:
                self._held[asset].append((priority, key))
                continue
            self._running[asset] += 1
            self._in_flight.add(key)
            return key
        return None

    @property
    def has_ready(self) -> bool:
        return bool(self._ready)

    def ready_count(self, now: float) -> int:
        """Tasks that could start now if workers were free (limits aside)."""
        return len(self._ready) + sum(1 for due, _, _ in self._delayed if due <= now)

    def next_due(self) -> float | None:
        """When the earliest retry is due (monotonic), if any is waiting."""
        return self._delayed[0][0] if self._delayed else None

    def finish(self, key: Key, ok: bool) -> list[Key]:
        """``key`` reached a final state; return the dependents that are now resolved."""
        self._stopped(key)
        self._unfinished.discard(key)
        resolved = []
        for dependent in self._dependents.pop(key, ()):
            if not ok:
                self._failed_upstream.setdefault(dependent, key)
            self._waiting[dependent] -= 1
            if self._waiting[dependent] == 0:
                resolved.append(dependent)
        return resolved

    def drain(self) -> list[Key]:
        """Unfinished tasks that are not running (for cancellation), in plan order."""
        waiting = [k for k in self._unfinished if k not in self._in_flight]
        self._ready.clear()
        self._delayed.clear()
        self._held.clear()
        return sorted(waiting, key=self._rank.__getitem__)

    def _stopped(self, key: Key) -> None:
        if key not in self._in_flight:
            return
        self._in_flight.discard(key)
        asset = key[0]
        self._running[asset] -= 1
        held = self._held.pop(asset, [])
        for item in held:
            heapq.heappush(self._ready, item)
