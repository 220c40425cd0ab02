"""Ending the ``asset`` process without tearing the interpreter down.

When a command has finished (its catalog writes committed and closed, its output written), a
normal exit still frees every module's objects one by one and runs the native libraries'
destructors (polars, Arrow, DuckDB): 0.1-0.2 s of a cron-style call that takes ~1.3 s, for
memory the kernel frees anyway. The console script therefore runs the exit handlers (``atexit``:
the project's own, logging's, a prestarted worker's), flushes its output and leaves with
``os._exit``. While a non-daemon thread still runs it exits normally instead, since Python would
wait for that thread. Standard library only, like the rest of the CLI's start.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn


def exit_now(code: object = 0) -> NoReturn:
    """Exit with ``code`` as ``sys.exit`` would, skipping the interpreter's teardown."""
    status = _status(code)
    run_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own exit path calls it
    waiting = [
        t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    if run_handlers is None or waiting:
        sys.exit(status)
    run_handlers()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`asset ... | head`) or stream: nothing more can be said there.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _status(code: object) -> int:
    """The process status ``sys.exit(code)`` gives: None is 0, other objects print and give 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1
