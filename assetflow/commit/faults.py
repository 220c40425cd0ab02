"""Test-only fault injection along the commit protocol.

When the environment variable ``ASSETFLOW_FAULT`` names a point (e.g. ``after_rename``), the
process kills itself with SIGKILL on reaching it, exactly like a power cut or ``kill -9``. Crash
tests use this to prove that every instant of the protocol leaves the warehouse consistent.
Unset (the normal case) it costs one dict lookup.
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


def fault_point(name: str) -> None:
    """Die here with SIGKILL if the test asked for a crash at ``name``."""
    if os.environ.get(ENV_VAR) == name:
        os.kill(os.getpid(), signal.SIGKILL)
