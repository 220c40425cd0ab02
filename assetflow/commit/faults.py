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

from assetflow.errors import ConfigError

POINTS = (
    "after_temp_write",
    "after_rename",
    "after_persist",
    "before_catalog_commit",
    "after_catalog_commit",
    "during_publish",
)

ENV_VAR = "ASSETFLOW_FAULT"

_reached: dict[str, int] = {}


def fault_config() -> tuple[str, int] | None:
    """The (point, N) the environment asks for, or None.

    Raises:
        ConfigError: ``ASSETFLOW_FAULT`` is set but is not ``<point>[:N]`` with a known point
            and N >= 1 (it is a test hook; a typo must not pass silently or look like a
            failure of the user's asset).
    """
    wanted = os.environ.get(ENV_VAR)
    if not wanted:
        return None
    point, sep, nth = wanted.partition(":")
    if point in POINTS and (not sep or (nth.isdigit() and int(nth) >= 1)):
        return point, int(nth or 1)
    raise ConfigError(
        f"{ENV_VAR}={wanted[:60]!r} is not <point>[:N] with N >= 1 and a point among "
        f"{', '.join(POINTS)}; it is a test hook for crash tests: unset it"
    )


def fault_point(name: str) -> None:
    """Die here with SIGKILL if the test asked for a crash at ``name`` (its Nth time, if given)."""
    wanted = os.environ.get(ENV_VAR)
    if not wanted or not wanted.startswith(name):
        return
    found = fault_config()
    if found is None or found[0] != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= found[1]:
        os.kill(os.getpid(), signal.SIGKILL)
