"""A run that gets SIGTERM after its last task finished, while it is still finishing: the
project's success hook (run after the task, off the coordinator's loop) sleeps, then sends its
own process SIGTERM when ``LATE_TERM=1``."""

from __future__ import annotations

import os
import signal
import time

import polars as pl

import assetflow as af


def _late_term(task: af.TaskResult) -> None:
    if os.environ.get("LATE_TERM") == "1":
        time.sleep(1.0)  # the coordinator is past its task loop by now, waiting for hooks
        os.kill(os.getpid(), signal.SIGTERM)


@af.asset(code_version="1")
def single() -> pl.DataFrame:
    return pl.DataFrame({"x": [1]})


project = af.Project([single], on_success=_late_term)
