"""Worker processes that die while starting (before they load the project), as the OOM killer
or a stray ``kill`` does. ``BOOT_KILL`` names a marker file: the first worker to start creates
it and SIGKILLs itself, later ones start normally; ``BOOT_KILL=always`` kills every worker."""

from __future__ import annotations

import os
import signal
import sys

import polars as pl

import assetflow as af

_marker = os.environ.get("BOOT_KILL")
_in_worker = sys.argv[:1] == ["-c"]  # a worker process (python -c), not the coordinator
if _marker and _in_worker and (_marker == "always" or not os.path.exists(_marker)):
    if _marker != "always":
        open(_marker, "w").close()
    os.kill(os.getpid(), signal.SIGKILL)


@af.asset(partitions=af.DailyPartitions(start="2026-03-01", end="2026-03-04"), code_version="1")
def ticks(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key]})
