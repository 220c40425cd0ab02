"""Ctrl-C while the ``asset`` command is still starting: one line and exit 130, no traceback.

Importing assetflow and its dependencies takes about a second, before :func:`assetflow.cli.main`
can catch anything, and Python's default handler would print a KeyboardInterrupt traceback
from deep inside some import. Only the command's own process is affected (``python -m
assetflow`` or the ``asset`` script, recognised from the command line); importing assetflow as a
library changes no signal handling. ``main`` restores Python's default handler once it runs.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def _interrupted(signum: int, frame: object) -> None:
    os.write(2, b"interrupted\n")
    os._exit(130)


def _is_cli() -> bool:
    argv = list(getattr(sys, "orig_argv", ()))
    if "-m" in argv[:-1] and argv[argv.index("-m") + 1] == "assetflow":
        return True
    return bool(sys.argv) and Path(sys.argv[0]).name in ("asset", "asset.exe")


def install() -> None:
    """Exit quietly on SIGINT until :func:`restore`, in the CLI's process only."""
    if _is_cli() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)


def restore() -> None:
    """Back to KeyboardInterrupt on SIGINT (the CLI handles it from here on)."""
    if signal.getsignal(signal.SIGINT) is _interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)


install()
