"""Test-only fault injection along the commit protocol.

When the environment variable ``ASSETFLOW_FAULT`` names a point (e.g. ``after_rename``), the
process kills itself with SIGKILL on reaching it, exactly like a power cut or ``kill -9``. Crash
tests use this to prove that every instant of the protocol leaves the warehouse consistent.
``after_rename:3`` dies the third time the point is reached, to crash in the middle of a run
after some partitions have committed. Unset (the normal case) it costs one dict lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after_temp_write",
    "after_fsync",
    "after_rename",
    "before_catalog_commit",
    "after_catalog_commit",
    "during_publish",
)

ENV_VAR = "ASSETFLOW_FAULT"

_reached: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Die here with SIGKILL if the test asked for a crash at ``name`` (its Nth time, if given)."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted or not wanted.startswith(name):
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
