"""Starting worker processes, and starting one early.

A worker process is a fresh interpreter that imports the engine (polars, pyarrow: ~1 s), then
waits on its socket for the run's setup. That second is on the critical path of every run that
needs a worker: the coordinator imports, opens the catalog and plans first. A CLI command that
will likely run many tasks in processes (``asset materialize --from/--to``, ``asset backfill``)
calls :func:`prestart` before it imports anything, so the worker's imports overlap the
coordinator's; the pool then :func:`take`\\ s it instead of starting one. A worker nobody takes
(the plan was empty, or small enough for threads) is killed when the command exits, having
cost some CPU on the other core and no wall time. Standard library only: the CLI imports this
before the engine.
"""

from __future__ import annotations

import atexit
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

_BOOT = (
    # Ctrl-C reaches the whole process group: the coordinator decides what stops, so a worker
    # ignores it from its first line (not only once it serves: a traceback from its imports
    # would land on the user's terminal).
    "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "sys.path.insert(0, {root!r}); "
    "from assetflow.execute.worker import child_main; child_main({fd})"
)
_ROOT = str(Path(__file__).resolve().parents[2])
"""The folder holding the ``assetflow`` package, so a worker imports this very copy."""

Started = tuple[subprocess.Popen, Connection]

_waiting: list[Started] = []


def spawn() -> Started:
    """A new worker interpreter and our end of its socket; send it ``(setup, sys.path, cwd)``
    to start serving (``worker.child_main``). It exits when the socket closes."""
    ours, theirs = socket.socketpair()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _BOOT.format(root=_ROOT, fd=theirs.fileno())],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
    finally:
        theirs.close()
    return process, Connection(ours.detach())


def prestart() -> None:
    """Start one worker now for a run that will likely want it (at most one waits)."""
    if not _waiting:
        _waiting.append(spawn())


def take() -> Started | None:
    """The worker :func:`prestart` started, if it is still alive (it is yours now)."""
    while _waiting:
        process, conn = _waiting.pop()
        if process.poll() is None:
            return process, conn
        conn.close()
    return None


def discard() -> None:
    """Kill a prestarted worker nobody took."""
    while _waiting:
        process, conn = _waiting.pop()
        process.kill()
        process.wait()
        conn.close()


atexit.register(discard)
