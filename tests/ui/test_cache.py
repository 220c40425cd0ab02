"""SnapshotCache: a page never waits for a recomputation once a value exists."""

from __future__ import annotations

import threading
import time

from assetflow.ui.cache import SnapshotCache

V1, V2 = ("0001-a", "202604101200"), ("0002-b", "202604101200")


class Counter:
    """A computation that counts its calls and can be held until released."""

    def __init__(self, value):
        self.value, self.calls, self.gate = value, 0, threading.Event()
        self.gate.set()

    def __call__(self):
        self.calls += 1
        assert self.gate.wait(10)
        return self.value


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_version_is_computed_once():
    cache, first = SnapshotCache(), Counter("one")
    assert cache.get("k", V1, first) == ("one", V1)
    assert cache.get("k", V1, first) == ("one", V1)
    assert first.calls == 1


def test_a_new_version_is_served_stale_until_computed_in_the_background():
    cache, first, second = SnapshotCache(), Counter("one"), Counter("two")
    cache.get("k", V1, first)
    second.gate.clear()  # hold the background computation
    for _ in range(3):
        assert cache.get("k", V2, second) == ("one", V1)
    second.gate.set()
    wait_until(lambda: cache.get("k", V2, second) == ("two", V2))
    assert second.calls == 1  # asked three times, computed once


def test_exact_computes_the_asked_version_now():
    cache = SnapshotCache()
    cache.get("k", V1, Counter("one"))
    assert cache.get("k", V2, Counter("two"), exact=True) == ("two", V2)


def test_an_older_version_never_replaces_a_newer_one():
    cache = SnapshotCache()
    cache.get("k", V2, Counter("two"))
    cache.get("k", V1, Counter("one"), exact=True)
    assert cache.get("k", V2, Counter("unused")) == ("two", V2)


def test_the_least_recently_used_keys_are_dropped():
    cache = SnapshotCache(size=2)
    for key in ("a", "b", "c"):
        cache.get(key, V1, Counter(key))
    again = Counter("a again")
    assert cache.get("a", V1, again) == ("a again", V1) and again.calls == 1
